//! kordon entities as FollowTheMoney (FtM) entities, the shape yente's API
//! speaks, and FtM query entities as kordon party queries. The property
//! mapping tables live in `data/ftm_mapping.toml`.

use kordon_model::{CountryRole, DateKind, Entity, NameKind, Schema};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

#[derive(Deserialize)]
struct Mapping {
    identifier_property: HashMap<String, String>,
    name_property: HashMap<String, String>,
    country_property: HashMap<String, String>,
    schema: HashMap<String, String>,
    query: QueryMapping,
}

#[derive(Deserialize)]
pub struct QueryMapping {
    pub names: Vec<String>,
    pub name_parts: Vec<String>,
    pub countries: Vec<String>,
    pub dates: Vec<String>,
    pub identifiers: Vec<String>,
}

fn mapping() -> &'static Mapping {
    static MAPPING: OnceLock<Mapping> = OnceLock::new();
    MAPPING.get_or_init(|| {
        // The file is compiled in and covered by tests: a parse failure is a
        // build defect, not an input error.
        toml::from_str(include_str!("../data/ftm_mapping.toml"))
            .expect("data/ftm_mapping.toml is valid")
    })
}

pub fn query_mapping() -> &'static QueryMapping {
    &mapping().query
}

pub fn schema_name(schema: Schema) -> &'static str {
    mapping()
        .schema
        .get(schema.as_str())
        .map(String::as_str)
        .unwrap_or("LegalEntity")
}

fn name_kind_key(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Primary => "primary",
        NameKind::Alias => "alias",
        NameKind::WeakAlias => "weak_alias",
        NameKind::Former => "former",
        NameKind::NowKnownAs => "now_known_as",
        NameKind::Variant => "variant",
    }
}

fn country_role_key(role: CountryRole) -> &'static str {
    match role {
        CountryRole::Nationality => "nationality",
        CountryRole::Citizenship => "citizenship",
        CountryRole::Residence => "residence",
        CountryRole::Address => "address",
        CountryRole::Registration => "registration",
        CountryRole::BirthPlace => "birth_place",
        CountryRole::Flag => "flag",
        CountryRole::Other => "other",
    }
}

/// FtM properties of a listed entity; values keep the list's spelling, and
/// countries are lower-case ISO codes as FtM writes them.
pub fn properties(e: &Entity) -> BTreeMap<String, Vec<String>> {
    let m = mapping();
    let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        let v = v.trim();
        if v.is_empty() {
            return;
        }
        let vals = props.entry(k.to_string()).or_default();
        if !vals.iter().any(|x| x == v) {
            vals.push(v.to_string());
        }
    };
    for n in &e.names {
        if let Some(p) = m.name_property.get(name_kind_key(n.kind)) {
            put(p, &n.full);
        }
    }
    for d in &e.dates {
        let prop = match d.kind {
            DateKind::Birth => "birthDate",
            DateKind::Death => "deathDate",
            DateKind::Incorporation => "incorporationDate",
            DateKind::Listing => "createdAt",
            DateKind::Other => continue,
        };
        put(prop, &d.date.to_string());
    }
    for p in &e.places_of_birth {
        put("birthPlace", p);
    }
    for c in &e.countries {
        if let (Some(code), Some(p)) = (&c.code, m.country_property.get(country_role_key(c.role))) {
            put(p, &code.to_ascii_lowercase());
        }
    }
    for a in &e.addresses {
        let full = a.full.clone().unwrap_or_else(|| {
            [&a.street, &a.city, &a.region, &a.postal_code, &a.country]
                .iter()
                .filter_map(|x| x.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        });
        put("address", &full);
        if let Some(code) = &a.country_code {
            put("country", &code.to_ascii_lowercase());
        }
    }
    for i in &e.identifiers {
        if let Some(p) = m.identifier_property.get(i.kind.as_str()) {
            put(p, &i.value);
        }
    }
    for p in &e.programs {
        put("program", &p.code);
    }
    for t in &e.topics {
        put("topics", t);
    }
    for u in &e.source_urls {
        put("sourceUrl", u);
    }
    for r in &e.remarks {
        put("notes", r);
    }
    for t in &e.titles {
        put("title", t);
    }
    for p in &e.positions {
        put("position", p);
    }
    if let Some(g) = &e.gender {
        put("gender", &g.to_ascii_lowercase());
    }
    if let Some(a) = &e.authority {
        put("authority", a);
    }
    if let Some(v) = &e.vessel.vessel_type {
        put("type", v);
    }
    if let Some(v) = &e.vessel.flag {
        put("flag", v);
    }
    if let Some(v) = &e.vessel.tonnage {
        put("tonnage", v);
    }
    if let Some(v) = &e.vessel.gross_tonnage {
        put("grossRegisteredTonnage", v);
    }
    if let Some(v) = &e.vessel.call_sign {
        put("callSign", v);
    }
    props
}

/// A listed entity as a yente result entity (without score fields).
pub fn entity_json(e: &Entity) -> serde_json::Value {
    serde_json::json!({
        "id": e.id,
        "caption": e.caption(),
        "schema": schema_name(e.schema),
        "properties": properties(e),
        "datasets": [e.source],
        "referents": [],
        "target": true,
        "first_seen": null,
        "last_seen": null,
        "last_change": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_model::{Identifier, IdentifierKind, Name};

    #[test]
    fn maps_names_identifiers_and_countries() {
        let mut e = Entity::new("us_ofac_sdn", "1", Schema::Vessel);
        e.push_name(Name::new("SEA STAR", NameKind::Primary));
        e.push_name(Name::new("STAR", NameKind::WeakAlias));
        e.push_identifier(Identifier {
            kind: IdentifierKind::Imo,
            value: "9137674".into(),
            label: None,
            country: None,
            remark: None,
        });
        e.push_country(CountryRole::Flag, "Iran");
        let p = properties(&e);
        assert_eq!(p["name"], vec!["SEA STAR"]);
        assert_eq!(p["weakAlias"], vec!["STAR"]);
        assert_eq!(p["imoNumber"], vec!["9137674"]);
        assert_eq!(p["flag"], vec!["ir"]);
        assert_eq!(schema_name(Schema::Aircraft), "Airplane");
        assert_eq!(schema_name(Schema::Unknown), "LegalEntity");
        assert!(query_mapping().identifiers.iter().any(|i| i == "imoNumber"));
    }
}

//! OFAC advanced XML (`sdn_advanced.xml`, `cons_advanced.xml`; namespace
//! `http://www.un.org/sanctions/1.0`).
//!
//! The list's own structure: a `DateOfIssue`, then `ReferenceValueSets` (every
//! code the file uses: alias types, party types and sub-types, feature types, ID
//! document types, countries, area codes, scripts, relation types, programs...),
//! then `Locations` and `IDRegDocuments` (referenced by ID from parties), then
//! `DistinctParties`: `DistinctParty[FixedRef = ent_num]` → `Profile` (its
//! `PartySubTypeID` gives the schema) → `Identity` → `Alias` (`Primary`,
//! `LowQuality` = OFAC's weak a.k.a., `AliasTypeID`) → `DocumentedName` (one per
//! script) → `DocumentedNamePart` → `NamePartValue`, whose `NamePartGroupID`
//! resolves through the identity's `NamePartGroups` to a name part type. A
//! profile's `Feature`s carry birth dates (`DatePeriod`), places, nationality,
//! vessel particulars, e-mail, website... Last come `ProfileRelationships` and
//! `SanctionsEntries` (list, programs, listing date), keyed by profile ID.
//!
//! The file is streamed with quick-xml one record (one `DistinctParty`, one
//! `Location`...) at a time; each record is collected into a small tree. Because
//! programs and relationships come after all parties, entities are held until
//! the end of the file: memory grows with the number of parties, not the bytes.

use crate::ofac_csv::{label_meaning, LabelMeaning};
use crate::xml_records::{collect_subtree, element, Node};
use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    country_code, Address, CountryRole, DateKind, Entity, Identifier, Link, LinkKind, Name,
    NameKind, NameParts, PartialDate, Program, Schema,
};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::OnceLock;

/// What the XML-specific table (`data/ofac_advanced.tsv`) says.
struct Meanings {
    name_parts: HashMap<String, &'static str>,
    parties: HashMap<String, Schema>,
    features: HashMap<String, &'static str>,
    relations: HashMap<String, LinkKind>,
    scripts: HashMap<String, Option<&'static str>>,
}

const MEANINGS_TSV: &str = include_str!("../data/ofac_advanced.tsv");

fn meanings() -> &'static Meanings {
    static M: OnceLock<Meanings> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = Meanings {
            name_parts: HashMap::new(),
            parties: HashMap::new(),
            features: HashMap::new(),
            relations: HashMap::new(),
            scripts: HashMap::new(),
        };
        for line in MEANINGS_TSV.lines() {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let [section, key, meaning] = cols[..] else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            match section {
                "name_part" => {
                    m.name_parts.insert(key, meaning);
                }
                "party" => {
                    if let Some(s) = Schema::parse(meaning) {
                        m.parties.insert(key, s);
                    }
                }
                "feature" => {
                    m.features.insert(key, meaning);
                }
                "relation" => {
                    let kind =
                        serde_json::from_value(serde_json::Value::String(meaning.to_string()))
                            .unwrap_or(LinkKind::LinkedTo);
                    m.relations.insert(key, kind);
                }
                "script" => {
                    m.scripts.insert(key, (meaning != "-").then_some(meaning));
                }
                _ => {}
            }
        }
        m
    })
}

/// Reference values by (element name, ID), e.g. ("AliasType", "1400").
#[derive(Default)]
struct References {
    values: HashMap<(String, String), Node>,
    locations: HashMap<String, Node>,
    /// ID documents by the identity they belong to.
    documents: HashMap<String, Vec<Node>>,
}

impl References {
    fn get(&self, element: &str, id: Option<&str>) -> Option<&Node> {
        self.values.get(&(element.to_string(), id?.to_string()))
    }

    fn text(&self, element: &str, id: Option<&str>) -> Option<&str> {
        self.get(element, id)
            .map(Node::value)
            .filter(|v| !v.is_empty())
    }

    /// Country name and ISO code for a `CountryID`.
    fn country(&self, id: Option<&str>) -> Option<(String, Option<String>)> {
        let c = self.get("Country", id)?;
        let name = c.value().to_string();
        if name.is_empty() || name.eq_ignore_ascii_case("undetermined") {
            return None;
        }
        let code = c
            .attr("ISO2")
            .map(str::to_string)
            .or_else(|| country_code(&name).map(str::to_string));
        Some((name, code))
    }
}

/// Parse an advanced XML file.
pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    for path in &input.files {
        parse_file(path, &input.source, report, sink)?;
    }
    Ok(())
}

fn parse_file(
    path: &Path,
    source: &str,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut records = Records::new(input::open(path)?, path);
    let mut refs = References::default();
    let mut parties: Vec<Entity> = Vec::new();
    let mut by_profile: HashMap<String, usize> = HashMap::new();
    let mut relationships: Vec<(String, Node)> = Vec::new();
    let mut entries: Vec<(String, Node)> = Vec::new();

    while let Some((xpath, container, node)) = records.next()? {
        match (container.as_str(), node.name.as_str()) {
            ("Sanctions", "DateOfIssue") => {
                report.published = date_of(&node).map(|d| d.to_string())
            }
            ("Locations", "Location") => {
                if let Some(id) = node.attr("ID") {
                    refs.locations.insert(id.to_string(), node);
                }
            }
            ("IDRegDocuments", "IDRegDocument") => {
                if let Some(identity) = node.attr("IdentityID") {
                    refs.documents
                        .entry(identity.to_string())
                        .or_default()
                        .push(node);
                }
            }
            ("DistinctParties", "DistinctParty") => {
                let entity = distinct_party(&node, &xpath, path, source, &refs, report)?;
                report.bump("distinct_parties", 1);
                if let Some(profile) = node.child("Profile").and_then(|p| p.attr("ID")) {
                    by_profile.insert(profile.to_string(), parties.len());
                }
                parties.push(entity);
            }
            ("ProfileRelationships", "ProfileRelationship") => relationships.push((xpath, node)),
            ("SanctionsEntries", "SanctionsEntry") => entries.push((xpath, node)),
            ("SanctionsEntryLinks", _) => {}
            (c, _) if records.in_reference_values() || c.ends_with("Values") => {
                if let Some(id) = node.attr("ID") {
                    refs.values
                        .insert((node.name.clone(), id.to_string()), node);
                }
            }
            _ => {
                report.bump("unknown_elements", 1);
                report.warn(Warning::new(
                    path,
                    Location::Xml {
                        path: xpath,
                        byte: node.byte,
                    },
                    format!("element <{}> not understood; skipped", node.name),
                ));
            }
        }
    }

    for (xpath, entry) in &entries {
        let Some(&i) = entry.attr("ProfileID").and_then(|p| by_profile.get(p)) else {
            report.bump("orphan_sanctions_entries", 1);
            report.warn(Warning::new(
                path,
                Location::Xml {
                    path: xpath.clone(),
                    byte: entry.byte,
                },
                "SanctionsEntry for a profile not in the file",
            ));
            continue;
        };
        report.bump("sanctions_entries", 1);
        sanctions_entry(&mut parties[i], entry, &refs);
    }

    for (xpath, rel) in &relationships {
        let from = rel
            .attr("From-ProfileID")
            .and_then(|p| by_profile.get(p))
            .copied();
        let to_id = rel.attr("To-ProfileID").unwrap_or_default();
        let Some(from) = from else {
            report.bump("orphan_relationships", 1);
            report.warn(Warning::new(
                path,
                Location::Xml {
                    path: xpath.clone(),
                    byte: rel.byte,
                },
                "ProfileRelationship from a profile not in the file",
            ));
            continue;
        };
        let target = by_profile.get(to_id).map(|&t| &parties[t]);
        let relation = refs
            .text("RelationType", rel.attr("RelationTypeID"))
            .unwrap_or("related to");
        let kind = meanings()
            .relations
            .get(&relation.to_ascii_lowercase())
            .copied()
            .unwrap_or(LinkKind::LinkedTo);
        let mut remark = relation.to_string();
        if rel.attr("Former") == Some("true") {
            remark.push_str(" (former)");
        }
        let link = Link {
            kind,
            target_id: Some(
                target
                    .map(|t| t.id.clone())
                    .unwrap_or_else(|| format!("{source}:{to_id}")),
            ),
            target_name: target.map(|t| t.caption().to_string()),
            remark: Some(remark),
        };
        report.bump("relationships", 1);
        parties[from].links.push(link);
    }

    for entity in parties {
        report.bump("identifiers", entity.identifiers.len() as u64);
        report.count_entity(&entity);
        sink(entity)?;
    }
    Ok(())
}

fn distinct_party(
    node: &Node,
    xpath: &str,
    file: &Path,
    source: &str,
    refs: &References,
    report: &mut ParseReport,
) -> Result<Entity, SourceError> {
    let err = |msg: &str| {
        SourceError::new(
            file,
            Location::Xml {
                path: xpath.to_string(),
                byte: node.byte,
            },
            msg,
        )
    };
    let fixed_ref = node
        .attr("FixedRef")
        .ok_or_else(|| err("DistinctParty without FixedRef").with_field("FixedRef"))?;
    let profile = node
        .child("Profile")
        .ok_or_else(|| err("DistinctParty without Profile").with_field("Profile"))?;
    let schema = party_schema(profile, refs);
    let mut e = Entity::new(source, fixed_ref, schema);
    e.authority = Some("OFAC".to_string());
    e.topics.push("sanction".to_string());
    for comment in [node.child_value("Comment"), profile.child_value("Comment")]
        .into_iter()
        .flatten()
    {
        e.push_remark(comment);
    }

    let identities: Vec<&Node> = profile.children("Identity").collect();
    for identity in &identities {
        let groups: HashMap<&str, &str> = {
            let mut out = Vec::new();
            identity.descendants("NamePartGroup", &mut out);
            out.into_iter()
                .filter_map(|g| {
                    let t = refs.text("NamePartType", g.attr("NamePartTypeID"))?;
                    Some((g.attr("ID")?, t))
                })
                .collect()
        };
        for alias in identity.children("Alias") {
            for documented in alias.children("DocumentedName") {
                let name = documented_name(alias, documented, &groups, schema, refs);
                if name.full.is_empty() {
                    continue;
                }
                report.bump("documented_names", 1);
                if name.kind == NameKind::WeakAlias {
                    report.bump("weak_aliases", 1);
                }
                if name.script.is_some() {
                    report.bump("non_latin_names", 1);
                }
                // The primary Latin name comes first so it is the caption.
                if name.kind == NameKind::Primary && name.script.is_none() {
                    e.names.insert(0, name);
                } else {
                    e.push_name(name);
                }
            }
        }
        if let Some(docs) = identity.attr("ID").and_then(|id| refs.documents.get(id)) {
            for doc in docs {
                id_document(&mut e, doc, refs);
            }
        }
    }

    for feature in profile.children("Feature") {
        apply_feature(&mut e, feature, refs, report);
    }
    Ok(e)
}

fn party_schema(profile: &Node, refs: &References) -> Schema {
    let m = meanings();
    let Some(sub) = refs.get("PartySubType", profile.attr("PartySubTypeID")) else {
        return Schema::Unknown;
    };
    if let Some(s) = m.parties.get(&sub.value().to_ascii_lowercase()) {
        return *s;
    }
    refs.text("PartyType", sub.attr("PartyTypeID"))
        .and_then(|t| m.parties.get(&t.to_ascii_lowercase()).copied())
        .unwrap_or(Schema::Unknown)
}

fn documented_name(
    alias: &Node,
    documented: &Node,
    groups: &HashMap<&str, &str>,
    schema: Schema,
    refs: &References,
) -> Name {
    let m = meanings();
    let alias_type = refs
        .text("AliasType", alias.attr("AliasTypeID"))
        .unwrap_or("");
    let kind = if alias.attr("LowQuality") == Some("true") {
        NameKind::WeakAlias
    } else if alias.attr("Primary") == Some("true") {
        NameKind::Primary
    } else {
        match alias_type.to_ascii_uppercase().as_str() {
            "F.K.A." => NameKind::Former,
            "N.K.A." => NameKind::NowKnownAs,
            _ => NameKind::Alias,
        }
    };
    let mut parts = NameParts::default();
    let mut family: Vec<&str> = Vec::new();
    let mut rest: Vec<&str> = Vec::new();
    let mut script = None;
    for part in documented.children("DocumentedNamePart") {
        let Some(value) = part.child("NamePartValue") else {
            continue;
        };
        let text = value.value();
        if text.is_empty() {
            continue;
        }
        if script.is_none() {
            script = refs.get("Script", value.attr("ScriptID")).and_then(|s| {
                let lookup = |k: &str| m.scripts.get(&k.to_ascii_lowercase()).copied();
                s.attr("ScriptCode")
                    .and_then(lookup)
                    .or_else(|| lookup(s.value()))
                    // An unmapped script keeps OFAC's own name rather than passing as Latin.
                    .unwrap_or(Some(s.value()))
                    .map(str::to_string)
            });
        }
        let part_type = value
            .attr("NamePartGroupID")
            .and_then(|g| groups.get(g))
            .copied()
            .unwrap_or("");
        let slot = match m.name_parts.get(&part_type.to_ascii_lowercase()).copied() {
            Some("family") => Some(&mut parts.family),
            Some("given") => Some(&mut parts.given),
            Some("middle") => Some(&mut parts.middle),
            Some("patronymic") => Some(&mut parts.patronymic),
            _ => None,
        };
        if part_type.eq_ignore_ascii_case("Last Name") {
            family.push(text);
        } else {
            rest.push(text);
        }
        if let Some(slot) = slot {
            match slot {
                Some(existing) => {
                    existing.push(' ');
                    existing.push_str(text);
                }
                None => *slot = Some(text.to_string()),
            }
        }
    }
    // Individuals read "SURNAME, Given Names" as in OFAC's other files.
    let full = if !family.is_empty() && !rest.is_empty() && schema == Schema::Person {
        format!("{}, {}", family.join(" "), rest.join(" "))
    } else {
        family
            .iter()
            .chain(rest.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut name = Name::new(full, kind);
    if schema == Schema::Person {
        name.parts = parts;
    }
    name.script = script;
    if kind == NameKind::WeakAlias {
        name.remark = Some(format!(
            "low quality {}",
            if alias_type.is_empty() {
                "alias"
            } else {
                alias_type
            }
        ));
    }
    name
}

fn id_document(e: &mut Entity, doc: &Node, refs: &References) {
    let Some(number) = doc.child_value("IDRegistrationNo") else {
        return;
    };
    let doc_type = refs
        .text("IDRegDocType", doc.attr("IDRegDocTypeID"))
        .unwrap_or("ID document");
    let country = refs
        .country(doc.attr("IssuedBy-CountryID"))
        .and_then(|(_, code)| code);
    let mut remarks: Vec<String> = Vec::new();
    for key in ["Comment", "IssuingAuthority"] {
        if let Some(v) = doc.child_value(key) {
            remarks.push(v.to_string());
        }
    }
    for date in doc.children("DocumentDate") {
        let what = refs
            .text("IDRegDocDateType", date.attr("IDRegDocDateTypeID"))
            .unwrap_or("Date");
        if let Some(d) = date.child("DatePeriod").and_then(date_period) {
            remarks.push(format!("{what} {d}"));
        }
    }
    let mut id = match label_meaning(doc_type, number, country.as_deref()) {
        Some(LabelMeaning::Identifier(id)) => id,
        _ => Identifier {
            kind: kordon_model::IdentifierKind::Other,
            value: number.to_string(),
            label: Some(doc_type.to_string()),
            country,
            remark: None,
        },
    };
    if !remarks.is_empty() {
        id.remark = Some(remarks.join("; "));
    }
    e.push_identifier(id);
}

fn apply_feature(e: &mut Entity, feature: &Node, refs: &References, report: &mut ParseReport) {
    let feature_type = refs
        .text("FeatureType", feature.attr("FeatureTypeID"))
        .unwrap_or("Feature");
    let meaning = meanings()
        .features
        .get(&feature_type.to_ascii_lowercase())
        .copied();
    for version in feature.children("FeatureVersion") {
        let detail = version.child("VersionDetail");
        // A LOOKUP detail names a reference value ("Male", "Subject to Directive 1").
        let text = detail
            .and_then(|d| {
                d.attr("DetailReferenceID")
                    .and_then(|id| refs.text("DetailReference", Some(id)))
                    .or(Some(d.value()))
            })
            .filter(|v| !v.is_empty());
        let location = version
            .child("VersionLocation")
            .and_then(|l| refs.locations.get(l.attr("LocationID")?))
            .map(|l| location_address(l, refs));
        let date = version.child("DatePeriod").and_then(date_period);
        let country_text = location.as_ref().and_then(|a| a.country.clone());
        let understood = match meaning {
            Some("birth_date") => date
                .clone()
                .map(|d| e.push_date(DateKind::Birth, d))
                .is_some(),
            Some("incorporation_date") => date
                .clone()
                .map(|d| e.push_date(DateKind::Incorporation, d))
                .is_some(),
            Some("birth_place") => {
                let place = text
                    .map(str::to_string)
                    .or_else(|| location.as_ref().and_then(|a| a.full.clone()));
                if let Some(c) = &country_text {
                    e.push_country(CountryRole::BirthPlace, c);
                }
                place
                    .map(|p| {
                        if !e.places_of_birth.contains(&p) {
                            e.places_of_birth.push(p);
                        }
                    })
                    .is_some()
            }
            Some(role @ ("citizenship" | "nationality" | "registration_country")) => {
                let role = match role {
                    "citizenship" => CountryRole::Citizenship,
                    "nationality" => CountryRole::Nationality,
                    _ => CountryRole::Registration,
                };
                country_text
                    .clone()
                    .or(text.map(str::to_string))
                    .map(|c| e.push_country(role, &c))
                    .is_some()
            }
            Some("address") => match location.clone() {
                Some(a) if a.full.is_some() => {
                    if let Some(c) = &a.country {
                        e.push_country(CountryRole::Address, c);
                    }
                    if !e.addresses.contains(&a) {
                        e.addresses.push(a);
                    }
                    true
                }
                // OFAC gives many parties an empty "undetermined" location.
                _ => true,
            },
            Some("gender") => text.map(|g| e.gender = Some(g.to_string())).is_some(),
            Some("title") => text.map(|t| e.titles.push(t.to_string())).is_some(),
            Some("vessel_flag") => country_text
                .clone()
                .or(text.map(str::to_string))
                .map(|f| {
                    e.push_country(CountryRole::Flag, &f);
                    e.vessel.flag = Some(f);
                })
                .is_some(),
            Some(vessel_field) if vessel_field.starts_with("vessel_") => text
                .map(|t| {
                    let t = Some(t.to_string());
                    match vessel_field {
                        "vessel_call_sign" => {
                            e.push_identifier(Identifier {
                                kind: kordon_model::IdentifierKind::CallSign,
                                value: t.clone().unwrap_or_default(),
                                label: Some(feature_type.to_string()),
                                country: None,
                                remark: None,
                            });
                            e.vessel.call_sign = t;
                        }
                        "vessel_owner" => e.vessel.owner = t,
                        "vessel_tonnage" => e.vessel.tonnage = t,
                        "vessel_gross_tonnage" => e.vessel.gross_tonnage = t,
                        _ => e.vessel.vessel_type = t,
                    }
                })
                .is_some(),
            _ => match (text, label_meaning(feature_type, text.unwrap_or(""), None)) {
                (Some(_), Some(LabelMeaning::Identifier(id))) => {
                    e.push_identifier(id);
                    true
                }
                _ => false,
            },
        };
        if !understood {
            // Kept as "Feature type: value", the way the legacy CSV remarks read.
            let value = text
                .map(str::to_string)
                .or_else(|| date.as_ref().map(PartialDate::to_string))
                .or_else(|| location.as_ref().and_then(|a| a.full.clone()));
            let label = feature_type.trim_end_matches([':', ' ', '-']);
            e.push_remark(&match value {
                Some(v) => format!("{label}: {v}"),
                None => label.to_string(),
            });
            report.bump("features_as_remarks", 1);
        }
    }
}

fn location_address(loc: &Node, refs: &References) -> Address {
    let mut a = Address::default();
    let mut street: Vec<&str> = Vec::new();
    for part in loc.children("LocationPart") {
        let kind = refs
            .text("LocPartType", part.attr("LocPartTypeID"))
            .unwrap_or("");
        let Some(value) = part
            .children("LocationPartValue")
            .find_map(|v| v.child_value("Value"))
        else {
            continue;
        };
        let slot = match kind.to_ascii_uppercase().as_str() {
            "ADDRESS1" | "ADDRESS2" | "ADDRESS3" => {
                street.push(value);
                continue;
            }
            "CITY" => &mut a.city,
            "STATE/PROVINCE" => &mut a.region,
            "POSTAL CODE" => &mut a.postal_code,
            "REGION" if a.region.is_none() => &mut a.region,
            _ => &mut a.remark,
        };
        *slot = Some(value.to_string());
    }
    if !street.is_empty() {
        a.street = Some(street.join(", "));
    }
    let country = loc
        .child("LocationCountry")
        .and_then(|c| refs.country(c.attr("CountryID")))
        .or_else(|| {
            let area = refs.get(
                "AreaCode",
                loc.child("LocationAreaCode")?.attr("AreaCodeID"),
            )?;
            let name = area.attr("Description")?;
            (!name.eq_ignore_ascii_case("undetermined")).then(|| {
                (
                    name.to_string(),
                    Some(area.value().to_string()).filter(|c| !c.is_empty()),
                )
            })
        });
    if let Some((name, code)) = country {
        a.country = Some(name);
        a.country_code = code;
    }
    let full: Vec<&str> = [&a.street, &a.city, &a.region, &a.postal_code, &a.country]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !full.is_empty() {
        a.full = Some(full.join(", "));
    }
    a
}

fn sanctions_entry(e: &mut Entity, entry: &Node, refs: &References) {
    if let Some(list) = refs.text("List", entry.attr("ListID")) {
        match &mut e.list_name {
            Some(l) if !l.split("; ").any(|x| x == list) => {
                l.push_str("; ");
                l.push_str(list);
            }
            Some(_) => {}
            None => e.list_name = Some(list.to_string()),
        }
    }
    for event in entry.children("EntryEvent") {
        if let Some(d) = event.child("Date").and_then(date_of) {
            if e.listed_on
                .as_ref()
                .is_none_or(|cur| (d.year, d.month, d.day) < (cur.year, cur.month, cur.day))
            {
                e.listed_on = Some(d);
            }
        }
        if let Some(basis) = refs.get("LegalBasis", event.attr("LegalBasisID")) {
            let short = basis.attr("LegalBasisShortRef").unwrap_or(basis.value());
            if !short.eq_ignore_ascii_case("unknown") {
                e.push_remark(&format!("Legal basis: {short}"));
            }
        }
    }
    for measure in entry.children("SanctionsMeasure") {
        let measure_type = refs
            .text("SanctionsType", measure.attr("SanctionsTypeID"))
            .unwrap_or("");
        let comment = measure.child_value("Comment");
        if measure_type.eq_ignore_ascii_case("Program") {
            if let Some(code) = comment {
                if !e.programs.iter().any(|p| p.code == code) {
                    e.programs.push(Program {
                        code: code.to_string(),
                        name: None,
                    });
                }
            }
        } else if !measure_type.is_empty() {
            let text = match comment {
                Some(c) => format!("Sanctions measure: {measure_type} ({c})"),
                None => format!("Sanctions measure: {measure_type}"),
            };
            e.push_remark(&text);
        }
    }
}

/// `<Year>/<Month>/<Day>` children as a date.
fn date_of(node: &Node) -> Option<PartialDate> {
    let year: i32 = node.child_value("Year")?.parse().ok()?;
    let month: Option<u8> = node.child_value("Month").and_then(|m| m.parse().ok());
    let day: Option<u8> = node.child_value("Day").and_then(|d| d.parse().ok());
    Some(match (month, day) {
        (Some(m), Some(d)) => PartialDate::ymd(year, m, d),
        (Some(m), None) => PartialDate {
            month: Some(m),
            ..PartialDate::year(year)
        },
        _ => PartialDate::year(year),
    })
}

/// A `DatePeriod` as the precision it really states: OFAC writes "1962" as the
/// period 1962-01-01 .. 1962-12-31, "circa 1958" with `Approximate="true"`, and
/// "1960 to 1962" as 1960-01-01 .. 1962-12-31.
fn date_period(period: &Node) -> Option<PartialDate> {
    let start = period.child("Start")?;
    let end = period.child("End");
    let from = start
        .child("From")
        .and_then(date_of)
        .or_else(|| start.child("To").and_then(date_of))?;
    let to = end
        .and_then(|e| {
            e.child("To")
                .and_then(date_of)
                .or_else(|| e.child("From").and_then(date_of))
        })
        .unwrap_or_else(|| from.clone());
    let approximate = start.attr("Approximate") == Some("true")
        || end.and_then(|e| e.attr("Approximate")) == Some("true");
    let whole_year = |d: &PartialDate, first: bool| {
        if first {
            d.month == Some(1) && d.day == Some(1)
        } else {
            d.month == Some(12) && d.day == Some(31)
        }
    };
    let mut d = if from == to {
        from
    } else if from.year == to.year && from.month == to.month && from.day == Some(1) {
        PartialDate { day: None, ..from }
    } else if from.year == to.year && whole_year(&from, true) && whole_year(&to, false) {
        PartialDate::year(from.year)
    } else if to.year > from.year {
        PartialDate {
            to_year: Some(to.year),
            ..PartialDate::year(from.year)
        }
    } else {
        PartialDate::year(from.year)
    };
    d.approximate = approximate;
    Some(d)
}

// ---------------------------------------------------------------------------
// Streaming: one record element at a time.

/// Elements that only hold records, by the name of their parent ("" = document).
fn is_container(parent: Option<&str>, name: &str, grandparent: Option<&str>) -> bool {
    match parent {
        None => true,
        Some("Sanctions") => matches!(
            name,
            "ReferenceValueSets"
                | "Locations"
                | "IDRegDocuments"
                | "DistinctParties"
                | "ProfileRelationships"
                | "SanctionsEntries"
                | "SanctionsEntryLinks"
        ),
        Some("ReferenceValueSets") => grandparent == Some("Sanctions"),
        _ => false,
    }
}

struct Frame {
    name: String,
    child_counts: HashMap<String, usize>,
}

struct Records<'p, R: BufRead> {
    reader: Reader<R>,
    file: &'p Path,
    buf: Vec<u8>,
    outer: Vec<Frame>,
}

impl<'p, R: BufRead> Records<'p, R> {
    fn new(source: R, file: &'p Path) -> Self {
        let mut reader = Reader::from_reader(source);
        reader.config_mut().check_end_names = true;
        Records {
            reader,
            file,
            buf: Vec::with_capacity(8192),
            outer: Vec::new(),
        }
    }

    fn in_reference_values(&self) -> bool {
        self.outer.len() >= 2 && self.outer[1].name == "ReferenceValueSets"
    }

    fn outer_path(&self) -> String {
        self.outer.iter().map(|f| format!("/{}", f.name)).collect()
    }

    fn error(&self, path: String, byte: u64, message: impl Into<String>) -> SourceError {
        SourceError::new(self.file, Location::Xml { path, byte }, message)
    }

    /// The next record: its XML path, its container's name and the collected tree.
    fn next(&mut self) -> Result<Option<(String, String, Node)>, SourceError> {
        loop {
            let byte = self.reader.buffer_position();
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e.into_owned(),
                Err(e) => {
                    let at = self.reader.error_position();
                    return Err(self.error(self.outer_path(), at, format!("malformed XML: {e}")));
                }
            };
            match event {
                Event::Start(start) => {
                    let node = element(&start, byte).map_err(|e| {
                        self.error(self.outer_path(), byte, format!("malformed XML: {e}"))
                    })?;
                    let parent = self.outer.last().map(|f| f.name.as_str());
                    let grandparent = self
                        .outer
                        .len()
                        .checked_sub(2)
                        .map(|i| self.outer[i].name.as_str());
                    if is_container(parent, &node.name, grandparent) {
                        self.outer.push(Frame {
                            name: node.name,
                            child_counts: HashMap::new(),
                        });
                        continue;
                    }
                    let (path, container) = self.record_path(&node.name);
                    let node = self.collect(node, &path)?;
                    return Ok(Some((path, container, node)));
                }
                Event::Empty(start) => {
                    let node = element(&start, byte).map_err(|e| {
                        self.error(self.outer_path(), byte, format!("malformed XML: {e}"))
                    })?;
                    if self.outer.is_empty() {
                        return Ok(None);
                    }
                    let parent = self.outer.last().map(|f| f.name.as_str());
                    let grandparent = self
                        .outer
                        .len()
                        .checked_sub(2)
                        .map(|i| self.outer[i].name.as_str());
                    if is_container(parent, &node.name, grandparent) {
                        continue;
                    }
                    let (path, container) = self.record_path(&node.name);
                    return Ok(Some((path, container, node)));
                }
                Event::End(_) => {
                    self.outer.pop();
                    if self.outer.is_empty() {
                        return Ok(None);
                    }
                }
                Event::Eof => {
                    if self.outer.is_empty() {
                        return Err(self.error(
                            String::new(),
                            byte,
                            "no XML root element: empty or not XML",
                        ));
                    }
                    return Err(self.error(
                        self.outer_path(),
                        byte,
                        "truncated XML: the file ends inside an open element",
                    ));
                }
                _ => {}
            }
        }
    }

    fn record_path(&mut self, name: &str) -> (String, String) {
        let outer = self.outer_path();
        let Some(top) = self.outer.last_mut() else {
            return (format!("/{name}"), String::new());
        };
        let n = top.child_counts.entry(name.to_string()).or_default();
        *n += 1;
        (format!("{outer}/{name}[{n}]"), top.name.clone())
    }

    /// Read the rest of a record whose start tag was just consumed.
    fn collect(&mut self, start: Node, path: &str) -> Result<Node, SourceError> {
        collect_subtree(
            &mut self.reader,
            &mut self.buf,
            self.file,
            start,
            path,
            self.outer.len(),
        )
    }
}

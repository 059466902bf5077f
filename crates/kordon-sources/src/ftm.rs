//! FollowTheMoney (FtM) JSON lines, as OpenSanctions exports them
//! (`entities.ftm.json`) and as yente's delta files write them
//! (`{"op":"ADD|MOD|DEL","entity":{...}}`, one per line).
//!
//! An FtM line is one entity: `id`, `schema`, `caption` and `properties`, where
//! every property is a list of strings. Only *thing* schemas (Person, Company,
//! Organization, LegalEntity, PublicBody, Vessel, Airplane) become kordon
//! entities. The other schemas describe those things and are folded into them:
//! interval schemas (Ownership, Directorship, Family, Associate, UnknownLink...,
//! see `data/ftm_relations.tsv`) become [`Link`]s on both sides with target ids
//! `<source>:<ftm id>`; `Sanction` gives programs, authority and listing date;
//! `Address` entities become structured addresses of the things whose
//! `addressEntity` names them; `Passport`/`Identification` give identifiers.
//! Because a relation may come before or after the things it names, the files of
//! a source are read twice: the first pass keeps only the non-thing records (small
//! next to the things), the second streams the things out with them folded in.
//!
//! How each thing property maps is a data table (`data/ftm_properties.tsv`); a
//! property not in it is kept as a `property: value` remark and counted in
//! `report.counts["unmapped_properties"]`. Top-level record metadata
//! (`datasets`, `referents`, `first_seen`, `target`...) is not list content and is
//! not kept.
//!
//! Deltas: `ADD` and `MOD` carry the whole new entity and are emitted like a full
//! export (a `MOD` replaces the stored entity of the same id). `DEL` emits nothing;
//! it is counted in `report.counts["deleted"]`, reported as a warning with field
//! `op` whose message starts with `DEL <source>:<id>`, and — since warnings are
//! capped — the complete list is returned by [`deleted_ids`], which the store must
//! call and apply (remove those ids) after upserting what [`parse`] emitted. A
//! delta that changes only a relation of a thing not in the delta cannot be
//! applied record by record: it is counted in `orphan_relations`, and the store
//! should re-import the full export.

use crate::name_script::script_of;
use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    Address, CountryRole, DateKind, Entity, Identifier, IdentifierKind, Link, LinkKind, Name,
    NameKind, PartialDate, Program, Schema,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::OnceLock;

/// An FtM entity is at most a few hundred KB (the largest OpenSanctions records
/// have thousands of names); a longer line is corrupt input, not data.
const MAX_LINE_BYTES: u64 = 16 << 20;

const PROPERTY_TABLE: &str = include_str!("../data/ftm_properties.tsv");
const RELATION_TABLE: &str = include_str!("../data/ftm_relations.tsv");

#[derive(Deserialize)]
struct RawEntity {
    id: String,
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Vec<Value>>,
}

enum Record {
    Upsert(RawEntity),
    Delete(String),
}

/// What a non-thing record contributes to one thing.
enum Fold {
    Link {
        kind: LinkKind,
        other: String,
        remark: String,
    },
    Sanction {
        programs: Vec<Program>,
        authorities: Vec<String>,
        listed: Vec<PartialDate>,
        remark: String,
    },
    Identifier(Identifier),
}

struct Relation {
    schema: &'static str,
    subject: &'static str,
    object: &'static str,
    subject_kind: LinkKind,
    object_kind: LinkKind,
}

fn relations() -> &'static [Relation] {
    static R: OnceLock<Vec<Relation>> = OnceLock::new();
    R.get_or_init(|| {
        data_rows(RELATION_TABLE)
            .filter_map(|cols| {
                let [schema, subject, object, sk, ok, ..] = cols[..] else {
                    return None;
                };
                Some(Relation {
                    schema,
                    subject,
                    object,
                    subject_kind: link_kind(sk)?,
                    object_kind: link_kind(ok)?,
                })
            })
            .collect()
    })
}

fn property_table() -> &'static [(&'static str, &'static str, &'static str)] {
    static P: OnceLock<Vec<(&'static str, &'static str, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        data_rows(PROPERTY_TABLE)
            .filter_map(|cols| match cols[..] {
                [prop, action] => Some((prop, action, "")),
                [prop, action, arg, ..] => Some((prop, action, arg)),
                _ => None,
            })
            .collect()
    })
}

fn data_rows(table: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

fn link_kind(s: &str) -> Option<LinkKind> {
    serde_json::from_value(Value::String(s.to_string())).ok()
}

/// Reads a file line by line with a hard cap on line length, so a corrupt file
/// without newlines cannot make the parser hold it whole.
struct LineReader<R> {
    reader: R,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    fn new(reader: R) -> Self {
        LineReader {
            reader,
            line: 0,
            buf: Vec::new(),
        }
    }

    fn next_line(&mut self, path: &Path) -> Result<Option<(u64, &[u8])>, SourceError> {
        self.buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| SourceError::io(path, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.len() as u64 > MAX_LINE_BYTES {
            return Err(SourceError::new(
                path,
                Location::Line(self.line),
                format!(
                    "line longer than {} MiB: not a FollowTheMoney entity",
                    MAX_LINE_BYTES >> 20
                ),
            ));
        }
        let mut s: &[u8] = &self.buf;
        if self.line == 1 {
            s = s.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(s);
        }
        Ok(Some((self.line, s.trim_ascii())))
    }
}

/// Decode one line; `None` for a blank line.
fn read_record(path: &Path, line: u64, bytes: &[u8]) -> Result<Option<Record>, SourceError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let err = |msg: String| SourceError::new(path, Location::Line(line), msg);
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| err(format!("malformed JSON: {e}")))?;
    let Some(obj) = value.as_object_mut() else {
        return Err(err("expected a JSON object per line".into()));
    };
    let entity = if let Some(op) = obj.get("op") {
        let op = op.as_str().unwrap_or("").to_string();
        let entity = obj.get_mut("entity").map(Value::take).ok_or_else(|| {
            err(format!("delta record `{op}` without `entity`")).with_field("entity")
        })?;
        match op.as_str() {
            "ADD" | "MOD" => entity,
            "DEL" => {
                let id = entity
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| err("DEL without entity id".into()).with_field("id"))?;
                return Ok(Some(Record::Delete(id.to_string())));
            }
            other => {
                return Err(err(format!(
                    "unknown delta op {other:?} (expected ADD, MOD or DEL)"
                ))
                .with_field("op"))
            }
        }
    } else {
        value
    };
    let raw: RawEntity = serde_json::from_value(entity)
        .map_err(|e| err(format!("not a FollowTheMoney entity: {e}")))?;
    if raw.id.trim().is_empty() {
        return Err(err("entity with empty id".into()).with_field("id"));
    }
    Ok(Some(Record::Upsert(raw)))
}

/// Property values as text. Nested exports put referenced entities inline as
/// objects; their id is the reference.
fn values(raw: &RawEntity, prop: &str) -> Vec<String> {
    raw.properties
        .get(prop)
        .map(|vs| vs.iter().filter_map(value_text).collect())
        .unwrap_or_default()
}

fn value_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => return None,
        Value::Object(o) => match o.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => v.to_string(),
        },
        other => other.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

enum Kind {
    Thing(Schema),
    Relation(&'static Relation),
    Sanction,
    Address,
    Identification,
    Unsupported,
}

fn kind_of(schema: &str) -> Kind {
    match schema {
        "Sanction" => Kind::Sanction,
        "Address" => Kind::Address,
        "Passport" | "Identification" => Kind::Identification,
        "" | "Thing" => Kind::Unsupported,
        s => {
            if let Some(r) = relations().iter().find(|r| r.schema == s) {
                Kind::Relation(r)
            } else if let Some(schema) = Schema::parse(s) {
                Kind::Thing(schema)
            } else {
                Kind::Unsupported
            }
        }
    }
}

/// Everything the first pass learns.
#[derive(Default)]
struct Context {
    folds: HashMap<String, Vec<Fold>>,
    addresses: HashMap<String, Address>,
    captions: HashMap<String, String>,
    /// Where each thing's last record is, so a thing repeated (ADD then MOD) is
    /// emitted once, as its last version.
    last_seen: HashMap<String, (usize, u64)>,
    unsupported: BTreeMap<String, u64>,
}

/// Parse one FtM source (all its files), streaming things to `sink`.
pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let source = input.source.as_str();
    let mut ctx = Context::default();

    for (file_no, path) in input.files.iter().enumerate() {
        let mut lines = LineReader::new(input::open(path)?);
        let mut records = 0u64;
        while let Some((line, bytes)) = lines.next_line(path)? {
            let record = read_record(path, line, bytes)?;
            records += u64::from(record.is_some());
            match record {
                None => {}
                Some(Record::Delete(id)) => {
                    report.bump("deleted", 1);
                    report.warn(
                        Warning::new(
                            path,
                            Location::Line(line),
                            format!("DEL {source}:{id} (the store must remove this entity)"),
                        )
                        .with_field("op"),
                    );
                }
                Some(Record::Upsert(raw)) => first_pass(&mut ctx, report, path, line, file_no, raw),
            }
        }
        if records == 0 {
            // An empty delta is a legitimate "no changes"; an empty full export
            // is almost certainly a failed download. Either way, say so.
            report.bump("empty_files", 1);
            report.warn(Warning::new(
                path,
                Location::File,
                "no FollowTheMoney records in this file",
            ));
        }
    }
    for (schema, n) in std::mem::take(&mut ctx.unsupported) {
        report.bump(&format!("unsupported_schema:{schema}"), n);
        report.warn(Warning::new(
            &input.files[0],
            Location::File,
            format!("{n} record(s) of schema {schema} are neither a thing nor a known relation: not imported"),
        ).with_field("schema"));
    }

    let mut emitted: HashSet<String> = HashSet::new();
    let mut used_addresses: HashSet<String> = HashSet::new();
    for (file_no, path) in input.files.iter().enumerate() {
        let mut lines = LineReader::new(input::open(path)?);
        while let Some((line, bytes)) = lines.next_line(path)? {
            let Some(Record::Upsert(raw)) = read_record(path, line, bytes)? else {
                continue;
            };
            let Kind::Thing(schema) = kind_of(raw.schema.as_deref().unwrap_or("")) else {
                continue;
            };
            if ctx.last_seen.get(&raw.id) != Some(&(file_no, line)) {
                report.bump("superseded_records", 1);
                continue;
            }
            let entity = build_thing(
                source,
                &ctx,
                &mut used_addresses,
                report,
                path,
                line,
                schema,
                &raw,
            );
            emitted.insert(raw.id.clone());
            report.count_entity(&entity);
            sink(entity)?;
        }
    }

    let mut unused: Vec<&String> = ctx
        .addresses
        .keys()
        .filter(|id| !used_addresses.contains(*id))
        .collect();
    unused.sort();
    for id in unused {
        report.bump("unreferenced_address_entities", 1);
        report.warn(
            Warning::new(
                &input.files[0],
                Location::File,
                format!("Address {id} is referenced by no thing: not imported"),
            )
            .with_field("addressEntity"),
        );
    }

    let mut orphans: Vec<&String> = ctx
        .folds
        .keys()
        .filter(|id| !emitted.contains(*id))
        .collect();
    orphans.sort();
    for id in orphans {
        report.bump("orphan_relations", 1);
        report.warn(
            Warning::new(
                &input.files[0],
                Location::File,
                format!(
                    "relations, sanctions or identifiers refer to {source}:{id}, which is not in this \
                     source (a delta touching only them needs a full re-import)"
                ),
            )
            .with_field("id"),
        );
    }
    Ok(())
}

fn first_pass(
    ctx: &mut Context,
    report: &mut ParseReport,
    path: &Path,
    line: u64,
    file_no: usize,
    raw: RawEntity,
) {
    let schema = raw.schema.clone().unwrap_or_default();
    match kind_of(&schema) {
        Kind::Thing(_) => {
            if ctx
                .last_seen
                .insert(raw.id.clone(), (file_no, line))
                .is_some()
            {
                report.warn(
                    Warning::new(
                        path,
                        Location::Line(line),
                        format!("{} appears again: the later record wins", raw.id),
                    )
                    .with_field("id"),
                );
            }
            let caption = raw
                .caption
                .clone()
                .filter(|c| !c.trim().is_empty())
                .or_else(|| values(&raw, "name").into_iter().next());
            if let Some(c) = caption {
                ctx.captions.insert(raw.id.clone(), c);
            }
        }
        Kind::Relation(rel) => {
            report.bump(&format!("relation:{schema}"), 1);
            let remark = describe(&raw, &[rel.subject, rel.object]);
            let subjects = values(&raw, rel.subject);
            let objects = values(&raw, rel.object);
            if subjects.is_empty() || objects.is_empty() {
                report.warn(
                    Warning::new(
                        path,
                        Location::Line(line),
                        format!("{schema} {} lacks one side", raw.id),
                    )
                    .with_field(if subjects.is_empty() {
                        rel.subject
                    } else {
                        rel.object
                    }),
                );
            }
            // FtM states ownership of a subsidiary with role "subsidiary of".
            let object_kind = if rel.object_kind == LinkKind::OwnedBy
                && values(&raw, "role")
                    .iter()
                    .any(|r| r.to_lowercase().contains("subsidiary"))
            {
                LinkKind::SubsidiaryOf
            } else {
                rel.object_kind
            };
            for s in &subjects {
                for o in &objects {
                    ctx.folds.entry(s.clone()).or_default().push(Fold::Link {
                        kind: rel.subject_kind,
                        other: o.clone(),
                        remark: remark.clone(),
                    });
                    ctx.folds.entry(o.clone()).or_default().push(Fold::Link {
                        kind: object_kind,
                        other: s.clone(),
                        remark: remark.clone(),
                    });
                }
            }
        }
        Kind::Sanction => {
            report.bump("relation:Sanction", 1);
            let mut programs: Vec<Program> = Vec::new();
            let codes = values(&raw, "programId");
            let names = values(&raw, "program");
            for (i, code) in codes.iter().enumerate() {
                let name = if codes.len() == names.len() {
                    names.get(i).cloned()
                } else {
                    None
                };
                programs.push(Program {
                    code: code.clone(),
                    name,
                });
            }
            if codes.is_empty() {
                programs.extend(names.iter().map(|n| Program {
                    code: n.clone(),
                    name: None,
                }));
            }
            let mut listed = Vec::new();
            for prop in ["listingDate", "startDate"] {
                for d in values(&raw, prop) {
                    match PartialDate::parse(&d) {
                        Ok(p) => listed.push(p),
                        Err(_) => report.warn(
                            Warning::new(path, Location::Line(line), format!("not a date: {d:?}"))
                                .with_field(prop),
                        ),
                    }
                }
            }
            let authorities = values(&raw, "authority");
            let remark = describe(&raw, &["entity"]);
            let targets = values(&raw, "entity");
            if targets.is_empty() {
                report.warn(
                    Warning::new(
                        path,
                        Location::Line(line),
                        format!("Sanction {} names no entity", raw.id),
                    )
                    .with_field("entity"),
                );
            }
            for t in targets {
                ctx.folds.entry(t).or_default().push(Fold::Sanction {
                    programs: programs.clone(),
                    authorities: authorities.clone(),
                    listed: listed.clone(),
                    remark: remark.clone(),
                });
            }
        }
        Kind::Address => {
            report.bump("address_entities", 1);
            ctx.addresses.insert(raw.id.clone(), address_entity(&raw));
        }
        Kind::Identification => {
            let holders = values(&raw, "holder");
            let numbers = values(&raw, "number");
            if numbers.is_empty() {
                report.bump("identifications_without_number", 1);
                return;
            }
            let kind = if schema == "Passport" {
                IdentifierKind::Passport
            } else {
                values(&raw, "type")
                    .first()
                    .and_then(|t| IdentifierKind::parse(t))
                    .unwrap_or(IdentifierKind::Other)
            };
            let country = values(&raw, "country")
                .first()
                .map(|c| c.to_ascii_uppercase());
            let label = values(&raw, "type")
                .first()
                .cloned()
                .unwrap_or_else(|| schema.clone());
            for number in numbers {
                let id = Identifier {
                    kind: kind.clone(),
                    value: number,
                    label: Some(label.clone()),
                    country: country.clone(),
                    remark: None,
                };
                for h in &holders {
                    ctx.folds
                        .entry(h.clone())
                        .or_default()
                        .push(Fold::Identifier(id.clone()));
                }
            }
        }
        Kind::Unsupported => {
            *ctx.unsupported
                .entry(if schema.is_empty() {
                    "(none)".into()
                } else {
                    schema
                })
                .or_default() += 1;
        }
    }
}

/// "Schema id: prop: v1 | v2; prop: v" over every property but `skip`, so a
/// relation's role, share, dates and reasons survive as text.
fn describe(raw: &RawEntity, skip: &[&str]) -> String {
    let parts: Vec<String> = raw
        .properties
        .keys()
        .filter(|k| !skip.contains(&k.as_str()))
        .map(|k| format!("{k}: {}", values(raw, k).join(" | ")))
        .collect();
    format!(
        "{} {}: {}",
        raw.schema.as_deref().unwrap_or(""),
        raw.id,
        parts.join("; ")
    )
}

fn address_entity(raw: &RawEntity) -> Address {
    let first = |p: &str| values(raw, p).into_iter().next();
    let country_text = first("country");
    let country_code = country_text
        .as_deref()
        .and_then(kordon_model::country_code)
        .map(str::to_string);
    let mut extra: Vec<String> = Vec::new();
    for (k, _) in raw.properties.iter() {
        let vs = values(raw, k);
        let skip_first = matches!(
            k.as_str(),
            "full" | "street" | "city" | "region" | "postalCode" | "country"
        );
        for v in vs.iter().skip(usize::from(skip_first)) {
            extra.push(format!("{k}: {v}"));
        }
    }
    let full = first("full").or_else(|| {
        let parts: Vec<String> = ["street", "city", "postalCode", "region", "country"]
            .iter()
            .filter_map(|p| first(p))
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    });
    Address {
        street: first("street"),
        city: first("city"),
        region: first("region"),
        postal_code: first("postalCode"),
        country: country_code
            .as_deref()
            .and_then(kordon_model::country_name)
            .map(str::to_string)
            .or(country_text),
        country_code,
        full,
        remark: (!extra.is_empty()).then(|| extra.join("; ")),
    }
}

/// Words of a name, lower-cased, for matching name parts against full names.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_words(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[allow(clippy::too_many_arguments)]
fn build_thing(
    source: &str,
    ctx: &Context,
    used_addresses: &mut HashSet<String>,
    report: &mut ParseReport,
    path: &Path,
    line: u64,
    schema: Schema,
    raw: &RawEntity,
) -> Entity {
    let mut e = Entity::new(source, &raw.id, schema);
    let warn = |report: &mut ParseReport, field: &str, msg: String| {
        report.warn(Warning::new(path, Location::Line(line), msg).with_field(field));
    };
    if let Some(c) = raw.caption.as_deref().filter(|c| !c.trim().is_empty()) {
        push_name(&mut e, c.trim(), NameKind::Primary);
    }
    let mut parts: Vec<(&str, &str, String)> = Vec::new();
    let mut address_refs: Vec<String> = Vec::new();
    let mapped: HashSet<&str> = property_table().iter().map(|(p, _, _)| *p).collect();

    for &(prop, action, arg) in property_table() {
        for v in values(raw, prop) {
            match action {
                "name" => {
                    let kind = match arg {
                        "alias" => NameKind::Alias,
                        "weak_alias" => NameKind::WeakAlias,
                        "former" => NameKind::Former,
                        _ => NameKind::Primary,
                    };
                    push_name(&mut e, &v, kind);
                }
                "part" => parts.push((prop, arg, v)),
                "date" => {
                    let kind = match arg {
                        "birth" => DateKind::Birth,
                        "death" => DateKind::Death,
                        "incorporation" => DateKind::Incorporation,
                        _ => DateKind::Other,
                    };
                    match PartialDate::parse(&v) {
                        Ok(d) => {
                            e.push_date(kind, d);
                            if kind == DateKind::Other {
                                e.push_remark(&format!("{prop}: {v}"));
                            }
                        }
                        Err(_) => {
                            warn(report, prop, format!("not a date: {v:?} (kept as remark)"));
                            e.push_remark(&format!("{prop}: {v}"));
                        }
                    }
                }
                "country" => {
                    let role = match arg {
                        "nationality" => CountryRole::Nationality,
                        "citizenship" => CountryRole::Citizenship,
                        "birth_place" => CountryRole::BirthPlace,
                        "registration" => CountryRole::Registration,
                        "flag" => CountryRole::Flag,
                        "residence" => CountryRole::Residence,
                        _ => CountryRole::Other,
                    };
                    e.push_country(role, &v);
                    if role == CountryRole::Flag && e.vessel.flag.is_none() {
                        e.vessel.flag = Some(v.clone());
                    }
                }
                "identifier" => {
                    let kind = IdentifierKind::parse(arg).unwrap_or(IdentifierKind::Other);
                    if kind == IdentifierKind::CallSign && e.vessel.call_sign.is_none() {
                        e.vessel.call_sign = Some(v.clone());
                    }
                    e.push_identifier(Identifier {
                        kind,
                        value: v,
                        label: Some(prop.to_string()),
                        country: None,
                        remark: None,
                    });
                }
                "address" => {
                    let a = Address {
                        full: Some(v),
                        ..Address::default()
                    };
                    if !e.addresses.contains(&a) {
                        e.addresses.push(a);
                    }
                }
                "address_entity" => address_refs.push(v),
                "birth_place" => {
                    if !e.places_of_birth.contains(&v) {
                        e.places_of_birth.push(v);
                    }
                }
                "position" => push_unique(&mut e.positions, v),
                "title" => push_unique(&mut e.titles, v),
                "topic" => push_unique(&mut e.topics, v),
                "source_url" => push_unique(&mut e.source_urls, v),
                "gender" => match &e.gender {
                    None => e.gender = Some(v),
                    Some(g) if *g == v => {}
                    Some(_) => e.push_remark(&format!("{prop}: {v}")),
                },
                "program" => push_program(
                    &mut e,
                    Program {
                        code: v,
                        name: None,
                    },
                ),
                "note" => e.push_remark(&v),
                _ => e.push_remark(&format!("{prop}: {v}")),
            }
        }
    }
    for (prop, vs) in &raw.properties {
        if mapped.contains(prop.as_str()) {
            continue;
        }
        for v in vs.iter().filter_map(value_text) {
            report.bump("unmapped_properties", 1);
            e.push_remark(&format!("{prop}: {v}"));
        }
    }

    attach_name_parts(&mut e, parts, report);

    // Fold in what the first pass collected about this thing.
    let mut authorities: Vec<String> = Vec::new();
    for fold in ctx.folds.get(&raw.id).into_iter().flatten() {
        match fold {
            Fold::Link {
                kind,
                other,
                remark,
            } => {
                let link = Link {
                    kind: *kind,
                    target_id: Some(format!("{source}:{other}")),
                    target_name: ctx.captions.get(other).cloned(),
                    remark: Some(remark.clone()),
                };
                if !e.links.contains(&link) {
                    e.links.push(link);
                }
            }
            Fold::Sanction {
                programs,
                authorities: auth,
                listed,
                remark,
            } => {
                for p in programs {
                    push_program(&mut e, p.clone());
                }
                for a in auth {
                    push_unique(&mut authorities, a.clone());
                }
                for d in listed {
                    let earlier = match &e.listed_on {
                        None => true,
                        Some(cur) => (d.year, d.month, d.day) < (cur.year, cur.month, cur.day),
                    };
                    if earlier {
                        e.listed_on = Some(d.clone());
                    }
                }
                e.push_remark(remark);
            }
            Fold::Identifier(id) => e.push_identifier(id.clone()),
        }
    }
    if !authorities.is_empty() {
        e.authority = Some(authorities.join("; "));
    }
    for r in address_refs {
        match ctx.addresses.get(&r) {
            Some(a) => {
                used_addresses.insert(r.clone());
                // The plain `address` strings usually repeat the Address entity's
                // full text: the structured one replaces them.
                let plain_duplicate = |x: &Address| {
                    x.street.is_none() && x.city.is_none() && x.full.is_some() && x.full == a.full
                };
                e.addresses.retain(|x| !plain_duplicate(x));
                if !e.addresses.contains(a) {
                    e.addresses.push(a.clone());
                }
            }
            None => {
                report.bump("missing_address_entities", 1);
                e.push_remark(&format!("addressEntity: {r}"));
            }
        }
    }
    if e.names.is_empty() {
        report.bump("things_without_name", 1);
        warn(report, "name", format!("{} has no name", raw.id));
    }
    e
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

fn push_program(e: &mut Entity, p: Program) {
    match e.programs.iter_mut().find(|x| x.code == p.code) {
        Some(existing) => {
            if existing.name.is_none() {
                existing.name = p.name;
            }
        }
        None => e.programs.push(p),
    }
}

fn push_name(e: &mut Entity, full: &str, kind: NameKind) {
    let mut n = Name::new(full.trim(), kind);
    n.script = script_of(full);
    e.push_name(n);
}

/// FtM gives name parts as separate, unaligned lists mixing scripts
/// (`firstName: ["Alexander", "Александр"]`). A part is attached to every
/// name that contains it as whole words; when several values of one part fit a
/// name, the shortest wins ("Aleksandr" over "Aleksandr Vyacheslavovich", which
/// includes the patronymic). Values that fit no name are kept as remarks.
fn attach_name_parts(e: &mut Entity, parts: Vec<(&str, &str, String)>, report: &mut ParseReport) {
    if parts.is_empty() {
        return;
    }
    if e.names.is_empty() {
        // Only parts: the list's name is their concatenation.
        let order = ["title", "given", "middle", "patronymic", "family"];
        let mut full: Vec<&str> = Vec::new();
        for f in order {
            if let Some((_, _, v)) = parts.iter().find(|(_, field, _)| *field == f) {
                full.push(v);
            }
        }
        let full = full.join(" ");
        push_name(e, &full, NameKind::Primary);
    }
    let part_words: Vec<Vec<String>> = parts.iter().map(|(_, _, v)| words(v)).collect();
    let mut used = vec![false; parts.len()];
    for name in e.names.iter_mut().filter(|n| !n.kind.is_weak()) {
        let name_words = words(&name.full);
        let mut best: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, (_, field, _)) in parts.iter().enumerate() {
            if !contains_words(&name_words, &part_words[i]) {
                continue;
            }
            used[i] = true;
            // Shorter wins; on a tie, the value spelled exactly as in the name
            // ("ZAKHAROV" for "Alexander ZAKHAROV", not "Zakharov").
            let rank = |k: usize| {
                (
                    parts[k].2.chars().count(),
                    !name.full.contains(parts[k].2.as_str()),
                )
            };
            let better = match best.get(field) {
                None => true,
                Some(&j) => rank(i) < rank(j),
            };
            if better {
                best.insert(field, i);
            }
        }
        for (field, i) in best {
            let v = Some(parts[i].2.clone());
            match field {
                "given" => name.parts.given = v,
                "middle" => name.parts.middle = v,
                "family" => name.parts.family = v,
                "patronymic" => name.parts.patronymic = v,
                _ => name.parts.title = v,
            }
        }
    }
    for (i, (prop, _, v)) in parts.iter().enumerate() {
        if !used[i] {
            report.bump("name_parts_unmatched", 1);
            e.push_remark(&format!("{prop}: {v}"));
        }
    }
}

/// Every id a delta source deletes, as `<source>:<ftm id>`, in file order. The
/// store applies these after upserting the entities [`parse`] emitted; unlike the
/// warnings in the report, this list is complete. An id added again after its
/// deletion (later line or file) is not in the list: its last operation wins.
pub fn deleted_ids(input: &SourceInput) -> Result<Vec<String>, SourceError> {
    let mut order: Vec<String> = Vec::new();
    let mut deleted: HashMap<String, bool> = HashMap::new();
    for path in &input.files {
        let mut lines = LineReader::new(input::open(path)?);
        while let Some((line, bytes)) = lines.next_line(path)? {
            match read_record(path, line, bytes)? {
                Some(Record::Delete(id)) if deleted.insert(id.clone(), true).is_none() => {
                    order.push(id);
                }
                Some(Record::Delete(_)) => {}
                Some(Record::Upsert(raw)) => {
                    if let Some(d) = deleted.get_mut(&raw.id) {
                        *d = false;
                    }
                }
                None => {}
            }
        }
    }
    Ok(order
        .into_iter()
        .filter(|id| deleted.get(id) == Some(&true))
        .map(|id| format!("{}:{id}", input.source))
        .collect())
}

/// Whether a FollowTheMoney source is a delta (`{"op": ...}` records) rather than
/// a full export: a delta is applied on top of the dataset's current version,
/// a full export replaces it.
pub fn is_delta(input: &SourceInput) -> Result<bool, SourceError> {
    if input.format != crate::Format::FtmJson {
        return Ok(false);
    }
    for path in &input.files {
        let mut lines = LineReader::new(input::open(path)?);
        while let Some((_, bytes)) = lines.next_line(path)? {
            let text = String::from_utf8_lossy(bytes);
            let t = text.trim();
            if t.is_empty() {
                continue;
            }
            return Ok(serde_json::from_str::<serde_json::Value>(t)
                .ok()
                .is_some_and(|v| v.get("op").is_some()));
        }
    }
    Ok(false)
}

//! US Consolidated Screening List (trade.gov): one CSV combining the export
//! screening lists of Commerce (BIS: Entity List, Denied Persons, Unverified,
//! Military End User), State (nonproliferation, ITAR debarred) and Treasury
//! (OFAC SDN and non-SDN lists). One row is one entry of one list.
//!
//! The list's own field semantics:
//! - `source` names the list and its department, "Entity List (EL) - Bureau of
//!   Industry and Security"; the text before " - " is kept as `list_name`, the
//!   abbreviation in parentheses selects authority and topic
//!   (`data/us_csl_lists.tsv`).
//! - `_id` is trade.gov's row id (a hash for non-OFAC lists); OFAC rows also
//!   carry OFAC's `entity_number`, which is then the `source_id` so the entry
//!   lines up with the OFAC files. The same OFAC entry can appear in two lists
//!   (SSI and NS-MBS): the later row gets the list code appended to stay unique.
//! - Multi-valued cells (`alt_names`, `addresses`, `programs`, `dates_of_birth`,
//!   `citizenships`, `nationalities`, `places_of_birth`, `ids`) separate values
//!   with ";". An address ends with the ISO country code ("..., Beijing, 100033, CN").
//! - `ids` holds "Label, value[, CC]" items: documents ("Passport, 836238033, KP"),
//!   facts ("Gender, Male") and statements ("Secondary sanctions risk:, ...");
//!   `data/us_csl_id_types.tsv` says which is which.
//! - `start_date` is the listing date; licence requirement/policy, Federal
//!   Register notice, end date and standard order are kept as labelled remarks.
//!
//! Columns are mapped by header name. The published partial file repeats its
//! header on line 2 and is cut off inside its last record: the repeated header
//! is skipped and the short final record kept, each with a warning; a short
//! record anywhere else is an error.

use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    country_name, Address, CountryRole, DateKind, Entity, Identifier, IdentifierKind, Link,
    LinkKind, Name, NameKind, PartialDate, Program, Schema,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

type EntitySink<'a> = dyn FnMut(Entity) -> Result<(), SourceError> + 'a;

/// The columns of the CSL CSV (2023 and 2025 layouts are the same set).
const COLUMNS: [&str; 29] = [
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
];

/// Columns kept as remarks, with the label the remark gets.
const REMARK_COLUMNS: [(&str, &str); 5] = [
    ("federal_register_notice", "Federal Register notice"),
    ("end_date", "End date"),
    ("standard_order", "Standard order"),
    ("license_requirement", "License requirement"),
    ("license_policy", "License policy"),
];

pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut EntitySink<'_>,
) -> Result<(), SourceError> {
    for path in &input.files {
        parse_file(path, &input.source, report, sink)?;
    }
    Ok(())
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn tsv_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// List abbreviation → (authority, topic).
fn lists() -> &'static HashMap<String, (&'static str, &'static str)> {
    static T: OnceLock<HashMap<String, (&'static str, &'static str)>> = OnceLock::new();
    T.get_or_init(|| {
        tsv_rows(include_str!("../data/us_csl_lists.tsv"))
            .filter_map(|r| match r[..] {
                [code, authority, topic] => Some((fold(code), (authority, topic))),
                _ => None,
            })
            .collect()
    })
}

/// `ids` label → target.
fn id_types() -> &'static HashMap<String, &'static str> {
    static T: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        tsv_rows(include_str!("../data/us_csl_id_types.tsv"))
            .filter_map(|r| match r[..] {
                [label, target] => Some((fold(label), target)),
                _ => None,
            })
            .collect()
    })
}

/// "Entity List (EL) - Bureau of Industry and Security" → ("Entity List (EL)",
/// "EL", "Bureau of Industry and Security").
fn split_source(source: &str) -> (&str, &str, &str) {
    let (list, department) = source.rsplit_once(" - ").unwrap_or((source, ""));
    let code = list
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code.trim())
        .unwrap_or("");
    (list.trim(), code, department.trim())
}

/// Split a trailing ", CC" ISO country code off a value.
fn trailing_country(value: &str) -> (&str, Option<&str>) {
    let (body, tail) = match value.rsplit_once(',') {
        Some((b, t)) => (b.trim(), t.trim()),
        None => ("", value.trim()),
    };
    let is_code = tail.len() == 2
        && tail.chars().all(|c| c.is_ascii_uppercase())
        && country_name(tail).is_some();
    if is_code {
        (body, Some(tail))
    } else {
        (value.trim(), None)
    }
}

/// One record, its cells read by column name.
struct Row<'a> {
    cells: Vec<String>,
    columns: &'a HashMap<&'static str, usize>,
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        self.columns
            .get(col)
            .and_then(|&i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    fn multi(&self, col: &str) -> impl Iterator<Item = &str> {
        input::split_multi(self.get(col), ';')
    }
}

struct FileState<'a> {
    path: &'a Path,
    source: &'a str,
    seen_ids: HashSet<String>,
    unknown_lists: HashSet<String>,
    unknown_types: HashSet<String>,
}

fn parse_file(
    path: &Path,
    source: &str,
    report: &mut ParseReport,
    sink: &mut EntitySink<'_>,
) -> Result<(), SourceError> {
    let mut rdr = input::csv_reader(path, false)?;
    let mut rec = csv::ByteRecord::new();
    if !rdr
        .read_byte_record(&mut rec)
        .map_err(|e| input::csv_error(path, e))?
    {
        return Err(SourceError::new(
            path,
            Location::Line(1),
            "empty file: no CSL header",
        ));
    }
    let header: Vec<String> = rec
        .iter()
        .map(|raw| input::field(report, path, 1, "header", raw))
        .collect();
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        match COLUMNS.iter().find(|c| **c == h.as_str()) {
            Some(c) => {
                columns.insert(c, i);
            }
            None => {
                report.bump("unknown_columns", 1);
                report.warn(
                    Warning::new(path, Location::Line(1), "unknown column, ignored").with_field(h),
                );
            }
        }
    }
    for required in ["_id", "source", "name"] {
        if !columns.contains_key(required) {
            return Err(SourceError::new(
                path,
                Location::Line(1),
                "not a Consolidated Screening List CSV: required column missing from the header",
            )
            .with_field(required));
        }
    }

    let mut state = FileState {
        path,
        source,
        seen_ids: HashSet::new(),
        unknown_lists: HashSet::new(),
        unknown_types: HashSet::new(),
    };
    // One record of lookahead: only the file's last record may be short.
    let mut pending: Option<(Vec<String>, u64)> = None;
    loop {
        let more = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| input::csv_error(path, e))?;
        if let Some((mut cells, line)) = pending.take() {
            if cells.len() < header.len() {
                if more {
                    return Err(SourceError::new(
                        path,
                        Location::Line(line),
                        format!("record has {} of {} fields", cells.len(), header.len()),
                    )
                    .with_field(&header[cells.len()]));
                }
                report.bump("truncated_records", 1);
                report.warn(
                    Warning::new(
                        path,
                        Location::Line(line),
                        format!(
                            "file ends inside this record ({} of {} fields): kept with what it has",
                            cells.len(),
                            header.len()
                        ),
                    )
                    .with_field(&header[cells.len()]),
                );
                cells.resize(header.len(), String::new());
            }
            let row = Row {
                cells,
                columns: &columns,
            };
            if let Some(e) = entity(&row, line, &mut state, report) {
                report.count_entity(&e);
                sink(e)?;
            }
        }
        if !more {
            break;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cells: Vec<String> = rec
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let name = header.get(i).map(String::as_str).unwrap_or("extra");
                input::field(report, path, line, name, raw)
            })
            .collect();
        if cells == header {
            report.bump("repeated_headers", 1);
            report.warn(Warning::new(
                path,
                Location::Line(line),
                "header line repeated, skipped",
            ));
            continue;
        }
        if cells.len() > header.len() {
            report.warn(Warning::new(
                path,
                Location::Line(line),
                format!(
                    "record has {} fields, header {}: extra fields ignored",
                    cells.len(),
                    header.len()
                ),
            ));
        }
        pending = Some((cells, line));
    }
    Ok(())
}

fn entity(
    row: &Row<'_>,
    line: u64,
    st: &mut FileState<'_>,
    report: &mut ParseReport,
) -> Option<Entity> {
    let here = Location::Line(line);
    let (list_name, code, department) = split_source(row.get("source"));
    let list = lists().get(&fold(code)).copied();
    if list.is_none() && st.unknown_lists.insert(row.get("source").to_string()) {
        report.warn(
            Warning::new(
                st.path,
                here.clone(),
                format!(
                    "unknown list {:?}: authority taken from its text",
                    row.get("source")
                ),
            )
            .with_field("source"),
        );
    }

    let own_id = match row.get("entity_number") {
        "" => row.get("_id"),
        n => n,
    };
    if own_id.is_empty() {
        report.bump("rows_without_id", 1);
        report.warn(Warning::new(st.path, here, "record without an id, skipped").with_field("_id"));
        return None;
    }
    let mut source_id = own_id.to_string();
    if !st.seen_ids.insert(source_id.clone()) {
        source_id = format!("{own_id}-{code}");
        report.bump("duplicate_ids", 1);
        report.warn(
            Warning::new(
                st.path,
                here.clone(),
                format!(
                    "id {own_id} already used by another list's record: this one is {source_id}"
                ),
            )
            .with_field("_id"),
        );
        st.seen_ids.insert(source_id.clone());
    }

    let type_text = row.get("type");
    let schema = Schema::parse(type_text).unwrap_or_else(|| {
        if st.unknown_types.insert(type_text.to_string()) {
            report.warn(
                Warning::new(st.path, here.clone(), format!("unknown type {type_text:?}"))
                    .with_field("type"),
            );
        }
        Schema::Unknown
    });
    let mut e = Entity::new(st.source, &source_id, schema);
    e.list_name = Some(list_name.to_string()).filter(|l| !l.is_empty());
    match list {
        Some((authority, topic)) => {
            e.authority = Some(authority.to_string());
            e.topics.push(topic.to_string());
        }
        None => e.authority = Some(department.to_string()).filter(|d| !d.is_empty()),
    }

    e.push_name(Name::new(row.get("name"), NameKind::Primary));
    for alias in row.multi("alt_names") {
        e.push_name(Name::new(alias, NameKind::Alias));
    }
    e.programs = row
        .multi("programs")
        .map(|p| Program {
            code: p.to_string(),
            name: None,
        })
        .collect();
    if !row.get("title").is_empty() {
        // OFAC's "title" is a function ("Director of ..."), not an honorific.
        e.positions.push(row.get("title").to_string());
    }

    for text in row.multi("addresses") {
        let (body, code) = trailing_country(text);
        e.addresses.push(Address {
            full: Some(text.to_string()).filter(|_| !body.is_empty()),
            country: code.and_then(country_name).map(str::to_string),
            country_code: code.map(str::to_string),
            ..Address::default()
        });
        if let Some(code) = code {
            e.push_country(CountryRole::Address, code);
        }
    }
    for c in row.multi("nationalities") {
        e.push_country(CountryRole::Nationality, c);
    }
    for c in row.multi("citizenships") {
        e.push_country(CountryRole::Citizenship, c);
    }
    for p in row.multi("places_of_birth") {
        e.places_of_birth.push(p.to_string());
    }
    for d in row.multi("dates_of_birth") {
        match PartialDate::parse(d) {
            Ok(date) => e.push_date(DateKind::Birth, date),
            Err(_) => {
                report.warn(
                    Warning::new(
                        st.path,
                        here.clone(),
                        format!("unreadable date of birth {d:?}, kept as remark"),
                    )
                    .with_field("dates_of_birth"),
                );
                e.push_remark(&format!("Date of birth: {d}"));
            }
        }
    }
    let start = row.get("start_date");
    if !start.is_empty() {
        match PartialDate::parse(start) {
            Ok(d) => e.listed_on = Some(d),
            Err(_) => {
                report.warn(
                    Warning::new(
                        st.path,
                        here.clone(),
                        format!("unreadable start date {start:?}, kept as remark"),
                    )
                    .with_field("start_date"),
                );
                e.push_remark(&format!("Start date: {start}"));
            }
        }
    }

    // Vessel particulars.
    let call_sign = row.get("call_sign");
    if !call_sign.is_empty() {
        e.vessel.call_sign = Some(call_sign.to_string());
        e.push_identifier(Identifier {
            kind: IdentifierKind::CallSign,
            value: call_sign.to_string(),
            label: Some("Call sign".to_string()),
            country: None,
            remark: None,
        });
    }
    let some = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    e.vessel.vessel_type = some(row.get("vessel_type"));
    e.vessel.gross_tonnage = some(row.get("gross_tonnage"));
    e.vessel.tonnage = some(row.get("gross_registered_tonnage"));
    e.vessel.flag = some(row.get("vessel_flag"));
    e.vessel.owner = some(row.get("vessel_owner"));
    if let Some(flag) = e.vessel.flag.clone() {
        e.push_country(CountryRole::Flag, &flag);
    }
    if let Some(owner) = e.vessel.owner.clone() {
        e.links.push(Link {
            kind: LinkKind::OwnedBy,
            target_id: None,
            target_name: Some(owner),
            remark: Some("vessel_owner".to_string()),
        });
    }

    apply_ids(&mut e, row.get("ids"), report);

    e.push_remark(row.get("remarks"));
    for (col, label) in REMARK_COLUMNS {
        let v = row.get(col);
        if !v.is_empty() {
            e.push_remark(&format!("{label}: {v}"));
        }
    }
    for col in ["source_list_url", "source_information_url"] {
        let url = row.get(col);
        if !url.is_empty() && !e.source_urls.iter().any(|u| u == url) {
            e.source_urls.push(url.to_string());
        }
    }
    Some(e)
}

/// Read the `ids` cell: "Label, value[, CC]" items separated by "; ".
fn apply_ids(e: &mut Entity, ids: &str, report: &mut ParseReport) {
    for item in input::split_multi(ids, ';') {
        let (label, rest) = item
            .split_once(',')
            .map(|(l, r)| (l.trim(), r.trim()))
            .unwrap_or((item, ""));
        let statement = label.ends_with(':') || label.ends_with('-');
        let remark = || {
            if statement {
                format!("{label} {rest}")
            } else {
                format!("{label}: {rest}")
            }
        };
        if rest.is_empty() {
            e.push_remark(label);
            continue;
        }
        match id_types().get(&fold(label)).copied() {
            Some("gender") => e.gender = Some(rest.to_string()),
            Some("incorporation") => match PartialDate::parse(rest) {
                Ok(d) => e.push_date(DateKind::Incorporation, d),
                Err(_) => e.push_remark(&remark()),
            },
            Some("registration_country") => e.push_country(CountryRole::Registration, rest),
            Some("nationality") => e.push_country(CountryRole::Nationality, rest),
            Some("remark") => e.push_remark(&remark()),
            None if statement => e.push_remark(&remark()),
            target => {
                let kind = target.and_then(IdentifierKind::parse).unwrap_or_else(|| {
                    report.bump("ids_other_kind", 1);
                    IdentifierKind::Other
                });
                let (value, country) = trailing_country(rest);
                let mut value = value;
                if kind == IdentifierKind::Imo {
                    value = value.trim_start_matches("IMO").trim();
                }
                if value.is_empty() {
                    continue;
                }
                e.push_identifier(Identifier {
                    kind,
                    value: value.to_string(),
                    label: Some(label.to_string()),
                    country: country.map(str::to_string),
                    remark: None,
                });
            }
        }
    }
}

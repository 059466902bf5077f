//! BIS Denied Persons List (`dpl.txt`): tab-separated, every field in double
//! quotes, one header line. Each row is one denial order for one party at one
//! address, so a party denied at several addresses (or under several orders)
//! appears on several rows; rows are kept one entity each, as BIS publishes them.
//!
//! Fields: `Name` (party; "X A/K/A Y" carries an alias), `Street_Address`,
//! `City`, `State`, `Country` (ISO alpha-2, sometimes empty or "PRC"),
//! `Postal_Code`, `Effective_Date` and `Expiration_Date` (MM/DD/YYYY, the denial
//! period; 06/29/2056 is a 50-year denial), `Standard_Order` (Y/N: whether the
//! standard denial terms apply), `Last_Update` (YYYY-MM-DD), `Action` (BIS's
//! note on the last change) and `FR_Citation` (Federal Register notices).
//!
//! The list has no ids: an entity's id is a hash of the row's party and address
//! fields and its effective date, stable across list versions while the row is
//! unchanged. The list does not say whether a party is a person or a company:
//! the schema is set only when a marker in `data/us_bis_dpl_schema.tsv` leaves no
//! doubt (a legal form in the name → Organization; a prison or inmate number as
//! the address → Person); otherwise it is Unknown. Dates that are no real date
//! (the file has `Last_Update` 3033-09-30) are kept as text in the remarks and
//! reported as warnings.

use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    Address, CountryRole, DateKind, Entity, Name, NameKind, PartialDate, Program, Schema,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

const SCHEMA_MARKERS: &str = include_str!("../data/us_bis_dpl_schema.tsv");

const COLUMNS: [&str; 12] = [
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
];

/// One row of `data/us_bis_dpl_schema.tsv`: the schema a marker proves, whether
/// it is looked for in the name (else the street address), and its words.
struct Marker {
    schema: Schema,
    in_name: bool,
    words: Vec<String>,
}

fn markers() -> &'static [Marker] {
    static M: OnceLock<Vec<Marker>> = OnceLock::new();
    M.get_or_init(|| {
        SCHEMA_MARKERS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|line| {
                let cols: Vec<&str> = line.split('\t').collect();
                let [schema, place, marker] = cols[..] else {
                    return None;
                };
                Some(Marker {
                    schema: Schema::parse(schema)?,
                    in_name: place == "name",
                    words: tokens(marker),
                })
            })
            .filter(|m| !m.words.is_empty())
            .collect()
    })
}

/// Upper-case words with surrounding punctuation removed ("INC.," → "INC").
fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '"' | ';' | ':'))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_uppercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn schema_of(name: &str, address: &str, report: &mut ParseReport) -> Schema {
    let (name, address) = (tokens(name), tokens(address));
    let mut found: Vec<Schema> = markers()
        .iter()
        .filter(|m| {
            let text = if m.in_name { &name } else { &address };
            text.windows(m.words.len()).any(|w| w == m.words.as_slice())
        })
        .map(|m| m.schema)
        .collect();
    found.sort();
    found.dedup();
    match found[..] {
        [one] => one,
        [] => Schema::Unknown,
        _ => {
            report.bump("schema_conflicts", 1);
            Schema::Unknown
        }
    }
}

/// `MM/DD/YYYY` (the list's own form) or ISO `YYYY-MM-DD`. The model's generic
/// parser reads slashed dates day-first, as European lists write them, so US
/// dates are taken apart here.
fn us_date(s: &str) -> Option<PartialDate> {
    let iso = match s.split('/').collect::<Vec<_>>()[..] {
        [m, d, y] if y.len() == 4 => format!("{y}-{m}-{d}"),
        [_] => s.to_string(),
        _ => return None,
    };
    if !iso.chars().all(|c| c.is_ascii_digit() || c == '-') || iso.len() < 8 {
        return None;
    }
    PartialDate::parse(&iso).ok().filter(|d| d.day.is_some())
}

/// Split "FUYI SUN A/K/A FRANK SUN" into the name and its aliases.
fn split_aliases(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = name;
    loop {
        let upper = rest.to_ascii_uppercase();
        match [" A/K/A ", " AKA ", " A.K.A. "]
            .iter()
            .filter_map(|sep| upper.find(sep).map(|i| (i, sep.len())))
            .min()
        {
            Some((i, len)) => {
                out.push(rest[..i].trim());
                rest = &rest[i + len..];
            }
            None => {
                out.push(rest.trim());
                return out;
            }
        }
    }
}

pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    for path in &input.files {
        parse_file(input, path, report, sink)?;
    }
    Ok(())
}

fn parse_file(
    input: &SourceInput,
    path: &Path,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut reader = input::csv_reader_with(path, true, b'\t')?;
    let header = reader
        .byte_headers()
        .map_err(|e| input::csv_error(path, e))?
        .clone();
    if header.is_empty() || header.iter().all(|h| h.is_empty()) {
        return Err(SourceError::new(
            path,
            Location::Line(1),
            "empty file: no DPL header line",
        ));
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for col in COLUMNS {
        let i = names.iter().position(|n| n == col).ok_or_else(|| {
            SourceError::new(
                path,
                Location::Line(1),
                format!("not a Denied Persons List header: no column `{col}`"),
            )
            .with_field(col)
        })?;
        index.insert(col, i);
    }
    let extra: Vec<(usize, &String)> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| !COLUMNS.contains(&n.as_str()))
        .collect();
    for (_, n) in &extra {
        report.warn(
            Warning::new(
                path,
                Location::Line(1),
                "unknown column: values kept as remarks",
            )
            .with_field(n),
        );
    }

    let mut seen_ids: HashMap<String, u32> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| input::csv_error(path, e))?;
        if !more {
            break;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != names.len() {
            return Err(SourceError::new(
                path,
                Location::Line(line),
                format!(
                    "record has {} fields, the header {} (truncated or broken row)",
                    record.len(),
                    names.len()
                ),
            ));
        }
        let mut get = |col: &str| -> String {
            let raw = record.get(index[col]).unwrap_or_default();
            input::field(report, path, line, col, raw)
        };
        let name = get("Name");
        let street = get("Street_Address");
        let city = get("City");
        let state = get("State");
        let country = get("Country");
        let postal = get("Postal_Code");
        let effective = get("Effective_Date");
        let expiration = get("Expiration_Date");
        let standard = get("Standard_Order");
        let updated = get("Last_Update");
        let action = get("Action");
        let citation = get("FR_Citation");
        if name.is_empty() {
            return Err(
                SourceError::new(path, Location::Line(line), "row without a name")
                    .with_field("Name"),
            );
        }

        let mut h = Sha256::new();
        for part in [&name, &street, &city, &state, &country, &postal, &effective] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        let mut id = hex::encode(&h.finalize()[..8]);
        let n = seen_ids.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            report.bump("duplicate_rows", 1);
            report.warn(
                Warning::new(
                    path,
                    Location::Line(line),
                    format!("row repeats an earlier row of {name}: kept as {id}-{n}"),
                )
                .with_field("Name"),
            );
            id = format!("{id}-{n}");
        }

        let schema = schema_of(&name, &street, report);
        let mut e = Entity::new(&input.source, &id, schema);
        for (i, n) in split_aliases(&name).into_iter().enumerate() {
            let kind = if i == 0 {
                NameKind::Primary
            } else {
                NameKind::Alias
            };
            e.push_name(Name::new(n, kind));
        }
        if !country.is_empty() {
            e.push_country(CountryRole::Address, &country);
        }
        let parts: Vec<&str> = [&street, &city, &state, &postal, &country]
            .into_iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            let code = kordon_model::country_code(&country).map(str::to_string);
            e.addresses.push(Address {
                street: Some(street.clone()).filter(|s| !s.is_empty()),
                city: Some(city.clone()).filter(|s| !s.is_empty()),
                region: Some(state.clone()).filter(|s| !s.is_empty()),
                postal_code: Some(postal.clone()).filter(|s| !s.is_empty()),
                country: Some(country.clone()).filter(|s| !s.is_empty()),
                country_code: code,
                full: Some(parts.join(", ")),
                remark: None,
            });
        }
        for (col, value) in [
            ("Effective_Date", &effective),
            ("Expiration_Date", &expiration),
            ("Last_Update", &updated),
        ] {
            if value.is_empty() {
                continue;
            }
            match us_date(value) {
                Some(d) => {
                    if col == "Effective_Date" {
                        e.listed_on = Some(d.clone());
                        e.push_date(DateKind::Listing, d);
                    } else {
                        e.push_date(DateKind::Other, d);
                    }
                }
                None => {
                    report.bump("invalid_dates", 1);
                    report.warn(
                        Warning::new(
                            path,
                            Location::Line(line),
                            format!("not a valid date: {value:?} (kept as text)"),
                        )
                        .with_field(col),
                    );
                }
            }
            e.push_remark(&format!("{col}: {value}"));
        }
        for (col, value) in [
            ("Standard_Order", &standard),
            ("Action", &action),
            ("FR_Citation", &citation),
        ] {
            if !value.is_empty() {
                e.push_remark(&format!("{col}: {value}"));
            }
        }
        for (i, col) in &extra {
            let v = input::field(report, path, line, col, record.get(*i).unwrap_or_default());
            if !v.is_empty() {
                e.push_remark(&format!("{col}: {v}"));
            }
        }
        e.authority = Some("US Department of Commerce, Bureau of Industry and Security".into());
        e.list_name = Some("Denied Persons List".into());
        e.programs.push(Program {
            code: "DPL".into(),
            name: Some("Denied Persons List".into()),
        });
        report.count_entity(&e);
        sink(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_dates_are_month_first_and_typos_rejected() {
        assert_eq!(us_date("08/10/2017"), Some(PartialDate::ymd(2017, 8, 10)));
        assert_eq!(us_date("2023-11-01"), Some(PartialDate::ymd(2023, 11, 1)));
        assert_eq!(us_date("3033-09-30"), None);
        assert_eq!(us_date("13/01/2017"), None);
        assert_eq!(us_date("2017"), None);
    }

    #[test]
    fn aliases_split_on_aka() {
        assert_eq!(
            split_aliases("FUYI SUN A/K/A FRANK SUN"),
            vec!["FUYI SUN", "FRANK SUN"]
        );
        assert_eq!(split_aliases("I. ASH"), vec!["I. ASH"]);
    }
}

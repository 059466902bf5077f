//! US Department of Defense Section 1260H list of "Chinese military companies
//! operating in the United States", as OpenSanctions transcribes it
//! (`sanctions.csv`, one row per company per annual list that names it).
//!
//! Columns: `Name` (as the DoD list prints it, with the short name in brackets
//! and a trailing `*` for companies carried over from an earlier list),
//! `Clean Name` (the name without those marks: the primary name), `Alias`
//! (`;`-separated; a comma with no space after it also separates, since
//! company names contain ", Ltd."), `Previous Name` (former names),
//! `Parent Name` (the listed parent: a `SubsidiaryOf` link), `Note` (DoD's
//! reasons), `Start date` (the list edition naming it: `listed_on`), `End date`
//! (the edition that dropped it) and `Source Url`.
//!
//! Every row is a company, so the schema is Organization. A company named by
//! several editions has one row and one entity per edition; the id is
//! `<clean name slug>-<start date>`. A parent link carries the parent's id when
//! the parent is a listed company itself (preferring the same edition, else the
//! latest earlier one), found by name in a first pass over the file.

use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    DateKind, Entity, Link, LinkKind, Name, NameKind, PartialDate, Program, Schema,
};
use std::collections::HashMap;
use std::path::Path;

const COLUMNS: [&str; 9] = [
    "Name",
    "Clean Name",
    "Alias",
    "Previous Name",
    "Parent Name",
    "Note",
    "Start date",
    "End date",
    "Source Url",
];

/// Letters and digits only, lower case: parent names are written with and
/// without the comma before "Ltd." and the final dot.
fn name_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn split_names(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in s.split(';') {
        let mut start = 0;
        let bytes = part.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b',' && bytes.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace()) {
                out.push(part[start..i].trim());
                start = i + 1;
            }
        }
        out.push(part[start..].trim());
    }
    out.retain(|p| !p.is_empty());
    out
}

/// One data row, decoded.
struct Row {
    line: u64,
    fields: HashMap<&'static str, String>,
}

impl Row {
    fn get(&self, col: &str) -> &str {
        self.fields.get(col).map(String::as_str).unwrap_or("")
    }

    fn id(&self) -> String {
        let name = if self.get("Clean Name").is_empty() {
            self.get("Name")
        } else {
            self.get("Clean Name")
        };
        format!("{}-{}", slug(name), self.get("Start date"))
    }
}

fn for_each_row(
    path: &Path,
    report: &mut ParseReport,
    mut f: impl FnMut(Row, &mut ParseReport) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut reader = input::csv_reader(path, true)?;
    let header = reader
        .byte_headers()
        .map_err(|e| input::csv_error(path, e))?
        .clone();
    if header.iter().all(|h| h.is_empty()) {
        return Err(SourceError::new(
            path,
            Location::Line(1),
            "empty file: no 1260H header line",
        ));
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let mut index: Vec<(&'static str, usize)> = Vec::new();
    for col in COLUMNS {
        let i = names.iter().position(|n| n == col).ok_or_else(|| {
            SourceError::new(
                path,
                Location::Line(1),
                format!("not a 1260H list header: no column `{col}`"),
            )
            .with_field(col)
        })?;
        index.push((col, i));
    }
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| input::csv_error(path, e))?
    {
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
        let mut fields = HashMap::new();
        for &(col, i) in &index {
            let v = input::field(report, path, line, col, record.get(i).unwrap_or_default());
            fields.insert(col, v);
        }
        f(Row { line, fields }, report)?;
    }
    Ok(())
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
    // First pass: which listed company (id, edition) answers to which name.
    let mut by_name: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for_each_row(path, &mut ParseReport::default(), |row, _| {
        let id = row.id();
        let start = row.get("Start date").to_string();
        let mut keys = vec![name_key(row.get("Clean Name")), name_key(row.get("Name"))];
        keys.extend(split_names(row.get("Alias")).into_iter().map(name_key));
        keys.sort();
        keys.dedup();
        for k in keys.into_iter().filter(|k| !k.is_empty()) {
            by_name
                .entry(k)
                .or_default()
                .push((start.clone(), id.clone()));
        }
        Ok(())
    })?;

    let mut seen: HashMap<String, u32> = HashMap::new();
    for_each_row(path, report, |row, report| {
        let warn = |report: &mut ParseReport, field: &str, msg: String| {
            report.warn(Warning::new(path, Location::Line(row.line), msg).with_field(field));
        };
        let primary = if row.get("Clean Name").is_empty() {
            row.get("Name")
        } else {
            row.get("Clean Name")
        };
        if primary.is_empty() {
            return Err(
                SourceError::new(path, Location::Line(row.line), "row without a name")
                    .with_field("Name"),
            );
        }
        let mut id = row.id();
        let n = seen.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            report.bump("duplicate_rows", 1);
            id = format!("{id}-{n}");
            warn(
                report,
                "Clean Name",
                format!("{primary} listed twice on the same date: kept as {id}"),
            );
        }
        let mut e = Entity::new(&input.source, &id, Schema::Organization);
        e.push_name(Name::new(primary, NameKind::Primary));
        for a in split_names(row.get("Alias")) {
            e.push_name(Name::new(a, NameKind::Alias));
        }
        for p in split_names(row.get("Previous Name")) {
            e.push_name(Name::new(p, NameKind::Former));
        }
        let listed_as = row.get("Name");
        if !listed_as.is_empty() && listed_as != primary {
            e.push_remark(&format!("Name: {listed_as}"));
        }
        e.push_remark(row.get("Note"));

        let start = row.get("Start date");
        for (col, value) in [("Start date", start), ("End date", row.get("End date"))] {
            if value.is_empty() {
                continue;
            }
            match PartialDate::parse(value) {
                Ok(d) if col == "Start date" => {
                    e.listed_on = Some(d.clone());
                    e.push_date(DateKind::Listing, d);
                }
                Ok(d) => {
                    report.bump("ended", 1);
                    e.push_date(DateKind::Other, d);
                    e.push_remark(&format!(
                        "End date: {value} (no longer on the 1260H list from then)"
                    ));
                }
                Err(_) => {
                    report.bump("invalid_dates", 1);
                    warn(report, col, format!("not a date: {value:?} (kept as text)"));
                    e.push_remark(&format!("{col}: {value}"));
                }
            }
        }

        let parent = row.get("Parent Name");
        if !parent.is_empty() {
            let candidates = by_name.get(&name_key(parent));
            let target = candidates.and_then(|c| {
                c.iter()
                    .find(|(s, _)| s == start)
                    .or_else(|| {
                        c.iter()
                            .filter(|(s, _)| s.as_str() <= start)
                            .max_by(|a, b| a.0.cmp(&b.0))
                    })
                    .map(|(_, id)| format!("{}:{id}", input.source))
            });
            if target.is_none() {
                report.bump("parents_not_listed", 1);
            }
            e.links.push(Link {
                kind: LinkKind::SubsidiaryOf,
                target_id: target,
                target_name: Some(parent.to_string()),
                remark: None,
            });
        }
        let url = row.get("Source Url");
        if !url.is_empty() {
            e.source_urls.push(url.to_string());
        }
        e.authority = Some("US Department of Defense".into());
        e.list_name = Some("Section 1260H Chinese military companies".into());
        e.programs.push(Program {
            code: "1260H".into(),
            name: Some("NDAA FY2021 Section 1260H".into()),
        });
        report.count_entity(&e);
        sink(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_on_semicolons_and_tight_commas_only() {
        assert_eq!(
            split_names("Knownsec,Beijing Kownsec"),
            vec!["Knownsec", "Beijing Kownsec"]
        );
        assert_eq!(
            split_names("China Avionics Systems Co., Ltd."),
            vec!["China Avionics Systems Co., Ltd."]
        );
        assert_eq!(
            split_names("Zhonghang Electronic Measuring Instruments Company Limited; ZEMIC"),
            vec![
                "Zhonghang Electronic Measuring Instruments Company Limited",
                "ZEMIC"
            ]
        );
    }

    #[test]
    fn parent_names_match_across_punctuation() {
        assert_eq!(
            name_key("Aviation Industry Corporation of China, Ltd."),
            name_key("Aviation Industry Corporation of China Ltd.")
        );
    }
}

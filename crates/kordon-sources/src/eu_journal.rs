//! EU Official Journal sanctions annexes as transcribed by OpenSanctions
//! (`journal_sanctions/{consolidated,amendments}/*.csv`, see its FORMAT.md).
//!
//! The list's own semantics: one row is one designated party in one legal
//! context (framework act, annex, program, measure); the same party appears on
//! several rows when it is listed under several measures, and every row becomes
//! one entity. Consolidated files start with `celex` (the framework act),
//! amendment files with `amendedCelex,amendmentCelex`; the file's own CELEX
//! equals its name. `recordId` is the entry number printed in the annex and is
//! unique only per (act, annex, program, measure, schema), and is sometimes
//! empty, so `source_id` is `<file celex>[-<amended celex>]-<annex>-<recordId>`
//! (the name when there is no recordId), extended with program, measure and
//! schema only when needed to stay unique. Every entity column except `name` is
//! multi-valued: `; `-separated, values containing `;` or `"` CSV-quoted.
//! Cells hold the act's printed wording; identifiers may carry a printed label in
//! trailing parentheses (`7704730655 (Tax ID/INN)`). Name cells may contain
//! Official-Journal artefacts (`Chinese:` before the Chinese name, `Text of
//! image`), handled by `data/eu_journal_name_labels.tsv`. Unknown columns are
//! reported once per file and their values kept in remarks.

use crate::code_table::CodeTable;
use crate::name_script::script_of;
use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    country_code, Address, CountryRole, DateKind, Entity, Identifier, IdentifierKind, Link,
    LinkKind, Name, NameKind, PartialDate, Program, Schema,
};
use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

fn identifier_columns() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_journal_columns.tsv")))
}

fn identifier_labels() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_journal_identifier_labels.tsv")))
}

fn name_labels() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_journal_name_labels.tsv")))
}

fn measure_topics() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_journal_measures.tsv")))
}

/// Columns with a structured place, besides the identifier columns of
/// `data/eu_journal_columns.tsv`.
const MAPPED_COLUMNS: &[&str] = &[
    "celex",
    "amendedCelex",
    "amendmentCelex",
    "recordId",
    "programKey",
    "annex",
    "measure",
    "startDate",
    "reason",
    "schema",
    "name",
    "alias",
    "weakAlias",
    "previousName",
    "country",
    "nationality",
    "jurisdiction",
    "birthDate",
    "birthPlace",
    "position",
    "gender",
    "appearance",
    "ethnicity",
    "fatherName",
    "motherName",
    "incorporationDate",
    "legalForm",
    "sector",
    "flag",
    "address",
    "notes",
];

pub const SOURCE_AUTHORITY: &str = "EU";

pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut seen_ids: HashSet<String> = HashSet::new();
    for path in &input.files {
        parse_file(path, &input.source, &mut seen_ids, report, sink)?;
    }
    Ok(())
}

/// One row, by column name.
struct Row<'a> {
    headers: &'a [String],
    cells: Vec<String>,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn parse_file(
    path: &Path,
    source: &str,
    seen_ids: &mut HashSet<String>,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut reader = input::csv_reader(path, true)?;
    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|e| input::csv_error(path, e))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let amendment = headers.first().map(String::as_str) == Some("amendedCelex");
    let own_celex_column = if amendment { "amendmentCelex" } else { "celex" };
    for required in [own_celex_column, "name", "schema"] {
        if !headers.iter().any(|h| h == required) {
            return Err(SourceError::new(
                path,
                Location::Line(1),
                format!("not an EU journal annex CSV: header lacks the `{required}` column"),
            )
            .with_field(required));
        }
    }
    let unknown: Vec<String> = headers
        .iter()
        .filter(|h| !MAPPED_COLUMNS.contains(&h.as_str()) && identifier_columns().get(h).is_none())
        .cloned()
        .collect();
    for column in &unknown {
        report.warn(
            Warning::new(
                path,
                Location::Line(1),
                "unknown column, values kept in remarks",
            )
            .with_field(column),
        );
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut rows_in_file = 0u64;

    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(input::csv_error(path, e)),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != headers.len() {
            return Err(SourceError::new(
                path,
                Location::Line(line),
                format!(
                    "row has {} cells, the header has {}",
                    record.len(),
                    headers.len()
                ),
            ));
        }
        let cells = headers
            .iter()
            .zip(record.iter())
            .map(|(h, raw)| input::field(report, path, line, h, raw))
            .collect();
        let row = Row {
            headers: &headers,
            cells,
        };
        if row.get("name").is_empty() {
            report.warn(
                Warning::new(
                    path,
                    Location::Line(line),
                    "row without a name, not imported",
                )
                .with_field("name"),
            );
            report.bump("rows_without_name", 1);
            continue;
        }
        let own_celex = row.get(own_celex_column);
        if own_celex != stem {
            report.warn(
                Warning::new(
                    path,
                    Location::Line(line),
                    format!("CELEX {own_celex:?} differs from the file name {stem:?}"),
                )
                .with_field(own_celex_column),
            );
        }
        let source_id = unique_id(&row, amendment, own_celex, line, seen_ids);
        let mut e = map_row(&row, source, &source_id, path, line, report);
        for column in &unknown {
            for v in split_values(row.get(column)) {
                e.push_remark(&format!("{column}: {v}"));
            }
        }
        rows_in_file += 1;
        report.count_entity(&e);
        sink(e)?;
    }
    report.bump(&format!("rows:{stem}"), rows_in_file);
    Ok(())
}

/// A source id unique over the whole tree (see the module docs).
fn unique_id(
    row: &Row<'_>,
    amendment: bool,
    own_celex: &str,
    line: u64,
    seen: &mut HashSet<String>,
) -> String {
    let mut id = own_celex.to_string();
    if amendment {
        id.push('-');
        id.push_str(row.get("amendedCelex"));
    }
    id.push('-');
    id.push_str(row.get("annex"));
    id.push('-');
    let record = row.get("recordId");
    if record.is_empty() {
        id.push_str(
            &row.get("name")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("_"),
        );
    } else {
        id.push_str(record);
    }
    let slug = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join("_")
            .to_lowercase()
    };
    let candidates = [
        id.clone(),
        format!(
            "{id}-{}-{}",
            row.get("programKey"),
            slug(row.get("measure"))
        ),
        format!(
            "{id}-{}-{}-{}",
            row.get("programKey"),
            slug(row.get("measure")),
            row.get("schema")
        ),
        format!("{id}-L{line}"),
    ];
    for c in candidates {
        if seen.insert(c.clone()) {
            return c;
        }
    }
    // Unreachable in practice: line numbers are unique within a file.
    let fallback = format!("{id}-L{line}-{}", seen.len());
    seen.insert(fallback.clone());
    fallback
}

fn map_row(
    row: &Row<'_>,
    source: &str,
    source_id: &str,
    path: &Path,
    line: u64,
    report: &mut ParseReport,
) -> Entity {
    let schema_text = row.get("schema");
    let schema = match schema_text {
        // A restricted thing that is neither a party nor a vessel (facility, zone, crypto-asset).
        "Asset" => Schema::Unknown,
        s => Schema::parse(s).unwrap_or_else(|| {
            report.warn(
                Warning::new(
                    path,
                    Location::Line(line),
                    format!("unknown schema {s:?}, imported as Unknown"),
                )
                .with_field("schema"),
            );
            Schema::Unknown
        }),
    };
    let mut e = Entity::new(source, source_id, schema);
    if schema_text == "Asset" {
        e.push_remark("Listed asset (facility, zone or crypto-asset)");
    }
    e.authority = Some(SOURCE_AUTHORITY.to_string());
    let amended = if row.get("amendedCelex").is_empty() {
        row.get("celex")
    } else {
        row.get("amendedCelex")
    };
    e.list_name = Some(amended.to_string());
    e.source_urls.push(format!(
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{amended}"
    ));
    let amending = row.get("amendmentCelex");
    if !amending.is_empty() {
        e.source_urls.push(format!(
            "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{amending}"
        ));
    }

    // Program: the program key, with the measure and the annex it is listed in.
    let measure = row.get("measure");
    let annex = row.get("annex");
    let mut detail: Vec<String> = Vec::new();
    if !measure.is_empty() {
        detail.push(measure.to_string());
    }
    if !annex.is_empty() {
        detail.push(format!("Annex {annex} of {amended}"));
    }
    e.programs.push(Program {
        code: row.get("programKey").to_string(),
        name: (!detail.is_empty()).then(|| detail.join(", ")),
    });
    let topic = measure_topics().first(measure).unwrap_or("sanction");
    e.topics.push(topic.to_string());

    let start = row.get("startDate");
    if !start.is_empty() {
        match PartialDate::parse(start) {
            Ok(d) => e.listed_on = Some(d),
            Err(_) => {
                report.warn(
                    Warning::new(
                        path,
                        Location::Line(line),
                        format!("unparseable date {start:?}, kept in remarks"),
                    )
                    .with_field("startDate"),
                );
                e.push_remark(&format!("Listed on: {start}"));
            }
        }
    }

    let mut primary = Name::new(row.get("name"), NameKind::Primary);
    primary.script = script_of(&primary.full);
    e.push_name(primary);
    for (column, kind) in [
        ("alias", NameKind::Alias),
        ("weakAlias", NameKind::WeakAlias),
        ("previousName", NameKind::Former),
    ] {
        let mut lang: Option<&str> = None;
        for v in split_values(row.get(column)) {
            match name_labels().get(&v) {
                Some(["lang", code, ..]) => {
                    lang = Some(*code);
                    continue;
                }
                Some(["placeholder", ..]) => {
                    report.bump("name_placeholders", 1);
                    continue;
                }
                _ => {}
            }
            let mut n = Name::new(v.as_str(), kind);
            n.script = script_of(&v);
            // A language label applies to the one name printed after it.
            n.lang = lang.take().map(str::to_string);
            match kind {
                NameKind::WeakAlias => report.bump("weak_aliases", 1),
                NameKind::Former => report.bump("previous_names", 1),
                _ => report.bump("aliases", 1),
            }
            e.push_name(n);
        }
    }

    for (column, role) in [
        ("nationality", CountryRole::Nationality),
        ("jurisdiction", CountryRole::Registration),
        ("country", CountryRole::Other),
        ("flag", CountryRole::Flag),
    ] {
        for v in split_values(row.get(column)) {
            e.push_country(role, &v);
            if role == CountryRole::Flag && e.vessel.flag.is_none() {
                e.vessel.flag = Some(v.clone());
            }
        }
    }

    for (column, kind, label) in [
        ("birthDate", DateKind::Birth, "Date of birth"),
        (
            "incorporationDate",
            DateKind::Incorporation,
            "Date of incorporation",
        ),
    ] {
        for v in split_values(row.get(column)) {
            let dates = parse_dates(&v);
            if dates.is_empty() {
                e.push_remark(&format!("{label}: {v}"));
            }
            for d in dates {
                e.push_date(kind, d);
            }
        }
    }
    for v in split_values(row.get("birthPlace")) {
        if !e.places_of_birth.contains(&v) {
            e.places_of_birth.push(v);
        }
    }
    for v in split_values(row.get("position")) {
        if !e.positions.contains(&v) {
            e.positions.push(v);
        }
    }
    let genders = split_values(row.get("gender"));
    if !genders.is_empty() {
        e.gender = Some(genders.join("; "));
    }
    for (column, label) in [
        ("legalForm", "Legal form"),
        ("sector", "Sector"),
        ("appearance", "Appearance"),
        ("ethnicity", "Ethnicity"),
    ] {
        for v in split_values(row.get(column)) {
            e.push_remark(&format!("{label}: {v}"));
        }
    }
    for (column, relation) in [("fatherName", "father"), ("motherName", "mother")] {
        for v in split_values(row.get(column)) {
            e.links.push(Link {
                kind: LinkKind::FamilyOf,
                target_id: None,
                target_name: Some(v),
                remark: Some(relation.to_string()),
            });
        }
    }
    for v in split_values(row.get("address")) {
        // The act prints addresses as one line, the country last or just
        // before a trailing postal code.
        let country = v
            .rsplit(',')
            .take(2)
            .map(str::trim)
            .find(|c| country_code(c).is_some());
        let a = Address {
            country: country.map(str::to_string),
            country_code: country.and_then(country_code).map(str::to_string),
            full: Some(v.clone()),
            ..Address::default()
        };
        if !e.addresses.contains(&a) {
            e.addresses.push(a);
        }
    }

    for (column, cell) in row.headers.iter().zip(&row.cells) {
        let Some(spec) = identifier_columns().get(column) else {
            continue;
        };
        let column_kind = spec
            .first()
            .and_then(|k| IdentifierKind::parse(k))
            .unwrap_or(IdentifierKind::Other);
        let default_label = spec.get(1).map(|s| s.to_string());
        for v in split_values(cell) {
            e.push_identifier(identifier(&v, column_kind.clone(), default_label.clone()));
        }
    }

    e.push_remark(row.get("reason"));
    for v in split_values(row.get("notes")) {
        e.push_remark(&v);
    }
    e
}

/// `7704730655 (Tax ID/INN)` → value, label, maybe a more specific kind; a
/// parenthesis naming a country (`123 (Iran)`) gives the issuing country.
fn identifier(v: &str, column_kind: IdentifierKind, default_label: Option<String>) -> Identifier {
    let mut id = Identifier {
        kind: column_kind,
        value: v.to_string(),
        label: default_label,
        country: None,
        remark: None,
    };
    let Some(open) = v.rfind(" (") else { return id };
    let Some(inner) = v[open + 2..].strip_suffix(')') else {
        return id;
    };
    let value = v[..open].trim();
    if value.is_empty() || inner.contains('(') {
        return id;
    }
    id.value = value.to_string();
    if let Some(code) = country_code(inner) {
        id.country = Some(code.to_string());
        return id;
    }
    if let Some(kind) = refined_kind(inner) {
        // A printed label naming a more specific system wins over the column.
        id.kind = kind;
    }
    id.label = Some(inner.to_string());
    id
}

/// The identifier system a printed label names ("Tax ID/INN" → INN), also
/// when it is the label's own trailing parenthesis ("Tax Identification
/// Number (INN)"), as the EU FSF writes it.
pub(crate) fn refined_kind(label: &str) -> Option<IdentifierKind> {
    let lookup = |l: &str| identifier_labels().first(l).and_then(IdentifierKind::parse);
    lookup(label).or_else(|| {
        let open = label.rfind('(')?;
        lookup(label[open + 1..].strip_suffix(')')?)
    })
}

/// Dates as the act prints them: one date, or an enumeration
/// (`(a) 5.10.1976, (b) 1.10.1976`, `11.7.1982 or 3.1.1980`). Empty when any
/// piece does not parse: the caller then keeps the wording as a remark.
fn parse_dates(v: &str) -> Vec<PartialDate> {
    if let Ok(d) = PartialDate::parse(v) {
        return vec![d];
    }
    let cleaned: String = v
        .split_whitespace()
        .filter(|w| !is_enumerator(w))
        .collect::<Vec<_>>()
        .join(" ");
    let pieces: Vec<&str> = cleaned
        .split([',', ';'])
        .flat_map(|p| p.split(" or "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let parsed: Option<Vec<PartialDate>> =
        pieces.iter().map(|p| PartialDate::parse(p).ok()).collect();
    parsed.unwrap_or_default()
}

/// `(a)`, `(ii)`, `a)`: enumeration markers of the printed act.
fn is_enumerator(w: &str) -> bool {
    let inner = w.trim_start_matches('(').trim_end_matches(')');
    w.ends_with(')')
        && !inner.is_empty()
        && inner.len() <= 4
        && inner.chars().all(|c| c.is_ascii_lowercase())
}

/// Split a multi-valued cell: `; `-separated, a value containing `;` or `"`
/// CSV-quoted with doubled inner quotes. Unlike a CSV reader this tolerates the
/// space after the separator before an opening quote.
pub(crate) fn split_values(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = cell.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        value.push('"');
                    } else {
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            // Anything between the closing quote and the separator belongs to the value.
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
        }
        let value = value.trim();
        if !value.is_empty() && !out.iter().any(|v: &String| v == value) {
            out.push(value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_values() {
        assert_eq!(split_values("Foo; Bar"), ["Foo", "Bar"]);
        assert_eq!(split_values(r#""Foo; Bar"; Baz"#), ["Foo; Bar", "Baz"]);
        assert_eq!(
            split_values(r#"Baz; "Say ""hi""; ok""#),
            ["Baz", r#"Say "hi"; ok"#]
        );
        assert!(split_values("  ").is_empty());
    }

    proptest::proptest! {
        /// Joining values the way FORMAT.md prescribes (`; `, quoting values that
        /// hold `;` or `"`) and splitting gives the values back.
        #[test]
        fn split_inverts_the_documented_join(values in proptest::collection::vec("[^\\s]([^\\n]{0,20}[^\\s])?", 1..6)) {
            let mut unique: Vec<String> = Vec::new();
            for v in &values {
                if !unique.contains(v) {
                    unique.push(v.clone());
                }
            }
            let joined = values
                .iter()
                .map(|v| if v.contains(';') || v.contains('"') { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.clone() })
                .collect::<Vec<_>>()
                .join("; ");
            proptest::prop_assert_eq!(split_values(&joined), unique);
        }
    }

    #[test]
    fn identifier_labels_refine_kind() {
        let id = identifier(
            "7704730655 (Tax ID/INN)",
            IdentifierKind::RegistrationNumber,
            None,
        );
        assert_eq!(
            (id.kind, id.value.as_str(), id.label.as_deref()),
            (IdentifierKind::Inn, "7704730655", Some("Tax ID/INN"))
        );
        let id = identifier("K123 (Iran)", IdentifierKind::Passport, None);
        assert_eq!(
            (id.value.as_str(), id.country.as_deref()),
            ("K123", Some("IR"))
        );
        let id = identifier("145225-5", IdentifierKind::RegistrationNumber, None);
        assert_eq!(id.value, "145225-5");
    }

    #[test]
    fn enumerated_dates() {
        assert_eq!(parse_dates("(a) 5.10.1976, (b) 1.10.1976").len(), 2);
        assert_eq!(parse_dates("11.7.1982 or 3.1.1980").len(), 2);
        assert_eq!(parse_dates("Between 1959 and 1965")[0].to_year, Some(1965));
        assert!(parse_dates("in the 1960s").is_empty());
    }
}

//! OFAC legacy CSV sets: the SDN list (`sdn.csv`, `add.csv`, `alt.csv`,
//! `sdn_comments.csv`) and the consolidated non-SDN list (`cons_prim.csv`,
//! `cons_add.csv`, `cons_alt.csv`, `cons_comments.csv`).
//!
//! The list's own field semantics (OFAC "dat_spec"):
//! - No header rows. `-0-` means null. CRLF line ends, quoted fields may hold
//!   newlines, and the file ends with a DOS EOF byte (0x1A) on a line of its own.
//! - Primary file, 12 columns: `ent_num, SDN_Name, SDN_Type, Program, Title,
//!   Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks`.
//!   `SDN_Type` is `individual`, `vessel`, `aircraft`, or null for organisations.
//!   Individuals are named "SURNAME, Given Names". `Program` lists several programs
//!   as "SDGT] [IRGC": OFAC writes "[SDGT] [IRGC]" and the CSV loses the outer brackets.
//! - Address file, 6 columns: `ent_num, Add_num, Address, City/State/Province/Postal
//!   Code, Country, Add_remarks`.
//! - Alias file, 5 columns: `ent_num, alt_num, alt_type (aka|fka|nka), alt_name,
//!   alt_remarks`. These are the *strong* aliases only.
//! - Comments file, 2 columns: `ent_num, Remarks_Extension`. `Remarks` is cut at
//!   1000 characters, mid-word; the rest continues here and is appended verbatim.
//!   (A comments file of another date than the primary file may not continue the
//!   same cut; the join is made anyway and the whole text stays in the remarks.)
//! - `Remarks` is a `;`-separated run of statements ("DOB 10 Dec 1948; POB Cairo,
//!   Egypt; Passport 1084010 (Egypt); a.k.a. 'ABU ALI'."), a leading "alt." meaning
//!   "another value of the same kind". The labels this parser understands, and what
//!   they map to, live in `data/ofac_remark_labels.tsv` (crate root).
//!
//! Weak aliases: OFAC's *low-quality* a.k.a.s never appear in `alt.csv`; they are
//! written into `Remarks` as quoted names (`a.k.a. 'BNC'`). Checked against the
//! advanced XML, which flags them `LowQuality="true"`: of the 31 low-quality aliases
//! in `cons_advanced.xml` (2020), 24 appear as quoted `a.k.a.`/`f.k.a.` in the 2025
//! `cons_prim.csv` remarks and 1 in `cons_alt.csv`; of its 884 strong non-primary
//! aliases, 648 are in `cons_alt.csv` and 1 in the remarks (the gaps are five years
//! of list changes). So every quoted remark alias becomes [`NameKind::WeakAlias`].
//!
//! The set is small (15k entries), so a group is read fully into an ordered map
//! keyed by `ent_num` before any entity is emitted: aliases, addresses and comment
//! continuations live in other files and must be joined first.

use crate::detect::OfacPart;
use crate::{input, Format, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    country_code, Address, CountryRole, DateKind, Entity, Identifier, IdentifierKind, Link,
    LinkKind, Name, NameKind, NameParts, PartialDate, Program, Schema,
};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PRIMARY_COLUMNS: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];
const ADDRESS_COLUMNS: [&str; 6] = [
    "ent_num",
    "Add_num",
    "Address",
    "City/State/Province/Postal Code",
    "Country",
    "Add_remarks",
];
const ALIAS_COLUMNS: [&str; 5] = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"];
const COMMENT_COLUMNS: [&str; 2] = ["ent_num", "Remarks_Extension"];

fn columns(part: OfacPart) -> &'static [&'static str] {
    match part {
        OfacPart::Primary => &PRIMARY_COLUMNS,
        OfacPart::Address => &ADDRESS_COLUMNS,
        OfacPart::Alias => &ALIAS_COLUMNS,
        OfacPart::Comments => &COMMENT_COLUMNS,
    }
}

/// Which OFAC legacy CSV part a file is, from its first record and name:
/// 12 columns = primary, 6 = address, 5 = alias, 2 = comments, always with a
/// numeric `ent_num` first. When the name says which part it is, the name decides
/// (a cut-off first record or an unusual row must not reclassify `add.csv`).
pub(crate) fn sniff(head: &str, name: &str) -> Option<OfacPart> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head.as_bytes());
    let record = reader.records().next()?.ok()?;
    let first = record.get(0)?.trim();
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let by_columns = match record.len() {
        12 => Some(OfacPart::Primary),
        6 => Some(OfacPart::Address),
        5 => Some(OfacPart::Alias),
        2 => Some(OfacPart::Comments),
        _ => None,
    };
    part_from_name(name).or(by_columns)
}

/// The part OFAC's own file names denote (`sdn.csv`, `add.csv`, `alt.csv`,
/// `sdn_comments.csv`, `cons_prim.csv`, `cons_add.csv`, ...).
fn part_from_name(lowercase_name: &str) -> Option<OfacPart> {
    let stem = lowercase_name.strip_suffix(".csv")?;
    let tokens: Vec<&str> = stem.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let has = |t: &str| tokens.contains(&t);
    if has("comments") {
        Some(OfacPart::Comments)
    } else if has("add") {
        Some(OfacPart::Address)
    } else if has("alt") {
        Some(OfacPart::Alias)
    } else if has("prim") || has("sdn") {
        Some(OfacPart::Primary)
    } else {
        None
    }
}

struct Pending {
    entity: Entity,
    remarks: String,
}

/// Parse one OFAC CSV group (all parts found in one folder).
pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let parts = classify(input)?;
    let (primary_name, list_name) = match input.format {
        Format::OfacConsCsv => ("cons_prim.csv", "Consolidated (non-SDN) List"),
        _ => ("sdn.csv", "SDN List"),
    };
    let of = |want: OfacPart| {
        parts
            .iter()
            .filter(move |(_, p)| *p == want)
            .map(|(f, _)| f.as_path())
    };
    if of(OfacPart::Primary).next().is_none() {
        let found: Vec<String> = parts.iter().map(|(f, _)| f.display().to_string()).collect();
        let dir = input
            .files
            .first()
            .map(PathBuf::as_path)
            .unwrap_or(Path::new("."));
        return Err(SourceError::new(
            &dir.with_file_name(primary_name),
            Location::File,
            format!(
                "OFAC CSV group has no primary file ({primary_name}); found only: {}",
                found.join(", ")
            ),
        ));
    }

    let mut entities: BTreeMap<u64, Pending> = BTreeMap::new();
    for path in of(OfacPart::Primary) {
        read_rows(
            path,
            OfacPart::Primary,
            report,
            |report, line, ent_num, f| {
                report.bump("primary_rows", 1);
                let pending = primary_entity(&input.source, list_name, ent_num, f);
                if entities.insert(ent_num, pending).is_some() {
                    report.bump("duplicate_primary_rows", 1);
                    report.warn(Warning::new(
                    path,
                    Location::Line(line()),
                    format!("ent_num {ent_num} has a primary row already; the later row replaces it"),
                ));
                }
                Ok(())
            },
        )?;
    }

    // Remarks are parsed only after every part is read: a comment row completes
    // a remark cut at 1000 characters, and the cut may fall inside a statement.
    for path in of(OfacPart::Comments) {
        let mut orphans = Orphans::default();
        read_rows(
            path,
            OfacPart::Comments,
            report,
            |report, _line, ent_num, f| {
                match entities.get_mut(&ent_num) {
                    Some(p) => {
                        report.bump("comments", 1);
                        // OFAC cuts Remarks mid-word: the continuation joins without a separator.
                        p.remarks.push_str(&f[1]);
                    }
                    None => orphans.add(ent_num),
                }
                Ok(())
            },
        )?;
        orphans.report(report, path, "orphan_comments", "comment", primary_name);
    }

    for path in of(OfacPart::Address) {
        let mut orphans = Orphans::default();
        read_rows(
            path,
            OfacPart::Address,
            report,
            |report, _line, ent_num, mut f| {
                let Some(p) = entities.get_mut(&ent_num) else {
                    orphans.add(ent_num);
                    return Ok(());
                };
                report.bump("addresses", 1);
                let street = non_empty(std::mem::take(&mut f[2]));
                let city = non_empty(std::mem::take(&mut f[3]));
                let country = non_empty(std::mem::take(&mut f[4]));
                let full: Vec<&str> = [&street, &city, &country]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                if let Some(c) = &country {
                    p.entity.push_country(CountryRole::Address, c);
                }
                let address = Address {
                    full: (!full.is_empty()).then(|| full.join(", ")),
                    street,
                    // OFAC combines city, state/province and postal code in one column.
                    city,
                    country_code: country
                        .as_deref()
                        .and_then(country_code)
                        .map(str::to_string),
                    country,
                    remark: non_empty(std::mem::take(&mut f[5])),
                    ..Address::default()
                };
                if !p.entity.addresses.contains(&address) {
                    p.entity.addresses.push(address);
                }
                Ok(())
            },
        )?;
        orphans.report(report, path, "orphan_addresses", "address", primary_name);
    }

    for path in of(OfacPart::Alias) {
        let mut orphans = Orphans::default();
        read_rows(
            path,
            OfacPart::Alias,
            report,
            |report, line, ent_num, mut f| {
                let Some(p) = entities.get_mut(&ent_num) else {
                    orphans.add(ent_num);
                    return Ok(());
                };
                let kind = match f[2].to_ascii_lowercase().replace('.', "").as_str() {
                    "aka" => NameKind::Alias,
                    "fka" => NameKind::Former,
                    "nka" => NameKind::NowKnownAs,
                    other => {
                        report.bump("unknown_alias_types", 1);
                        report.warn(
                            Warning::new(
                                path,
                                Location::Line(line()),
                                format!("unknown alias type {other:?}, read as a.k.a."),
                            )
                            .with_field("alt_type"),
                        );
                        NameKind::Alias
                    }
                };
                report.bump("aliases", 1);
                let mut name = Name::new(std::mem::take(&mut f[3]), kind);
                if p.entity.schema == Schema::Person {
                    name.parts = person_name_parts(&name.full);
                }
                name.remark = non_empty(std::mem::take(&mut f[4]));
                p.entity.push_name(name);
                Ok(())
            },
        )?;
        orphans.report(report, path, "orphan_aliases", "alias", primary_name);
    }

    for (
        _,
        Pending {
            mut entity,
            remarks,
        },
    ) in entities
    {
        let summary = apply_remarks(&mut entity, &remarks);
        report.bump("remark_statements", summary.statements as u64);
        report.bump("remark_statements_unparsed", summary.unparsed as u64);
        report.bump("remark_notes", summary.notes as u64);
        report.bump("weak_aliases", summary.weak_aliases as u64);
        report.bump("identifiers", entity.identifiers.len() as u64);
        report.bump("links", entity.links.len() as u64);
        report.count_entity(&entity);
        sink(entity)?;
    }
    Ok(())
}

/// Rows of one part whose `ent_num` has no primary row: counted, summarised once.
#[derive(Default)]
struct Orphans {
    rows: u64,
    ent_nums: BTreeSet<u64>,
}

impl Orphans {
    fn add(&mut self, ent_num: u64) {
        self.rows += 1;
        self.ent_nums.insert(ent_num);
    }

    fn report(&self, report: &mut ParseReport, path: &Path, key: &str, what: &str, primary: &str) {
        // Always present, so "zero orphans" is an observable fact in the report.
        report.bump(key, self.rows);
        if self.rows == 0 {
            return;
        }
        let sample: Vec<String> = self.ent_nums.iter().take(10).map(u64::to_string).collect();
        report.warn(Warning::new(
            path,
            Location::File,
            format!(
                "{} {what} rows ({} ent_nums) have no primary row in {primary} and were not \
                 attached (files of different dates?); first ent_nums: {}",
                self.rows,
                self.ent_nums.len(),
                sample.join(", ")
            ),
        ));
    }
}

fn classify(input: &SourceInput) -> Result<Vec<(PathBuf, OfacPart)>, SourceError> {
    let mut parts = Vec::with_capacity(input.files.len());
    for path in &input.files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let head = input::head(path, 8192)?;
        let part = sniff(&String::from_utf8_lossy(&head), &name)
            .or_else(|| part_from_name(&name))
            .ok_or_else(|| {
                SourceError::new(
                    path,
                    Location::Line(1),
                    "cannot tell which OFAC CSV part this is (expected 12 columns = primary, \
                     6 = address, 5 = alias, 2 = comments, with a numeric ent_num)",
                )
            })?;
        parts.push((path.clone(), part));
    }
    Ok(parts)
}

/// Stream the records of one part, decoded and checked, to `row(report, line, ent_num, fields)`.
fn read_rows(
    path: &Path,
    part: OfacPart,
    report: &mut ParseReport,
    mut row: impl FnMut(
        &mut ParseReport,
        &mut dyn FnMut() -> u64,
        u64,
        Vec<String>,
    ) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let names = columns(part);
    let mut reader = input::csv_reader(path, false)?;
    let mut record = csv::ByteRecord::new();
    // Line numbers cost a read each (see `record_line`): only taken when reported.
    let mut lines = std::fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut last_start: Option<csv::Position> = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(input::csv_error(path, e)),
        }
        let pos = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        let mut line_of = || record_line(&mut lines, &pos);
        let warn_line = if record.iter().any(|raw| std::str::from_utf8(raw).is_err()) {
            line_of()
        } else {
            0
        };
        let fields: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let name = names.get(i).copied().unwrap_or("(extra column)");
                input::field(report, path, warn_line, name, raw)
            })
            .collect();
        // The DOS EOF byte and blank lines make records with nothing in them.
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if fields.len() != names.len() {
            let field = names
                .get(fields.len())
                .or(names.last())
                .copied()
                .unwrap_or("ent_num");
            return Err(SourceError::new(
                path,
                Location::Line(line_of()),
                format!(
                    "{} row has {} columns, expected {}",
                    part_label(part),
                    fields.len(),
                    names.len()
                ),
            )
            .with_field(field));
        }
        let ent_num: u64 = match fields[0].parse() {
            Ok(n) => n,
            Err(_) => {
                return Err(SourceError::new(
                    path,
                    Location::Line(line_of()),
                    format!("ent_num {:?} is not a number", fields[0]),
                )
                .with_field("ent_num"))
            }
        };
        row(report, &mut line_of, ent_num, fields)?;
        last_start = Some(pos);
    }
    if let Some(pos) = last_start {
        check_last_record_closed(path, record_line(&mut lines, &pos), pos.byte(), names)?;
    }
    Ok(())
}

/// The 1-based line a record starts on. After a CRLF record the csv crate puts
/// the next record's position on the `\n` that ends the previous line, one line
/// early; the byte at the position tells which case this is.
fn record_line(file: &mut std::fs::File, pos: &csv::Position) -> u64 {
    let mut first = [0u8; 1];
    let at_newline = file.seek(SeekFrom::Start(pos.byte())).is_ok()
        && file.read_exact(&mut first).is_ok()
        && first[0] == b'\n';
    pos.line() + u64::from(at_newline)
}

fn part_label(part: OfacPart) -> &'static str {
    match part {
        OfacPart::Primary => "primary",
        OfacPart::Address => "address",
        OfacPart::Alias => "alias",
        OfacPart::Comments => "comments",
    }
}

/// The csv crate ends a quoted field silently at end of file. A file cut inside a
/// quoted field (an interrupted download) would then import a truncated remark as
/// if it were whole, so the last record's quotes are checked by hand.
fn check_last_record_closed(
    path: &Path,
    line: u64,
    byte: u64,
    names: &[&str],
) -> Result<(), SourceError> {
    let mut file = std::fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
    file.seek(SeekFrom::Start(byte))
        .map_err(|e| SourceError::io(path, e))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)
        .map_err(|e| SourceError::io(path, e))?;
    let mut in_quotes = false;
    let mut field = 0usize;
    let mut quoted_field = 0usize;
    let mut at_field_start = true;
    // The position may sit on the newline ending the previous record.
    let start = tail
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(tail.len());
    for &b in &tail[start..] {
        match b {
            b'"' => {
                if !in_quotes && at_field_start {
                    quoted_field = field;
                }
                in_quotes = !in_quotes;
                at_field_start = false;
            }
            b',' if !in_quotes => {
                field += 1;
                at_field_start = true;
            }
            b'\n' if !in_quotes => break,
            b' ' | b'\t' | b'\r' => {}
            _ => at_field_start = false,
        }
    }
    if in_quotes {
        let name = names.get(quoted_field).copied().unwrap_or("(extra column)");
        return Err(SourceError::new(
            path,
            Location::Line(line),
            "file ends inside a quoted field (truncated file?)",
        )
        .with_field(name));
    }
    Ok(())
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn primary_entity(source: &str, list_name: &str, ent_num: u64, mut f: Vec<String>) -> Pending {
    let schema = match f[2].to_ascii_lowercase().as_str() {
        "individual" => Schema::Person,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Aircraft,
        // OFAC leaves the type empty for organisations.
        _ => Schema::Organization,
    };
    let mut e = Entity::new(source, &ent_num.to_string(), schema);
    e.authority = Some("OFAC".to_string());
    e.list_name = Some(list_name.to_string());
    e.topics.push("sanction".to_string());
    let mut name = Name::new(std::mem::take(&mut f[1]), NameKind::Primary);
    if schema == Schema::Person {
        name.parts = person_name_parts(&name.full);
    }
    e.push_name(name);
    for code in f[3]
        .split(['[', ']'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if !e.programs.iter().any(|p| p.code == code) {
            e.programs.push(Program {
                code: code.to_string(),
                name: None,
            });
        }
    }
    if !f[4].is_empty() {
        e.titles.push(std::mem::take(&mut f[4]));
    }
    let call_sign = std::mem::take(&mut f[5]);
    if !call_sign.is_empty() {
        e.push_identifier(Identifier {
            kind: IdentifierKind::CallSign,
            value: call_sign.clone(),
            label: Some("Call_Sign".to_string()),
            country: None,
            remark: None,
        });
        e.vessel.call_sign = Some(call_sign);
    }
    e.vessel.vessel_type = non_empty(std::mem::take(&mut f[6]));
    e.vessel.tonnage = non_empty(std::mem::take(&mut f[7]));
    e.vessel.gross_tonnage = non_empty(std::mem::take(&mut f[8]));
    let flag = std::mem::take(&mut f[9]);
    if !flag.is_empty() {
        e.push_country(CountryRole::Flag, &flag);
        e.vessel.flag = Some(flag);
    }
    e.vessel.owner = non_empty(std::mem::take(&mut f[10]));
    Pending {
        entity: e,
        remarks: std::mem::take(&mut f[11]),
    }
}

/// "SURNAME, Given Names" as OFAC writes individuals; anything else has no parts.
fn person_name_parts(full: &str) -> NameParts {
    match full.split_once(',') {
        Some((family, given)) if !family.trim().is_empty() && !given.trim().is_empty() => {
            NameParts {
                family: Some(family.trim().to_string()),
                given: Some(given.trim().to_string()),
                ..NameParts::default()
            }
        }
        _ => NameParts::default(),
    }
}

// ---------------------------------------------------------------------------
// Remarks

/// What [`apply_remarks`] made of one Remarks text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemarkSummary {
    pub statements: usize,
    /// Placed in a structured field.
    pub understood: usize,
    /// Recognised but with no structured field (sanctions information): kept as remarks.
    pub notes: usize,
    /// Not understood: kept verbatim as remarks.
    pub unparsed: usize,
    pub weak_aliases: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    BirthDate,
    BirthPlace,
    Nationality,
    Citizenship,
    Gender,
    LinkedTo,
    IncorporationDate,
    WeakAlias,
    CryptoAddress,
    Identifier,
    Note,
}

struct LabelRule {
    label: &'static str,
    action: Action,
    kind: Option<IdentifierKind>,
}

struct Refinement {
    from: IdentifierKind,
    country: &'static str,
    digits: Vec<usize>,
    to: IdentifierKind,
}

struct RemarkRules {
    /// Longest label first, so "Registration Number" never shadows
    /// "Registration Number ..." variants and "DOB" never shadows longer labels.
    labels: Vec<LabelRule>,
    refinements: Vec<Refinement>,
}

const LABELS_TSV: &str = include_str!("../data/ofac_remark_labels.tsv");

fn rules() -> &'static RemarkRules {
    static RULES: OnceLock<RemarkRules> = OnceLock::new();
    RULES.get_or_init(|| load_rules(LABELS_TSV))
}

/// The table is compiled in; a malformed line is a bug caught by the unit test.
fn load_rules(tsv: &'static str) -> RemarkRules {
    let mut labels = Vec::new();
    let mut refinements = Vec::new();
    for line in tsv.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').collect();
        if cols[0] == "refine" && cols.len() == 5 {
            let (Some(from), Some(to)) = (
                IdentifierKind::parse(cols[1]),
                IdentifierKind::parse(cols[4]),
            ) else {
                panic!("ofac_remark_labels.tsv: unknown identifier kind in {line:?}");
            };
            refinements.push(Refinement {
                from,
                country: cols[2],
                digits: cols[3]
                    .split(',')
                    .filter_map(|d| d.trim().parse().ok())
                    .collect(),
                to,
            });
            continue;
        }
        let action = match cols.get(1).copied() {
            Some("birth_date") => Action::BirthDate,
            Some("birth_place") => Action::BirthPlace,
            Some("nationality") => Action::Nationality,
            Some("citizenship") => Action::Citizenship,
            Some("gender") => Action::Gender,
            Some("linked_to") => Action::LinkedTo,
            Some("incorporation_date") => Action::IncorporationDate,
            Some("weak_alias") => Action::WeakAlias,
            Some("crypto_address") => Action::CryptoAddress,
            Some("identifier") => Action::Identifier,
            Some("note") => Action::Note,
            _ => panic!("ofac_remark_labels.tsv: unknown action in {line:?}"),
        };
        let kind = if action == Action::Identifier {
            match cols.get(2).and_then(|k| IdentifierKind::parse(k)) {
                Some(k) => Some(k),
                None => panic!("ofac_remark_labels.tsv: unknown identifier kind in {line:?}"),
            }
        } else {
            None
        };
        labels.push(LabelRule {
            label: cols[0],
            action,
            kind,
        });
    }
    labels.sort_by_key(|r| std::cmp::Reverse(r.label.len()));
    RemarkRules {
        labels,
        refinements,
    }
}

impl RemarkRules {
    /// The rule whose label starts `statement`, and the text after the label.
    fn matching<'s>(&self, statement: &'s str) -> Option<(&LabelRule, &'s str)> {
        self.labels.iter().find_map(|rule| {
            let rest = strip_prefix_ignore_case(statement, rule.label)?;
            let label_ends_word = !rule.label.ends_with(|c: char| c.is_ascii_alphanumeric());
            if label_ends_word
                || rest.is_empty()
                || !rest.starts_with(|c: char| c.is_alphanumeric())
            {
                Some((rule, rest))
            } else {
                None
            }
        })
    }
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

const QUOTED_ALIAS_PREFIXES: [&str; 3] = ["a.k.a. '", "f.k.a. '", "n.k.a. '"];

/// Split a Remarks text into its statements, as slices of the input (trimmed,
/// empty ones dropped). Splits at `;`, except inside a quoted alias
/// (`a.k.a. 'A; B'`): there the closing quote is the one followed only by an
/// optional period and then `;` or the end, since apostrophes occur inside names.
pub fn split_statements(remarks: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < remarks.len() {
        let rest = &remarks[pos..];
        let start = pos + (rest.len() - rest.trim_start().len());
        let body = &remarks[start..];
        let body_no_alt = strip_prefix_ignore_case(body, "alt. ").unwrap_or(body);
        let quote_end = QUOTED_ALIAS_PREFIXES
            .iter()
            .any(|p| strip_prefix_ignore_case(body_no_alt, p).is_some())
            .then(|| {
                let open = remarks.len() - body_no_alt.len() + QUOTED_ALIAS_PREFIXES[0].len();
                closing_quote(remarks, open)
            })
            .flatten();
        let search_from = quote_end.unwrap_or(start);
        let end = remarks[search_from..]
            .find(';')
            .map(|i| search_from + i)
            .unwrap_or(remarks.len());
        let statement = remarks[start..end].trim();
        if !statement.is_empty() {
            out.push(statement);
        }
        pos = end + 1;
    }
    out
}

/// Byte index of the quote closing an alias opened just before `from`.
fn closing_quote(s: &str, from: usize) -> Option<usize> {
    s.get(from..)?
        .match_indices('\'')
        .map(|(i, _)| from + i)
        .find(|&q| {
            let after = s[q + 1..].trim_start_matches('.').trim_start();
            after.is_empty() || after.starts_with(';')
        })
}

/// Parse a Remarks text into `entity`'s structured fields. The whole text is kept
/// as the first remark, and every statement that is not understood (or is a note
/// with no structured field) is also kept verbatim, so nothing is lost.
pub fn apply_remarks(entity: &mut Entity, remarks: &str) -> RemarkSummary {
    let mut summary = RemarkSummary::default();
    entity.push_remark(remarks);
    let statements = split_statements(remarks);
    let rules = rules();
    let last = statements.len().saturating_sub(1);
    for (i, statement) in statements.iter().enumerate() {
        summary.statements += 1;
        match apply_statement(entity, statement, i == last, rules) {
            Outcome::Understood => summary.understood += 1,
            Outcome::WeakAlias => {
                summary.understood += 1;
                summary.weak_aliases += 1;
            }
            Outcome::Note => {
                summary.notes += 1;
                entity.push_remark(statement);
            }
            Outcome::Unparsed => {
                summary.unparsed += 1;
                entity.push_remark(statement);
            }
        }
    }
    summary
}

enum Outcome {
    Understood,
    WeakAlias,
    Note,
    Unparsed,
}

fn apply_statement(
    entity: &mut Entity,
    statement: &str,
    is_last: bool,
    rules: &RemarkRules,
) -> Outcome {
    let body = strip_prefix_ignore_case(statement, "alt. ")
        .unwrap_or(statement)
        .trim();
    let Some((rule, rest)) = rules.matching(body) else {
        return Outcome::Unparsed;
    };
    let raw_value = rest.trim_start_matches([':', ' ']).trim();
    let value = strip_terminal_period(raw_value);
    if value.is_empty() && rule.action != Action::Note {
        return Outcome::Unparsed;
    }
    match rule.action {
        Action::BirthDate | Action::IncorporationDate => {
            let Some(date) = parse_ofac_date(value) else {
                return Outcome::Unparsed;
            };
            let kind = if rule.action == Action::BirthDate {
                DateKind::Birth
            } else {
                DateKind::Incorporation
            };
            entity.push_date(kind, date);
        }
        Action::BirthPlace => {
            if !entity.places_of_birth.iter().any(|p| p == value) {
                entity.places_of_birth.push(value.to_string());
            }
            if let Some(country) = trailing_country(value) {
                entity.push_country(CountryRole::BirthPlace, country);
            }
        }
        Action::Nationality => entity.push_country(CountryRole::Nationality, value),
        Action::Citizenship => entity.push_country(CountryRole::Citizenship, value),
        Action::Gender => {
            if entity.gender.is_none() {
                entity.gender = Some(value.to_string());
            }
        }
        Action::LinkedTo => {
            // The remark's final period is OFAC's sentence end, not part of the name,
            // unless the name ends in an abbreviation ("S.A. DE C.V.").
            let target = if is_last { value } else { raw_value };
            entity.links.push(Link {
                kind: LinkKind::LinkedTo,
                target_id: None,
                target_name: Some(target.to_string()),
                remark: None,
            });
        }
        Action::WeakAlias => {
            let Some(alias) = quoted_alias(body) else {
                return Outcome::Unparsed;
            };
            let mut name = Name::new(alias, NameKind::WeakAlias);
            name.remark = Some(format!("weak {} (OFAC remarks)", rule.label));
            entity.push_name(name);
            return Outcome::WeakAlias;
        }
        Action::CryptoAddress => {
            let (currency, address) = value.split_once(' ').unwrap_or(("", value));
            entity.push_identifier(Identifier {
                kind: IdentifierKind::CryptoAddress,
                value: address.trim().to_string(),
                label: Some(format!("{} {}", rule.label, currency).trim().to_string()),
                country: None,
                remark: None,
            });
        }
        Action::Identifier => {
            let kind = rule.kind.clone().unwrap_or(IdentifierKind::Other);
            entity.push_identifier(identifier(kind, rule.label, value, &rules.refinements));
        }
        Action::Note => return Outcome::Note,
    }
    Outcome::Understood
}

/// Drop a sentence-final period, but not one that closes an abbreviation
/// ("S.A.", "C.V.") — those have a period inside the last word too.
fn strip_terminal_period(v: &str) -> &str {
    let Some(stripped) = v.strip_suffix('.') else {
        return v;
    };
    let last_word = stripped
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or(stripped);
    if last_word.contains('.') {
        v
    } else {
        stripped.trim_end()
    }
}

/// The text between the opening quote and its closing quote.
fn quoted_alias(body: &str) -> Option<String> {
    let open = body.find('\'')? + 1;
    let close = closing_quote(body, open).unwrap_or_else(|| body.trim_end_matches('.').len());
    let alias = body.get(open..close)?.trim();
    (!alias.is_empty()).then(|| alias.to_string())
}

/// OFAC date statements: "10 Dec 1948", "Mar 1965", "1969", "circa 1951",
/// "1960 to 1962", "01 Jan 1960 to 31 Dec 1962" (a range wider than the model's
/// year range keeps the years; the exact text stays in the remark).
fn parse_ofac_date(value: &str) -> Option<PartialDate> {
    let Some((a, b)) = value.split_once(" to ") else {
        return parse_ofac_single_date(value);
    };
    let from = parse_ofac_single_date(a)?;
    let to = parse_ofac_single_date(b)?;
    let mut d = if from.year == to.year && from.month.is_some() && from.month == to.month {
        PartialDate {
            day: None,
            ..from.clone()
        }
    } else if from.year == to.year {
        PartialDate::year(from.year)
    } else if to.year > from.year {
        PartialDate {
            to_year: Some(to.year),
            ..PartialDate::year(from.year)
        }
    } else {
        return None;
    };
    d.approximate = from.approximate || to.approximate;
    Some(d)
}

const MONTH_ABBREVIATIONS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// One OFAC date, "[circa ][DD ][Mon ]YYYY". Read here rather than with
/// `PartialDate::parse`, which cuts its input at the first 't' (meant for an ISO
/// time part) and so fails on "17 Oct 1990" and misreads "1960 to 1962"-style text.
fn parse_ofac_single_date(value: &str) -> Option<PartialDate> {
    let value = value.trim();
    let (approximate, value) = match strip_prefix_ignore_case(value, "circa ") {
        Some(rest) => (true, rest.trim()),
        None => (false, value),
    };
    let tokens: Vec<&str> = value.split_whitespace().collect();
    let month = |t: &str| {
        MONTH_ABBREVIATIONS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(t))
            .map(|i| i as u8 + 1)
    };
    let year = |t: &str| {
        t.parse::<i32>()
            .ok()
            .filter(|y| t.len() == 4 && (1000..=2200).contains(y))
    };
    let day = |t: &str| t.parse::<u8>().ok().filter(|d| (1..=31).contains(d));
    let mut d = match tokens.as_slice() {
        [y] => PartialDate::year(year(y)?),
        [m, y] => PartialDate {
            month: Some(month(m)?),
            ..PartialDate::year(year(y)?)
        },
        [dd, m, y] => PartialDate::ymd(year(y)?, month(m)?, day(dd)?),
        _ => return PartialDate::parse(value).ok(),
    };
    d.approximate = approximate;
    Some(d)
}

/// "Cumana, Venezuela" → "Venezuela"; "Russia" → "Russia"; only text that maps to
/// a country code counts.
fn trailing_country(place: &str) -> Option<&str> {
    let last = place.rsplit(',').next().unwrap_or(place).trim();
    country_code(last).map(|_| last)
}

/// Split an identifier statement's value into number, issuing country and the rest:
/// "1084010 (Egypt) issued 12 Jan 2005" → ("1084010", EG, "issued 12 Jan 2005");
/// "HRA 738077 (Stuttgart) (Germany)" → ("HRA 738077", DE, "(Stuttgart)").
fn identifier(
    kind: IdentifierKind,
    label: &str,
    value: &str,
    refinements: &[Refinement],
) -> Identifier {
    let number_end = [" (", ", issued", " issued ", " expires ", ", expires"]
        .iter()
        .filter_map(|m| value.find(m))
        .min()
        .unwrap_or(value.len());
    let mut number = value[..number_end].trim().trim_end_matches(',').to_string();
    let mut tail = value[number_end..].trim().to_string();
    let mut country: Option<&'static str> = None;
    // The last parenthesised group that names a country is the issuer.
    let mut search_end = tail.len();
    while let Some(close) = tail[..search_end].rfind(')') {
        let Some(open) = tail[..close].rfind('(') else {
            break;
        };
        if let Some(code) = country_code(&tail[open + 1..close]) {
            country = Some(code);
            tail.replace_range(open..=close, "");
            break;
        }
        search_end = open;
    }
    if country.is_none() && tail.is_empty() {
        if let Some((n, c)) = number.rsplit_once(", ") {
            if let Some(code) = country_code(c) {
                country = Some(code);
                number = n.trim().to_string();
            }
        }
    }
    let remark = tail.split_whitespace().collect::<Vec<_>>().join(" ");
    finish_identifier(
        kind,
        label,
        number,
        country.map(str::to_string),
        non_empty(remark),
        refinements,
    )
}

/// The kind-dependent clean-up shared with the advanced XML: an "IMO 9137674"
/// value becomes an IMO number "9137674" (the label keeps "IMO"), and a kind is
/// sharpened by issuing country (a Russian 10/12-digit tax number is an INN).
fn finish_identifier(
    kind: IdentifierKind,
    label: &str,
    number: String,
    country: Option<String>,
    remark: Option<String>,
    refinements: &[Refinement],
) -> Identifier {
    let mut kind = kind;
    let mut label = label.to_string();
    let mut number = number;
    if let Some(imo) = number.strip_prefix("IMO ") {
        if matches!(
            kind,
            IdentifierKind::Imo
                | IdentifierKind::NationalId
                | IdentifierKind::RegistrationNumber
                | IdentifierKind::Other
        ) {
            if !label.ends_with("IMO") {
                label = format!("{label} IMO");
            }
            kind = IdentifierKind::Imo;
            number = imo.trim().to_string();
        }
    }
    if let Some(code) = country.as_deref() {
        let all_digits = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
        if let Some(r) = refinements.iter().find(|r| {
            r.from == kind && r.country == code && all_digits && r.digits.contains(&number.len())
        }) {
            kind = r.to.clone();
        }
    }
    Identifier {
        kind,
        value: number,
        label: Some(label),
        country,
        remark,
    }
}

/// What an OFAC label (a remark statement label, an advanced-XML feature type or
/// ID document type: they share one vocabulary) denotes.
pub(crate) enum LabelMeaning {
    Identifier(Identifier),
    /// Sanctions or profile information with no structured field.
    Note,
}

/// Read `value` under the OFAC `label` when the label names an identifier or a
/// note; `None` for labels with other meanings (dates, places...) or unknown ones.
pub(crate) fn label_meaning(
    label: &str,
    value: &str,
    country: Option<&str>,
) -> Option<LabelMeaning> {
    let rules = rules();
    let label = label.trim();
    if let Some(currency) = strip_prefix_ignore_case(label, "Digital Currency Address -") {
        return Some(LabelMeaning::Identifier(Identifier {
            kind: IdentifierKind::CryptoAddress,
            value: value.trim().to_string(),
            label: Some(label.to_string()),
            country: None,
            remark: non_empty(currency.trim().to_string()).map(|c| format!("currency {c}")),
        }));
    }
    let rule = rules.labels.iter().find(|r| {
        r.label.eq_ignore_ascii_case(label)
            || r.label
                .trim_end_matches([':', ' ', '-'])
                .eq_ignore_ascii_case(label.trim_end_matches([':', ' ', '-']))
    })?;
    match rule.action {
        Action::Identifier => Some(LabelMeaning::Identifier(finish_identifier(
            rule.kind.clone().unwrap_or(IdentifierKind::Other),
            label,
            value.trim().to_string(),
            country.map(str::to_string),
            None,
            &rules.refinements,
        ))),
        Action::Note => Some(LabelMeaning::Note),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_table_loads() {
        let r = rules();
        assert!(r.labels.len() > 100);
        assert_eq!(r.refinements.len(), 2);
        assert!(r.matching("DOBROVOLSKY").is_none());
        assert_eq!(r.matching("DOB 1960").map(|(l, _)| l.label), Some("DOB"));
        assert_eq!(
            r.matching("Business Registration Number 1")
                .map(|(l, _)| l.label),
            Some("Business Registration Number")
        );
    }

    #[test]
    fn splits_quoted_alias_with_semicolon() {
        let s = "DOB 1960; a.k.a. 'ABU; ALI'; a.k.a. 'O'NEIL'; POB Cairo, Egypt.";
        assert_eq!(
            split_statements(s),
            vec![
                "DOB 1960",
                "a.k.a. 'ABU; ALI'",
                "a.k.a. 'O'NEIL'",
                "POB Cairo, Egypt."
            ]
        );
    }

    #[test]
    fn identifier_values() {
        let id = identifier(
            IdentifierKind::Passport,
            "Passport",
            "1084010 (Egypt) issued 12 Jan 2005",
            &[],
        );
        assert_eq!(
            (id.value.as_str(), id.country.as_deref()),
            ("1084010", Some("EG"))
        );
        assert_eq!(id.remark.as_deref(), Some("issued 12 Jan 2005"));
        let id = identifier(
            IdentifierKind::RegistrationNumber,
            "Registration Number",
            "HRA 738077 (Stuttgart) (Germany)",
            &[],
        );
        assert_eq!(
            (id.value.as_str(), id.country.as_deref()),
            ("HRA 738077", Some("DE"))
        );
        assert_eq!(id.remark.as_deref(), Some("(Stuttgart)"));
        let id = identifier(
            IdentifierKind::Imo,
            "Vessel Registration Identification",
            "IMO 9137674",
            &[],
        );
        assert_eq!(id.value, "9137674");
    }

    #[test]
    fn date_ranges() {
        let d = parse_ofac_date("01 Jan 1960 to 31 Dec 1962").unwrap();
        assert_eq!((d.year, d.to_year, d.month), (1960, Some(1962), None));
        let d = parse_ofac_date("01 Mar 1970 to 31 Mar 1970").unwrap();
        assert_eq!((d.year, d.month, d.day), (1970, Some(3), None));
        assert!(parse_ofac_date("circa 1951").unwrap().approximate);
        assert_eq!(
            parse_ofac_date("17 Oct 1990"),
            Some(PartialDate::ymd(1990, 10, 17))
        );
        assert_eq!(
            parse_ofac_date("1960 to 1962").and_then(|d| d.to_year),
            Some(1962)
        );
    }
}

//! UK Sanctions List (FCDO), in the three shapes it reaches us: the official CSV
//! (one row per name), the official XML (one `<Designation>` per subject) and a
//! third-party normalised 5-table CSV set (`subjects.csv` + `subject_*.csv`).
//!
//! The list's own field semantics, which all three share:
//! - **Unique ID** (`RUS0178`) is the FCDO's stable key for a subject (an
//!   individual, entity or ship, given by *Designation Type* /
//!   `IndividualEntityShip`); it becomes `source_id`. *OFSI Group ID* is the key
//!   of the older OFSI consolidated list and *UN Reference Number* links to the
//!   UN list: both are kept as labelled remarks.
//! - **Names**: Name 1 is the first given name, Names 2–5 further given or
//!   patronymic names, Name 6 the family name; entities and ships have their
//!   whole name in Name 6. *Name type* is "Primary name", "Primary name
//!   variation" (a spelling variant of the primary) or "Alias"; an alias has an
//!   *Alias strength*, and a "Low quality" one becomes a weak alias. Names in
//!   non-Latin script come with their script type and language.
//! - **Dates** are `dd/mm/yyyy`; an unknown day or month is written `00`.
//! - Regimes become programs; everything else without a structured place
//!   (statement of reasons, sanctions imposed, previous flags...) is kept as a
//!   remark labelled with the list's own column name.
//!
//! The CSV repeats the subject's fields on every name row; rows are grouped by
//! Unique ID and repeated values collapse. Both official formats are mapped by
//! column header / element name through `data/uk_fields.tsv`, so column order
//! does not matter and unknown columns or elements are reported, not fatal.
//! The normalised tables are fed through the same subject builder, so a UK
//! subject comes out the same whichever shape it was read from.
//!
//! Not read: the older OFSI `ConList.csv` (one row per name keyed by "Group
//! ID", retired in favour of the FCDO list); its header is not recognised.

use crate::{input, Format, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    country_code, Address, CountryRole, DateKind, Entity, EntityCountry, Identifier,
    IdentifierKind, Link, LinkKind, Name, NameKind, NameParts, PartialDate, Program, Schema,
};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

type EntitySink<'a> = dyn FnMut(Entity) -> Result<(), SourceError> + 'a;

const AUTHORITY: &str = "UK FCDO";

pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut EntitySink<'_>,
) -> Result<(), SourceError> {
    match input.format {
        Format::UkTables => parse_tables(input, report, sink),
        Format::UkCsv => {
            for path in &input.files {
                parse_csv(path, &input.source, report, sink)?;
            }
            Ok(())
        }
        Format::UkXml => {
            for path in &input.files {
                parse_xml(path, &input.source, report, sink)?;
            }
            Ok(())
        }
        other => Err(SourceError::new(
            input
                .files
                .first()
                .map(PathBuf::as_path)
                .unwrap_or(Path::new("")),
            Location::File,
            format!("the UK parser does not read format {}", other.as_str()),
        )),
    }
}

/// Whether the first bytes look like the FCDO UK Sanctions List CSV: a header
/// (on line 1, or line 2 after the report-date line) naming the Unique ID and
/// the numbered name columns. The normalised tables spell their columns with
/// underscores and so do not match.
pub fn sniff_csv(head: &str) -> bool {
    head.lines().take(3).any(|line| {
        let l = line.to_ascii_lowercase();
        l.contains("unique id") && l.contains("name 6") && l.contains("name type")
    })
}

fn emit(report: &mut ParseReport, sink: &mut EntitySink<'_>, e: Entity) -> Result<(), SourceError> {
    report.count_entity(&e);
    sink(e)
}

// ---------------------------------------------------------------------------
// Lookup tables (data files)

/// Comparison form of column headers and vocabulary values: lower-case letters
/// and digits only.
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

struct FieldTable {
    /// Folded CSV header → field key.
    by_csv: HashMap<String, &'static str>,
    /// XML element local name → field key.
    by_xml: HashMap<&'static str, &'static str>,
    /// Field key → the list's own column name, used to label remarks.
    label: HashMap<&'static str, &'static str>,
}

fn fields() -> &'static FieldTable {
    static T: OnceLock<FieldTable> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = FieldTable {
            by_csv: HashMap::new(),
            by_xml: HashMap::new(),
            label: HashMap::new(),
        };
        for row in tsv_rows(include_str!("../data/uk_fields.tsv")) {
            let [key, csv, xml] = row[..] else { continue };
            for (i, header) in csv.split('|').enumerate() {
                if i == 0 {
                    t.label.insert(key, header);
                }
                t.by_csv.insert(fold(header), key);
            }
            t.by_xml.insert(xml, key);
        }
        t
    })
}

fn label(key: &str) -> &'static str {
    fields().label.get(key).copied().unwrap_or("Other")
}

/// A value of one of the list's vocabularies (`data/uk_values.tsv`).
fn vocab(table: &str, value: &str) -> Option<&'static str> {
    static T: OnceLock<HashMap<(String, String), &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        tsv_rows(include_str!("../data/uk_values.tsv"))
            .filter_map(|row| match row[..] {
                [table, value, ours] => Some(((table.to_string(), fold(value)), ours)),
                _ => None,
            })
            .collect()
    })
    .get(&(table.to_string(), fold(value)))
    .copied()
}

/// Identifier labels a value may start with, longest first so "Tax ID No." wins
/// over "Tax ID".
fn identifier_labels() -> &'static [(&'static str, IdentifierKind)] {
    static T: OnceLock<Vec<(&'static str, IdentifierKind)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut v: Vec<_> = tsv_rows(include_str!("../data/uk_identifier_labels.tsv"))
            .filter_map(|row| match row[..] {
                [label, kind] => IdentifierKind::parse(kind).map(|k| (label, k)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|(l, _)| std::cmp::Reverse(l.len()));
        v
    })
}

/// An identifier from a UK value, splitting off a label the value starts with
/// ("INN: 7831000122", "IMO9137674") so the number compares alone. A leading
/// apostrophe (a spreadsheet's text marker that leaked into the list) is dropped.
fn labelled_identifier(
    kind: IdentifierKind,
    raw: &str,
    default_label: &str,
    remark: Option<&str>,
) -> Identifier {
    let value = raw.trim().trim_start_matches('\'').trim();
    let remark = remark
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    for (label, label_kind) in identifier_labels() {
        let Some(rest) = strip_label(value, label) else {
            continue;
        };
        return Identifier {
            kind: label_kind.clone(),
            value: rest.to_string(),
            label: Some(value[..label.len()].to_string()),
            country: None,
            remark,
        };
    }
    Identifier {
        kind,
        value: value.to_string(),
        label: Some(default_label.to_string()),
        country: None,
        remark,
    }
}

/// The value after `label` and its separator, if `value` is `label` followed by
/// exactly one identifier (no further "Label:" inside).
fn strip_label<'a>(value: &'a str, label: &str) -> Option<&'a str> {
    let head = value.get(..label.len())?;
    if !head.eq_ignore_ascii_case(label) {
        return None;
    }
    let rest = &value[label.len()..];
    let next = rest.chars().next()?;
    if next.is_alphabetic() {
        // "TINA..." is not the label "TIN".
        return None;
    }
    let rest = rest
        .trim_start()
        .trim_start_matches([':', '-', '–', '.', '#'])
        .trim();
    let first = rest.chars().next()?;
    (first.is_alphanumeric() && !rest.contains(':')).then_some(rest)
}

// ---------------------------------------------------------------------------
// One subject, built from field values whichever format they come from

/// Fields that belong together and repeat as a unit: one name, one address,
/// one passport with its note...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Name,
    NonLatinName,
    Address,
    Passport,
    NationalId,
    Birth,
}

const GROUPS: [Group; 6] = [
    Group::Name,
    Group::NonLatinName,
    Group::Address,
    Group::Passport,
    Group::NationalId,
    Group::Birth,
];

fn group_of(key: &str) -> Option<Group> {
    Some(match key {
        "name_1" | "name_2" | "name_3" | "name_4" | "name_5" | "name_6" | "name_type"
        | "alias_strength" => Group::Name,
        "non_latin_name" | "non_latin_script" | "non_latin_language" => Group::NonLatinName,
        "passport" | "passport_info" => Group::Passport,
        "national_id" | "national_id_info" => Group::NationalId,
        "town_of_birth" | "country_of_birth" => Group::Birth,
        k if k.starts_with("address_") => Group::Address,
        _ => return None,
    })
}

type Values = Vec<(&'static str, String)>;

fn value_of<'a>(values: &'a Values, key: &str) -> &'a str {
    values
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The values of one subject, gathered from CSV rows, XML elements or table rows.
#[derive(Debug, Default)]
struct SubjectDraft {
    /// Single values (deduplicated per key, in order of appearance).
    values: Values,
    open: [Values; 6],
    closed: [Vec<Values>; 6],
    /// ISO codes the normalised tables resolved for country texts.
    iso: HashMap<String, String>,
    /// Where the subject starts, for errors about it.
    location: Option<Location>,
}

impl SubjectDraft {
    fn at(location: Location) -> SubjectDraft {
        SubjectDraft {
            location: Some(location),
            ..SubjectDraft::default()
        }
    }

    fn set(&mut self, key: &'static str, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        match group_of(key) {
            Some(g) => self.open[g as usize].push((key, v.to_string())),
            None => {
                if !self.values.iter().any(|(k, x)| *k == key && x == v) {
                    self.values.push((key, v.to_string()));
                }
            }
        }
    }

    /// End one unit of a group (a `<Name>` element, a CSV row).
    fn close(&mut self, g: Group) {
        let d = std::mem::take(&mut self.open[g as usize]);
        if !d.is_empty() && !self.closed[g as usize].contains(&d) {
            self.closed[g as usize].push(d);
        }
    }

    fn close_all(&mut self) {
        for g in GROUPS {
            self.close(g);
        }
    }

    fn all(&self, key: &'static str) -> impl Iterator<Item = &str> + '_ {
        self.values
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    fn first(&self, key: &'static str) -> Option<&str> {
        self.all(key).next()
    }

    fn units(&self, g: Group) -> &[Values] {
        &self.closed[g as usize]
    }

    fn country(&self, role: CountryRole, text: &str) -> EntityCountry {
        let code = self
            .iso
            .get(text)
            .cloned()
            .or_else(|| country_code(text).map(str::to_string));
        EntityCountry {
            role,
            code,
            text: text.to_string(),
        }
    }

    fn finish(
        mut self,
        source: &str,
        file: &Path,
        report: &mut ParseReport,
    ) -> Result<Entity, SourceError> {
        self.close_all();
        let location = self.location.clone().unwrap_or(Location::File);
        let Some(unique_id) = self.first("unique_id") else {
            return Err(
                SourceError::new(file, location, "subject without a Unique ID")
                    .with_field(label("unique_id")),
            );
        };
        let mut notes = Notes {
            file,
            location,
            report,
        };
        let schema = match self.first("subject_type") {
            Some(t) => Schema::parse(t).unwrap_or_else(|| {
                notes.warn("subject_type", format!("unknown subject type {t:?}"));
                Schema::Unknown
            }),
            None => Schema::Unknown,
        };
        let mut e = Entity::new(source, unique_id, schema);
        e.authority = Some(AUTHORITY.to_string());
        e.topics.push("sanction".to_string());
        self.add_names(&mut e, &mut notes);
        self.add_personal_details(&mut e, &mut notes);
        self.add_places(&mut e);
        self.add_identifiers(&mut e);
        self.add_relations(&mut e);
        self.add_remarks(&mut e);
        Ok(e)
    }

    fn add_names(&self, e: &mut Entity, notes: &mut Notes<'_>) {
        const PARTS: [&str; 6] = ["name_1", "name_2", "name_3", "name_4", "name_5", "name_6"];
        for unit in self.units(Group::Name) {
            let part = |i: usize| value_of(unit, PARTS[i]);
            let full = (0..6)
                .flat_map(|i| part(i).split_whitespace())
                .collect::<Vec<_>>()
                .join(" ");
            if full.is_empty() {
                continue;
            }
            let name_type = value_of(unit, "name_type");
            let strength = value_of(unit, "alias_strength");
            let mut kind = match vocab("name_type", name_type) {
                Some("Primary") => NameKind::Primary,
                Some("Variant") => NameKind::Variant,
                Some(_) => NameKind::Alias,
                None => {
                    if !name_type.is_empty() {
                        notes.warn(
                            "name_type",
                            format!("unknown name type {name_type:?}, read as alias"),
                        );
                    }
                    NameKind::Alias
                }
            };
            if kind == NameKind::Alias && vocab("alias_strength", strength) == Some("WeakAlias") {
                kind = NameKind::WeakAlias;
            }
            let mut name = Name::new(full, kind);
            // Entities and ships put their whole name in Name 6: it is no family name.
            if e.schema == Schema::Person {
                let more_given: Vec<&str> = (1..5).map(part).filter(|p| !p.is_empty()).collect();
                name.parts = NameParts {
                    given: non_empty(part(0)),
                    middle: (!more_given.is_empty()).then(|| more_given.join(" ")),
                    family: non_empty(part(5)),
                    ..NameParts::default()
                };
            }
            name.remark = non_empty(strength);
            e.push_name(name);
        }
        for unit in self.units(Group::NonLatinName) {
            let text = value_of(unit, "non_latin_name");
            if text.is_empty() {
                continue;
            }
            let mut name = Name::new(text, NameKind::Variant);
            let script = value_of(unit, "non_latin_script");
            name.script = vocab("script", script).map(str::to_string);
            if name.script.is_none() && !script.is_empty() {
                notes.warn(
                    "non_latin_script",
                    format!("unknown script type {script:?}"),
                );
            }
            let language = value_of(unit, "non_latin_language");
            name.lang = vocab("language", language).map(str::to_string);
            if name.lang.is_none() && !language.is_empty() {
                notes.warn(
                    "non_latin_language",
                    format!("unknown language {language:?}"),
                );
            }
            e.push_name(name);
        }
    }

    fn add_personal_details(&self, e: &mut Entity, notes: &mut Notes<'_>) {
        e.titles = self.all("title").map(str::to_string).collect();
        e.positions = self.all("position").map(str::to_string).collect();
        e.gender = self.first("gender").map(str::to_string);
        for dob in self.all("dob") {
            match PartialDate::parse(dob) {
                Ok(d) => e.push_date(DateKind::Birth, d),
                Err(_) => {
                    notes.warn(
                        "dob",
                        format!("unreadable date of birth {dob:?}, kept as remark"),
                    );
                    e.push_remark(&format!("{}: {dob}", label("dob")));
                }
            }
        }
        if let Some(d) = self.first("date_designated") {
            match PartialDate::parse(d) {
                Ok(d) => e.listed_on = Some(d),
                Err(_) => {
                    notes.warn(
                        "date_designated",
                        format!("unreadable date {d:?}, kept as remark"),
                    );
                    e.push_remark(&format!("{}: {d}", label("date_designated")));
                }
            }
        }
    }

    /// Countries of every role, places of birth and addresses.
    fn add_places(&self, e: &mut Entity) {
        let mut countries: Vec<EntityCountry> = Vec::new();
        let mut add_country = |c: EntityCountry| {
            if !countries.contains(&c) {
                countries.push(c);
            }
        };
        for n in self.all("nationality") {
            add_country(self.country(CountryRole::Nationality, n));
        }
        for unit in self.units(Group::Birth) {
            let town = value_of(unit, "town_of_birth");
            let country = value_of(unit, "country_of_birth");
            let place = [town, country]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            if !e.places_of_birth.contains(&place) {
                e.places_of_birth.push(place);
            }
            if !country.is_empty() {
                add_country(self.country(CountryRole::BirthPlace, country));
            }
        }
        const LINES: [&str; 6] = [
            "address_line_1",
            "address_line_2",
            "address_line_3",
            "address_line_4",
            "address_line_5",
            "address_line_6",
        ];
        for unit in self.units(Group::Address) {
            // The six lines carry no fixed meaning (street, district, city...
            // vary by address), so they are kept together as the full address.
            let postal = value_of(unit, "address_postal_code");
            let full: Vec<&str> = LINES
                .iter()
                .map(|k| value_of(unit, k))
                .chain([postal])
                .filter(|l| !l.is_empty())
                .collect();
            let country = value_of(unit, "address_country");
            let country_entry =
                (!country.is_empty()).then(|| self.country(CountryRole::Address, country));
            let address = Address {
                full: (!full.is_empty()).then(|| full.join(", ")),
                postal_code: non_empty(postal),
                country: non_empty(country),
                country_code: country_entry.as_ref().and_then(|c| c.code.clone()),
                ..Address::default()
            };
            if !e.addresses.contains(&address) {
                e.addresses.push(address);
            }
            if let Some(c) = country_entry {
                add_country(c);
            }
        }
        for f in self.all("flag") {
            add_country(self.country(CountryRole::Flag, f));
        }
        e.countries = countries;
    }

    fn add_identifiers(&self, e: &mut Entity) {
        let documents = [
            (Group::Passport, "passport", IdentifierKind::Passport),
            (Group::NationalId, "national_id", IdentifierKind::NationalId),
        ];
        for (group, key, kind) in documents {
            for unit in self.units(group) {
                let info = value_of(
                    unit,
                    if key == "passport" {
                        "passport_info"
                    } else {
                        "national_id_info"
                    },
                );
                e.push_identifier(labelled_identifier(
                    kind.clone(),
                    value_of(unit, key),
                    label(key),
                    Some(info),
                ));
            }
        }
        let plain = [
            ("registration_number", IdentifierKind::RegistrationNumber),
            ("imo", IdentifierKind::Imo),
            ("hin", IdentifierKind::Other),
            ("phone", IdentifierKind::Phone),
            ("email", IdentifierKind::Email),
            ("website", IdentifierKind::Website),
        ];
        for (key, kind) in plain {
            for v in self.all(key) {
                e.push_identifier(labelled_identifier(kind.clone(), v, label(key), None));
            }
        }
    }

    /// Regimes, links to other parties, and a ship's particulars.
    fn add_relations(&self, e: &mut Entity) {
        e.programs = self
            .all("regime")
            .map(|r| Program {
                code: r.to_string(),
                name: None,
            })
            .collect();
        let links = [
            ("parent_company", LinkKind::SubsidiaryOf),
            ("subsidiary", LinkKind::Owns),
            ("owner", LinkKind::OwnedBy),
        ];
        for (key, kind) in links {
            for v in self.all(key) {
                e.links.push(Link {
                    kind,
                    target_id: None,
                    target_name: Some(v.to_string()),
                    remark: Some(label(key).to_string()),
                });
            }
        }
        // The first value has a structured place; further ones become remarks.
        e.vessel.vessel_type = self.first("ship_type").map(str::to_string);
        e.vessel.flag = self.first("flag").map(str::to_string);
        e.vessel.owner = self.first("owner").map(str::to_string);
        e.vessel.tonnage = self.first("tonnage").map(str::to_string);
    }

    fn add_remarks(&self, e: &mut Entity) {
        for text in self.all("other_information") {
            e.push_remark(text);
        }
        // (field, how many leading values already have a structured place)
        let labelled = [
            ("designation_source", 0),
            ("sanctions_imposed", 0),
            ("statement_of_reasons", 0),
            ("entity_type", 0),
            ("ship_type", 1),
            ("tonnage", 1),
            ("ship_length", 0),
            ("year_built", 0),
            ("previous_flag", 0),
            ("previous_owner", 0),
            ("un_reference", 0),
            ("ofsi_group_id", 0),
            ("last_updated", 0),
        ];
        for (key, placed) in labelled {
            for v in self.all(key).skip(placed) {
                e.push_remark(&format!("{}: {v}", label(key)));
            }
        }
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Where warnings about one subject point.
struct Notes<'a> {
    file: &'a Path,
    location: Location,
    report: &'a mut ParseReport,
}

impl Notes<'_> {
    fn warn(&mut self, key: &str, message: String) {
        self.report
            .warn(Warning::new(self.file, self.location.clone(), message).with_field(label(key)));
    }
}

// ---------------------------------------------------------------------------
// FCDO CSV

fn parse_csv(
    path: &Path,
    source: &str,
    report: &mut ParseReport,
    sink: &mut EntitySink<'_>,
) -> Result<(), SourceError> {
    let mut rdr = input::csv_reader(path, false)?;
    let mut rec = csv::ByteRecord::new();
    let mut header: Option<(Vec<String>, u64)> = None;
    // The FCDO file opens with a "Report Date: 29-Apr-2026" line before the header.
    for attempt in 0..2 {
        if !rdr
            .read_byte_record(&mut rec)
            .map_err(|e| input::csv_error(path, e))?
        {
            break;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cells: Vec<String> = rec
            .iter()
            .map(|raw| input::field(report, path, line, "header", raw))
            .collect();
        if cells.iter().any(|c| fold(c) == "uniqueid") {
            header = Some((cells, line));
            break;
        }
        if attempt == 0 {
            let first = cells.first().map(String::as_str).unwrap_or("");
            match first.split_once(':') {
                Some((k, v)) if fold(k) == "reportdate" => {
                    report.published = Some(v.trim().to_string())
                }
                _ => report.warn(Warning::new(
                    path,
                    Location::Line(line),
                    format!("line before the header is not a report date, skipped: {first:?}"),
                )),
            }
        }
    }
    let Some((header, header_line)) = header else {
        return Err(SourceError::new(
            path,
            Location::Line(1),
            "not a UK Sanctions List CSV: no header with a `Unique ID` column in the first two lines",
        )
        .with_field("Unique ID"));
    };
    let table = fields();
    let columns: Vec<Option<&'static str>> = header
        .iter()
        .map(|h| {
            let key = table.by_csv.get(&fold(h)).copied();
            if key.is_none() && !h.is_empty() {
                report.bump("unknown_columns", 1);
                report.warn(
                    Warning::new(path, Location::Line(header_line), "unknown column, ignored")
                        .with_field(h),
                );
            }
            key
        })
        .collect();
    for required in ["unique_id", "name_6", "name_type"] {
        if !columns.contains(&Some(required)) {
            return Err(SourceError::new(
                path,
                Location::Line(header_line),
                "required column missing from the header",
            )
            .with_field(label(required)));
        }
    }
    let Some(id_col) = columns.iter().position(|c| *c == Some("unique_id")) else {
        return Err(SourceError::new(
            path,
            Location::Line(header_line),
            "required column missing from the header",
        )
        .with_field(label("unique_id")));
    };

    let mut drafts: Vec<SubjectDraft> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| input::csv_error(path, e))?
    {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() < header.len() {
            return Err(SourceError::new(
                path,
                Location::Line(line),
                format!(
                    "row has {} of {} fields (truncated file?)",
                    rec.len(),
                    header.len()
                ),
            )
            .with_field(&header[rec.len()]));
        }
        if rec.len() > header.len() {
            report.warn(Warning::new(
                path,
                Location::Line(line),
                format!(
                    "row has {} fields, header {}: extra fields ignored",
                    rec.len(),
                    header.len()
                ),
            ));
        }
        report.bump("rows", 1);
        let uid = input::field(report, path, line, &header[id_col], &rec[id_col]);
        if uid.is_empty() {
            report.bump("rows_without_id", 1);
            report.warn(
                Warning::new(
                    path,
                    Location::Line(line),
                    "row without a Unique ID, skipped",
                )
                .with_field(&header[id_col]),
            );
            continue;
        }
        let i = *index.entry(uid).or_insert_with(|| {
            drafts.push(SubjectDraft::at(Location::Line(line)));
            drafts.len() - 1
        });
        for (col, key) in columns.iter().enumerate() {
            if let Some(key) = key {
                let v = input::field(report, path, line, &header[col], &rec[col]);
                drafts[i].set(key, &v);
            }
        }
        drafts[i].close_all();
    }
    for d in drafts {
        let e = d.finish(source, path, report)?;
        emit(report, sink, e)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// FCDO XML

struct XmlFrame {
    name: String,
    has_child: bool,
    text: String,
}

fn xml_path(stack: &[XmlFrame], designation: u64) -> String {
    let mut p = String::new();
    for (depth, f) in stack.iter().enumerate() {
        p.push('/');
        p.push_str(&f.name);
        if depth == 1 && f.name == "Designation" {
            p.push_str(&format!("[{designation}]"));
        }
    }
    p
}

fn parse_xml(
    path: &Path,
    source: &str,
    report: &mut ParseReport,
    sink: &mut EntitySink<'_>,
) -> Result<(), SourceError> {
    let mut reader = Reader::from_reader(input::open(path)?);
    let mut buf = Vec::new();
    let mut stack: Vec<XmlFrame> = Vec::new();
    let mut draft: Option<SubjectDraft> = None;
    // For each group, the depth of the element enclosing its current unit.
    let mut group_depth: [Option<usize>; 6] = [None; 6];
    let mut designations = 0u64;
    let mut unknown: HashSet<String> = HashSet::new();
    let table = fields();
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(err) => {
                return Err(SourceError::new(
                    path,
                    Location::Xml {
                        path: xml_path(&stack, designations),
                        byte: reader.error_position(),
                    },
                    format!("malformed XML: {err}"),
                ))
            }
        };
        let byte = reader.buffer_position();
        // An empty element is a start immediately followed by its end.
        let (start, end) = match &event {
            Event::Start(e) => (Some(e.local_name().as_ref().to_string()), false),
            Event::Empty(e) => (Some(e.local_name().as_ref().to_string()), true),
            Event::End(_) => (None, true),
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
                (None, false)
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(t.as_ref());
                }
                (None, false)
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => {
                        quick_xml::escape::resolve_predefined_entity(r.as_ref()).map(str::to_string)
                    }
                    Err(_) => None,
                };
                let text = resolved.unwrap_or_else(|| {
                    report.warn(Warning::new(
                        path,
                        Location::Xml {
                            path: xml_path(&stack, designations),
                            byte,
                        },
                        format!("unknown entity reference &{};, kept as written", r.as_ref()),
                    ));
                    format!("&{};", r.as_ref())
                });
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(name) = start {
            if let Some(top) = stack.last_mut() {
                top.has_child = true;
            }
            if stack.is_empty() && name != "Designations" {
                return Err(SourceError::new(
                    path,
                    Location::Xml {
                        path: format!("/{name}"),
                        byte,
                    },
                    format!("root element is <{name}>, expected <Designations>"),
                ));
            }
            if stack.len() == 1 && name == "Designation" {
                designations += 1;
                stack.push(XmlFrame {
                    name,
                    has_child: false,
                    text: String::new(),
                });
                draft = Some(SubjectDraft::at(Location::Xml {
                    path: xml_path(&stack, designations),
                    byte,
                }));
            } else {
                stack.push(XmlFrame {
                    name,
                    has_child: false,
                    text: String::new(),
                });
            }
        }
        if end {
            let depth = stack.len();
            let Some(frame) = stack.pop() else {
                return Err(SourceError::new(
                    path,
                    Location::Xml {
                        path: String::new(),
                        byte,
                    },
                    "closing tag without an opening one",
                ));
            };
            if !frame.has_child {
                match (table.by_xml.get(frame.name.as_str()), draft.as_mut()) {
                    (Some(key), Some(d)) if depth > 2 => {
                        d.set(key, &frame.text);
                        if let Some(g) = group_of(key) {
                            group_depth[g as usize].get_or_insert(depth - 1);
                        }
                    }
                    _ => {
                        report.bump("unknown_elements", 1);
                        if unknown.insert(frame.name.clone()) {
                            let mut p = xml_path(&stack, designations);
                            p.push('/');
                            p.push_str(&frame.name);
                            report.warn(
                                Warning::new(
                                    path,
                                    Location::Xml { path: p, byte },
                                    "unknown element, ignored",
                                )
                                .with_field(&frame.name),
                            );
                        }
                    }
                }
            }
            if let Some(d) = draft.as_mut() {
                for g in GROUPS {
                    if group_depth[g as usize] == Some(depth) {
                        d.close(g);
                        group_depth[g as usize] = None;
                    }
                }
            }
            if depth == 2 && frame.name == "Designation" {
                if let Some(d) = draft.take() {
                    group_depth = [None; 6];
                    let e = d.finish(source, path, report)?;
                    emit(report, sink, e)?;
                }
            }
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(SourceError::new(
            path,
            Location::Xml {
                path: xml_path(&stack, designations),
                byte: reader.buffer_position(),
            },
            "file ends inside an element (truncated?)",
        ));
    }
    if designations == 0 {
        report.warn(Warning::new(
            path,
            Location::File,
            "no <Designation> in the file",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Normalised tables

const TABLE_FILES: [&str; 5] = [
    "subjects.csv",
    "subject_names.csv",
    "subject_countries.csv",
    "subject_dobs.csv",
    "subject_identifiers.csv",
];

/// The five tables of one set. Files missing from the input are looked for
/// beside `subjects.csv`: the set is always one folder, and content sniffing
/// cannot tell every child table from other CSVs.
fn table_paths(input: &SourceInput, report: &mut ParseReport) -> Result<Vec<PathBuf>, SourceError> {
    let named = |name: &str| {
        input
            .files
            .iter()
            .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(name))
            .cloned()
    };
    let Some(subjects) = named("subjects.csv") else {
        let anchor = input
            .files
            .first()
            .map(PathBuf::as_path)
            .unwrap_or(Path::new(""));
        return Err(SourceError::new(
            anchor,
            Location::File,
            "UK tables set without subjects.csv",
        ));
    };
    let dir = subjects.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = vec![subjects];
    for name in &TABLE_FILES[1..] {
        match named(name) {
            Some(p) => out.push(p),
            None => {
                let p = dir.join(name);
                if !p.is_file() {
                    return Err(SourceError::new(
                        &p,
                        Location::File,
                        "UK tables set is missing this table",
                    ));
                }
                report.files.push(input::digest(&p)?);
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// A CSV table read by column name.
struct Table {
    path: PathBuf,
    rdr: csv::Reader<std::io::BufReader<std::fs::File>>,
    header: Vec<String>,
    rec: csv::ByteRecord,
    line: u64,
}

impl Table {
    /// Open a table; `used` and `ignored` are its known columns, any other is reported.
    fn open(
        path: &Path,
        used: &[&str],
        ignored: &[&str],
        report: &mut ParseReport,
    ) -> Result<Table, SourceError> {
        let mut rdr = input::csv_reader(path, true)?;
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| input::csv_error(path, e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        for col in used {
            if !header.iter().any(|h| h == col) {
                return Err(SourceError::new(
                    path,
                    Location::Line(1),
                    "required column missing from the header",
                )
                .with_field(col));
            }
        }
        for h in &header {
            if !used.contains(&h.as_str()) && !ignored.contains(&h.as_str()) {
                report.bump("unknown_columns", 1);
                report.warn(
                    Warning::new(path, Location::Line(1), "unknown column, ignored").with_field(h),
                );
            }
        }
        Ok(Table {
            path: path.to_path_buf(),
            rdr,
            header,
            rec: csv::ByteRecord::new(),
            line: 1,
        })
    }

    fn next(&mut self) -> Result<bool, SourceError> {
        if !self
            .rdr
            .read_byte_record(&mut self.rec)
            .map_err(|e| input::csv_error(&self.path, e))?
        {
            return Ok(false);
        }
        self.line = self.rec.position().map(|p| p.line()).unwrap_or(0);
        if self.rec.len() < self.header.len() {
            return Err(SourceError::new(
                &self.path,
                Location::Line(self.line),
                format!(
                    "row has {} of {} fields (truncated file?)",
                    self.rec.len(),
                    self.header.len()
                ),
            )
            .with_field(&self.header[self.rec.len()]));
        }
        Ok(true)
    }

    fn get(&self, report: &mut ParseReport, col: &str) -> String {
        match self.header.iter().position(|h| h == col) {
            Some(i) => input::field(report, &self.path, self.line, col, &self.rec[i]),
            None => String::new(),
        }
    }

    fn location(&self) -> Location {
        Location::Line(self.line)
    }
}

fn parse_tables(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut EntitySink<'_>,
) -> Result<(), SourceError> {
    let paths = table_paths(input, report)?;
    let mut drafts: Vec<SubjectDraft> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();

    let mut t = Table::open(
        &paths[0],
        &[
            "unique_id",
            "subject_type",
            "un_reference_number",
            "ofsi_group_id",
            "date_designated",
            "last_updated",
        ],
        &[],
        report,
    )?;
    while t.next()? {
        let uid = t.get(report, "unique_id");
        if uid.is_empty() {
            return Err(
                SourceError::new(&t.path, t.location(), "subject without an id")
                    .with_field("unique_id"),
            );
        }
        if index.contains_key(&uid) {
            report.bump("duplicate_subjects", 1);
            report.warn(
                Warning::new(
                    &t.path,
                    t.location(),
                    format!("subject {uid} listed twice, rows merged"),
                )
                .with_field("unique_id"),
            );
            continue;
        }
        let mut d = SubjectDraft::at(t.location());
        d.set("unique_id", &uid);
        d.set("subject_type", &t.get(report, "subject_type"));
        d.set("un_reference", &t.get(report, "un_reference_number"));
        d.set("ofsi_group_id", &t.get(report, "ofsi_group_id"));
        d.set("date_designated", &t.get(report, "date_designated"));
        d.set("last_updated", &t.get(report, "last_updated"));
        index.insert(uid, drafts.len());
        drafts.push(d);
    }

    let mut t = Table::open(
        &paths[1],
        &[
            "unique_id",
            "name_type",
            "alias_strength",
            "name_1",
            "name_2",
            "name_3",
            "name_4",
            "name_5",
            "name_6",
        ],
        // full_name is the parts joined; the builder joins them the same way.
        &["name_id", "full_name"],
        report,
    )?;
    attach(&mut t, report, &index, &mut drafts, &mut |t, report, d| {
        for key in [
            "name_type",
            "alias_strength",
            "name_1",
            "name_2",
            "name_3",
            "name_4",
            "name_5",
            "name_6",
        ] {
            d.set(key, &t.get(report, key));
        }
        d.close(Group::Name);
        report.bump("name_rows", 1);
    })?;

    let mut t = Table::open(
        &paths[2],
        &["unique_id", "raw_value", "country_type", "iso"],
        &["id", "resolution_method", "iso_available"],
        report,
    )?;
    let mut unknown_roles: HashSet<String> = HashSet::new();
    attach(&mut t, report, &index, &mut drafts, &mut |t, report, d| {
        let text = t.get(report, "raw_value");
        let role = t.get(report, "country_type");
        let Some(key) = vocab("country_type", &role) else {
            if unknown_roles.insert(role.clone()) {
                report.warn(
                    Warning::new(
                        &t.path,
                        t.location(),
                        format!("unknown country type {role:?}, row ignored"),
                    )
                    .with_field("country_type"),
                );
            }
            return;
        };
        let iso = t.get(report, "iso");
        if !iso.is_empty() {
            d.iso.insert(text.clone(), iso.to_ascii_uppercase());
        }
        let key: &'static str = match key {
            "nationality" => "nationality",
            "country_of_birth" => "country_of_birth",
            _ => "address_country",
        };
        d.set(key, &text);
        if let Some(g) = group_of(key) {
            d.close(g);
        }
    })?;

    let mut t = Table::open(
        &paths[3],
        &["unique_id", "year", "month", "day"],
        &["dob_id", "precision", "parse_issues"],
        report,
    )?;
    attach(&mut t, report, &index, &mut drafts, &mut |t, report, d| {
        let date = [
            t.get(report, "year"),
            t.get(report, "month"),
            t.get(report, "day"),
        ]
        .into_iter()
        .take_while(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
        d.set("dob", &date);
    })?;

    let mut t = Table::open(
        &paths[4],
        &[
            "unique_id",
            "raw_value",
            "identifier_type",
            "additional_info",
        ],
        &["id", "ofsi_group_id"],
        report,
    )?;
    let mut unknown_types: HashSet<String> = HashSet::new();
    attach(&mut t, report, &index, &mut drafts, &mut |t, report, d| {
        let kind = t.get(report, "identifier_type");
        let value = t.get(report, "raw_value");
        let info = t.get(report, "additional_info");
        match vocab("identifier_type", &kind) {
            Some("passport") => {
                d.set("passport", &value);
                d.set("passport_info", &info);
                d.close(Group::Passport);
            }
            Some("national_id") => {
                d.set("national_id", &value);
                d.set("national_id_info", &info);
                d.close(Group::NationalId);
            }
            Some("imo") => d.set("imo", &value),
            Some(_) => d.set("registration_number", &value),
            None => {
                if unknown_types.insert(kind.clone()) {
                    report.warn(
                        Warning::new(
                            &t.path,
                            t.location(),
                            format!(
                                "unknown identifier type {kind:?}, kept as registration number"
                            ),
                        )
                        .with_field("identifier_type"),
                    );
                }
                d.set("registration_number", &value);
            }
        }
    })?;

    for d in drafts {
        let e = d.finish(&input.source, &paths[0], report)?;
        emit(report, sink, e)?;
    }
    Ok(())
}

/// Attach each row of a child table to its subject. Rows naming an unknown
/// subject are counted and reported once per table.
fn attach(
    t: &mut Table,
    report: &mut ParseReport,
    index: &HashMap<String, usize>,
    drafts: &mut [SubjectDraft],
    apply: &mut dyn FnMut(&mut Table, &mut ParseReport, &mut SubjectDraft),
) -> Result<(), SourceError> {
    let mut orphans = 0u64;
    while t.next()? {
        let uid = t.get(report, "unique_id");
        match index.get(&uid) {
            Some(&i) => apply(t, report, &mut drafts[i]),
            None => {
                if orphans == 0 {
                    report.warn(
                        Warning::new(
                            &t.path,
                            t.location(),
                            format!("row for unknown subject {uid:?} (further ones only counted)"),
                        )
                        .with_field("unique_id"),
                    );
                }
                orphans += 1;
            }
        }
    }
    if orphans > 0 {
        let table = t
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("table");
        report.bump(&format!("orphan_rows_{table}"), orphans);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> (IdentifierKind, String, Option<String>) {
        let i = labelled_identifier(
            IdentifierKind::RegistrationNumber,
            raw,
            "Business registration number",
            None,
        );
        (i.kind, i.value, i.label)
    }

    #[test]
    fn identifier_labels_are_split_off() {
        assert_eq!(
            id("INN: 7831000122"),
            (IdentifierKind::Inn, "7831000122".into(), Some("INN".into()))
        );
        assert_eq!(
            id("OGRN - 1027739001993"),
            (
                IdentifierKind::Ogrn,
                "1027739001993".into(),
                Some("OGRN".into())
            )
        );
        assert_eq!(
            id("Tax ID No. 7705713236"),
            (
                IdentifierKind::TaxId,
                "7705713236".into(),
                Some("Tax ID No.".into())
            )
        );
        assert_eq!(
            id("IMO9137674"),
            (IdentifierKind::Imo, "9137674".into(), Some("IMO".into()))
        );
        // A spreadsheet's text marker is not part of the number.
        assert_eq!(id("'0703769818").1, "0703769818");
    }

    #[test]
    fn values_that_are_not_one_labelled_number_stay_whole() {
        let several = "OGRN: 1247700291200KPP: 770701001INN: 9707028663";
        assert_eq!(
            id(several),
            (
                IdentifierKind::RegistrationNumber,
                several.into(),
                Some("Business registration number".into())
            )
        );
        let explained = "TIN (Taxpayer Identification Number) 9718168599";
        assert_eq!(id(explained).1, explained);
        // "TINA" does not start with the label "TIN".
        assert_eq!(id("TINA 12345").0, IdentifierKind::RegistrationNumber);
    }

    #[test]
    fn sniffs_the_fcdo_csv_only() {
        assert!(sniff_csv("Report Date: 29-Apr-2026\r\nLast Updated,Unique ID,OFSI Group ID,UN Reference Number,Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Name type,Alias strength\r\n"));
        assert!(!sniff_csv(
            "name_id,unique_id,name_type,alias_strength,full_name,name_6,name_1\n"
        ));
        assert!(!sniff_csv("_id,source,entity_number,type,programs,name\n"));
    }

    /// The ungrouped keys `SubjectDraft::finish` reads.
    const SINGLE_FIELDS: [&str; 33] = [
        "unique_id",
        "subject_type",
        "title",
        "position",
        "gender",
        "dob",
        "date_designated",
        "nationality",
        "flag",
        "registration_number",
        "imo",
        "hin",
        "phone",
        "email",
        "website",
        "regime",
        "parent_company",
        "subsidiary",
        "owner",
        "ship_type",
        "tonnage",
        "other_information",
        "designation_source",
        "sanctions_imposed",
        "statement_of_reasons",
        "entity_type",
        "ship_length",
        "year_built",
        "previous_flag",
        "previous_owner",
        "un_reference",
        "ofsi_group_id",
        "last_updated",
    ];

    #[test]
    fn field_and_vocabulary_tables_load() {
        assert_eq!(
            fields().by_csv.get(&fold("Nationality(/ies)")),
            Some(&"nationality")
        );
        assert_eq!(
            fields().by_xml.get("UKStatementofReasons"),
            Some(&"statement_of_reasons")
        );
        assert_eq!(
            vocab("name_type", "Primary name variation"),
            Some("Variant")
        );
        assert_eq!(vocab("name_type", "primary_variation"), Some("Variant"));
        assert_eq!(vocab("alias_strength", "Low quality"), Some("WeakAlias"));
        // Every key of the field table is one the subject builder handles.
        for key in fields().label.keys() {
            let grouped = group_of(key).is_some();
            let handled = grouped || SINGLE_FIELDS.contains(key);
            assert!(handled, "field {key} is not used");
        }
    }
}

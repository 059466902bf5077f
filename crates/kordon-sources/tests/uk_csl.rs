//! UK Sanctions List (tables, CSV, XML) and US Consolidated Screening List
//! parsers, on the real shared files and on hand-written fixtures.

use kordon_model::{CountryRole, DateKind, Entity, IdentifierKind, NameKind, PartialDate, Schema};
use kordon_sources::{
    discover, parse_to_vec, Format, Location, ParseReport, SourceError, SourceInput,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/uk")
        .join(rel)
}

/// The one source of `format` that `discover` finds under `path`.
fn discovered(path: &Path, format: Format) -> SourceInput {
    let found = discover(&[path.to_path_buf()]).expect("discover");
    let mut of_format: Vec<SourceInput> =
        found.into_iter().filter(|s| s.format == format).collect();
    assert_eq!(
        of_format.len(),
        1,
        "one {format:?} source under {}",
        path.display()
    );
    of_format.remove(0)
}

fn parse(path: &Path, format: Format) -> (Vec<Entity>, ParseReport) {
    parse_to_vec(&discovered(path, format)).expect("parse")
}

fn by_id<'a>(entities: &'a [Entity], source_id: &str) -> &'a Entity {
    entities
        .iter()
        .find(|e| e.source_id == source_id)
        .unwrap_or_else(|| panic!("{source_id} not parsed"))
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    (dir, path)
}

fn input(format: Format, path: &Path) -> SourceInput {
    SourceInput {
        source: format.default_source().to_string(),
        format,
        files: vec![path.to_path_buf()],
    }
}

fn parse_err(format: Format, path: &Path) -> SourceError {
    match parse_to_vec(&input(format, path)) {
        Ok((es, _)) => panic!(
            "{} parsed into {} entities, expected an error",
            path.display(),
            es.len()
        ),
        Err(e) => e,
    }
}

fn names_of(e: &Entity, kind: NameKind) -> Vec<&str> {
    e.names
        .iter()
        .filter(|n| n.kind == kind)
        .map(|n| n.full.as_str())
        .collect()
}

// ---------------------------------------------------------------------------
// UK normalised tables (real file set)

#[test]
fn uk_tables_subjects_and_schema_split() {
    let (es, report) = parse(&shared("lists/uk/covyr-derived"), Format::UkTables);
    assert_eq!(es.len(), 6046);
    assert_eq!(report.entities, 6046);
    let expected: BTreeMap<String, u64> =
        [("Person", 3883), ("Organization", 1531), ("Vessel", 632)]
            .map(|(k, v)| (k.to_string(), v))
            .into();
    assert_eq!(report.by_schema, expected);
    // All five tables were read and hashed.
    assert_eq!(report.files.len(), 5, "{:?}", report.files);
    assert_eq!(report.counts.get("name_rows"), Some(&15050));
    assert!(
        report.counts.keys().all(|k| !k.starts_with("orphan")),
        "{:?}",
        report.counts
    );
    let ids: BTreeSet<&str> = es.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 6046, "ids are unique");
    assert!(es
        .iter()
        .all(|e| e.id == format!("gb_fcdo:{}", e.source_id)));
    assert!(
        es.iter()
            .all(|e| e.names.iter().any(|n| n.kind == NameKind::Primary)),
        "every subject has a primary name"
    );
}

#[test]
fn uk_tables_every_name_row_attached_to_its_subject() {
    // Independently of the parser: the distinct (name, kind) pairs each subject
    // has in subject_names.csv.
    let path = shared("lists/uk/covyr-derived/subject_names.csv");
    let mut rdr = csv::Reader::from_path(&path).expect("open names table");
    let mut expected: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.expect("names row");
        rows += 1;
        let full = rec[4].split_whitespace().collect::<Vec<_>>().join(" ");
        let kind = match (&rec[2], &rec[3]) {
            ("primary", _) => "Primary",
            ("primary_variation", _) => "Variant",
            ("alias", "low_quality_aka") => "WeakAlias",
            ("alias", _) => "Alias",
            (other, _) => panic!("unexpected name type {other}"),
        };
        expected
            .entry(rec[1].to_string())
            .or_default()
            .insert((full, kind.to_string()));
    }
    assert_eq!(rows, 15050);

    let (es, _) = parse(&shared("lists/uk/covyr-derived"), Format::UkTables);
    let mut got: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    for e in &es {
        let names = got.entry(e.source_id.clone()).or_default();
        for n in &e.names {
            names.insert((n.full.clone(), format!("{:?}", n.kind)));
        }
    }
    assert_eq!(got.len(), expected.len());
    for (uid, names) in &expected {
        assert_eq!(got.get(uid), Some(names), "names of {uid}");
    }
    let attached: usize = es.iter().map(|e| e.names.len()).sum();
    let distinct: usize = expected.values().map(BTreeSet::len).sum();
    assert_eq!(attached, distinct);
}

#[test]
fn uk_tables_known_subjects() {
    let (es, _) = parse(&shared("lists/uk/covyr-derived"), Format::UkTables);

    let almaz = by_id(&es, "RUS0178");
    assert_eq!(almaz.schema, Schema::Organization);
    assert_eq!(
        names_of(almaz, NameKind::Primary),
        ["Almaz-Antey Air and Space Defense Corporation."]
    );
    assert_eq!(
        names_of(almaz, NameKind::Variant),
        ["Joint Stock Company Almaz-Antey Corporation"]
    );
    assert_eq!(
        names_of(almaz, NameKind::Alias),
        [
            "Almaz-Antey Corp",
            "Almaz-Antey Defense Corporation",
            "Almaz-Antey JSC",
            "Concern Almaz-Antey"
        ]
    );
    assert_eq!(almaz.listed_on, Some(PartialDate::ymd(2020, 12, 31)));
    assert!(almaz
        .countries
        .iter()
        .any(|c| c.role == CountryRole::Address && c.code.as_deref() == Some("RU")));
    assert!(almaz.remarks.iter().any(|r| r == "OFSI Group ID: 13076"));

    let redlepus = by_id(&es, "RUS2257");
    assert_eq!(
        names_of(redlepus, NameKind::Primary),
        ["Redlepus TSK Vektor Industrial (Shenzhen) Co., Ltd"]
    );
    assert_eq!(
        names_of(redlepus, NameKind::Variant),
        [
            "Red Rabbit TSK Vektor Industrial (Shenzhen) Co., Ltd",
            "Redlepus TSK Vector Industrial (Shenzhen) Co., Ltd"
        ]
    );
    // "USCC: 91440300MA5HX80Y1Q": the label is split off, the number compares alone.
    assert_eq!(redlepus.identifiers.len(), 1);
    let uscc = &redlepus.identifiers[0];
    assert_eq!(
        (
            uscc.kind.clone(),
            uscc.value.as_str(),
            uscc.label.as_deref()
        ),
        (
            IdentifierKind::RegistrationNumber,
            "91440300MA5HX80Y1Q",
            Some("USCC")
        )
    );
    assert_eq!(redlepus.listed_on, Some(PartialDate::ymd(2024, 11, 7)));

    // Name 1 is the first given name, Name 6 the family name.
    let kiselyov = by_id(&es, "RUS0001");
    let primary = kiselyov
        .names
        .iter()
        .find(|n| n.kind == NameKind::Primary)
        .expect("primary");
    assert_eq!(primary.full, "Dmitry Konstantinovich Kiselyov");
    assert_eq!(primary.parts.given.as_deref(), Some("Dmitry"));
    assert_eq!(primary.parts.middle.as_deref(), Some("Konstantinovich"));
    assert_eq!(primary.parts.family.as_deref(), Some("Kiselyov"));

    // Exact and year-only dates of birth; UN reference kept.
    let akhund = by_id(&es, "AFG0006");
    let births: Vec<&PartialDate> = akhund
        .dates
        .iter()
        .filter(|d| d.kind == DateKind::Birth)
        .map(|d| &d.date)
        .collect();
    assert!(births.contains(&&PartialDate::ymd(1967, 1, 1)));
    assert!(births.contains(&&PartialDate::year(1968)));
    assert!(akhund
        .remarks
        .iter()
        .any(|r| r == "UN Reference Number: TAi.002"));
    assert!(akhund
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::Passport && i.value == "P04581926"));

    // Ships carry their IMO number without the "IMO" prefix.
    let petrel = by_id(&es, "DPR0075");
    assert_eq!(petrel.schema, Schema::Vessel);
    assert!(petrel
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::Imo && i.value == "9562233"));
}

#[test]
fn uk_tables_orphan_rows_counted_and_reported_once() {
    let (es, report) = parse(&fixture("tables"), Format::UkTables);
    assert_eq!(es.len(), 2);
    assert_eq!(report.counts.get("orphan_rows_subject_names"), Some(&2));
    let orphan_warnings: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("unknown subject"))
        .collect();
    assert_eq!(orphan_warnings.len(), 1, "{orphan_warnings:?}");
    assert_eq!(orphan_warnings[0].location, Location::Line(5));
    let person = by_id(&es, "RUS0001");
    assert_eq!(names_of(person, NameKind::WeakAlias), ["Dima KISELYOV"]);
    assert_eq!(
        person
            .dates
            .iter()
            .map(|d| d.date.clone())
            .collect::<Vec<_>>(),
        [PartialDate::ymd(1954, 4, 26), PartialDate::year(1955)]
    );
    // Duplicate country rows collapse; a country the table could not resolve keeps its text.
    assert_eq!(
        person
            .countries
            .iter()
            .filter(|c| c.role == CountryRole::Nationality)
            .count(),
        1
    );
    assert!(person
        .countries
        .iter()
        .any(|c| c.role == CountryRole::BirthPlace && c.text == "Kosovo"));
    let inn = &person.identifiers[0];
    assert_eq!(
        (inn.kind.clone(), inn.value.as_str(), inn.remark.as_deref()),
        (
            IdentifierKind::Inn,
            "770400123456",
            Some("Russian taxpayer number")
        )
    );
}

#[test]
fn uk_tables_truncated_row_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "subjects.csv",
        "subject_countries.csv",
        "subject_dobs.csv",
        "subject_identifiers.csv",
    ] {
        std::fs::copy(fixture("tables").join(f), dir.path().join(f)).expect("copy");
    }
    let names = std::fs::read_to_string(fixture("tables/subject_names.csv")).expect("read");
    let cut = names.find("SPARTA IV").expect("row to cut");
    std::fs::write(dir.path().join("subject_names.csv"), &names[..cut]).expect("write");
    let err = parse_to_vec(&discovered(dir.path(), Format::UkTables)).expect_err("truncated table");
    assert!(err.file.ends_with("subject_names.csv"), "{err}");
    assert_eq!(err.location, Location::Line(4), "{err}");
    assert_eq!(err.field.as_deref(), Some("name_6"), "{err}");
}

// ---------------------------------------------------------------------------
// UK official CSV and XML: fixtures holding the same three subjects

fn expected_fixture_entities() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("expected_entities.json")).expect("expected JSON");
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn uk_csv_fixture_parses_to_expected_entities() {
    let (es, report) = parse(&fixture("uk_sanctions_list.csv"), Format::UkCsv);
    assert_eq!(
        serde_json::to_value(&es).expect("serialise"),
        expected_fixture_entities()
    );
    assert_eq!(report.published.as_deref(), Some("29-Apr-2026"));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.counts.get("rows"), Some(&7));
}

#[test]
fn uk_xml_fixture_parses_to_expected_entities() {
    let (es, report) = parse(&fixture("uk_sanctions_list.xml"), Format::UkXml);
    assert_eq!(
        serde_json::to_value(&es).expect("serialise"),
        expected_fixture_entities()
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn uk_csv_and_xml_give_equal_entities() {
    let (from_csv, _) = parse(&fixture("uk_sanctions_list.csv"), Format::UkCsv);
    let (from_xml, _) = parse(&fixture("uk_sanctions_list.xml"), Format::UkXml);
    assert_eq!(from_csv.len(), 3);
    assert_eq!(from_csv, from_xml);
    let kiselyov = by_id(&from_csv, "RUS0001");
    let cyrillic = kiselyov
        .names
        .iter()
        .find(|n| n.script.as_deref() == Some("Cyrl"))
        .expect("Cyrillic name");
    assert_eq!(cyrillic.full, "Дмитрий Константинович КИСЕЛЁВ");
    assert_eq!(cyrillic.lang.as_deref(), Some("ru"));
    let almaz = by_id(&from_csv, "RUS0178");
    assert_eq!(
        names_of(almaz, NameKind::WeakAlias),
        ["Concern Almaz-Antey"]
    );
    assert_eq!(almaz.addresses.len(), 2);
    let ship = by_id(&from_csv, "RUS2001");
    assert_eq!(ship.identifiers[0].value, "9743033");
}

/// Columns in another order plus one the parser does not know: same entities,
/// one warning naming the column.
#[test]
fn uk_csv_maps_columns_by_header_name() {
    let text = std::fs::read_to_string(fixture("uk_sanctions_list.csv")).expect("fixture");
    let (date_line, table) = text.split_once("\r\n").expect("report date line");
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(table.as_bytes());
    let mut out = csv::Writer::from_writer(Vec::new());
    for rec in rdr.records() {
        let rec = rec.expect("fixture row");
        let mut cells: Vec<&str> = rec.iter().rev().collect();
        cells.push(if cells.contains(&"Unique ID") {
            "Internal Note"
        } else {
            "x"
        });
        out.write_record(&cells).expect("write");
    }
    let mut bytes = format!("{date_line}\n").into_bytes();
    bytes.extend(out.into_inner().expect("flush"));
    let (_dir, path) = temp_file("reordered.csv", &bytes);
    let (es, report) = parse(&path, Format::UkCsv);
    assert_eq!(
        serde_json::to_value(&es).expect("serialise"),
        expected_fixture_entities()
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert_eq!(report.warnings[0].field.as_deref(), Some("Internal Note"));
    assert_eq!(report.warnings[0].location, Location::Line(2));
}

#[test]
fn uk_xml_unknown_element_is_reported_not_fatal() {
    let text = std::fs::read_to_string(fixture("uk_sanctions_list.xml")).expect("fixture");
    let changed = text.replacen(
        "<RegimeName>Russia</RegimeName>",
        "<RegimeName>Russia</RegimeName><SanctionsRiskScore>7</SanctionsRiskScore>",
        1,
    );
    let (_dir, path) = temp_file("extra.xml", changed.as_bytes());
    let (es, report) = parse(&path, Format::UkXml);
    assert_eq!(
        serde_json::to_value(&es).expect("serialise"),
        expected_fixture_entities()
    );
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let w = &report.warnings[0];
    assert_eq!(w.field.as_deref(), Some("SanctionsRiskScore"));
    assert!(
        matches!(&w.location, Location::Xml { path, .. } if path == "/Designations/Designation[1]/SanctionsRiskScore"),
        "{w}"
    );
}

// ---------------------------------------------------------------------------
// Bad input: an error naming file, place and field; never a panic

#[test]
fn uk_csv_truncated_file_is_an_error() {
    let text = std::fs::read_to_string(fixture("uk_sanctions_list.csv")).expect("fixture");
    let cut = text.find("Concern Almaz-Antey").expect("row to cut");
    let (_dir, path) = temp_file("cut.csv", &text.as_bytes()[..cut]);
    let err = parse_err(Format::UkCsv, &path);
    assert_eq!(err.file, path);
    assert_eq!(err.location, Location::Line(8), "{err}");
    assert_eq!(err.field.as_deref(), Some("Name 1"), "{err}");
}

#[test]
fn uk_csv_wrong_header_is_an_error() {
    let (_dir, path) = temp_file(
        "other.csv",
        b"Report Date: 29-Apr-2026\nName,Country,Date\nFoo,RU,2020\n",
    );
    let err = parse_err(Format::UkCsv, &path);
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(1), Some("Unique ID")),
        "{err}"
    );

    let (_dir, path) = temp_file(
        "partial.csv",
        b"Unique ID,Name 6,Regime Name\nRUS0001,KISELYOV,Russia\n",
    );
    let err = parse_err(Format::UkCsv, &path);
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(1), Some("Name type")),
        "{err}"
    );
}

fn binary_bytes() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    b
}

#[test]
fn binary_input_is_an_error() {
    let (_dir, path) = temp_file("image.png", &binary_bytes());
    let err = parse_err(Format::UkCsv, &path);
    assert_eq!(err.field.as_deref(), Some("Unique ID"), "{err}");
    let err = parse_err(Format::UkXml, &path);
    assert!(matches!(err.location, Location::Xml { .. }), "{err}");
    let err = parse_err(Format::UsCslCsv, &path);
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(1), Some("_id")),
        "{err}"
    );
}

#[test]
fn uk_xml_truncated_or_foreign_is_an_error() {
    let text = std::fs::read_to_string(fixture("uk_sanctions_list.xml")).expect("fixture");
    let cut = text.find("<Name6>SPARTA IV").expect("place to cut");
    let (_dir, path) = temp_file("cut.xml", &text.as_bytes()[..cut]);
    let err = parse_err(Format::UkXml, &path);
    assert!(
        matches!(&err.location, Location::Xml { path, .. } if path.starts_with("/Designations/Designation[3]/Names")),
        "{err}"
    );

    let (_dir, path) = temp_file(
        "un.xml",
        b"<?xml version=\"1.0\"?><CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>",
    );
    let err = parse_err(Format::UkXml, &path);
    assert!(err.message.contains("expected <Designations>"), "{err}");
}

// ---------------------------------------------------------------------------
// US Consolidated Screening List

const CSL_LIST_COUNTS: [(&str, usize); 13] = [
    ("SDN", 1738),
    ("EL", 919),
    ("DPL", 577),
    ("SSI", 288),
    ("UVL", 186),
    ("ISN", 144),
    ("DTC", 142),
    ("PLC", 78),
    ("MEU", 71),
    ("CMIC", 68),
    ("NS-MBS List", 14),
    ("FSE", 1),
    ("CAP", 1),
];

#[test]
fn csl_partial_counts_per_list() {
    let (es, report) = parse(
        &shared("lists/us_trade_csl/csl_partial.csv"),
        Format::UsCslCsv,
    );
    assert_eq!(es.len(), 4227);
    let mut per_list: BTreeMap<String, usize> = BTreeMap::new();
    for e in &es {
        let list = e.list_name.as_deref().expect("list name");
        let code = list
            .rsplit_once('(')
            .and_then(|(_, c)| c.split_once(')'))
            .map(|(c, _)| c)
            .expect("list code");
        *per_list.entry(code.to_string()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = CSL_LIST_COUNTS
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    assert_eq!(per_list, expected);
    let ids: BTreeSet<&str> = es.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        4227,
        "ids stay unique when one OFAC entry is in two lists"
    );
    assert_eq!(report.counts.get("duplicate_ids"), Some(&7));

    // The header repeated on line 2 is skipped with a warning.
    assert_eq!(report.counts.get("repeated_headers"), Some(&1));
    assert!(report
        .warnings
        .iter()
        .any(|w| w.location == Location::Line(2) && w.message.contains("header")));
    // The file is cut inside its last record: kept, and reported.
    assert_eq!(report.counts.get("truncated_records"), Some(&1));
    let last = by_id(&es, "11476");
    assert_eq!(last.caption(), "BERMUDEZ SUAZA, Pedro Antonio");
    assert!(report
        .warnings
        .iter()
        .any(|w| w.location == Location::Line(4233)
            && w.field.as_deref() == Some("federal_register_notice")));
}

#[test]
fn csl_partial_known_entries() {
    let (es, _) = parse(
        &shared("lists/us_trade_csl/csl_partial.csv"),
        Format::UsCslCsv,
    );
    let vtb = by_id(&es, "17013");
    assert_eq!(vtb.schema, Schema::Organization);
    assert_eq!(vtb.authority.as_deref(), Some("OFAC"));
    assert_eq!(
        vtb.list_name.as_deref(),
        Some("Sectoral Sanctions Identifications List (SSI)")
    );
    assert!(names_of(vtb, NameKind::Alias).contains(&"VNESHTORGBANK"));
    assert_eq!(
        vtb.programs
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["UKRAINE-EO13662", "RUSSIA-EO14024"]
    );

    let china_telecom = by_id(&es, "30882");
    let uscc = china_telecom
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::RegistrationNumber)
        .expect("USCC");
    assert_eq!(
        (uscc.value.as_str(), uscc.country.as_deref()),
        ("9111000071093019X7", Some("CN"))
    );
    assert_eq!(
        china_telecom.addresses[0].country_code.as_deref(),
        Some("CN")
    );

    // A BIS row: no OFAC number, hashed id, licence terms as remarks.
    let meu = by_id(&es, "dcc742038bcb47f1bf9e805ef279484d");
    assert_eq!(
        (meu.authority.as_deref(), meu.schema),
        (Some("BIS"), Schema::Unknown)
    );
    assert_eq!(meu.listed_on, Some(PartialDate::ymd(2020, 12, 23)));
    assert!(meu
        .remarks
        .iter()
        .any(|r| r.starts_with("License policy: ")));
    assert!(meu
        .remarks
        .iter()
        .any(|r| r == "Federal Register notice: 85 FR 83799"));
    assert_eq!(meu.topics, ["export.control"]);

    let vessels: Vec<&Entity> = es.iter().filter(|e| e.schema == Schema::Vessel).collect();
    assert_eq!(vessels.len(), 3);
    let mar_azul = by_id(&es, "4238");
    assert_eq!(mar_azul.vessel.call_sign.as_deref(), Some("CL2192"));
    assert_eq!(mar_azul.vessel.flag.as_deref(), Some("Cuba"));
    assert!(mar_azul
        .countries
        .iter()
        .any(|c| c.role == CountryRole::Flag && c.code.as_deref() == Some("CU")));
    assert!(mar_azul
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::CallSign && i.value == "CL2192"));
    assert_eq!(
        by_id(&es, "4243").vessel.gross_tonnage.as_deref(),
        Some("2595")
    );
}

#[test]
fn csl_2025_sample_identifiers_parsed() {
    let (es, report) = parse(
        &shared("lists/us_trade_csl/consolidated_format_sample_2025.csv"),
        Format::UsCslCsv,
    );
    assert_eq!(es.len(), 13);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    let rim = by_id(&es, "52291");
    let passport = &rim.identifiers[0];
    assert_eq!(
        (
            passport.kind.clone(),
            passport.value.as_str(),
            passport.country.as_deref(),
            passport.label.as_deref()
        ),
        (
            IdentifierKind::Passport,
            "836238033",
            Some("KP"),
            Some("Passport")
        )
    );
    assert_eq!(rim.gender.as_deref(), Some("Male"));
    assert_eq!(
        rim.birth_dates().collect::<Vec<_>>(),
        [&PartialDate::ymd(1978, 12, 5)]
    );
    assert!(rim
        .countries
        .iter()
        .any(|c| c.role == CountryRole::Nationality && c.code.as_deref() == Some("KP")));
    assert!(rim
        .remarks
        .iter()
        .any(|r| r.starts_with("Secondary sanctions risk: North Korea Sanctions Regulations")));

    let rosneft = by_id(&es, "18300");
    let kinds: Vec<(IdentifierKind, &str)> = rosneft
        .identifiers
        .iter()
        .map(|i| (i.kind.clone(), i.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (IdentifierKind::RegistrationNumber, "C122790"),
            (IdentifierKind::Email, "hrm@rosneft-sh.com.cy")
        ]
    );
    assert!(rosneft
        .remarks
        .iter()
        .any(|r| r == "Executive Order 13662 Directive Determination - Subject to Directive 2"));

    let with_ids = es.iter().filter(|e| !e.identifiers.is_empty()).count();
    assert_eq!(
        with_ids, 5,
        "rows with document identifiers in their ids cell"
    );
}

#[test]
fn csl_bad_input_is_an_error() {
    let (_dir, path) = temp_file("csl.csv", b"id,name,source\n1,Foo,Bar\n");
    let err = parse_err(Format::UsCslCsv, &path);
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(1), Some("_id")),
        "{err}"
    );

    // A short record that is not the file's last one is corruption, not truncation.
    let text = std::fs::read_to_string(shared(
        "lists/us_trade_csl/consolidated_format_sample_2025.csv",
    ))
    .expect("sample");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[3] = r#""66f6ab3f26234b75a9093fce79ef0ce0","Military End User (MEU) List - Bureau of Industry and Security","""#.to_string();
    let (_dir, path) = temp_file("short.csv", lines.join("\n").as_bytes());
    let err = parse_err(Format::UsCslCsv, &path);
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(4), Some("type")),
        "{err}"
    );
}

/// Throughput of the UK tables parse; run with
/// `cargo test -p kordon-sources --release --test uk_csl -- --ignored --nocapture uk_tables_throughput`.
#[test]
#[ignore]
fn uk_tables_throughput() {
    let input = discovered(&shared("lists/uk/covyr-derived"), Format::UkTables);
    let runs = 5;
    let mut bytes = 0u64;
    let start = std::time::Instant::now();
    for _ in 0..runs {
        let (es, report) = parse_to_vec(&input).expect("parse");
        assert_eq!(es.len(), 6046);
        bytes = report.files.iter().map(|f| f.bytes).sum();
    }
    let secs = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "UK tables: {bytes} bytes in {:.1} ms per parse = {:.1} MB/s",
        secs * 1000.0,
        bytes as f64 / secs / 1e6
    );
}

//! UN consolidated XML, EU journal CSV and EU FSF XML parsers, run on the real
//! shared list files (UN, EU journal) and on hand-written FSF fixtures.

use kordon_model::{CountryRole, DateKind, Entity, IdentifierKind, NameKind, PartialDate, Schema};
use kordon_sources::{discover, parse_to_vec, Format, Location, SourceInput};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn one_source(path: &Path, format: Format) -> SourceInput {
    let sources = discover(&[path.to_path_buf()]).expect("discover");
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources[0].format, format);
    sources.into_iter().next().unwrap()
}

// ---------------------------------------------------------------- UN

const UN_XML: &str = "lists/un/consolidated.xml";

/// Minimal XML text decoding for the independent counts below.
fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Text of every `<tag>...</tag>` in `block`, found by plain string search
/// (independent of the parser under test).
fn tag_texts<'a>(block: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = block;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(&after[..j]);
        rest = &after[j + close.len()..];
    }
    out
}

#[test]
fn un_counts_match_the_file() {
    let path = shared(UN_XML);
    let input = one_source(&path, Format::UnXml);
    assert_eq!(input.source, "un_sc");
    let (entities, report) = parse_to_vec(&input).expect("UN parse");

    let text = std::fs::read_to_string(&path).unwrap();
    let individuals = text.matches("<INDIVIDUAL>").count();
    let orgs = text.matches("<ENTITY>").count();
    assert_eq!((individuals, orgs), (730, 273));

    let persons = entities
        .iter()
        .filter(|e| e.schema == Schema::Person)
        .count();
    let organisations = entities
        .iter()
        .filter(|e| e.schema == Schema::Organization)
        .count();
    assert_eq!(persons, individuals);
    assert_eq!(organisations, orgs);
    assert_eq!(entities.len(), individuals + orgs);
    assert_eq!(report.entities, entities.len() as u64);
    assert_eq!(report.by_schema.get("Person"), Some(&730));
    assert_eq!(
        report.published.as_deref(),
        Some("2026-02-27T00:00:09.554Z")
    );
    // Every element of the real file is known: no warnings.
    assert!(
        report.warnings.is_empty(),
        "{:#?}",
        &report.warnings[..report.warnings.len().min(5)]
    );

    // source_id is the REFERENCE_NUMBER, unique over the list.
    let by_id: HashMap<&str, &Entity> =
        entities.iter().map(|e| (e.source_id.as_str(), e)).collect();
    assert_eq!(by_id.len(), entities.len());

    // Every non-empty alias, counted independently per record, is present with its kind.
    let mut alias_total = 0;
    let mut weak_total = 0;
    for (open, close, alias_tag) in [
        ("<INDIVIDUAL>", "</INDIVIDUAL>", "INDIVIDUAL_ALIAS"),
        ("<ENTITY>", "</ENTITY>", "ENTITY_ALIAS"),
    ] {
        for chunk in text.split(open).skip(1) {
            let record = &chunk[..chunk.find(close).unwrap()];
            let reference = tag_texts(record, "REFERENCE_NUMBER")[0].trim();
            let entity = by_id[reference];
            for alias in tag_texts(record, alias_tag) {
                let name = tag_texts(alias, "ALIAS_NAME");
                let Some(name) = name.first().map(|n| xml_unescape(n.trim())) else {
                    continue;
                };
                if name.is_empty() {
                    continue;
                }
                let quality = tag_texts(alias, "QUALITY")
                    .first()
                    .map(|q| q.trim())
                    .unwrap_or("");
                let kind = match quality {
                    "Low" => NameKind::WeakAlias,
                    "f.k.a." => NameKind::Former,
                    _ => NameKind::Alias,
                };
                alias_total += 1;
                if kind == NameKind::WeakAlias {
                    weak_total += 1;
                }
                assert!(
                    entity
                        .names
                        .iter()
                        .any(|n| n.full == name && n.kind == kind),
                    "{reference}: alias {name:?} ({quality}) missing: {:?}",
                    entity.names
                );
            }
        }
    }
    // grep -c '<ALIAS_NAME>' (the 291 empty ones are written `<ALIAS_NAME/>`).
    assert_eq!(alias_total, 2752);
    assert_eq!(
        report.counts.get("aliases").copied().unwrap_or(0)
            + report.counts.get("weak_aliases").copied().unwrap_or(0),
        alias_total as u64
    );
    assert_eq!(
        report.counts.get("weak_aliases").copied(),
        Some(weak_total as u64)
    );
}

#[test]
fn un_individual_fully_mapped() {
    let input = one_source(&shared(UN_XML), Format::UnXml);
    let (entities, _) = parse_to_vec(&input).unwrap();
    let e = entities
        .iter()
        .find(|e| e.source_id == "LYi.023")
        .expect("LYi.023");
    assert_eq!(e.id, "un_sc:LYi.023");
    assert_eq!(e.schema, Schema::Person);
    let primary = &e.names[0];
    assert_eq!(primary.kind, NameKind::Primary);
    assert_eq!(primary.full, "Ahmad Oumar Imhamad al-Fitouri");
    assert_eq!(primary.parts.given.as_deref(), Some("Ahmad"));
    assert_eq!(primary.parts.middle.as_deref(), Some("Oumar Imhamad"));
    assert_eq!(primary.parts.family.as_deref(), Some("al-Fitouri"));
    assert_eq!(e.caption(), "Ahmad Oumar Imhamad al-Fitouri");
    let original = e
        .names
        .iter()
        .find(|n| n.kind == NameKind::Variant)
        .unwrap();
    assert_eq!(original.full, "احمد عمر امحمد الفيتوري");
    assert_eq!(original.script.as_deref(), Some("Arab"));
    let weak: Vec<&str> = e
        .names
        .iter()
        .filter(|n| n.kind == NameKind::WeakAlias)
        .map(|n| n.full.as_str())
        .collect();
    assert_eq!(
        weak,
        [
            "Al-Dabachi",
            "Al Ammu",
            "The Uncle",
            "Al-Ahwal",
            "Al Dabbashi"
        ]
    );
    assert_eq!(e.dates.len(), 1);
    assert_eq!(e.dates[0].kind, DateKind::Birth);
    assert_eq!(e.dates[0].date, PartialDate::ymd(1988, 5, 7));
    assert_eq!(
        e.places_of_birth,
        ["possibly Sabratha, Talil neighbourhood"]
    );
    assert_eq!(e.listed_on, Some(PartialDate::ymd(2018, 6, 7)));
    assert_eq!(e.programs[0].code, "Libya");
    assert_eq!(e.list_name.as_deref(), Some("UN List"));
    assert_eq!(e.authority.as_deref(), Some("UN Security Council"));
    let nat: Vec<(CountryRole, Option<&str>)> = e
        .countries
        .iter()
        .map(|c| (c.role, c.code.as_deref()))
        .collect();
    assert_eq!(nat, [(CountryRole::Nationality, Some("LY"))]);
    assert_eq!(e.positions, ["Commander of the Anas al-Dabbashi militia, Leader of a transnational trafficking network"]);
    assert_eq!(e.addresses.len(), 2);
    assert_eq!(e.addresses[0].city.as_deref(), Some("Garabulli"));
    assert_eq!(e.addresses[0].country_code.as_deref(), Some("LY"));
    let passport = e
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::Passport)
        .unwrap();
    assert_eq!(passport.value, "LY53FP76");
    assert_eq!(passport.country.as_deref(), Some("LY"));
    assert_eq!(passport.label.as_deref(), Some("Passport"));
    assert_eq!(
        passport.remark.as_deref(),
        Some("issued 2015-09-29; issued in Tripoli")
    );
    let national = e
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::NationalId)
        .unwrap();
    assert_eq!(national.value, "119880387067");
    assert!(e
        .remarks
        .iter()
        .any(|r| r.starts_with("Listed pursuant to paragraphs 15 and 17")));
    assert!(e.remarks.iter().any(|r| r == "UN DATAID: 6908704"));
}

#[test]
fn un_birth_dates_match_the_file() {
    let path = shared(UN_XML);
    let input = one_source(&path, Format::UnXml);
    let (entities, _) = parse_to_vec(&input).unwrap();
    let by_id: HashMap<&str, &Entity> =
        entities.iter().map(|e| (e.source_id.as_str(), e)).collect();
    let text = std::fs::read_to_string(&path).unwrap();
    let (mut exact, mut approximate, mut between) = (0, 0, 0);
    for chunk in text.split("<INDIVIDUAL>").skip(1) {
        let record = &chunk[..chunk.find("</INDIVIDUAL>").unwrap()];
        let entity = by_id[tag_texts(record, "REFERENCE_NUMBER")[0].trim()];
        for dob in tag_texts(record, "INDIVIDUAL_DATE_OF_BIRTH") {
            let first = |tag: &str| tag_texts(dob, tag).first().map(|t| t.trim().to_string());
            let year = |s: &str| s.parse::<i32>().unwrap();
            let kind = first("TYPE_OF_DATE");
            match kind.as_deref() {
                Some("APPROXIMATELY") => approximate += 1,
                Some("EXACT") => exact += 1,
                _ => {}
            }
            let mut expected = match (
                first("DATE"),
                first("YEAR"),
                first("FROM_YEAR"),
                first("TO_YEAR"),
            ) {
                (Some(d), _, _, _) => {
                    let p: Vec<&str> = d.split('-').collect();
                    PartialDate::ymd(year(p[0]), p[1].parse().unwrap(), p[2].parse().unwrap())
                }
                (None, Some(y), _, _) => PartialDate::year(year(&y)),
                (None, None, Some(from), Some(to)) => {
                    between += 1;
                    let mut d = PartialDate::year(year(&from));
                    d.to_year = Some(year(&to));
                    d
                }
                // A typed date with no value (7 in the file): nothing to find.
                _ => continue,
            };
            expected.approximate = kind.as_deref() == Some("APPROXIMATELY");
            assert!(
                entity
                    .dates
                    .iter()
                    .any(|d| d.kind == DateKind::Birth && d.date == expected),
                "{}: {expected:?} not in {:?}",
                entity.source_id,
                entity.dates
            );
        }
    }
    // grep -c over the file: 722 EXACT, 117 APPROXIMATELY, 31 BETWEEN.
    assert_eq!((exact, approximate, between), (722, 117, 31));
}

#[test]
fn un_documents_and_nationalities_match_the_file() {
    let path = shared(UN_XML);
    let (entities, _) = parse_to_vec(&one_source(&path, Format::UnXml)).unwrap();
    let by_id: HashMap<&str, &Entity> =
        entities.iter().map(|e| (e.source_id.as_str(), e)).collect();
    let text = std::fs::read_to_string(&path).unwrap();
    let (mut numbers, mut passports, mut nationalities) = (0, 0, 0);
    for chunk in text.split("<INDIVIDUAL>").skip(1) {
        let record = &chunk[..chunk.find("</INDIVIDUAL>").unwrap()];
        let entity = by_id[tag_texts(record, "REFERENCE_NUMBER")[0].trim()];
        for doc in tag_texts(record, "INDIVIDUAL_DOCUMENT") {
            let Some(number) = tag_texts(doc, "NUMBER")
                .first()
                .map(|n| xml_unescape(n.trim()))
            else {
                continue;
            };
            numbers += 1;
            let id = entity
                .identifiers
                .iter()
                .find(|i| i.value == number)
                .unwrap_or_else(|| panic!("{}: document {number:?} missing", entity.source_id));
            if tag_texts(doc, "TYPE_OF_DOCUMENT").first().map(|t| t.trim()) == Some("Passport") {
                passports += 1;
                assert_eq!(id.kind, IdentifierKind::Passport, "{}", entity.source_id);
            }
        }
        for nat in tag_texts(record, "NATIONALITY") {
            for value in tag_texts(nat, "VALUE") {
                let value = xml_unescape(value.trim());
                nationalities += 1;
                assert!(
                    entity
                        .countries
                        .iter()
                        .any(|c| c.role == CountryRole::Nationality && c.text == value),
                    "{}: nationality {value:?} missing",
                    entity.source_id
                );
            }
        }
    }
    // grep: 454 <NUMBER>; 308 Passport documents, 4 of them without a number
    // (those become remarks).
    assert_eq!((numbers, passports), (454, 304));
    assert!(nationalities > 600, "{nationalities}");
}

#[test]
fn un_truncated_file_is_a_clear_error() {
    let full = std::fs::read(shared(UN_XML)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("consolidated.xml");
    std::fs::write(&cut, &full[..100 * 1024]).unwrap();
    let input = one_source(&cut, Format::UnXml);
    let err = parse_to_vec(&input).expect_err("truncated file must fail");
    assert_eq!(err.file, cut);
    match &err.location {
        Location::Xml { path, byte } => {
            assert!(
                path.starts_with("/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL["),
                "{path}"
            );
            assert!(*byte > 90 * 1024 && *byte <= 100 * 1024, "{byte}");
        }
        other => panic!("expected an XML location, got {other:?}"),
    }
    assert!(err.message.contains("truncated"), "{err}");
}

#[test]
fn un_unknown_elements_warn_and_land_in_remarks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("un.xml");
    std::fs::write(
        &path,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-01-01T00:00:00Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID>
      <FIRST_NAME>ANNA</FIRST_NAME>
      <SECOND_NAME>TEST</SECOND_NAME>
      <REFERENCE_NUMBER>XXi.001</REFERENCE_NUMBER>
      <HAIR_COLOUR>red &amp; long</HAIR_COLOUR>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>A. T.</ALIAS_NAME><EYES>blue</EYES></INDIVIDUAL_ALIAS>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES/>
</CONSOLIDATED_LIST>"#,
    )
    .unwrap();
    let input = one_source(&path, Format::UnXml);
    let (entities, report) = parse_to_vec(&input).unwrap();
    assert_eq!(entities.len(), 1);
    let e = &entities[0];
    assert!(
        e.remarks.contains(&"HAIR_COLOUR: red & long".to_string()),
        "{:?}",
        e.remarks
    );
    assert!(
        e.remarks.contains(&"EYES: blue".to_string()),
        "{:?}",
        e.remarks
    );
    assert_eq!(report.warnings.len(), 2);
    let paths: Vec<String> = report
        .warnings
        .iter()
        .map(|w| match &w.location {
            Location::Xml { path, .. } => path.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            "/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[1]/HAIR_COLOUR",
            "/CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[1]/INDIVIDUAL_ALIAS/EYES"
        ]
    );
}

#[test]
#[ignore = "throughput measurement: cargo test --release -p kordon-sources --test un_eu -- --ignored --nocapture"]
fn un_parse_throughput() {
    let path = shared(UN_XML);
    let input = one_source(&path, Format::UnXml);
    let bytes = std::fs::metadata(&path).unwrap().len() as f64;
    let rounds = 20;
    let start = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        let mut count = 0usize;
        kordon_sources::parse(&input, &mut |_e| {
            count += 1;
            Ok(())
        })
        .unwrap();
        n = count;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "UN XML: {n} entities, {:.1} MB/s ({:.1} ms per parse of {:.2} MB, incl. SHA-256 of the file)",
        bytes * rounds as f64 / secs / 1e6,
        secs * 1000.0 / rounds as f64,
        bytes / 1e6
    );
    // The parser alone, without the file hash `kordon_sources::parse` adds.
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        let mut report = kordon_sources::ParseReport::new(&input);
        kordon_sources::un::parse(&input, &mut report, &mut |_e| Ok(())).unwrap();
        assert_eq!(report.entities, n as u64);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "UN XML parser alone: {:.1} MB/s",
        bytes * rounds as f64 / secs / 1e6
    );
}

// ---------------------------------------------------------------- EU journal

const EU_JOURNAL: &str = "lists/eu/journal_sanctions";

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    out.sort();
    out
}

/// The whole transcription tree as one source.
fn eu_journal_input() -> SourceInput {
    let mut input = one_source(&shared(EU_JOURNAL), Format::EuJournalCsv);
    assert_eq!(input.source, "eu_journal");
    assert!(input
        .files
        .iter()
        .all(|f| f.extension().is_some_and(|x| x == "csv")));
    input.files.sort();
    assert_eq!(input.files.len(), 56);
    input
}

fn eu_journal() -> (Vec<Entity>, kordon_sources::ParseReport) {
    parse_to_vec(&eu_journal_input()).expect("EU journal parse")
}

#[test]
fn eu_journal_amendment_files_are_discovered() {
    let input = one_source(&shared(EU_JOURNAL), Format::EuJournalCsv);
    // Every CSV of both folders, nothing else (FORMAT.md is documentation).
    let mut expected = csv_files(&shared(&format!("{EU_JOURNAL}/consolidated")));
    expected.extend(csv_files(&shared(&format!("{EU_JOURNAL}/amendments"))));
    expected.sort();
    assert_eq!(input.files, expected);
}

/// Row counts per file from the table in PROVENANCE.md.
fn provenance_row_counts() -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(shared("PROVENANCE.md")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `amendments/32026R1720.csv` | pin | size | sha256 | rows |
        if cells.len() == 7 && cells[1].starts_with("`amendments/")
            || cells.len() == 7 && cells[1].starts_with("`consolidated/")
        {
            let file = cells[1].trim_matches('`');
            let stem = file
                .rsplit('/')
                .next()
                .unwrap()
                .trim_end_matches(".csv")
                .to_string();
            out.insert(stem, cells[5].replace(',', "").parse().unwrap());
        }
    }
    out
}

#[test]
fn eu_journal_row_counts_match_each_file() {
    let (entities, report) = eu_journal();
    let expected = provenance_row_counts();
    assert_eq!(expected.len(), 56);
    let mut by_file: BTreeMap<String, u64> = BTreeMap::new();
    for e in &entities {
        assert_eq!(e.source, "eu_journal");
        let stem = e.source_id.split('-').next().unwrap().to_string();
        *by_file.entry(stem).or_default() += 1;
    }
    for (stem, rows) in &expected {
        // The file's own record count, read independently with the csv crate.
        let dir = if stem.as_str() >= "32026" {
            "amendments"
        } else {
            "consolidated"
        };
        let path = shared(&format!("{EU_JOURNAL}/{dir}/{stem}.csv"));
        let own = csv::Reader::from_path(&path).unwrap().records().count() as u64;
        assert_eq!(own, *rows, "{stem}: PROVENANCE.md vs the file");
        assert_eq!(
            by_file.get(stem).copied().unwrap_or(0),
            *rows,
            "{stem}: entities"
        );
        assert_eq!(
            report.counts.get(&format!("rows:{stem}")).copied(),
            Some(*rows),
            "{stem}: report"
        );
    }
    assert_eq!(entities.len() as u64, expected.values().sum::<u64>());
    assert_eq!(report.entities, entities.len() as u64);
    // Header-only files are valid and yield nothing.
    assert_eq!(by_file.get("32004R0314"), None);
    assert_eq!(report.counts.get("rows:32004R0314"), Some(&0));
    // Ids are unique over the whole tree.
    let ids: std::collections::HashSet<&str> = entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), entities.len());
    // The real files have the documented header: no unknown-column warnings.
    assert!(!report
        .warnings
        .iter()
        .any(|w| w.message.contains("unknown column")));
}

#[test]
fn eu_journal_kupol_and_limbach() {
    let (entities, report) = eu_journal();
    let find = |id: &str| {
        entities
            .iter()
            .find(|e| e.source_id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };

    let kupol = find("32014R0269-I.ENTITIES-141");
    assert_eq!(kupol.id, "eu_journal:32014R0269-I.ENTITIES-141");
    assert_eq!(kupol.schema, Schema::Organization);
    assert_eq!(
        kupol.caption(),
        "JSC IZHEVSK ELECTROMECHANICAL PLANT ‘KUPOL’"
    );
    let cyr = kupol
        .names
        .iter()
        .find(|n| n.kind == NameKind::Alias)
        .unwrap();
    assert_eq!(cyr.full, "ИЖЕВСКИЙ ЭЛЕКТРОМЕХАНИЧЕСКИЙ ЗАВОД ‘КУПОЛ’");
    assert_eq!(cyr.script.as_deref(), Some("Cyrl"));
    assert_eq!(kupol.listed_on, Some(PartialDate::ymd(2022, 12, 16)));
    assert_eq!(kupol.programs[0].code, "EU-UKR");
    assert_eq!(
        kupol.programs[0].name.as_deref(),
        Some("Asset freeze, Annex I.ENTITIES of 32014R0269")
    );
    assert_eq!(kupol.list_name.as_deref(), Some("32014R0269"));
    assert!(kupol
        .dates
        .iter()
        .any(|d| d.kind == DateKind::Incorporation && d.date == PartialDate::ymd(2002, 4, 23)));
    let ids: Vec<(IdentifierKind, &str)> = kupol
        .identifiers
        .iter()
        .map(|i| (i.kind.clone(), i.value.as_str()))
        .collect();
    assert!(
        ids.contains(&(IdentifierKind::RegistrationNumber, "1021801143374")),
        "{ids:?}"
    );
    assert!(
        ids.contains(&(IdentifierKind::TaxId, "1831083343")),
        "{ids:?}"
    );
    assert!(
        ids.contains(&(IdentifierKind::Email, "iemz@kupol.ru")),
        "{ids:?}"
    );
    assert!(kupol
        .remarks
        .contains(&"Legal form: Joint Stock Company".to_string()));
    assert_eq!(kupol.addresses.len(), 2);

    let kupol_833 = find("32014R0833-IV-516");
    assert_eq!(
        kupol_833.caption(),
        "Joint Stock Company Izhevsk Electromechanical Plant Kupol"
    );
    assert_eq!(kupol_833.topics, ["export.control"]);
    assert_eq!(kupol_833.listed_on, Some(PartialDate::ymd(2023, 6, 23)));
    let aliases: Vec<&str> = kupol_833
        .names
        .iter()
        .filter(|n| n.kind == NameKind::Alias)
        .map(|n| n.full.as_str())
        .collect();
    assert_eq!(
        aliases,
        [
            "Акционерное Общество «Ижевский Электромеханический Завод «Купол» (АО «ИЭМЗ «Купол»)",
            "AO IEMZ Kupol"
        ]
    );
    // "1831083343 (Tax ID/INN)" in registrationNumber: the printed label says INN.
    let inn = kupol_833
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::Inn)
        .unwrap();
    assert_eq!(
        (inn.value.as_str(), inn.label.as_deref()),
        ("1831083343", Some("Tax ID/INN"))
    );
    // The same INN as the 269/2014 entry's tax number, after normalisation.
    assert!(kupol
        .identifiers
        .iter()
        .any(|i| i.normalized_value() == inn.normalized_value()));

    let limbach = find("32014R0269-I.ENTITIES-505");
    assert_eq!(limbach.caption(), "Xiamen Limbach Aviation Engine Co., Ltd");
    let names: Vec<(&str, Option<&str>, Option<&str>)> = limbach
        .names
        .iter()
        .map(|n| (n.full.as_str(), n.script.as_deref(), n.lang.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("Xiamen Limbach Aviation Engine Co., Ltd", None, None),
            ("厦门林巴贺航空发动机股份有限公司", Some("Hani"), Some("zh")),
            ("Limbach Aviation", None, None),
            ("Xiamen Limbach Aircraft Engine Co., Ltd.", None, None),
        ]
    );
    // "Chinese:" and "Text of image" are Official-Journal artefacts, not names.
    assert!(report.counts.get("name_placeholders").copied().unwrap_or(0) >= 32);
    assert!(!entities.iter().any(|e| e
        .names
        .iter()
        .any(|n| n.full == "Text of image" || n.full == "Chinese:")));
}

#[test]
fn eu_journal_weak_aliases_and_amendments() {
    let (entities, report) = eu_journal();
    let yilmaz = entities
        .iter()
        .find(|e| {
            e.caption() == "Adem Yilmaz" && e.source_id.starts_with("32026R1960-32002R0881-I-")
        })
        .expect("Adem Yilmaz in amendment 32026R1960");
    assert_eq!(yilmaz.schema, Schema::Person);
    let weak: Vec<&str> = yilmaz
        .names
        .iter()
        .filter(|n| n.kind == NameKind::WeakAlias)
        .map(|n| n.full.as_str())
        .collect();
    assert_eq!(weak, ["Talha"]);
    assert_eq!(yilmaz.dates[0].date, PartialDate::ymd(1978, 11, 4));
    assert_eq!(yilmaz.places_of_birth, ["Bayburt, Türkiye"]);
    assert_eq!(yilmaz.countries[0].role, CountryRole::Nationality);
    let passport = yilmaz
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::Passport)
        .unwrap();
    assert_eq!(passport.value, "TR-P 614166");
    // An amendment row names both acts.
    assert_eq!(yilmaz.source_urls.len(), 2);

    // Independent count of weakAlias values over the tree, decoding each cell
    // with the csv crate as a `;`-delimited record (FORMAT.md: values holding
    // `;` are CSV-quoted; the space after the separator is dropped first).
    let mut expected_weak = 0u64;
    for e in std::fs::read_dir(shared(EU_JOURNAL)).unwrap() {
        let dir = e.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let mut r = csv::Reader::from_path(f.unwrap().path()).unwrap();
            let col = r
                .headers()
                .unwrap()
                .iter()
                .position(|h| h == "weakAlias")
                .unwrap();
            for rec in r.records() {
                let rec = rec.unwrap();
                let cell = rec[col].replace("; \"", ";\"");
                let mut inner = csv::ReaderBuilder::new()
                    .delimiter(b';')
                    .has_headers(false)
                    .from_reader(cell.as_bytes());
                for values in inner.records() {
                    expected_weak += values
                        .unwrap()
                        .iter()
                        .filter(|v| !v.trim().is_empty())
                        .count() as u64;
                }
            }
        }
    }
    assert_eq!(
        report.counts.get("weak_aliases").copied(),
        Some(expected_weak)
    );
}

#[test]
fn eu_journal_unknown_column_warns_and_keeps_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("32099R0001.csv");
    let header =
        std::fs::read_to_string(shared(&format!("{EU_JOURNAL}/consolidated/32004R0314.csv")))
            .unwrap();
    let header = header.trim_end();
    let columns = header.split(',').count();
    let mut row = vec![""; columns];
    row[0] = "32099R0001";
    row[1] = "7";
    row[2] = "EU-TEST";
    row[3] = "I";
    row[4] = "Asset freeze";
    row[7] = "Person";
    row[8] = "Jane Roe";
    std::fs::write(
        &path,
        format!("{header},hairColour\n{},red\n", row.join(",")),
    )
    .unwrap();
    let input = one_source(&path, Format::EuJournalCsv);
    let (entities, report) = parse_to_vec(&input).unwrap();
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].source_id, "32099R0001-I-7");
    assert!(
        entities[0].remarks.contains(&"hairColour: red".to_string()),
        "{:?}",
        entities[0].remarks
    );
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].field.as_deref(), Some("hairColour"));
}

// ---------------------------------------------------------------- EU FSF

/// Parse one fixture and compare the whole entity, field by field through
/// serde_json, with the hand-written expectation next to it.
fn fsf_round_trip(name: &str) -> kordon_sources::ParseReport {
    let xml = fixture(&format!("eu_fsf/{name}.xml"));
    let input = one_source(&xml, Format::EuFsfXml);
    assert_eq!(input.source, "eu_fsf");
    let (entities, report) = parse_to_vec(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(entities.len(), 1, "{name}");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("eu_fsf/{name}.expected.json"))).unwrap(),
    )
    .unwrap();
    let actual = serde_json::to_value(&entities[0]).unwrap();
    assert_eq!(
        actual,
        expected,
        "{name}: parsed entity differs from the expectation:\n{}",
        serde_json::to_string_pretty(&actual).unwrap()
    );
    // And the expectation is itself a valid Entity.
    let back: Entity = serde_json::from_value(expected).unwrap();
    assert_eq!(back, entities[0]);
    assert_eq!(
        report.published.as_deref(),
        Some("2026-03-02T17:33:49.912+01:00")
    );
    report
}

#[test]
fn eu_fsf_person_with_cyrillic_and_latin_aliases() {
    let report = fsf_round_trip("person_aliases");
    assert_eq!(report.by_schema.get("Person"), Some(&1));
    assert_eq!(report.counts.get("weak_aliases"), Some(&1));
    // The one element outside the schema is reported with its path and kept.
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert_eq!(
        report.warnings[0].location,
        Location::Xml {
            path: "/export/sanctionEntity[1]/additionalInformation".into(),
            byte: report.warnings[0].location_byte()
        }
    );
}

#[test]
fn eu_fsf_enterprise_kupol() {
    let report = fsf_round_trip("enterprise_kupol");
    assert_eq!(report.by_schema.get("Organization"), Some(&1));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn eu_fsf_malformed_files_name_file_and_path() {
    let truncated = fixture("eu_fsf/malformed_truncated.xml");
    let err = parse_to_vec(&one_source(&truncated, Format::EuFsfXml)).expect_err("truncated");
    assert_eq!(err.file, truncated);
    let Location::Xml { path, byte } = &err.location else {
        panic!("{err}")
    };
    assert_eq!(path, "/export/sanctionEntity[1]");
    assert!(*byte > 2000, "{byte}");
    assert!(err.message.contains("truncated"), "{err}");
    assert!(err.to_string().contains("malformed_truncated.xml"), "{err}");

    let mismatched = fixture("eu_fsf/malformed_mismatched.xml");
    let err = parse_to_vec(&one_source(&mismatched, Format::EuFsfXml)).expect_err("mismatched");
    assert_eq!(err.file, mismatched);
    let Location::Xml { path, .. } = &err.location else {
        panic!("{err}")
    };
    assert_eq!(path, "/export/sanctionEntity[2]/citizenship");
    assert!(err.message.contains("nameAlias"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("other.xml");
    std::fs::write(
        &foreign,
        r#"<list xmlns="http://eu.europa.ec/fpi/fsd/export"><sanctionEntity logicalId="1"/></list>"#,
    )
    .unwrap();
    let err = parse_to_vec(&one_source(&foreign, Format::EuFsfXml)).expect_err("foreign root");
    assert_eq!(
        err.location,
        Location::Xml {
            path: "/list".into(),
            byte: 0
        }
    );
    assert!(err.message.contains("expected <export>"), "{err}");
}

trait LocationByte {
    fn location_byte(&self) -> u64;
}

impl LocationByte for kordon_sources::Warning {
    fn location_byte(&self) -> u64 {
        match self.location {
            Location::Xml { byte, .. } => byte,
            _ => u64::MAX,
        }
    }
}

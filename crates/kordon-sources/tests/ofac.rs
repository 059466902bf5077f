//! OFAC legacy CSV and advanced XML parsers against the real list files in
//! /work/shared/data/lists/ofac. Expected values are computed independently from
//! the files (with the csv crate or plain text search) wherever possible.

use kordon_model::{
    CountryRole, DateKind, Entity, IdentifierKind, LinkKind, NameKind, PartialDate, Schema,
};
use kordon_sources::{discover, parse_to_vec, Format, Location, ParseReport, SourceInput};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(rel)
}

/// The source of `format` discovered directly in folder `rel` (not a subfolder).
fn source(rel: &str, format: Format) -> SourceInput {
    let dir = data(rel);
    discover(std::slice::from_ref(&dir))
        .expect("discover")
        .into_iter()
        .find(|s| s.format == format && s.files.iter().all(|f| f.parent() == Some(dir.as_path())))
        .unwrap_or_else(|| panic!("no {format:?} source in {rel}"))
}

/// All records of a header-less OFAC CSV part, read with the csv crate, minus the
/// DOS EOF line.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .expect("open csv");
    reader
        .records()
        .map(|r| r.expect("csv record"))
        .filter(|r| !(r.len() == 1 && r[0].trim_matches(['\u{1a}', ' ']).is_empty()))
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .collect()
}

fn null(s: &str) -> &str {
    if s == "-0-" {
        ""
    } else {
        s
    }
}

fn by_id(entities: &[Entity]) -> BTreeMap<&str, &Entity> {
    entities.iter().map(|e| (e.source_id.as_str(), e)).collect()
}

fn count(report: &ParseReport, key: &str) -> u64 {
    report.counts.get(key).copied().unwrap_or(0)
}

/// Expected strong aliases per ent_num from an alt.csv: distinct (kind, name).
fn expected_aliases(rows: &[Vec<String>]) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in rows {
        let kind = match r[2].as_str() {
            "aka" => "Alias",
            "fka" => "Former",
            "nka" => "NowKnownAs",
            other => panic!("unexpected alt_type {other}"),
        };
        out.entry(r[0].clone())
            .or_default()
            .insert((kind.to_string(), r[3].clone()));
    }
    out
}

fn strong_aliases(e: &Entity) -> BTreeSet<(String, String)> {
    e.names
        .iter()
        .filter(|n| {
            matches!(
                n.kind,
                NameKind::Alias | NameKind::Former | NameKind::NowKnownAs
            )
        })
        .map(|n| (format!("{:?}", n.kind), n.full.clone()))
        .collect()
}

/// Expected addresses per ent_num from an add.csv: distinct (street, city, country).
fn expected_addresses(
    rows: &[Vec<String>],
) -> BTreeMap<String, BTreeSet<(String, String, String)>> {
    let mut out: BTreeMap<String, BTreeSet<_>> = BTreeMap::new();
    for r in rows {
        out.entry(r[0].clone()).or_default().insert((
            null(&r[2]).to_string(),
            null(&r[3]).to_string(),
            null(&r[4]).to_string(),
        ));
    }
    out
}

fn addresses(e: &Entity) -> BTreeSet<(String, String, String)> {
    e.addresses
        .iter()
        .map(|a| {
            (
                a.street.clone().unwrap_or_default(),
                a.city.clone().unwrap_or_default(),
                a.country.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Quoted remark aliases, found the simple way: statements split at "; ",
/// text between the first and the last quote.
fn expected_weak_aliases(remarks: &str) -> BTreeSet<String> {
    remarks
        .split("; ")
        .map(|s| s.trim().trim_start_matches("alt. "))
        .filter(|s| {
            ["a.k.a. '", "f.k.a. '", "n.k.a. '"]
                .iter()
                .any(|p| s.starts_with(p))
        })
        .filter_map(|s| {
            let open = s.find('\'')? + 1;
            let close = s.rfind('\'')?;
            (close > open).then(|| s[open..close].trim().to_string())
        })
        .collect()
}

fn weak_aliases(e: &Entity) -> BTreeSet<String> {
    e.names
        .iter()
        .filter(|n| n.kind == NameKind::WeakAlias)
        .map(|n| n.full.clone())
        .collect()
}

#[test]
fn snapshot_2021_every_alias_and_address_attached() {
    let input = source("lists/ofac/snapshot-2021-07-07", Format::OfacSdnCsv);
    assert_eq!(input.files.len(), 4);
    let (entities, report) = parse_to_vec(&input).expect("parse");
    let dir = data("lists/ofac/snapshot-2021-07-07");
    let primary = csv_rows(&dir.join("sdn.csv"));
    let alt = csv_rows(&dir.join("alt.csv"));
    let add = csv_rows(&dir.join("add.csv"));
    let comments = csv_rows(&dir.join("sdn_comments.csv"));

    assert_eq!(entities.len(), primary.len());
    assert_eq!(entities.len(), 8976);
    assert_eq!(report.entities, 8976);
    let ids = by_id(&entities);
    assert_eq!(ids.len(), entities.len(), "ent_nums are unique");
    // Emitted in ent_num order.
    let nums: Vec<u64> = entities
        .iter()
        .map(|e| e.source_id.parse().unwrap())
        .collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]));

    for key in ["orphan_addresses", "orphan_aliases", "orphan_comments"] {
        assert_eq!(report.counts.get(key), Some(&0), "{key}");
    }
    assert_eq!(count(&report, "aliases"), alt.len() as u64);
    assert_eq!(count(&report, "addresses"), add.len() as u64);
    assert_eq!(count(&report, "comments"), comments.len() as u64);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    let aliases = expected_aliases(&alt);
    let addrs = expected_addresses(&add);
    for e in &entities {
        let empty = BTreeSet::new();
        assert_eq!(
            &strong_aliases(e),
            aliases.get(&e.source_id).unwrap_or(&empty),
            "aliases of {}",
            e.id
        );
        let empty = BTreeSet::new();
        assert_eq!(
            &addresses(e),
            addrs.get(&e.source_id).unwrap_or(&empty),
            "addresses of {}",
            e.id
        );
    }

    // Weak aliases, from the remarks text with comment continuations appended.
    let mut remarks: BTreeMap<String, String> = primary
        .iter()
        .map(|r| (r[0].clone(), null(&r[11]).to_string()))
        .collect();
    for c in &comments {
        remarks
            .get_mut(&c[0])
            .expect("comment has a primary row")
            .push_str(&c[1]);
    }
    let mut expected_total = 0;
    for (ent_num, text) in &remarks {
        let expected = expected_weak_aliases(text);
        expected_total += expected.len();
        assert_eq!(
            weak_aliases(ids[ent_num.as_str()]),
            expected,
            "weak aliases of {ent_num}"
        );
    }
    assert_eq!(count(&report, "weak_aliases"), expected_total as u64);
    assert!(expected_total > 2000);
}

#[test]
fn full_2024_sdn_with_2026_add_alt() {
    let input = source("lists/ofac", Format::OfacSdnCsv);
    assert_eq!(input.files.len(), 5, "sdn, excerpt, add, alt, comments");
    let (entities, report) = parse_to_vec(&input).expect("parse");
    let dir = data("lists/ofac");
    let primary: Vec<_> = csv_rows(&dir.join("sdn.csv"))
        .into_iter()
        .chain(csv_rows(&dir.join("sdn_2026_excerpt.csv")))
        .collect();
    let alt = csv_rows(&dir.join("alt.csv"));
    let add = csv_rows(&dir.join("add.csv"));
    assert_eq!(entities.len(), primary.len());
    assert_eq!(entities.len(), 14965 + 38);
    let persons = primary.iter().filter(|r| r[2] == "individual").count() as u64;
    assert_eq!(report.by_schema.get("Person"), Some(&persons));

    // Orphans: counted, one summarising warning per file.
    let known: BTreeSet<&str> = primary.iter().map(|r| r[0].as_str()).collect();
    let orphan_alt = alt
        .iter()
        .filter(|r| !known.contains(r[0].as_str()))
        .count() as u64;
    let orphan_add = add
        .iter()
        .filter(|r| !known.contains(r[0].as_str()))
        .count() as u64;
    assert_eq!(count(&report, "orphan_aliases"), orphan_alt);
    assert_eq!(count(&report, "orphan_addresses"), orphan_add);
    assert!(
        orphan_alt > 2000 && orphan_add > 5000,
        "the 2026 files are newer than sdn.csv"
    );
    assert_eq!(count(&report, "aliases") + orphan_alt, alt.len() as u64);
    assert_eq!(count(&report, "addresses") + orphan_add, add.len() as u64);
    let orphan_warnings: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("no primary row"))
        .collect();
    assert_eq!(orphan_warnings.len(), 3, "{orphan_warnings:?}");
    for name in ["add.csv", "alt.csv", "sdn_comments.csv"] {
        assert_eq!(
            orphan_warnings
                .iter()
                .filter(|w| w.file.ends_with(name))
                .count(),
            1,
            "{name}"
        );
    }

    let ids = by_id(&entities);
    let kupol = ids["46431"];
    assert_eq!(kupol.id, "us_ofac_sdn:46431");
    assert_eq!(
        kupol.caption(),
        "JOINT STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL"
    );
    assert_eq!(kupol.schema, Schema::Organization);
    assert_eq!(
        kupol
            .programs
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["RUSSIA-EO14024"]
    );
    let aliases: Vec<&str> = kupol
        .names
        .iter()
        .filter(|n| n.kind == NameKind::Alias)
        .map(|n| n.full.as_str())
        .collect();
    assert_eq!(
        aliases,
        [
            "JSC IEMZ KUPOL",
            "AO IEMZ KUPOL",
            "AKTSIONERNOE OBSHCHESTVO IZHEVSKI ELEKTROMEKHANICHESKI ZAVOD KUPOL"
        ]
    );
    assert_eq!(kupol.addresses.len(), 1);
    assert_eq!(
        kupol.addresses[0].street.as_deref(),
        Some("ul. Pesochnaya 3")
    );
    assert_eq!(kupol.addresses[0].country_code.as_deref(), Some("RU"));
    let id = |kind: IdentifierKind| {
        kupol
            .identifiers
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| (i.value.as_str(), i.country.as_deref()))
    };
    assert_eq!(id(IdentifierKind::Inn), Some(("1831083343", Some("RU"))));
    assert_eq!(
        id(IdentifierKind::Ogrn),
        Some(("1021801143374", Some("RU")))
    );
    assert_eq!(id(IdentifierKind::Website), Some(("www.kupol.ru", None)));
    assert_eq!(
        id(IdentifierKind::RegistrationNumber),
        Some(("07502963", Some("RU")))
    );
    let established: Vec<&PartialDate> = kupol
        .dates
        .iter()
        .filter(|d| d.kind == DateKind::Incorporation)
        .map(|d| &d.date)
        .collect();
    assert_eq!(
        established,
        [&PartialDate::ymd(2002, 4, 23), &PartialDate::year(1957)]
    );

    // 2026 excerpt rows are there with their 2026 alias and address rows.
    let aliases = expected_aliases(&alt);
    let addrs = expected_addresses(&add);
    for (ent_num, caption) in [
        ("51265", "REDLEPUS VECTOR INDUSTRY SHENZHEN CO LTD"),
        ("51298", "XIAMEN LIMBACH AIRCRAFT ENGINE CO., LTD."),
    ] {
        let e = ids[ent_num];
        assert_eq!(e.caption(), caption);
        assert_eq!(
            strong_aliases(e),
            aliases.get(ent_num).cloned().unwrap_or_default(),
            "{ent_num}"
        );
        assert_eq!(addresses(e), addrs[ent_num], "{ent_num}");
        assert!(!addresses(e).is_empty());
    }
    assert!(strong_aliases(ids["51265"])
        .contains(&("Alias".to_string(), "REDLEPUS VECTOR".to_string())));
}

#[test]
fn consolidated_set() {
    let input = source("lists/ofac", Format::OfacConsCsv);
    assert_eq!(input.source, "us_ofac_cons");
    let (entities, report) = parse_to_vec(&input).expect("parse");
    let dir = data("lists/ofac");
    let primary = csv_rows(&dir.join("cons_prim.csv"));
    // The provenance note counts a header row that the file does not have: 442 entries.
    assert_eq!(entities.len(), primary.len());
    assert_eq!(entities.len(), 442);
    let alt = csv_rows(&dir.join("cons_alt.csv"));
    let aliases = expected_aliases(&alt);
    let addrs = expected_addresses(&csv_rows(&dir.join("cons_add.csv")));
    for e in &entities {
        assert!(e.id.starts_with("us_ofac_cons:"));
        assert_eq!(
            strong_aliases(e),
            aliases.get(&e.source_id).cloned().unwrap_or_default(),
            "{}",
            e.id
        );
        assert_eq!(
            addresses(e),
            addrs.get(&e.source_id).cloned().unwrap_or_default(),
            "{}",
            e.id
        );
    }
    for key in ["orphan_addresses", "orphan_aliases", "orphan_comments"] {
        assert_eq!(report.counts.get(key), Some(&0), "{key}");
    }
    assert_eq!(count(&report, "aliases"), alt.len() as u64);
    // "UKRAINE-EO13662] [RUSSIA-EO14024": OFAC's multi-program cell.
    let veb = by_id(&entities)["17015"];
    assert_eq!(
        veb.programs
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["UKRAINE-EO13662", "RUSSIA-EO14024"]
    );
    assert!(veb
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::SwiftBic && i.value == "BFEARUMM"));
    assert!(weak_aliases(veb).contains("VEB"));
}

#[test]
fn person_remarks_become_structured_fields() {
    let input = source("lists/ofac", Format::OfacSdnCsv);
    let (entities, _) = parse_to_vec(&input).expect("parse");
    let ids = by_id(&entities);

    // 6939: "DOB 19 Nov 1971; POB Medina, Saudi Arabia; nationality Yemen; Gender Male;
    // Passport 541939 (Yemen) issued 31 Jul 2000; National ID No. 216040 (Yemen);
    // a.k.a. 'AL-MAKKI, Abu Asim'."
    let p = ids["6939"];
    assert_eq!(p.schema, Schema::Person);
    assert_eq!(p.names[0].full, "AL-AHDAL, Mohammad Hamdi Mohammad Sadiq");
    assert_eq!(p.names[0].parts.family.as_deref(), Some("AL-AHDAL"));
    assert_eq!(
        p.names[0].parts.given.as_deref(),
        Some("Mohammad Hamdi Mohammad Sadiq")
    );
    assert_eq!(p.dates.len(), 1);
    assert_eq!(
        (p.dates[0].kind, &p.dates[0].date),
        (DateKind::Birth, &PartialDate::ymd(1971, 11, 19))
    );
    assert_eq!(p.places_of_birth, ["Medina, Saudi Arabia"]);
    let countries: Vec<(CountryRole, Option<&str>)> = p
        .countries
        .iter()
        .map(|c| (c.role, c.code.as_deref()))
        .collect();
    // The address comes from the 2026 add.csv (Sanaa, Yemen); the others from the remarks.
    assert_eq!(
        countries,
        [
            (CountryRole::Address, Some("YE")),
            (CountryRole::BirthPlace, Some("SA")),
            (CountryRole::Nationality, Some("YE"))
        ]
    );
    assert_eq!(p.gender.as_deref(), Some("Male"));
    assert_eq!(p.identifiers.len(), 2);
    let passport = &p.identifiers[0];
    assert_eq!(passport.kind, IdentifierKind::Passport);
    assert_eq!(passport.value, "541939");
    assert_eq!(passport.country.as_deref(), Some("YE"));
    assert_eq!(passport.remark.as_deref(), Some("issued 31 Jul 2000"));
    let national = &p.identifiers[1];
    assert_eq!(
        (
            national.kind.clone(),
            national.value.as_str(),
            national.country.as_deref()
        ),
        (IdentifierKind::NationalId, "216040", Some("YE"))
    );
    assert_eq!(
        weak_aliases(p),
        BTreeSet::from(["AL-MAKKI, Abu Asim".to_string()])
    );
    assert_eq!(p.programs[0].code, "SDGT");
    // The whole remark is kept; every statement was understood.
    assert_eq!(p.remarks.len(), 1);
    assert!(p.remarks[0].starts_with("DOB 19 Nov 1971; POB Medina"));

    // 6944: several DOBs, passports without a country, issue and expiry dates.
    let p = ids["6944"];
    let dobs: Vec<&PartialDate> = p.birth_dates().collect();
    assert_eq!(
        dobs,
        [
            &PartialDate::year(1969),
            &PartialDate::year(1963),
            &PartialDate::ymd(1964, 2, 11)
        ]
    );
    let passports: Vec<(&str, Option<&str>, Option<&str>)> = p
        .identifiers
        .iter()
        .filter(|i| i.kind == IdentifierKind::Passport)
        .map(|i| (i.value.as_str(), i.country.as_deref(), i.remark.as_deref()))
        .collect();
    assert_eq!(
        passports,
        [
            ("B 960789", None, None),
            (
                "G 649385",
                None,
                Some("issued 08 Sep 2006 expires 17 Jul 2011")
            )
        ]
    );

    // Linked To and vessels.
    let linked = entities
        .iter()
        .filter(|e| e.links.iter().any(|l| l.kind == LinkKind::LinkedTo))
        .count();
    assert!(linked > 3000);
    let vessel = entities
        .iter()
        .find(|e| {
            e.schema == Schema::Vessel
                && e.identifiers.iter().any(|i| i.kind == IdentifierKind::Imo)
        })
        .expect("a vessel with an IMO number");
    let imo = vessel
        .identifiers
        .iter()
        .find(|i| i.kind == IdentifierKind::Imo)
        .unwrap();
    assert_eq!(imo.value.len(), 7, "{imo:?}");
    assert!(imo.value.chars().all(|c| c.is_ascii_digit()));
}

/// Hand-written parts under non-OFAC file names: the column count decides which
/// part each file is; the comment row completes a remark cut mid-statement.
#[test]
fn parts_told_apart_by_column_count() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ofac/renamed"
    ));
    let inputs = discover(std::slice::from_ref(&dir)).expect("discover");
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    assert_eq!(inputs[0].format, Format::OfacSdnCsv);
    assert_eq!(inputs[0].files.len(), 4);
    let (entities, report) = parse_to_vec(&inputs[0]).expect("parse");
    assert_eq!(entities.len(), 2);
    assert_eq!(
        (
            count(&report, "aliases"),
            count(&report, "addresses"),
            count(&report, "comments")
        ),
        (2, 1, 1)
    );

    let doe = &entities[0];
    assert_eq!(doe.id, "us_ofac_sdn:100");
    let programs: Vec<&str> = doe.programs.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(programs, ["SDGT", "IRGC"]);
    let names: Vec<(&str, NameKind)> = doe
        .names
        .iter()
        .map(|n| (n.full.as_str(), n.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("DOE, John", NameKind::Primary),
            ("DOE, Johnny", NameKind::Alias),
            ("JD; THE NAME", NameKind::WeakAlias)
        ]
    );
    assert_eq!(doe.names[1].parts.family.as_deref(), Some("DOE"));
    let feb_1970 = PartialDate {
        month: Some(2),
        ..PartialDate::year(1970)
    };
    let circa_1969 = PartialDate {
        approximate: true,
        ..PartialDate::year(1969)
    };
    assert_eq!(
        doe.birth_dates().collect::<Vec<_>>(),
        [&feb_1970, &circa_1969]
    );
    // "Passport X123 (Ira" + "n); Linked To: ACME LTD." joined without a separator.
    assert_eq!(doe.identifiers.len(), 1);
    assert_eq!(
        (
            doe.identifiers[0].value.as_str(),
            doe.identifiers[0].country.as_deref()
        ),
        ("X123", Some("IR"))
    );
    assert_eq!(doe.links.len(), 1);
    assert_eq!(doe.links[0].target_name.as_deref(), Some("ACME LTD"));
    assert_eq!(doe.addresses[0].city.as_deref(), Some("Tehran"));
    assert_eq!(doe.addresses[0].country_code.as_deref(), Some("IR"));

    let ship = &entities[1];
    assert_eq!(ship.schema, Schema::Vessel);
    assert_eq!(ship.vessel.vessel_type.as_deref(), Some("Crude Oil Tanker"));
    assert_eq!(ship.vessel.flag.as_deref(), Some("Panama"));
    assert_eq!(ship.vessel.gross_tonnage.as_deref(), Some("2,000"));
    assert_eq!(ship.vessel.owner.as_deref(), Some("ACME LTD"));
    assert!(ship
        .countries
        .iter()
        .any(|c| c.role == CountryRole::Flag && c.code.as_deref() == Some("PA")));
    let ids: Vec<(IdentifierKind, &str)> = ship
        .identifiers
        .iter()
        .map(|i| (i.kind.clone(), i.value.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (IdentifierKind::CallSign, "9XYZ"),
            (IdentifierKind::Imo, "9137674"),
            (IdentifierKind::Mmsi, "371234000")
        ]
    );
    assert_eq!(ship.names[1].kind, NameKind::Former);
    // The whole remark, then the statement nobody understood.
    assert_eq!(ship.remarks.len(), 2);
    assert_eq!(ship.remarks[1], "Some statement nobody parses.");
}

// ---------------------------------------------------------------------------
// Bad input

fn temp_group(files: &[(&str, &[u8])]) -> (tempfile::TempDir, SourceInput) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        paths.push(p);
    }
    let input = SourceInput {
        source: "us_ofac_sdn".into(),
        format: Format::OfacSdnCsv,
        files: paths,
    };
    (dir, input)
}

const GOOD_ROW: &str = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1960; a.k.a. 'AC'.\"\r\n";

#[test]
fn truncated_file_is_an_error_naming_file_line_field() {
    let full = std::fs::read(data("lists/ofac/sdn_2026_excerpt.csv")).unwrap();
    // Cut inside the quoted Remarks of the 5th row.
    let fifth_row = full
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(3)
        .map(|(i, _)| i + 1)
        .unwrap();
    let cut = fifth_row
        + full[fifth_row..]
            .windows(9)
            .position(|w| w == b"Secondary")
            .unwrap()
        + 5;
    let line = full[..cut].iter().filter(|b| **b == b'\n').count() as u64 + 1;
    assert!(line >= 5);
    let (_dir, input) = temp_group(&[("sdn.csv", &full[..cut])]);
    let err = parse_to_vec(&input).expect_err("truncated file must fail");
    let msg = err.to_string();
    assert!(err.file.ends_with("sdn.csv"), "{msg}");
    assert_eq!(err.location, Location::Line(line), "{msg}");
    assert_eq!(err.field.as_deref(), Some("Remarks"), "{msg}");
    assert!(
        msg.contains(&format!("sdn.csv: line {line}, field `Remarks`")),
        "{msg}"
    );

    // The same with CRLF line ends (as OFAC publishes), where the csv crate's own
    // record positions are one line early.
    let crlf: Vec<u8> = full[..cut]
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    let (_dir, input) = temp_group(&[("sdn.csv", &crlf)]);
    let err = parse_to_vec(&input).expect_err("truncated CRLF file must fail");
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(line), Some("Remarks")),
        "{err}"
    );
}

#[test]
fn binary_garbage_is_an_error() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let (_dir, input) = temp_group(&[("sdn.csv", &garbage)]);
    let err = parse_to_vec(&input).expect_err("garbage must fail");
    assert!(err.file.ends_with("sdn.csv"));
    assert!(matches!(err.location, Location::Line(n) if n >= 1), "{err}");
    assert!(err.field.is_some(), "{err}");
    // Not even recognised as an OFAC file by content.
    let dir = input.files[0].parent().unwrap().to_path_buf();
    assert!(discover(&[dir]).unwrap().is_empty());
}

#[test]
fn wrong_column_count_and_bad_ent_num() {
    let short = format!("{GOOD_ROW}37,\"SHORT ROW\",-0- ,\"CUBA\"\r\n");
    let (_dir, input) = temp_group(&[("sdn.csv", short.as_bytes())]);
    let err = parse_to_vec(&input).expect_err("short row");
    assert_eq!(err.location, Location::Line(2), "{err}");
    assert_eq!(err.field.as_deref(), Some("Title"));
    assert!(err.to_string().contains("4 columns, expected 12"), "{err}");

    let bad_num = format!("{GOOD_ROW}{}", GOOD_ROW.replacen("36,", "3x6,", 1));
    let (_dir, input) = temp_group(&[("sdn.csv", bad_num.as_bytes())]);
    let err = parse_to_vec(&input).expect_err("bad ent_num");
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(2), Some("ent_num")),
        "{err}"
    );
}

#[test]
fn invalid_utf8_is_a_warning() {
    let mut bytes = GOOD_ROW
        .replace("AEROCARIBBEAN", "AERO\u{1}CARIBBEAN")
        .into_bytes();
    let pos = bytes.iter().position(|b| *b == 1).unwrap();
    bytes[pos] = 0xFF;
    bytes.extend_from_slice(b"\x1a");
    let (_dir, input) = temp_group(&[("sdn.csv", &bytes)]);
    let (entities, report) = parse_to_vec(&input).expect("invalid UTF-8 must not fail");
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].caption(), "AERO\u{FFFD}CARIBBEAN AIRLINES");
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].field.as_deref(), Some("SDN_Name"));
    assert_eq!(report.warnings[0].location, Location::Line(1));
}

#[test]
fn group_without_primary_file_names_it() {
    let (_dir, input) = temp_group(&[("add.csv", b"36,25,-0- ,\"Havana\",\"Cuba\",-0- \r\n")]);
    let err = parse_to_vec(&input).expect_err("no primary");
    assert!(err.file.ends_with("sdn.csv"), "{err}");
    assert!(err.message.contains("add.csv"), "{err}");
}

// ---------------------------------------------------------------------------
// Remarks never lose text

mod remark_properties {
    use kordon_model::{Entity, Schema};
    use kordon_sources::ofac_csv::{apply_remarks, split_statements};
    use proptest::prelude::*;

    fn remark_text() -> impl Strategy<Value = String> {
        let statement = prop_oneof![
            "(alt\\. )?DOB( circa)? [0-9]{1,2} (Jan|Oct|Foo) [0-9]{4}( to [0-9]{4})?",
            "POB [A-Za-z ,]{0,20}",
            "(Passport|Tax ID No\\.|National ID No\\.) [A-Z0-9 ]{0,10}( \\((Russia|Iran|Nowhere)\\))?( issued [0-9]{2} Mar 2001)?",
            "(a|f|n)\\.k\\.a\\. '[A-Za-z;' ]{0,15}'?",
            "Linked To: [A-Z .,;']{0,20}",
            "Digital Currency Address - [A-Z]{3} [a-z0-9]{0,12}",
            "[\\PC]{0,30}",
        ];
        prop::collection::vec(statement, 0..6).prop_map(|v| v.join("; ") + ".")
    }

    fn squeeze(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != ';')
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn remark_parsing_keeps_every_character(text in prop_oneof![remark_text(), "\\PC{0,200}"]) {
            // Statements are slices of the text that, with the `;` separators and
            // whitespace, make up all of it.
            let statements = split_statements(&text);
            prop_assert_eq!(squeeze(&statements.concat()), squeeze(&text));

            let mut e = Entity::new("us_ofac_sdn", "1", Schema::Person);
            let summary = apply_remarks(&mut e, &text);
            prop_assert_eq!(summary.statements, statements.len());
            prop_assert_eq!(summary.understood + summary.notes + summary.unparsed, summary.statements);
            if !text.trim().is_empty() {
                prop_assert_eq!(e.remarks.first().map(String::as_str), Some(text.trim()));
            }
            prop_assert_eq!(e.remarks.len() <= 1 + summary.notes + summary.unparsed, true);
        }
    }
}

// ---------------------------------------------------------------------------
// Advanced XML

#[test]
fn advanced_xml_cons() {
    let input = source("lists/ofac/xml", Format::OfacAdvancedXml);
    assert_eq!(input.source, "us_ofac_cons_advanced");
    let (entities, report) = parse_to_vec(&input).expect("parse");
    let text = std::fs::read_to_string(&input.files[0]).unwrap();
    assert_eq!(entities.len(), text.matches("<DistinctParty ").count());
    assert_eq!(entities.len(), 375);
    assert_eq!(report.published.as_deref(), Some("2020-03-17"));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let low_quality = text.matches("LowQuality=\"true\"").count();
    assert_eq!(low_quality, 31);
    assert_eq!(count(&report, "weak_aliases") as usize, low_quality);
    // 18769 lists the low-quality a.k.a. "VYSOKOTOCHNYE KOMPLEKSY" twice; names are deduplicated.
    assert_eq!(
        entities
            .iter()
            .map(|e| weak_aliases(e).len())
            .sum::<usize>(),
        low_quality - 1
    );
    assert_eq!(
        count(&report, "sanctions_entries") as usize,
        text.matches("<SanctionsEntry ").count()
    );
    assert_eq!(
        count(&report, "relationships") as usize,
        text.matches("<ProfileRelationship ").count()
    );
    let ids = by_id(&entities);

    // 9639, checked against the XML text in full.
    let p = ids["9639"];
    assert_eq!(p.id, "us_ofac_cons_advanced:9639");
    assert_eq!(p.schema, Schema::Person);
    let names: Vec<(&str, NameKind)> = p.names.iter().map(|n| (n.full.as_str(), n.kind)).collect();
    assert_eq!(
        names,
        [
            ("HANIYA, Ismail Abdul Salah", NameKind::Primary),
            ("HANIYA, Ismail", NameKind::Alias),
            ("HANIYYA, Ismaeel", NameKind::Alias),
        ]
    );
    assert_eq!(p.names[0].parts.family.as_deref(), Some("HANIYA"));
    assert_eq!(
        p.names[0].parts.given.as_deref(),
        Some("Ismail Abdul Salah")
    );
    assert_eq!(p.names[0].script, None);
    assert_eq!(
        p.birth_dates().collect::<Vec<_>>(),
        [&PartialDate::year(1962)]
    );
    assert_eq!(p.places_of_birth, ["Shati"]);
    assert_eq!(
        p.programs
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["NS-PLC"]
    );
    assert_eq!(p.listed_on, Some(PartialDate::ymd(2006, 4, 12)));
    assert_eq!(
        p.list_name.as_deref(),
        Some("Consolidated List; Non-SDN Palestinian Legislative Council List")
    );
    assert!(
        p.addresses.is_empty(),
        "an 'undetermined' location is no address"
    );

    // 18267: address parts and an ownership link resolved to the owner's caption.
    let o = ids["18267"];
    assert_eq!(o.schema, Schema::Organization);
    assert_eq!(o.caption(), "OJSC ORENBURGNEFT");
    let a = &o.addresses[0];
    assert_eq!(
        (
            a.street.as_deref(),
            a.city.as_deref(),
            a.region.as_deref(),
            a.postal_code.as_deref(),
            a.country_code.as_deref()
        ),
        (
            Some("Magistralnaya St., 2"),
            Some("Buzuluk"),
            Some("the Orenburg Region"),
            Some("461040"),
            Some("RU")
        )
    );
    assert_eq!(o.links.len(), 1);
    assert_eq!(o.links[0].kind, LinkKind::OwnedBy);
    assert_eq!(
        o.links[0].target_id.as_deref(),
        Some("us_ofac_cons_advanced:17022")
    );
    assert_eq!(
        o.links[0].target_name.as_deref(),
        Some(ids["17022"].caption())
    );

    // 18769: LowQuality aliases are weak; ID documents keep their types.
    let h = ids["18769"];
    assert_eq!(
        weak_aliases(h),
        BTreeSet::from([
            "VYSOKOTOCHNYE KOMPLEKSY".to_string(),
            "HIGH PRECISION SYSTEMS".to_string()
        ])
    );
    let ids_of = |e: &Entity| -> Vec<(IdentifierKind, String)> {
        e.identifiers
            .iter()
            .map(|i| (i.kind.clone(), i.value.clone()))
            .collect()
    };
    assert!(ids_of(h).contains(&(IdentifierKind::TaxId, "7704721192".to_string())));
    assert!(ids_of(h).contains(&(
        IdentifierKind::RegistrationNumber,
        "1097746068012".to_string()
    )));

    // 17015 Vnesheconombank: SWIFT/BIC, BIK and e-mail features.
    let v = ids["17015"];
    assert_eq!(v.caption(), "Vnesheconombank");
    assert!(ids_of(v).contains(&(IdentifierKind::SwiftBic, "BFEARUMM".to_string())));
    assert!(ids_of(v).contains(&(IdentifierKind::Email, "info@veb.ru".to_string())));
    assert!(ids_of(v).contains(&(IdentifierKind::Other, "044525060".to_string())));

    // 17013 (VTB): ID documents issued by Russia (IssuedBy-CountryID 11171) become
    // INN / OGRN, like the legacy CSV's "(Russia)" suffix.
    let vtb = ids["17013"];
    let russian: Vec<(IdentifierKind, &str)> = vtb
        .identifiers
        .iter()
        .filter(|i| i.country.as_deref() == Some("RU"))
        .map(|i| (i.kind.clone(), i.value.as_str()))
        .collect();
    assert!(
        russian.contains(&(IdentifierKind::Ogrn, "1027739609391")),
        "{russian:?}"
    );
    assert!(
        russian.contains(&(IdentifierKind::Inn, "7702070139")),
        "{russian:?}"
    );
    assert!(
        russian.contains(&(IdentifierKind::RegistrationNumber, "00032520")),
        "{russian:?}"
    );
}

/// Hand-written party: one name per script, name parts, a low-quality alias, an
/// approximate year range, a Russian passport and a relationship.
#[test]
fn advanced_xml_scripts_and_parts() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ofac/advanced"
    ));
    let inputs = discover(std::slice::from_ref(&dir)).expect("discover");
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].source, "us_ofac_sdn_advanced");
    let (entities, report) = parse_to_vec(&inputs[0]).expect("parse");
    assert_eq!(report.published.as_deref(), Some("2026-06-02"));
    assert_eq!(entities.len(), 1);
    let p = &entities[0];
    assert_eq!(p.id, "us_ofac_sdn_advanced:90001");
    assert_eq!(p.schema, Schema::Person);
    let names: Vec<(&str, NameKind, Option<&str>)> = p
        .names
        .iter()
        .map(|n| (n.full.as_str(), n.kind, n.script.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("IVANOV, Ivan Ivanovich", NameKind::Primary, None),
            ("ИВАНОВ, Иван Иванович", NameKind::Primary, Some("Cyrl")),
            ("VANYA & CO", NameKind::WeakAlias, None),
        ]
    );
    let parts = &p.names[1].parts;
    assert_eq!(
        (
            parts.family.as_deref(),
            parts.given.as_deref(),
            parts.patronymic.as_deref()
        ),
        (Some("ИВАНОВ"), Some("Иван"), Some("Иванович"))
    );
    let born = PartialDate {
        to_year: Some(1962),
        approximate: true,
        ..PartialDate::year(1960)
    };
    assert_eq!(p.birth_dates().collect::<Vec<_>>(), [&born]);
    assert_eq!(p.gender.as_deref(), Some("Male"));
    assert_eq!(p.countries.len(), 1);
    assert_eq!(
        (p.countries[0].role, p.countries[0].code.as_deref()),
        (CountryRole::Citizenship, Some("RU"))
    );
    assert_eq!(p.identifiers.len(), 1);
    let passport = &p.identifiers[0];
    assert_eq!(
        (
            passport.kind.clone(),
            passport.value.as_str(),
            passport.country.as_deref()
        ),
        (IdentifierKind::Passport, "720123456", Some("RU"))
    );
    assert_eq!(p.programs[0].code, "RUSSIA-EO14024");
    assert_eq!(p.listed_on, Some(PartialDate::ymd(2022, 2, 24)));
    assert_eq!(p.list_name.as_deref(), Some("SDN List"));
    assert_eq!(p.links.len(), 1);
    assert_eq!(p.links[0].kind, LinkKind::AssociateOf);
    assert_eq!(
        p.links[0].target_id.as_deref(),
        Some("us_ofac_sdn_advanced:12345")
    );
    assert_eq!(p.links[0].target_name, None);
}

#[test]
fn advanced_xml_truncated_is_an_error_with_xml_location() {
    let full = std::fs::read(data("lists/ofac/xml/cons_advanced.xml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cons_advanced.xml");
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    let input = SourceInput {
        source: "us_ofac_cons_advanced".into(),
        format: Format::OfacAdvancedXml,
        files: vec![path],
    };
    let err = parse_to_vec(&input).expect_err("truncated XML");
    match &err.location {
        Location::Xml { path, byte } => {
            assert!(
                path.starts_with("/Sanctions/DistinctParties/DistinctParty["),
                "{err}"
            );
            assert!(*byte > 0);
        }
        other => panic!("expected an XML location, got {other:?}"),
    }
    assert!(err.message.contains("truncated"), "{err}");
}

/// Throughput on the full sdn.csv group: `cargo test -p kordon-sources --release
/// --test ofac -- --ignored --nocapture throughput`.
#[test]
#[ignore]
fn throughput() {
    let input = source("lists/ofac", Format::OfacSdnCsv);
    let bytes: u64 = input
        .files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let runs = 5;
    let start = std::time::Instant::now();
    for _ in 0..runs {
        let (entities, _) = parse_to_vec(&input).unwrap();
        assert_eq!(entities.len(), 15003);
    }
    let secs = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "OFAC SDN CSV group: {:.1} MB in {:.3} s = {:.1} MB/s",
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
    let input = source("lists/ofac/xml", Format::OfacAdvancedXml);
    let bytes = std::fs::metadata(&input.files[0]).unwrap().len();
    let start = std::time::Instant::now();
    for _ in 0..runs {
        parse_to_vec(&input).unwrap();
    }
    let secs = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "OFAC advanced XML: {:.1} MB in {:.3} s = {:.1} MB/s",
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
}

#[test]
fn one_import_never_gives_two_inputs_the_same_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
    let inputs = kordon_sources::discover(&[root]).unwrap();
    let mut keys: Vec<&str> = inputs.iter().map(|i| i.source.as_str()).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n, "duplicate keys in {keys:?}");
    let sdn = inputs.iter().find(|i| i.source == "us_ofac_sdn").unwrap();
    assert!(
        sdn.files.iter().any(|f| f.ends_with("ofac/sdn.csv")),
        "the top-level set keeps the plain key"
    );
    assert!(
        keys.contains(&"us_ofac_sdn_snapshot_2021_07_07"),
        "{keys:?}"
    );
    let csl = inputs.iter().find(|i| i.source == "us_trade_csl").unwrap();
    assert!(
        csl.files[0].ends_with("csl_partial.csv"),
        "the larger file keeps the plain key"
    );
}

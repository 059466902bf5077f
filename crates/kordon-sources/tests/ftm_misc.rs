//! FollowTheMoney, BIS Denied Persons List and DoD 1260H parsers on the real
//! shared files (yente fixtures, dpl.txt, the 1260H transcription) plus one
//! hand-written FtM delta covering relations, deletes and unknown properties.

use kordon_model::{
    CountryRole, DateKind, Entity, IdentifierKind, LinkKind, NameKind, PartialDate, Schema,
};
use kordon_sources::{discover, ftm, parse_to_vec, Format, Location, ParseReport, SourceInput};
use std::path::PathBuf;

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/lists/"
    ))
    .join(rel)
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/")).join(rel)
}

fn parse_one(path: PathBuf) -> (Vec<Entity>, ParseReport, SourceInput) {
    let inputs = discover(std::slice::from_ref(&path)).expect("discover");
    assert_eq!(inputs.len(), 1, "{path:?} should be one source: {inputs:?}");
    let input = inputs.into_iter().next().unwrap();
    let (entities, report) = parse_to_vec(&input).expect("parse");
    (entities, report, input)
}

fn ftm_input(source: &str, path: PathBuf) -> SourceInput {
    SourceInput {
        source: source.into(),
        format: Format::FtmJson,
        files: vec![path],
    }
}

fn by_id<'a>(entities: &'a [Entity], source_id: &str) -> &'a Entity {
    entities
        .iter()
        .find(|e| e.source_id == source_id)
        .unwrap_or_else(|| panic!("{source_id} not emitted"))
}

const ZALA_AERO: &str = "NK-abdzbEBkqyT29GyREbiURZ";
const ZAKHAROV: &str = "NK-aU5ybkbRFJucf8YMwsJvDw";

#[test]
fn zala_export_has_17_things_and_folds_the_rest() {
    let (entities, report, input) = parse_one(shared("opensanctions/yente-fixtures/zala"));
    assert_eq!(input.format, Format::FtmJson);
    assert_eq!(input.source, "os_zala");
    // 91 lines: Company 11 + Person 6 are things; Sanction 41, Ownership 14,
    // Address 11, Family 4, Directorship 3 and Passport 1 are folded in.
    assert_eq!(entities.len(), 17);
    assert_eq!(report.entities, 17);
    assert_eq!(report.by_schema.get("Organization"), Some(&11));
    assert_eq!(report.by_schema.get("Person"), Some(&6));
    for (key, n) in [
        ("relation:Sanction", 41),
        ("relation:Ownership", 14),
        ("relation:Family", 4),
        ("relation:Directorship", 3),
        ("address_entities", 11),
        ("identifications_without_number", 1),
    ] {
        assert_eq!(
            report.counts.get(key),
            Some(&n),
            "{key}: {:?}",
            report.counts
        );
    }
    // Every Address entity of the fixture is referenced by a thing.
    assert_eq!(report.counts.get("unreferenced_address_entities"), None);
    // No thing-level property is unmapped in this export.
    assert_eq!(
        report.counts.get("unmapped_properties"),
        None,
        "{:?}",
        report.counts
    );
    assert!(entities
        .iter()
        .all(|e| e.id == format!("os_zala:{}", e.source_id)));
    // 41 sanctions hit two things: ZALA Aero (28) and Zakharov (13).
    let sanctioned: Vec<&str> = entities
        .iter()
        .filter(|e| e.remarks.iter().any(|r| r.starts_with("Sanction ")))
        .map(|e| e.source_id.as_str())
        .collect();
    assert_eq!(sanctioned.len(), 2, "{sanctioned:?}");
    let sanction_remarks = |id: &str| {
        by_id(&entities, id)
            .remarks
            .iter()
            .filter(|r| r.starts_with("Sanction "))
            .count()
    };
    assert_eq!(sanction_remarks(ZALA_AERO), 28);
    assert_eq!(sanction_remarks(ZAKHAROV), 13);
}

#[test]
fn zala_aero_names_identifiers_addresses_and_links() {
    let (entities, _, _) = parse_one(shared("opensanctions/yente-fixtures/zala"));
    let zala = by_id(&entities, ZALA_AERO);
    assert_eq!(zala.schema, Schema::Organization);
    assert_eq!(zala.caption(), "LLC CST");
    let has =
        |full: &str, kind: NameKind| zala.names.iter().any(|n| n.full == full && n.kind == kind);
    assert!(has("Zala Aero Group", NameKind::Primary));
    assert!(has("Zala Aero Group", NameKind::Alias));
    assert!(has("ZALA Aero LLC", NameKind::Alias));
    assert!(has("A-Level Aerosystems", NameKind::Alias));
    assert!(has("ZALA", NameKind::WeakAlias));
    let cyr = zala
        .names
        .iter()
        .find(|n| n.full == "ООО «ЦСТ»")
        .expect("Cyrillic alias");
    assert_eq!(cyr.script.as_deref(), Some("Cyrl"));
    // The crate's shared script detection reports the dominant script: kana here.
    let jp = zala
        .names
        .iter()
        .find(|n| n.full == "ザラ・アエロ・グループ")
        .expect("Japanese name");
    assert_eq!(jp.script.as_deref(), Some("Kana"));
    assert!(zala
        .names
        .iter()
        .filter(|n| n.full.is_ascii())
        .all(|n| n.script.is_none()));

    let ident = |kind: IdentifierKind, value: &str| {
        zala.identifiers
            .iter()
            .any(|i| i.kind == kind && i.value == value)
    };
    assert!(ident(IdentifierKind::Inn, "1841015504"));
    assert!(ident(IdentifierKind::Ogrn, "1101841007938"));
    assert!(ident(IdentifierKind::Email, "info@zala.aero"));
    assert!(zala
        .countries
        .iter()
        .any(|c| c.role == CountryRole::Registration && c.code.as_deref() == Some("RU")));
    assert!(zala
        .dates
        .iter()
        .any(|d| d.kind == DateKind::Incorporation && d.date == PartialDate::ymd(2010, 12, 24)));

    // The Address entity NK-oPoYieLmcZgkCCnJGPRhBN became a structured address.
    let po = zala
        .addresses
        .iter()
        .find(|a| a.postal_code.as_deref() == Some("426011"))
        .expect("structured P.O. Box address");
    assert_eq!(po.city.as_deref(), Some("UR, Izhevsk"));
    assert_eq!(po.country_code.as_deref(), Some("RU"));
    assert!(po
        .remark
        .as_deref()
        .unwrap_or("")
        .contains("postOfficeBox: P.O. Box 9050"));

    // Ownership and Directorship records, folded in as links to Zakharov.
    let zakharov_id = format!("os_zala:{ZAKHAROV}");
    let links_to = |kind: LinkKind| {
        zala.links
            .iter()
            .filter(|l| l.kind == kind && l.target_id.as_deref() == Some(zakharov_id.as_str()))
            .count()
    };
    // Three Ownership records (50 %, 48 %, 51 % over time) name Zakharov as owner.
    assert_eq!(links_to(LinkKind::OwnedBy), 3, "{:#?}", zala.links);
    assert_eq!(links_to(LinkKind::HasDirector), 1);
    let owned = zala
        .links
        .iter()
        .find(|l| {
            l.kind == LinkKind::OwnedBy && l.target_id.as_deref() == Some(zakharov_id.as_str())
        })
        .unwrap();
    assert_eq!(
        owned.target_name.as_deref(),
        Some("Alexander Vyacheslavovich ZAKHAROV")
    );
    assert!(owned
        .remark
        .as_deref()
        .unwrap_or("")
        .starts_with("Ownership "));
    // Kalashnikov's Ownership with role "subsidiary of".
    assert!(zala.links.iter().any(|l| l.kind == LinkKind::SubsidiaryOf
        && l.target_id.as_deref() == Some("os_zala:NK-nR5AXM9AVPq4pQaSPSaVam")));

    // Sanctions: programs with names, earliest listing date.
    let eu = zala
        .programs
        .iter()
        .find(|p| p.code == "EU-UKR")
        .expect("EU-UKR program");
    assert!(eu.name.is_some());
    assert!(zala.programs.iter().any(|p| p.code == "US-BIS-EL"));
    assert!(zala
        .authority
        .as_deref()
        .unwrap_or("")
        .contains("Office of Foreign Assets Control"));
    assert!(zala.listed_on.is_some());
    assert!(zala.topics.iter().any(|t| t == "export.control"));
}

#[test]
fn zakharov_parts_links_and_facts() {
    let (entities, _, _) = parse_one(shared("opensanctions/yente-fixtures/zala"));
    let z = by_id(&entities, ZAKHAROV);
    assert_eq!(z.schema, Schema::Person);
    let primary = &z.names[0];
    assert_eq!(primary.full, "Alexander Vyacheslavovich ZAKHAROV");
    assert_eq!(primary.kind, NameKind::Primary);
    assert_eq!(primary.parts.given.as_deref(), Some("Alexander"));
    assert_eq!(primary.parts.family.as_deref(), Some("ZAKHAROV"));
    assert_eq!(primary.parts.patronymic.as_deref(), Some("Vyacheslavovich"));
    let cyr = z
        .names
        .iter()
        .find(|n| n.full == "Александр Вячеславович Захаров")
        .unwrap();
    assert_eq!(cyr.script.as_deref(), Some("Cyrl"));
    assert_eq!(cyr.parts.family.as_deref(), Some("Захаров"));
    assert!(z
        .names
        .iter()
        .any(|n| n.full == "Zakharov Oleksandr Viacheslavovych" && n.kind == NameKind::Alias));

    assert!(z
        .dates
        .iter()
        .any(|d| d.kind == DateKind::Birth && d.date == PartialDate::ymd(1965, 9, 21)));
    assert!(z
        .countries
        .iter()
        .any(|c| c.role == CountryRole::Nationality && c.code.as_deref() == Some("RU")));
    assert_eq!(z.gender.as_deref(), Some("male"));
    assert!(z
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::Inn && i.value == "183111242406"));
    let link = |kind: LinkKind, target: &str| {
        z.links.iter().any(|l| {
            l.kind == kind && l.target_id.as_deref() == Some(&format!("os_zala:{target}")[..])
        })
    };
    assert!(link(LinkKind::Owns, ZALA_AERO));
    assert!(link(LinkKind::DirectorOf, ZALA_AERO));
    assert!(link(LinkKind::FamilyOf, "NK-JseaPJctnK9o8wrmz8xmoT"));
    // A relative who is not in this export still gets a link, by id and caption.
    assert!(link(LinkKind::FamilyOf, "NK-hUAjuiA3vTKXF6v2X6MYnS"));
    assert_eq!(
        z.links
            .iter()
            .filter(|l| l.kind == LinkKind::FamilyOf)
            .count(),
        4
    );
}

#[test]
fn t1_export_has_six_things_of_seven_lines() {
    let (entities, report, _) = parse_one(shared("opensanctions/yente-fixtures/t1"));
    // 7 lines: 4 Person + 2 Organization + 1 Address that no thing references.
    assert_eq!(entities.len(), 6);
    assert_eq!(report.by_schema.get("Person"), Some(&4));
    assert_eq!(report.by_schema.get("Organization"), Some(&2));
    assert_eq!(report.counts.get("unreferenced_address_entities"), Some(&1));
    assert_eq!(report.counts.get("missing_address_entities"), Some(&2));
    let irgc = entities
        .iter()
        .find(|e| e.caption() == "IRGC")
        .expect("IRGC");
    assert!(irgc
        .remarks
        .iter()
        .any(|r| r == "addressEntity: addr-9bdb8d404e2618cfce08d3b3d400c1433c634849"));
}

#[test]
fn yente_delta_sequence_adds_modifies_and_deletes() {
    let dir = shared("opensanctions/yente-fixtures/t2");
    let step = |folder: &str| {
        let input = ftm_input("os_t2", dir.join(folder).join("entities.delta.json"));
        let (entities, report) = parse_to_vec(&input).unwrap();
        (entities, report, ftm::deleted_ids(&input).unwrap())
    };
    let (e1, _, d1) = step("20240527194702-wnk");
    assert_eq!(e1.len(), 2);
    assert!(d1.is_empty());
    let (e2, _, _) = step("20240528014702-pfh");
    assert_eq!(e2.len(), 2);
    assert!(e2
        .iter()
        .any(|e| e.id == "os_t2:NK-500Poltergeist" && e.caption() == "AL-QAIDA IN IRAQ"));
    let (e3, r3, d3) = step("20240528074703-npf");
    assert!(e3.is_empty());
    assert_eq!(r3.counts.get("deleted"), Some(&1));
    assert_eq!(d3, vec!["os_t2:NK-500Poltergeist".to_string()]);
    let w = &r3.warnings[0];
    assert_eq!(w.field.as_deref(), Some("op"));
    assert!(
        w.message.starts_with("DEL os_t2:NK-500Poltergeist"),
        "{}",
        w.message
    );
    assert_eq!(w.location, Location::Line(1));
    let (e4, _, _) = step("20240528134729-3iv");
    assert_eq!(e4.len(), 1);
    assert_eq!(e4[0].id, "os_t2:Q4365364");
    assert_eq!(e4[0].schema, Schema::Person);
}

#[test]
fn hand_written_delta_folds_relations_and_keeps_unknowns() {
    let input = ftm_input("os_test", fixture("ftm/relations.delta.json"));
    let (entities, report) = parse_to_vec(&input).unwrap();
    assert_eq!(entities.len(), 2, "{entities:#?}");
    // Three DELs; p1 is deleted on line 13 and added again on line 14, so only
    // old-1 and old-2 are left for the store to remove.
    assert_eq!(report.counts.get("deleted"), Some(&3));
    assert_eq!(report.counts.get("superseded_records"), Some(&2));
    assert_eq!(report.counts.get("orphan_relations"), Some(&1));
    assert_eq!(report.counts.get("unsupported_schema:Note"), Some(&1));
    assert_eq!(report.counts.get("unmapped_properties"), Some(&1));
    assert_eq!(
        ftm::deleted_ids(&input).unwrap(),
        vec!["os_test:old-1".to_string(), "os_test:old-2".to_string()]
    );

    let p = by_id(&entities, "p1");
    assert!(p.remarks.iter().any(|r| r == "favouriteColour: blue"));
    assert!(p.remarks.iter().any(|r| r == "deathDate: sometime"));
    assert!(report
        .warnings
        .iter()
        .any(|w| w.field.as_deref() == Some("deathDate") && w.location == Location::Line(14)));
    assert!(p
        .dates
        .iter()
        .any(|d| d.kind == DateKind::Birth && d.date.year == 1970 && d.date.month == Some(5)));
    let cyr = p.names.iter().find(|n| n.full == "Иван Петров").unwrap();
    assert_eq!(
        (cyr.parts.given.as_deref(), cyr.parts.family.as_deref()),
        (Some("Иван"), Some("Петров"))
    );
    assert_eq!(p.programs[0].code, "US-SDGT");
    assert_eq!(p.programs[0].name.as_deref(), Some("SDGT"));
    assert_eq!(p.authority.as_deref(), Some("OFAC"));
    assert_eq!(p.listed_on, Some(PartialDate::ymd(2019, 2, 3)));
    assert!(p
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::Passport
            && i.value == "AB123456"
            && i.country.as_deref() == Some("RU")));
    assert_eq!(p.addresses.len(), 1);
    assert_eq!(p.addresses[0].city.as_deref(), Some("Riga"));
    assert_eq!(p.addresses[0].country_code.as_deref(), Some("LV"));
    assert!(p
        .links
        .iter()
        .any(|l| l.kind == LinkKind::Owns && l.target_id.as_deref() == Some("os_test:v1")));

    // The MOD later in the file replaces the vessel's first version.
    let v = by_id(&entities, "v1");
    assert_eq!(v.schema, Schema::Vessel);
    assert_eq!(v.caption(), "OCEAN STAR II");
    assert!(v
        .names
        .iter()
        .any(|n| n.full == "OCEAN STAR" && n.kind == NameKind::Former));
    assert!(v
        .identifiers
        .iter()
        .any(|i| i.kind == IdentifierKind::Imo && i.value == "9137674"));
    assert_eq!(v.vessel.flag.as_deref(), Some("pa"));
    assert!(v
        .links
        .iter()
        .any(|l| l.kind == LinkKind::OwnedBy && l.target_name.as_deref() == Some("Ivan PETROV")));
}

#[test]
fn malformed_ftm_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("entities.ftm.json");
    std::fs::write(
        &path,
        "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"]}}\n\n{\"id\":\"b\",\"schema\":\n",
    )
    .unwrap();
    let err = parse_to_vec(&ftm_input("os_x", path.clone())).unwrap_err();
    assert_eq!(err.location, Location::Line(3));
    let shown = err.to_string();
    assert!(
        shown.contains("entities.ftm.json") && shown.contains("line 3"),
        "{shown}"
    );

    std::fs::write(&path, "{\"op\":\"PATCH\",\"entity\":{\"id\":\"x\"}}\n").unwrap();
    let err = parse_to_vec(&ftm_input("os_x", path)).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("op"));
}

#[test]
fn bis_denied_persons_list_665_rows() {
    let (entities, report, input) = parse_one(shared("us_bis/dpl.txt"));
    assert_eq!(input.format, Format::UsBisDpl);
    assert_eq!(entities.len(), 665);
    // Two rows of dpl.txt repeat an earlier row verbatim: kept, ids made unique.
    assert_eq!(report.counts.get("duplicate_rows"), Some(&2));
    let mut ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 665);

    // The typo date 3033-09-30 is kept as text and reported with its line.
    let garcia = entities
        .iter()
        .find(|e| e.caption() == "JOSE ERNESTO GARCIA")
        .unwrap();
    assert!(garcia
        .remarks
        .iter()
        .any(|r| r == "Last_Update: 3033-09-30"));
    assert_eq!(report.counts.get("invalid_dates"), Some(&1));
    let w = report
        .warnings
        .iter()
        .find(|w| w.field.as_deref() == Some("Last_Update"))
        .unwrap();
    assert!(matches!(w.location, Location::Line(l) if l > 1));
    assert_eq!(garcia.listed_on, Some(PartialDate::ymd(2022, 9, 26)));

    // MM/DD/YYYY is month first.
    let villa = entities
        .iter()
        .find(|e| e.caption() == "AARON ABRAHAM VILLA")
        .unwrap();
    assert_eq!(villa.listed_on, Some(PartialDate::ymd(2022, 8, 24)));
    assert_eq!(villa.schema, Schema::Unknown);
    assert_eq!(villa.addresses[0].city.as_deref(), Some("EL PASO"));
    assert_eq!(villa.addresses[0].region.as_deref(), Some("TX"));
    assert!(villa
        .remarks
        .iter()
        .any(|r| r == "FR_Citation: 87 F.R. 52741 8/29/2022"));

    let sun = entities.iter().find(|e| e.caption() == "FUYI SUN").unwrap();
    assert!(sun
        .names
        .iter()
        .any(|n| n.full == "FRANK SUN" && n.kind == NameKind::Alias));

    // Schema only where a marker is unambiguous.
    let schema_of = |name: &str| {
        entities
            .iter()
            .find(|e| e.caption() == name)
            .unwrap()
            .schema
    };
    assert_eq!(schema_of("AIR FREIGHT LTD"), Schema::Organization);
    assert_eq!(schema_of("ELECMAT, INC."), Schema::Organization);
    assert_eq!(schema_of("I. ASH"), Schema::Person);
    let n = |s: &str| report.by_schema.get(s).copied().unwrap_or(0);
    assert_eq!(n("Organization") + n("Person") + n("Unknown"), 665);
    assert!(
        n("Person") >= 150,
        "inmate rows are persons: {:?}",
        report.by_schema
    );
    assert!(n("Organization") >= 90, "{:?}", report.by_schema);
    assert!(entities
        .iter()
        .all(|e| e.list_name.as_deref() == Some("Denied Persons List")));
}

#[test]
fn dod_1260h_397_companies_with_parent_links() {
    let (entities, report, input) = parse_one(shared("us_dod_1260h/sanctions.csv"));
    assert_eq!(input.format, Format::UsDod1260h);
    assert_eq!(entities.len(), 397);
    assert_eq!(report.by_schema.get("Organization"), Some(&397));
    assert_eq!(report.counts.get("ended"), Some(&21));
    assert_eq!(report.counts.get("duplicate_rows"), None);

    let hitech = entities
        .iter()
        .find(|e| {
            e.caption() == "AVIC Aviation High-Technology Company Limited"
                && e.listed_on == Some(PartialDate::ymd(2021, 6, 3))
        })
        .unwrap();
    assert_eq!(
        hitech.id,
        "us_dod_1260h:avic-aviation-high-technology-company-limited-2021-06-03"
    );
    assert!(hitech
        .names
        .iter()
        .any(|n| n.full == "AVIC Aviation Hi-Tech" && n.kind == NameKind::Alias));
    let parent = &hitech.links[0];
    assert_eq!(parent.kind, LinkKind::SubsidiaryOf);
    assert_eq!(
        parent.target_name.as_deref(),
        Some("Aviation Industry Corporation of China Ltd.")
    );
    assert_eq!(
        parent.target_id.as_deref(),
        Some("us_dod_1260h:aviation-industry-corporation-of-china-ltd-2021-06-03")
    );
    // Every resolved parent id is an entity of this list.
    for e in &entities {
        for l in &e.links {
            if let Some(t) = &l.target_id {
                assert!(entities.iter().any(|x| &x.id == t), "{} -> {t}", e.id);
            }
        }
    }
    let parents = entities.iter().filter(|e| !e.links.is_empty()).count();
    assert_eq!(parents, 197);

    let knownsec = entities
        .iter()
        .find(|e| e.names.iter().any(|n| n.full == "Beijing Kownsec"))
        .unwrap();
    assert!(knownsec
        .names
        .iter()
        .any(|n| n.full == "Knownsec" && n.kind == NameKind::Alias));
    // ZEMIC renamed: the new company lists the old name and its short form as former names.
    let chengdu = entities
        .iter()
        .find(|e| e.caption() == "AVIC Chengdu Aircraft Co., Ltd.")
        .unwrap();
    assert!(chengdu
        .names
        .iter()
        .any(|n| n.full == "ZEMIC" && n.kind == NameKind::Former));
    assert!(chengdu.names.iter().any(|n| n.full
        == "Zhonghang Electronic Measuring Instruments Company Limited"
        && n.kind == NameKind::Former));
    let megvii = entities
        .iter()
        .find(|e| e.caption() == "Beijing Megvii Technology Co., Ltd.")
        .unwrap();
    assert!(megvii
        .remarks
        .iter()
        .any(|r| r.starts_with("End date: 2025-01-07")));
    assert!(megvii
        .remarks
        .iter()
        .any(|r| r == "Name: Beijing Megvii Technology Co., Ltd. (Megvii)"));
}

#[test]
fn version_stamped_delta_folders_form_one_dataset() {
    let dir = shared("opensanctions/yente-fixtures/t2");
    let inputs = kordon_sources::discover(&[dir]).unwrap();
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    assert_eq!(inputs[0].source, "os_t2");
    assert_eq!(inputs[0].files.len(), 4);
    let mut sorted = inputs[0].files.clone();
    sorted.sort();
    assert_eq!(inputs[0].files, sorted, "deltas apply in version order");
}

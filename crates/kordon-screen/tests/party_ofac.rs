//! Party screening against the real OFAC SDN files (sdn.csv + alt.csv + add.csv
//! discovered together from `shared/data/lists/ofac/`).

use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
use std::path::PathBuf;
use std::sync::OnceLock;

fn screener() -> &'static PartyScreener {
    static S: OnceLock<PartyScreener> = OnceLock::new();
    S.get_or_init(|| {
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists/ofac/");
        let inputs = kordon_sources::discover(&[dir]).expect("discover ofac dir");
        let mut entities = Vec::new();
        for input in inputs.iter().filter(|i| i.source == "us_ofac_sdn") {
            let (mut e, _) = kordon_sources::parse_to_vec(input).expect("parse sdn");
            entities.append(&mut e);
        }
        assert!(
            entities.len() > 10_000,
            "only {} SDN entities parsed",
            entities.len()
        );
        PartyScreener::build(entities)
    })
}

fn screen(name: &str) -> Vec<kordon_screen::PartyMatch> {
    let q = PartyQuery {
        name: name.to_string(),
        ..PartyQuery::default()
    };
    screener().screen(&q, &ScreenOptions::default())
}

#[test]
fn kupol_is_found_by_acronym_cyrillic_and_translation() {
    for q in [
        "IEMZ Kupol JSC",
        "АО ИЭМЗ Купол",
        "Izhevsk Electromechanical Plant Kupol",
    ] {
        let hits = screen(q);
        let first = hits.first().unwrap_or_else(|| panic!("no hit for {q}"));
        assert_eq!(
            first.entity_id,
            "us_ofac_sdn:46431",
            "{q}: {:#?}",
            &hits[..hits.len().min(3)]
        );
        assert!(first.is_match && first.score >= ScreenOptions::default().threshold);
        assert!(
            first.explanation.iter().any(|l| l.contains("name")),
            "{q}: {:?}",
            first.explanation
        );
    }
}

#[test]
fn putin_is_found_in_latin_and_cyrillic() {
    for q in ["Vladimir Putin", "Владимир Путин"] {
        let hits = screen(q);
        let first = hits.first().unwrap_or_else(|| panic!("no hit for {q}"));
        assert_eq!(
            first.entity_id,
            "us_ofac_sdn:35096",
            "{q}: {:#?}",
            &hits[..hits.len().min(3)]
        );
        assert!(first.caption.contains("PUTIN"));
    }
}

#[test]
fn person_never_matches_vessel() {
    // GRACEFUL is a vessel on the SDN list.
    let q = PartyQuery {
        name: "GRACEFUL".into(),
        schema: Some(kordon_model::Schema::Person),
        ..PartyQuery::default()
    };
    let hits = screener().screen(&q, &ScreenOptions::default());
    assert!(
        hits.iter()
            .all(|h| h.schema != kordon_model::Schema::Vessel),
        "{hits:#?}"
    );
    let q = PartyQuery {
        name: "GRACEFUL".into(),
        schema: Some(kordon_model::Schema::Vessel),
        ..PartyQuery::default()
    };
    let hits = screener().screen(&q, &ScreenOptions::default());
    assert_eq!(
        hits.first().map(|h| h.entity_id.as_str()),
        Some("us_ofac_sdn:37444")
    );
}

#[test]
fn unrelated_name_finds_nothing() {
    assert!(screen("Patricia Lucas Wheeler").is_empty());
}

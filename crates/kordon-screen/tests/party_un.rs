//! Party screening against the UN consolidated list with yente's benchmark
//! fixtures: listed persons with typos and reordering must match, synthetic
//! non-listed persons should not.

use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn screener() -> &'static PartyScreener {
    static S: OnceLock<PartyScreener> = OnceLock::new();
    S.get_or_init(|| {
        let inputs =
            kordon_sources::discover(&[data("lists/un/consolidated.xml")]).expect("discover UN");
        let entities: Vec<_> = inputs
            .iter()
            .flat_map(|i| kordon_sources::parse_to_vec(i).expect("parse UN").0)
            .collect();
        PartyScreener::build(entities)
    })
}

fn names(file: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(data(&format!(
        "pairs/yente/candidate_generation_benchmark/{file}"
    )))
    .expect("csv");
    r.records()
        .map(|x| x.expect("record").get(0).unwrap_or("").to_string())
        .collect()
}

fn flagged(queries: &[String]) -> usize {
    let opts = ScreenOptions::default();
    queries
        .par_iter()
        .filter(|q| {
            !screener()
                .screen(
                    &PartyQuery {
                        name: q.to_string(),
                        ..PartyQuery::default()
                    },
                    &opts,
                )
                .is_empty()
        })
        .count()
}

#[test]
fn treated_un_positives_match() {
    let q = names("positives_un_treated.csv");
    assert_eq!(q.len(), 683);
    let hits = flagged(&q);
    eprintln!("treated positives matched: {hits}/683");
    assert!(hits >= 665, "only {hits}/683 treated UN positives matched");
}

#[test]
fn synthetic_negatives_rarely_match() {
    // The first 4000 of each 50,000-row file keeps the test quick; the full
    // count is printed by `examples/party_eval.rs`.
    for (file, ceiling) in [("negatives_global.csv", 0.025), ("negatives_us.csv", 0.01)] {
        let q: Vec<String> = names(file).into_iter().take(4000).collect();
        let n = flagged(&q);
        let rate = n as f64 / q.len() as f64;
        eprintln!("{file}: {n}/{} flagged ({:.2}%)", q.len(), rate * 100.0);
        assert!(rate <= ceiling, "{file}: {rate:.4} of negatives flagged");
    }
}

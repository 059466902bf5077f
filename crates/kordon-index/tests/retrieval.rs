//! Retrieval recall on yente's candidate-generation benchmark: the 683 UN-listed
//! persons with typos and reordering applied ("treated") are searched against
//! the UN consolidated list; the listed person must be among the top 10.

use kordon_index::IndexBuilder;
use kordon_model::{Entity, Schema};
use kordon_text::{analyze_name, normalize_text};
use std::collections::HashMap;
use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel)
}

fn full_names(file: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(data(file)).expect("open benchmark csv");
    rdr.records().map(|r| r.expect("csv record").get(0).unwrap_or("").to_string()).collect()
}

fn un_entities() -> Vec<Entity> {
    let inputs = kordon_sources::discover(&[data("lists/un/consolidated.xml")]).expect("discover UN");
    inputs.iter().flat_map(|i| kordon_sources::parse_to_vec(i).expect("parse UN").0).collect()
}

/// Order-free key of a name: sorted normalised words.
fn key(name: &str) -> String {
    let mut w: Vec<String> = normalize_text(name).split_whitespace().map(|s| s.replace('.', "")).collect();
    w.sort();
    w.join(" ")
}

#[test]
fn un_treated_positives_are_in_the_top_10() {
    let entities = un_entities();
    assert!(entities.len() > 900, "UN list parsed to {} entities", entities.len());
    let mut builder = IndexBuilder::new();
    let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        for n in &e.names {
            builder.add(i as u32, &analyze_name(&n.full, e.schema));
            by_key.entry(key(&n.full)).or_default().push(i as u32);
        }
    }
    let index = builder.build();
    let treated = full_names("pairs/yente/candidate_generation_benchmark/positives_un_treated.csv");
    let untreated = full_names("pairs/yente/candidate_generation_benchmark/positives_un_untreated.csv");
    assert_eq!(treated.len(), 683);
    assert_eq!(untreated.len(), 683);
    let (mut resolved, mut found, mut misses) = (0usize, 0usize, Vec::new());
    for (q, truth) in treated.iter().zip(&untreated) {
        let Some(expected) = by_key.get(&key(truth)) else { continue };
        resolved += 1;
        let top = index.search(&analyze_name(q, Schema::Person), 10);
        if top.iter().any(|c| expected.contains(&c.doc)) {
            found += 1;
        } else {
            misses.push(format!("{q} (expected {truth})"));
        }
    }
    let recall = found as f64 / resolved as f64;
    eprintln!("UN treated positives: {resolved} resolved of 683, recall@10 {recall:.4}, misses {misses:#?}");
    assert!(resolved >= 600, "only {resolved} of 683 benchmark names found on the UN list");
    assert!(recall >= 0.995, "recall@10 {recall:.4} below 0.995; misses: {misses:#?}");
}

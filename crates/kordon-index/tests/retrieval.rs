//! Retrieval recall on yente's candidate-generation benchmark: the 683 UN-listed
//! persons with typos and reordering applied ("treated") are searched against
//! the UN consolidated list; the listed person must be among the top 10.

use kordon_index::IndexBuilder;
use kordon_model::{Entity, Schema};
use kordon_text::{analyze_name, normalize_text};
use std::collections::HashMap;
use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn full_names(file: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(data(file)).expect("open benchmark csv");
    rdr.records()
        .map(|r| r.expect("csv record").get(0).unwrap_or("").to_string())
        .collect()
}

fn un_entities() -> Vec<Entity> {
    let inputs =
        kordon_sources::discover(&[data("lists/un/consolidated.xml")]).expect("discover UN");
    inputs
        .iter()
        .flat_map(|i| kordon_sources::parse_to_vec(i).expect("parse UN").0)
        .collect()
}

/// Order-free key of a name: sorted normalised words.
fn key(name: &str) -> String {
    let mut w: Vec<String> = normalize_text(name)
        .split_whitespace()
        .map(|s| s.replace('.', ""))
        .collect();
    w.sort();
    w.join(" ")
}

#[test]
fn un_treated_positives_are_in_the_top_10() {
    let entities = un_entities();
    assert!(
        entities.len() > 900,
        "UN list parsed to {} entities",
        entities.len()
    );
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
    let untreated =
        full_names("pairs/yente/candidate_generation_benchmark/positives_un_untreated.csv");
    assert_eq!(treated.len(), 683);
    assert_eq!(untreated.len(), 683);
    let (mut resolved, mut found, mut misses) = (0usize, 0usize, Vec::new());
    for (q, truth) in treated.iter().zip(&untreated) {
        let Some(expected) = by_key.get(&key(truth)) else {
            continue;
        };
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
    assert!(
        resolved >= 600,
        "only {resolved} of 683 benchmark names found on the UN list"
    );
    assert!(
        recall >= 0.995,
        "recall@10 {recall:.4} below 0.995; misses: {misses:#?}"
    );
}

/// Each sampled OFAC (SDN and consolidated) party's primary name with one letter dropped from its
/// longest word (the screening benchmark's typo queries): the party must
/// almost always be among the 24 candidates the party screener scores. The
/// recall at smaller K is printed, to show what cutting candidates would cost.
#[test]
fn ofac_typo_queries_find_their_party() {
    let (entities, index) = ofac_index();
    let ks = [8usize, 12, 16, 24];
    let mut found = [0usize; 4];
    let mut asked = 0;
    let mut misses: Vec<String> = Vec::new();
    for (i, e) in entities.iter().enumerate().step_by(10) {
        let mut words: Vec<String> = e.caption().split_whitespace().map(str::to_string).collect();
        if let Some(w) = words.iter_mut().max_by_key(|w| w.chars().count()) {
            let chars: Vec<char> = w.chars().collect();
            if chars.len() > 4 {
                let mid = chars.len() / 2;
                *w = chars[..mid].iter().chain(&chars[mid + 1..]).collect();
            }
        }
        let top = index.search(&analyze_name(&words.join(" "), Schema::Unknown), 24);
        asked += 1;
        // Parties listed twice under one name (SDN and consolidated) are the
        // same hit for screening: either one counts.
        let same = |c: &kordon_index::Candidate| {
            c.doc == i as u32 || key(entities[c.doc as usize].caption()) == key(e.caption())
        };
        if let Some(rank) = top.iter().position(same) {
            for (f, k) in found.iter_mut().zip(ks) {
                *f += usize::from(rank < k);
            }
        } else {
            misses.push(format!("{} -> {}", words.join(" "), e.caption()));
        }
    }
    let recall: Vec<f64> = found.iter().map(|f| *f as f64 / asked as f64).collect();
    eprintln!(
        "OFAC typo queries: {asked}, recall@{ks:?} = {recall:.4?}; misses: {:#?}",
        &misses[..misses.len().min(20)]
    );
    assert!(asked > 1_500);
    // Candidates scored per screen (24): fewer loses parties (see the output).
    assert!(recall[3] >= 0.98, "recall@24 {:.4}", recall[3]);
}

/// Every OFAC (SDN and consolidated) party and its index.
fn ofac_index() -> (Vec<Entity>, kordon_index::CandidateIndex) {
    let inputs = kordon_sources::discover(&[data("lists/ofac/")]).expect("discover OFAC");
    let entities: Vec<Entity> = inputs
        .iter()
        .flat_map(|i| kordon_sources::parse_to_vec(i).expect("parse OFAC").0)
        .collect();
    assert!(
        entities.len() > 20_000,
        "OFAC lists parsed to {} entities",
        entities.len()
    );
    let mut builder = IndexBuilder::new();
    for (i, e) in entities.iter().enumerate() {
        for n in &e.names {
            builder.add(i as u32, &analyze_name(&n.full, e.schema));
        }
    }
    (entities, builder.build())
}

/// Every name of every OFAC party, asked for exactly as listed, finds a
/// party listing that name among the 24 candidates, however common its
/// words: "ISLAMIC REVOLUTIONARY GUARD CORPS" shares all its words with
/// dozens of the corps' units and branches, "BM BANK JSC" has no word that
/// is not a legal form or a business word.
#[test]
fn ofac_names_asked_as_listed_find_their_party() {
    let (entities, index) = ofac_index();
    let (mut asked, mut misses) = (0usize, Vec::new());
    for (i, e) in entities.iter().enumerate() {
        for n in &e.names {
            let wanted = normalize_text(&n.full);
            let lists_it = |doc: u32| {
                doc == i as u32
                    || entities[doc as usize]
                        .names
                        .iter()
                        .any(|m| normalize_text(&m.full) == wanted)
            };
            asked += 1;
            let top = index.search(&analyze_name(&n.full, e.schema), 24);
            if !top.iter().any(|c| lists_it(c.doc)) {
                misses.push(n.full.clone());
            }
        }
    }
    eprintln!(
        "OFAC names asked as listed: {asked}, missed {}: {misses:#?}",
        misses.len()
    );
    assert!(asked > 40_000, "{asked}");
    assert!(
        misses.is_empty(),
        "{} of {asked} names missed",
        misses.len()
    );
}

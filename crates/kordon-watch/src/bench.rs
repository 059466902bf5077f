//! `kordon bench rescreen`: what re-screening stored counterparties costs
//! after a typical weekly list change (tens of entities added), against the
//! alternative of a full rescan of every counterparty against every entity.
//!
//! Counterparties are generated (names recombined from the lists' own name
//! words, so the index sees realistic words; a share of them are near-copies
//! of listed names so hits occur). The incremental pass builds a screener from
//! the changed entities only and screens all N counterparties against it. The
//! full rescan builds the whole screener and screens a sample of the
//! counterparties, extrapolated to N (screening 1M counterparties fully takes
//! far longer than the benchmark should).

use crate::Counterparty;
use kordon_model::Entity;
use kordon_screen::{PartyScreener, ScreenOptions};
use rayon::prelude::*;
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct RescreenBench {
    pub entities: usize,
    pub changed_entities: usize,
    pub counterparties: usize,
    /// Build the small screener from the changed entities.
    pub incremental_build_seconds: f64,
    /// Screen all N counterparties against it.
    pub incremental_screen_seconds: f64,
    pub incremental_total_seconds: f64,
    pub incremental_hits: usize,
    pub full_build_seconds: f64,
    /// Counterparties actually screened in the full rescan sample.
    pub full_sample: usize,
    pub full_sample_seconds: f64,
    /// Build + sample time scaled to N.
    pub full_estimated_seconds: f64,
    /// full_estimated / incremental_total.
    pub speedup: f64,
    pub threads: usize,
}

/// Generate `n` counterparties from the entities' names, deterministically.
pub fn generate_counterparties(entities: &[Entity], n: usize, seed: u64) -> Vec<Counterparty> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let words: Vec<&str> = entities
        .iter()
        .flat_map(|e| e.names.iter())
        .flat_map(|n| n.full.split_whitespace())
        .filter(|w| w.len() > 2 && w.chars().all(|c| c.is_alphabetic()))
        .collect();
    let suffixes = [
        "LTD",
        "LLC",
        "GMBH",
        "CO",
        "TRADING",
        "INDUSTRIES",
        "SA",
        "AG",
        "",
    ];
    (0..n)
        .map(|i| {
            let name = if !entities.is_empty() && !words.is_empty() && rng.u32(0..100) < 2 {
                // A near-copy of a listed name: one letter dropped.
                let e = &entities[rng.usize(0..entities.len())];
                let mut s: Vec<char> = e.caption().chars().collect();
                if s.len() > 6 {
                    s.remove(rng.usize(1..s.len() - 1));
                }
                s.into_iter().collect()
            } else if words.is_empty() {
                format!("COUNTERPARTY {i}")
            } else {
                let k = rng.usize(2..4);
                let mut parts: Vec<&str> =
                    (0..k).map(|_| words[rng.usize(0..words.len())]).collect();
                parts.push(suffixes[rng.usize(0..suffixes.len())]);
                parts.join(" ").trim().to_string()
            };
            Counterparty {
                key: format!("c{i}"),
                name,
                schema: None,
                countries: vec![],
                birth_date: None,
                identifiers: vec![],
            }
        })
        .collect()
}

/// Measure incremental re-screening after `changed` entities were added
/// (taken from the end of `entities`, as if just listed) against a full
/// rescan, for `n` generated counterparties. `full_sample` bounds how many
/// counterparties the full rescan really screens.
pub fn bench_rescreen(
    entities: Vec<Entity>,
    n: usize,
    changed: usize,
    full_sample: usize,
) -> RescreenBench {
    let counterparties = generate_counterparties(&entities, n, 42);
    let opts = ScreenOptions {
        limit: 10,
        ..ScreenOptions::default()
    };
    let changed = changed.min(entities.len());
    let added: Vec<Entity> = entities[entities.len() - changed..].to_vec();

    let t = Instant::now();
    let small = PartyScreener::build(added);
    let incremental_build_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let incremental_hits: usize = counterparties
        .par_iter()
        .map(|cp| small.screen(&cp.query(), &opts).len())
        .sum();
    let incremental_screen_seconds = t.elapsed().as_secs_f64();
    drop(small);

    let total_entities = entities.len();
    let t = Instant::now();
    let full = PartyScreener::build(entities);
    let full_build_seconds = t.elapsed().as_secs_f64();
    let sample = full_sample.clamp(1, n.max(1)).min(counterparties.len());
    let t = Instant::now();
    let _hits: usize = counterparties[..sample]
        .par_iter()
        .map(|cp| full.screen(&cp.query(), &opts).len())
        .sum();
    let full_sample_seconds = t.elapsed().as_secs_f64();
    let per = if sample > 0 {
        full_sample_seconds / sample as f64
    } else {
        0.0
    };
    let full_estimated_seconds = full_build_seconds + per * n as f64;
    let incremental_total_seconds = incremental_build_seconds + incremental_screen_seconds;
    RescreenBench {
        entities: total_entities,
        changed_entities: changed,
        counterparties: n,
        incremental_build_seconds,
        incremental_screen_seconds,
        incremental_total_seconds,
        incremental_hits,
        full_build_seconds,
        full_sample: sample,
        full_sample_seconds,
        full_estimated_seconds,
        speedup: if incremental_total_seconds > 0.0 {
            full_estimated_seconds / incremental_total_seconds
        } else {
            0.0
        },
        threads: rayon::current_num_threads(),
    }
}

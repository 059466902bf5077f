//! End-to-end numbers for the party engine, release build:
//! `cargo run --release -p kordon-screen --example party_eval [-- --scale N]`.
//! UN list: treated positives found (top hit, above threshold) and negatives
//! flagged; OFAC SDN: build time, latency, throughput; optional synthetic scale run.

use kordon_model::Entity;
use kordon_screen::party::bench;
use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn load(rel: &str) -> Vec<Entity> {
    kordon_sources::parse_paths(&[data(rel)]).expect("lists").0
}

fn names(rel: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(data(rel)).expect("csv");
    r.records()
        .filter_map(|x| x.ok())
        .map(|x| x.get(0).unwrap_or("").to_string())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale: usize = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let opts = ScreenOptions::default();

    let un = load("lists/un/consolidated.xml");
    let t = Instant::now();
    let s = PartyScreener::build(un);
    println!(
        "UN: {} entities built in {:.2}s",
        s.entities().len(),
        t.elapsed().as_secs_f64()
    );
    let b = "pairs/yente/candidate_generation_benchmark/";
    for f in ["positives_un_treated.csv", "positives_un_untreated.csv"] {
        let qs = names(&format!("{b}{f}"));
        let hits = qs
            .par_iter()
            .filter(|q| {
                !s.screen(
                    &PartyQuery {
                        name: q.to_string(),
                        ..Default::default()
                    },
                    &opts,
                )
                .is_empty()
            })
            .count();
        println!(
            "{f}: {hits}/{} produce a match at threshold {}",
            qs.len(),
            opts.threshold
        );
    }
    let negatives: &[&str] = if args.iter().any(|a| a == "--skip-negatives") {
        &[]
    } else {
        &["negatives_global.csv", "negatives_us.csv"]
    };
    for f in negatives {
        let qs = names(&format!("{b}{f}"));
        let t = Instant::now();
        let flagged: Vec<(String, String, f64)> = qs
            .par_iter()
            .filter_map(|q| {
                s.screen(
                    &PartyQuery {
                        name: q.to_string(),
                        ..Default::default()
                    },
                    &opts,
                )
                .first()
                .map(|m| (q.clone(), m.matched_name.clone(), m.score))
            })
            .collect();
        println!(
            "{f}: {}/{} negatives flagged ({:.3}%), {:.0} screens/s",
            flagged.len(),
            qs.len(),
            100.0 * flagged.len() as f64 / qs.len() as f64,
            qs.len() as f64 / t.elapsed().as_secs_f64()
        );
        for (q, m, sc) in flagged.iter().take(15) {
            println!("   {sc:.3} {q} -> {m}");
        }
    }

    let pairs: Vec<(String, String, kordon_model::Schema)> =
        kordon_score::eval::read_pairs(&data("pairs/nomenklatura/name_bench_cases.csv"))
            .expect("pairs")
            .into_iter()
            .map(|p| (p.name1, p.name2, p.schema))
            .collect();
    let (single, parallel) = bench::compare_throughput(&pairs);
    println!("compare(): {single:.0} pairs/s single-threaded, {parallel:.0} pairs/s on all cores ({} pairs)", pairs.len());

    let ofac = load("lists/ofac/");
    let queries = bench::typo_queries(&ofac, 2000);
    let (_, r) = bench::run(ofac.clone(), &queries, 1);
    println!("OFAC: {r:?}");
    if scale > 0 {
        let synthetic = bench::synthetic_entities(&ofac, scale);
        let queries = bench::typo_queries(&synthetic, 2000);
        let (_, r) = bench::run(synthetic, &queries, 1);
        println!("synthetic {scale}: {r:?}");
    }
}

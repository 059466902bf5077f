//! Every candidate's score for a fixed set of queries, one line each, so that a
//! performance change can be checked to leave results byte-identical:
//! `cargo run --release -p kordon-screen --example screen_digest -- LIST_PATH... > before.txt`.
//! Queries are the benchmark's typo'd names plus each entity's first alias,
//! in original script, scored with `screen_all` (every retrieved candidate) and
//! `screen` (threshold, explanations).
use kordon_screen::party::bench::typo_queries;
use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
use rayon::prelude::*;

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let (entities, failed) = kordon_sources::parse_paths(&paths).expect("discover");
    for e in failed {
        eprintln!("{e}");
    }
    let mut queries = typo_queries(&entities, 3000);
    queries.extend(entities.iter().step_by(23).filter_map(|e| {
        e.names.get(1).map(|n| PartyQuery {
            name: n.full.clone(),
            ..PartyQuery::default()
        })
    }));
    let s = PartyScreener::build(entities);
    let opts = ScreenOptions::default();
    let lines: Vec<String> = queries
        .par_iter()
        .map(|q| {
            let mut out = format!("== {}\n", q.name);
            for m in s.screen_all(q, None, 24) {
                out += &format!("  {} {:016x}\n", m.entity_id, m.score.to_bits());
            }
            for m in s.screen(q, &opts) {
                out += &format!(
                    "  hit {} {:016x} {}\n",
                    m.entity_id,
                    m.score.to_bits(),
                    serde_json::to_string(&m).expect("json")
                );
            }
            out
        })
        .collect();
    for l in lines {
        print!("{l}");
    }
}

//! Measure incremental re-screening against a full rescan on real lists:
//!
//! ```text
//! cargo run --release -p kordon-watch --example bench_rescreen -- N [CHANGED] [FULL_SAMPLE] [LIST PATHS...]
//! ```
//!
//! Defaults: 40 changed entities (a typical weekly OFAC change), a full-rescan
//! sample of 20,000 counterparties, and the OFAC SDN + UN + UK + EU files
//! from shared/data. Prints the result as JSON.

use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: usize| -> usize {
        args.get(i)
            .map(|a| {
                a.replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("argument {a:?} is not a number"))
            })
            .unwrap_or(default)
    };
    let n = num(0, 100_000);
    let changed = num(1, 40);
    let sample = num(2, 20_000);
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
    let mut paths: Vec<PathBuf> = args.iter().skip(3).map(PathBuf::from).collect();
    if paths.is_empty() {
        paths = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
            .iter()
            .map(|f| shared.join("ofac").join(f))
            .collect();
        paths.push(shared.join("un/consolidated.xml"));
        paths.push(shared.join("uk/covyr-derived"));
        paths.push(shared.join("eu/journal_sanctions/consolidated"));
    }
    let inputs = kordon_sources::discover(&paths).unwrap_or_else(|e| panic!("{e}"));
    let mut entities = Vec::new();
    for input in &inputs {
        let (mut es, _) = kordon_sources::parse_to_vec(input).unwrap_or_else(|e| panic!("{e}"));
        entities.append(&mut es);
    }
    eprintln!(
        "{} entities from {} sources; {n} counterparties, {changed} changed",
        entities.len(),
        inputs.len()
    );
    let r = kordon_watch::bench::bench_rescreen(entities, n, changed, sample);
    println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
}

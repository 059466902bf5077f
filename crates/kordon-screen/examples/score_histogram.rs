//! How retrieved candidates score: for the benchmark's typo'd queries over
//! the given lists, every retrieved candidate's score by tenths, with the
//! share below 0.5. It shows how much of the scoring work goes to parties
//! far below the threshold, which the scorer's bounds rule out unaligned.
//! `cargo run --release -p kordon-screen --example score_histogram -- ../shared/data/lists`
use kordon_screen::party::bench::typo_queries;
use kordon_screen::PartyScreener;

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let (entities, failed) = kordon_sources::parse_paths(&paths).expect("discover");
    for e in failed {
        eprintln!("{e}");
    }
    let queries = typo_queries(&entities, 2000);
    let screener = PartyScreener::build(entities);
    let mut tenths = [0usize; 11];
    for q in &queries {
        for m in screener.screen_all(q, None, 24) {
            tenths[((m.score * 10.0) as usize).min(10)] += 1;
        }
    }
    let total: usize = tenths.iter().sum();
    for (i, n) in tenths.iter().enumerate() {
        println!("{:.1}  {n}", i as f64 / 10.0);
    }
    let low: usize = tenths[..5].iter().sum();
    println!(
        "{total} candidates for {} queries; {:.1}% score below 0.5",
        queries.len(),
        100.0 * low as f64 / total.max(1) as f64
    );
}

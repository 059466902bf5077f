//! Free-text scan throughput (MB/s) with the names of every shared list whose
//! parser works, and shipment screening throughput (shipments/s), on one core.
//!
//! Run: `cargo bench -p kordon-screen --bench scan`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kordon_screen::scan::bench::{sample_names, synthetic_corpus};
use kordon_screen::scan::Scanner;
use kordon_screen::shipment::{read_jsonl, NumberedRecord, RecordOutcome, ShipmentScreener};
use kordon_screen::PartyScreener;
use std::path::PathBuf;
use std::time::Duration;

fn all_shared_lists() -> PartyScreener {
    let root = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/lists"
    ));
    let inputs = kordon_sources::discover(&[root]).unwrap_or_default();
    let mut entities = Vec::new();
    for input in &inputs {
        match kordon_sources::parse_to_vec(input) {
            Ok((mut e, _)) => {
                eprintln!("loaded {} ({} entities)", input.source, e.len());
                entities.append(&mut e);
            }
            Err(err) => eprintln!("skipped {}: {err}", input.source),
        }
    }
    PartyScreener::build(entities)
}

fn benches(c: &mut Criterion) {
    let parties = all_shared_lists();
    let scanner = Scanner::build(&parties).expect("scanner");
    eprintln!("index: {:?}", scanner.stats());
    let names = sample_names(&scanner, 200);

    let mut g = c.benchmark_group("scan");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(2));
    // No listed name; one every 200 sentences (~25 KB); one every 20 sentences (~2.5 KB).
    for every in [0usize, 200, 20] {
        let corpus = synthetic_corpus(1 << 20, &names, every);
        g.throughput(Throughput::Bytes(corpus.len() as u64));
        g.bench_function(
            format!("1MiB prose, listed name every {every} sentences"),
            |b| b.iter(|| scanner.scan(&corpus)),
        );
    }
    g.finish();

    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/shipments.jsonl"
    ))
    .expect("demo shipments");
    let records: Vec<NumberedRecord> = read_jsonl(demo.as_bytes()).filter_map(Result::ok).collect();
    let screener = ShipmentScreener::with_defaults(&parties);
    let mut g = c.benchmark_group("shipments");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("demo shipments", |b| {
        b.iter(|| {
            records
                .iter()
                .filter(|r| matches!(screener.screen_record(r), RecordOutcome::Screened(_)))
                .count()
        })
    });
    g.finish();
}

criterion_group!(scan_benches, benches);
criterion_main!(scan_benches);

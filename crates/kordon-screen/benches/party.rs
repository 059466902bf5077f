//! Party screening benchmarks: single-query latency against the OFAC SDN list
//! and name-pair `compare()` throughput.
//! Run: `cargo bench -p kordon-screen --bench party`.

use criterion::{criterion_group, criterion_main, Criterion};
use kordon_model::Schema;
use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
use std::path::PathBuf;

fn load_ofac() -> Vec<kordon_model::Entity> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists/ofac/sdn.csv");
    let Ok(inputs) = kordon_sources::discover(&[dir]) else {
        return Vec::new();
    };
    inputs
        .iter()
        .filter_map(|i| kordon_sources::parse_to_vec(i).ok())
        .flat_map(|(e, _)| e)
        .collect()
}

fn bench_party(c: &mut Criterion) {
    let screener = PartyScreener::build(load_ofac());
    let opts = ScreenOptions::default();
    for name in [
        "Vladimir Putin",
        "IEMZ Kupol JSC",
        "Mohammed Al Rashid",
        "Владимир Путин",
    ] {
        let q = PartyQuery {
            name: name.to_string(),
            ..PartyQuery::default()
        };
        c.bench_function(&format!("screen {name}"), |b| {
            b.iter(|| screener.screen(&q, &opts))
        });
    }
    c.bench_function("compare person", |b| {
        b.iter(|| {
            kordon_score::compare(
                "Vladmir Putin",
                "PUTIN, Vladimir Vladimirovich",
                Schema::Person,
            )
        })
    });
    c.bench_function("compare company", |b| {
        b.iter(|| {
            kordon_score::compare(
                "IEMZ Kupol JSC",
                "Joint Stock Company Izhevsk Electromechanical Plant Kupol",
                Schema::Organization,
            )
        })
    });
}

criterion_group!(benches, bench_party);
criterion_main!(benches);

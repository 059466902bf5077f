//! The re-screening benchmark runs on real entities and reports consistent numbers.

use std::path::Path;

#[test]
fn bench_rescreen_reports_both_passes() {
    let un = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/lists/un/consolidated.xml");
    let input = kordon_sources::discover(&[un]).unwrap().remove(0);
    let (entities, _) = kordon_sources::parse_to_vec(&input).unwrap();
    let people = kordon_watch::bench::generate_counterparties(&entities, 300, 7);
    assert_eq!(people.len(), 300);
    assert_eq!(
        people,
        kordon_watch::bench::generate_counterparties(&entities, 300, 7),
        "deterministic"
    );
    let r = kordon_watch::bench::bench_rescreen(entities, 300, 40, 100);
    assert_eq!(
        (
            r.entities,
            r.changed_entities,
            r.counterparties,
            r.full_sample
        ),
        (1003, 40, 300, 100)
    );
    assert!(r.incremental_total_seconds > 0.0 && r.full_estimated_seconds > r.full_build_seconds);
}

//! One entity is often listed with the same names on several lists (a
//! consolidated list and its sources, a list and its snapshot), and the
//! screener compares a query with such a set of names once. Each party must
//! still get exactly the score it gets on its own, with its own dates and
//! countries, and a screen at any threshold must keep exactly the parties
//! scoring at or above it.

use kordon_model::Entity;
use kordon_screen::party::bench::typo_queries;
use kordon_screen::{PartyQuery, PartyScreener, ScreenOptions};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The SDN list, preceded by copies of half its parties with their dates,
/// countries and addresses removed: the same names, but a party that needs
/// a higher name score to reach a threshold, and is compared first.
fn lists() -> (Vec<Entity>, Vec<Entity>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists/ofac/");
    let inputs = kordon_sources::discover(&[dir]).expect("discover ofac dir");
    let input = inputs
        .iter()
        .find(|i| i.source == "us_ofac_sdn")
        .expect("the SDN list");
    let (sdn, _) = kordon_sources::parse_to_vec(input).expect("parse sdn");
    let copies: Vec<Entity> = sdn
        .iter()
        .step_by(2)
        .filter(|e| !e.country_codes().is_empty() || e.birth_dates().next().is_some())
        .map(|e| {
            let mut c = e.clone();
            c.id = format!("copy-{}", e.id);
            c.source = "copy".into();
            c.dates.clear();
            c.countries.clear();
            c.addresses.clear();
            c
        })
        .collect();
    assert!(copies.len() > 3_000, "only {} copies", copies.len());
    (sdn, copies)
}

#[test]
fn parties_sharing_names_keep_their_own_scores_at_every_threshold() {
    let (sdn, copies) = lists();
    // Queries carry the original party's countries and date of birth, so
    // that the original and its copy need different name scores.
    let queries: Vec<PartyQuery> = typo_queries(&sdn, 120)
        .into_iter()
        .zip(sdn.iter().step_by((sdn.len() / 120).max(1)))
        .map(|(mut q, e)| {
            q.countries = e.country_codes().into_iter().map(str::to_string).collect();
            q.birth_date = e.birth_dates().next().cloned();
            q
        })
        .collect();
    // Every copy joins its original's set of names.
    let sets: std::collections::HashSet<(
        kordon_model::Schema,
        Vec<(String, kordon_model::NameKind)>,
    )> = sdn
        .iter()
        .map(|e| {
            let names = e.names.iter().map(|n| (n.full.clone(), n.kind)).collect();
            (e.schema, names)
        })
        .collect();
    let entities: Vec<Entity> = copies.into_iter().chain(sdn).collect();
    let screener = PartyScreener::build(entities);
    assert_eq!(screener.distinct_name_sets(), sets.len());
    let (mut compared, mut copies_met) = (0, 0);
    for q in &queries {
        let all = screener.screen_all(q, None, 24);
        for m in &all {
            let alone = screener.score_entity(q, screener.entity(&m.entity_id).expect("entity"));
            assert_eq!(
                m.score.to_bits(),
                alone.score.to_bits(),
                "{:?} against {}: screened {}, alone {}",
                q.name,
                m.entity_id,
                m.score,
                alone.score
            );
            compared += 1;
            copies_met += usize::from(m.source == "copy");
        }
        // A screen at each score found keeps exactly the parties at or above it.
        for threshold in all.iter().map(|m| m.score).filter(|&s| s > 0.0) {
            let opts = ScreenOptions {
                threshold,
                limit: usize::MAX,
                sources: None,
            };
            let kept: BTreeSet<(String, u64)> = screener
                .screen(q, &opts)
                .into_iter()
                .map(|m| (m.entity_id, m.score.to_bits()))
                .collect();
            let expected: BTreeSet<(String, u64)> = all
                .iter()
                .filter(|m| m.score >= threshold)
                .map(|m| (m.entity_id.clone(), m.score.to_bits()))
                .collect();
            assert_eq!(kept, expected, "{:?} at threshold {threshold}", q.name);
        }
    }
    assert!(compared > 1_000, "only {compared} candidates compared");
    assert!(
        copies_met > 100,
        "only {copies_met} copies among the candidates"
    );
}

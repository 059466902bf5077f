//! Test fixtures shared by the screening tests: the shared data folder and
//! the real OFAC SDN list, parsed once per test binary.
#![allow(dead_code)]

use kordon_screen::PartyScreener;
use std::path::PathBuf;
use std::sync::OnceLock;

pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(rel)
}

/// The OFAC SDN list (sdn.csv with its alt/add files), parsed once.
pub fn ofac() -> &'static PartyScreener {
    static S: OnceLock<PartyScreener> = OnceLock::new();
    S.get_or_init(|| {
        let inputs = kordon_sources::discover(&[
            shared("lists/ofac/sdn.csv"),
            shared("lists/ofac/alt.csv"),
            shared("lists/ofac/add.csv"),
        ])
        .expect("discover OFAC files");
        let mut entities = Vec::new();
        for input in &inputs {
            let (mut e, _) = kordon_sources::parse_to_vec(input).expect("parse OFAC");
            entities.append(&mut e);
        }
        PartyScreener::build(entities)
    })
}

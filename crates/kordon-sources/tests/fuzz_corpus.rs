//! Replays every seed of every fuzz corpus (`fuzz/corpus/<target>/`) through the
//! fuzz harness under stable `cargo test`, since libFuzzer itself needs nightly.
//! The harness file is the one the fuzz targets use, included here verbatim.

#[path = "../../../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::path::PathBuf;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus")).join(target)
}

fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_spec_a_fuzz_target_and_small_seeds() {
    let fuzz_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz"));
    let manifest = std::fs::read_to_string(fuzz_dir.join("Cargo.toml")).unwrap();
    for target in harness::TARGETS {
        let (format, names) =
            harness::spec(target).unwrap_or_else(|| panic!("no spec for {target}"));
        assert_eq!(harness::target_for(format), target);
        assert!(!names.is_empty());
        assert!(
            fuzz_dir
                .join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "{target}"
        );
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} not a [[bin]]"
        );
        let files = seeds(target);
        assert!(!files.is_empty(), "no seeds for {target}");
        for f in files {
            let len = std::fs::metadata(&f).unwrap().len();
            assert!(
                len < 4096,
                "{} is {len} bytes: seeds stay small",
                f.display()
            );
        }
    }
    assert!(harness::run("no_such_format", b"").is_none());
}

#[test]
fn every_seed_replays_without_panic() {
    let mut summary = Vec::new();
    for target in harness::TARGETS {
        let (mut ok, mut err) = (0, 0);
        for seed in seeds(target) {
            let data = std::fs::read(&seed).unwrap();
            let outcome = harness::run(target, &data).expect("known target");
            match &outcome.result {
                Ok(_) => ok += 1,
                Err(e) => {
                    err += 1;
                    eprintln!(
                        "{target}/{}: {e}",
                        seed.file_name().unwrap().to_string_lossy()
                    );
                }
            }
        }
        summary.push(format!("{target}: {ok} ok, {err} err"));
    }
    eprintln!("{}", summary.join("\n"));
}

/// The seeds of the formats whose parsers live beside this test are valid
/// slices of the real files: they must parse, not merely not panic.
#[test]
fn seeds_of_ftm_dpl_and_1260h_parse_to_entities() {
    for (target, expected) in [
        (
            "ftm",
            vec![
                ("relations.delta.json", 2),
                ("t2_add_person.delta.json", 1),
                ("t2_del.delta.json", 0),
                ("zala_mixed.ftm.json", 1),
            ],
        ),
        (
            "us_bis_dpl",
            vec![("head.txt", 5), ("typo_date_and_aka.txt", 2)],
        ),
        ("us_dod_1260h", vec![("mixed.csv", 5)]),
    ] {
        for (name, n) in expected {
            let data = std::fs::read(corpus_dir(target).join(name)).unwrap();
            let outcome = harness::run(target, &data).unwrap();
            let report = outcome
                .result
                .unwrap_or_else(|e| panic!("{target}/{name}: {e}"));
            assert_eq!(outcome.emitted, n, "{target}/{name}");
            assert_eq!(report.entities, n, "{target}/{name}");
        }
    }
}

#[test]
fn multi_file_inputs_split_at_the_separator() {
    let sep = std::str::from_utf8(harness::FILE_SEPARATOR).unwrap();
    let data = format!("a{sep}b{sep}c");
    assert_eq!(
        harness::split_files(data.as_bytes(), 4),
        vec![&b"a"[..], b"b", b"c"]
    );
    // More parts than files: the rest stays in the last file.
    assert_eq!(
        harness::split_files(data.as_bytes(), 2),
        vec![&b"a"[..], format!("b{sep}c").as_bytes()]
    );
    assert_eq!(harness::split_files(b"", 1), vec![&b""[..]]);
}

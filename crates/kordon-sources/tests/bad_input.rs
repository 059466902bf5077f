//! Every format against broken input: a real file cut mid-record or
//! mid-element, 64 KB of pseudo-random bytes under the real file name, an empty
//! file, and a record with one 20 MB field or text node. Each must end in a
//! `SourceError` whose Display names the file and (except for an empty file) a
//! line or XML path — or, where the format can legitimately take it, an Ok
//! whose warnings point there. Never a panic; memory stays bounded.
//!
//! The input goes through the fuzz harness (`fuzz/src/harness.rs`), so these
//! cases run exactly like fuzz findings would. A format whose parser is still
//! the "not implemented" placeholder is reported as skipped rather than failed,
//! so the cases apply as soon as its parser exists.

#[path = "../../../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

use kordon_sources::{Location, ParseReport, SourceError};
use std::path::PathBuf;

const PLACEHOLDER: &str = "parser not implemented yet";

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/lists/"
    ))
    .join(rel)
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus"))
        .join(target)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The first bytes of a file, cut inside a record: past the newline after
/// `at`, a few bytes into the next line.
fn cut_mid_record(bytes: &[u8], at: usize) -> Vec<u8> {
    let at = at.min(bytes.len() / 2);
    let nl = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i + 1)
        .unwrap_or(at);
    let line_len = bytes[nl..]
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len() - nl);
    bytes[..nl + (line_len / 2).clamp(1, 10).min(line_len)].to_vec()
}

fn head_lines(path: PathBuf, n: usize) -> Vec<u8> {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let end = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .unwrap_or(bytes.len());
    bytes[..end].to_vec()
}

fn join_files(parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.join(harness::FILE_SEPARATOR)
}

/// The whole-line heads of the companion files of a multi-file format, so a
/// broken main file is tested on its own and not as "companion missing".
fn companions(target: &str) -> Vec<Vec<u8>> {
    match target {
        "ofac_csv" => vec![
            head_lines(shared("ofac/add.csv"), 200),
            head_lines(shared("ofac/alt.csv"), 200),
            head_lines(shared("ofac/sdn_comments.csv"), 20),
        ],
        "uk_tables" => [
            "subject_names",
            "subject_countries",
            "subject_dobs",
            "subject_identifiers",
        ]
        .iter()
        .map(|t| head_lines(shared(&format!("uk/covyr-derived/{t}.csv")), 300))
        .collect(),
        _ => Vec::new(),
    }
}

/// `main` as the first file of `target`, companions after it.
fn with_companions(target: &str, main: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![main];
    parts.extend(companions(target));
    join_files(parts)
}

/// A real (or, for the formats with no real file in shared data, a
/// hand-written) file of each format, cut mid-record.
fn truncated(target: &str) -> Vec<u8> {
    let real = |rel: &str, at: usize| cut_mid_record(&std::fs::read(shared(rel)).unwrap(), at);
    match target {
        "ofac_csv" => real("ofac/sdn.csv", 64 << 10),
        "ofac_advanced" => real("ofac/xml/cons_advanced.xml", 256 << 10),
        "un" => real("un/consolidated.xml", 64 << 10),
        "eu_fsf" => cut_mid_record(&seed("eu_fsf", "hand_written_person.xml"), 1200),
        "eu_journal" => real("eu/journal_sanctions/consolidated/32014R0269.csv", 64 << 10),
        "uk_csv" => cut_mid_record(&seed("uk_csv", "hand_written.csv"), 1500),
        "uk_xml" => cut_mid_record(&seed("uk_xml", "hand_written.xml"), 1200),
        "uk_tables" => real("uk/covyr-derived/subjects.csv", 8 << 10),
        "us_csl" => real("us_trade_csl/csl_partial.csv", 64 << 10),
        "ftm" => real(
            "opensanctions/yente-fixtures/zala/entities.ftm.json",
            64 << 10,
        ),
        "us_bis_dpl" => real("us_bis/dpl.txt", 64 << 10),
        "us_dod_1260h" => real("us_dod_1260h/sanctions.csv", 32 << 10),
        other => panic!("no truncation case for {other}"),
    }
}

/// A valid seed of the format and a piece of its text to blow up to 20 MB (a
/// name or a remark: plain text, no delimiter or markup).
fn oversize_seed(target: &str) -> (Vec<u8>, &'static str) {
    match target {
        "ofac_csv" => (seed(target, "sdn_set"), "AEROCARIBBEAN AIRLINES"),
        "ofac_advanced" => (seed(target, "one_distinct_party.xml"), "AL-RAMAHI"),
        "un" => (seed(target, "one_individual.xml"), "ERIC"),
        "eu_fsf" => (
            seed(target, "hand_written_person.xml"),
            "UNSC RESOLUTION 1483",
        ),
        "eu_journal" => (
            seed(target, "32014R0269.csv"),
            "Igor Sergeievich SHEVCHENKO",
        ),
        "uk_csv" => (seed(target, "hand_written.csv"), "Owner of ZALA Aero."),
        "uk_xml" => (seed(target, "hand_written.xml"), "Owner of ZALA Aero."),
        "uk_tables" => (seed(target, "tables"), "Haji Alim Hawala"),
        "us_csl" => (
            seed(target, "format_2025.csv"),
            "Sinobright Import and Export Company",
        ),
        "ftm" => (seed(target, "relations.delta.json"), "Ivan PETROV"),
        "us_bis_dpl" => (seed(target, "head.txt"), "AARON ABRAHAM VILLA"),
        "us_dod_1260h" => (seed(target, "mixed.csv"), "ZEMIC"),
        other => panic!("no oversize case for {other}"),
    }
}

fn pseudo_random(n: usize, mut state: u64) -> Vec<u8> {
    // xorshift64*: deterministic, no dependency, bytes of every value.
    (0..n)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

enum Verdict {
    Passed,
    NotImplemented,
}

/// The shared expectation: an error naming the file (and a line/XML path when
/// `need_place`), or an Ok whose warnings point into the file.
fn check(target: &str, case: &str, data: &[u8], need_place: bool) -> Verdict {
    let (_, names) = harness::spec(target).unwrap();
    let file = names[0];
    let outcome = harness::run(target, data).unwrap();
    let located = |l: &Location| {
        matches!(l, Location::Line(n) if *n > 0) || matches!(l, Location::Xml { .. })
    };
    match outcome.result {
        Err(SourceError { ref message, .. }) if message.contains(PLACEHOLDER) => {
            Verdict::NotImplemented
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(
                shown.contains(file),
                "{target}/{case}: error does not name {file}: {shown}"
            );
            if need_place {
                assert!(
                    located(&e.location),
                    "{target}/{case}: error has no line or XML path: {shown}"
                );
            }
            Verdict::Passed
        }
        Ok(report) => {
            let ParseReport { warnings, .. } = &report;
            assert!(
                !warnings.is_empty(),
                "{target}/{case}: accepted without a single warning ({} entities)",
                report.entities
            );
            if need_place {
                assert!(
                    warnings.iter().any(|w| located(&w.location) && w.file.ends_with(file)),
                    "{target}/{case}: no warning points at a line or XML path of {file}: {warnings:?}"
                );
            }
            Verdict::Passed
        }
    }
}

fn run_case(case: &str, mut make: impl FnMut(&str) -> Option<(Vec<u8>, bool)>) {
    let mut skipped = Vec::new();
    for target in harness::TARGETS {
        let Some((data, need_place)) = make(target) else {
            continue;
        };
        if let Verdict::NotImplemented = check(target, case, &data, need_place) {
            skipped.push(target);
        }
    }
    if !skipped.is_empty() {
        eprintln!("{case}: skipped, parser not implemented yet: {skipped:?}");
    }
}

#[test]
fn truncated_real_files() {
    run_case("truncated", |t| {
        Some((with_companions(t, truncated(t)), true))
    });
}

#[test]
fn binary_garbage_under_real_file_names() {
    run_case("garbage", |t| {
        let garbage = pseudo_random(64 << 10, 0x9E37_79B9_7F4A_7C15 ^ t.len() as u64);
        Some((with_companions(t, garbage), true))
    });
}

#[test]
fn empty_files() {
    // An empty file is wrong as a whole: no line to point at.
    run_case("empty", |t| Some((with_companions(t, Vec::new()), false)));
}

/// Peak resident memory of this process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn twenty_megabyte_field_or_text_node() {
    const BIG: usize = 20 << 20;
    // Other tests of this binary run beside this one, but on inputs of at most a
    // few hundred KB: the peak is dominated by this test.
    let before = peak_rss();
    let mut skipped = Vec::new();
    for target in harness::TARGETS {
        let (seed, needle) = oversize_seed(target);
        let text = String::from_utf8(seed).unwrap();
        assert!(text.contains(needle), "{target}: seed lacks {needle:?}");
        let big = "A".repeat(BIG);
        let data = text.replacen(needle, &big, 1).into_bytes();
        drop(big);
        let outcome = harness::run(target, &data).unwrap();
        drop(data);
        match outcome.result {
            Err(e) if e.message.contains(PLACEHOLDER) => skipped.push(target),
            // Rejected: the error must say where.
            Err(e) => {
                let file = harness::spec(target).unwrap().1[0];
                assert!(e.to_string().contains(file), "{target}: {e}");
            }
            // Accepted: a 20 MB name is odd but well-formed.
            Ok(report) => assert!(
                report.entities >= 1,
                "{target}: accepted but emitted nothing"
            ),
        }
        if let (Some(b), Some(a)) = (before, peak_rss()) {
            let grown = a.saturating_sub(b);
            assert!(
                grown < 600 << 20,
                "{target}: peak memory grew {} MiB for a 20 MiB field",
                grown >> 20
            );
        }
    }
    if !skipped.is_empty() {
        eprintln!("oversize: skipped, parser not implemented yet: {skipped:?}");
    }
}

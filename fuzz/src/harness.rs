//! One fuzz harness for every list format, shared by the libFuzzer targets
//! (`fuzz_targets/<target>.rs`, nightly) and by the stable corpus replay test
//! (`crates/kordon-sources/tests/fuzz_corpus.rs`, which includes this file with
//! `#[path]`), so both exercise exactly the same code.
//!
//! The input bytes become the file(s) of one source in a fresh temporary
//! directory, under the names the real lists have, and go through both public
//! entry points: `discover` (content sniffing) and `parse` with a fixed
//! `SourceInput`. Multi-file formats (OFAC's CSV set, the UK tables) take their
//! files from one input split at [`FILE_SEPARATOR`] lines.
//!
//! Properties checked (a violation panics, which is what a fuzzer reports):
//! nothing panics; a parse error names one of the input files (or a companion
//! file missing beside them) and its Display shows that file name.

use kordon_sources::{discover, parse, Format, ParseReport, SourceError, SourceInput};

/// Separates the files of a multi-file source inside one fuzz input.
pub const FILE_SEPARATOR: &[u8] = b"\n#--kordon-fuzz-next-file--\n";

/// Fuzz targets: one per parser (`Format` variants that share a parser share a
/// target: OFAC's SDN and consolidated CSV sets).
pub const TARGETS: [&str; 12] = [
    "ofac_csv",
    "ofac_advanced",
    "un",
    "eu_fsf",
    "eu_journal",
    "uk_csv",
    "uk_xml",
    "uk_tables",
    "us_csl",
    "ftm",
    "us_bis_dpl",
    "us_dod_1260h",
];

/// The target that covers a format. Exhaustive on purpose: a new `Format`
/// variant does not compile until it has a fuzz target.
pub fn target_for(format: Format) -> &'static str {
    match format {
        Format::OfacSdnCsv | Format::OfacConsCsv => "ofac_csv",
        Format::OfacAdvancedXml => "ofac_advanced",
        Format::UnXml => "un",
        Format::EuFsfXml => "eu_fsf",
        Format::EuJournalCsv => "eu_journal",
        Format::UkCsv => "uk_csv",
        Format::UkXml => "uk_xml",
        Format::UkTables => "uk_tables",
        Format::UsCslCsv => "us_csl",
        Format::FtmJson => "ftm",
        Format::UsBisDpl => "us_bis_dpl",
        Format::UsDod1260h => "us_dod_1260h",
    }
}

/// The format a target parses and the file names its input is written to (in
/// the order the parts of a split input fill them).
pub fn spec(target: &str) -> Option<(Format, &'static [&'static str])> {
    Some(match target {
        "ofac_csv" => (
            Format::OfacSdnCsv,
            &["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"],
        ),
        "ofac_advanced" => (Format::OfacAdvancedXml, &["sdn_advanced.xml"]),
        "un" => (Format::UnXml, &["consolidated.xml"]),
        "eu_fsf" => (Format::EuFsfXml, &["20260101-FULL-1_1.xml"]),
        "eu_journal" => (Format::EuJournalCsv, &["32014R0269.csv"]),
        "uk_csv" => (Format::UkCsv, &["UK-Sanctions-List.csv"]),
        "uk_xml" => (Format::UkXml, &["UK-Sanctions-List.xml"]),
        "uk_tables" => (
            Format::UkTables,
            &[
                "subjects.csv",
                "subject_names.csv",
                "subject_countries.csv",
                "subject_dobs.csv",
                "subject_identifiers.csv",
            ],
        ),
        "us_csl" => (Format::UsCslCsv, &["consolidated.csv"]),
        "ftm" => (Format::FtmJson, &["entities.ftm.json"]),
        "us_bis_dpl" => (Format::UsBisDpl, &["dpl.txt"]),
        "us_dod_1260h" => (Format::UsDod1260h, &["sanctions.csv"]),
        _ => return None,
    })
}

/// Split a fuzz input into at most `n` file contents.
pub fn split_files(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < n {
        match rest
            .windows(FILE_SEPARATOR.len())
            .position(|w| w == FILE_SEPARATOR)
        {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + FILE_SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// What one run produced: the parse result and how many entities reached the sink.
pub struct Outcome {
    pub result: Result<ParseReport, SourceError>,
    pub emitted: u64,
}

/// Run one input through `discover` and `parse` for `target`; `None` for an
/// unknown target name. Panics (the fuzzer's finding) if a parser panics or an
/// error does not name its file.
pub fn run(target: &str, data: &[u8]) -> Option<Outcome> {
    let (format, names) = spec(target)?;
    // A temporary directory is environment, not input: failing to make one is
    // a broken test machine, not a finding.
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut files = Vec::new();
    for (name, content) in names.iter().zip(split_files(data, names.len())) {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write fuzz input file");
        files.push(path);
    }

    // Sniffing must cope with anything; its verdict is not checked, since
    // arbitrary bytes may well look like another format.
    let _ = discover(&files);
    let _ = discover(&[dir.path().to_path_buf()]);

    let input = SourceInput {
        source: format.default_source().to_string(),
        format,
        files: files.clone(),
    };
    let mut emitted = 0u64;
    let result = parse(&input, &mut |_entity| {
        emitted += 1;
        Ok(())
    });
    if let Err(e) = &result {
        // A multi-file format may name a companion file it found missing.
        assert!(
            files.contains(&e.file) || e.file.parent() == Some(dir.path()) || e.file == dir.path(),
            "error names {:?}, which is not where the input is: {e}",
            e.file
        );
        let shown = e.to_string();
        let name = e.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            shown.contains(name),
            "error Display does not name the file: {shown}"
        );
    }
    Some(Outcome { result, emitted })
}

//! Parsers for the official sanctions and restricted-party lists.
//!
//! Each list format has one module; each module documents the list's own field
//! semantics at its top and turns the file into [`kordon_model::Entity`] values
//! streamed to a sink, so a 100 MB file never has to sit in memory as a whole.
//!
//! The entry points are [`discover`], which expands paths (files or directories)
//! into [`SourceInput`]s by looking at file *content* (not only the name), and
//! [`parse`], which runs the right parser and returns a [`ParseReport`] with the
//! counts, file hashes and warnings. A malformed file yields a [`SourceError`]
//! naming the file, the line or XML path, and the field.

mod code_table;
pub mod detect;
mod error;
pub mod input;
mod name_script;
mod xml_records;

pub mod eu_fsf;
pub mod eu_journal;
pub mod ftm;
pub mod ofac_advanced;
pub mod ofac_csv;
pub mod uk;
pub mod un;
pub mod us_bis_dpl;
pub mod us_csl;
pub mod us_dod_1260h;

pub use detect::{discover, Format, SourceInput};
pub use error::{Location, SourceError, Warning};
pub use input::FileDigest;

use kordon_model::Entity;
use std::collections::BTreeMap;

/// What parsing one source produced, besides the entities themselves.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ParseReport {
    /// Dataset key, e.g. `us_ofac_sdn`.
    pub source: String,
    pub format: String,
    /// Publication date or version the file states (e.g. UN `dateGenerated`,
    /// OFAC `Publish_Date`), as the file writes it.
    pub published: Option<String>,
    pub entities: u64,
    pub names: u64,
    /// Entity counts per schema name.
    pub by_schema: BTreeMap<String, u64>,
    /// Format-specific counts worth checking ("weak_aliases", "orphan_addresses"...).
    pub counts: BTreeMap<String, u64>,
    pub files: Vec<FileDigest>,
    pub warnings: Vec<Warning>,
}

impl ParseReport {
    pub fn new(input: &SourceInput) -> ParseReport {
        ParseReport {
            source: input.source.clone(),
            format: input.format.as_str().to_string(),
            ..ParseReport::default()
        }
    }

    /// Account for one entity about to be emitted.
    pub fn count_entity(&mut self, e: &Entity) {
        self.entities += 1;
        self.names += e.names.len() as u64;
        *self
            .by_schema
            .entry(e.schema.as_str().to_string())
            .or_default() += 1;
    }

    pub fn bump(&mut self, key: &str, by: u64) {
        *self.counts.entry(key.to_string()).or_default() += by;
    }

    pub fn warn(&mut self, w: Warning) {
        // Bounded: a file with a million identical problems should not make a
        // million-entry report. The count keeps the true total.
        self.bump("warnings", 1);
        if self.warnings.len() < 1000 {
            self.warnings.push(w);
        }
    }
}

/// Where parsed entities go. Returning an error aborts the parse.
pub type Sink<'a> = dyn FnMut(Entity) -> Result<(), SourceError> + 'a;

/// Parse one source, streaming each entity to `sink`.
pub fn parse(input: &SourceInput, sink: &mut Sink<'_>) -> Result<ParseReport, SourceError> {
    let mut report = ParseReport::new(input);
    for path in &input.files {
        report.files.push(input::digest(path)?);
    }
    // Each parser accounts for what it emits with `report.count_entity`; the
    // count kept here checks that bookkeeping in debug builds (the tests).
    let mut emitted = 0u64;
    let mut counting = |e: Entity| -> Result<(), SourceError> {
        emitted += 1;
        sink(e)
    };
    match input.format {
        Format::OfacSdnCsv | Format::OfacConsCsv => {
            ofac_csv::parse(input, &mut report, &mut counting)?
        }
        Format::OfacAdvancedXml => ofac_advanced::parse(input, &mut report, &mut counting)?,
        Format::UnXml => un::parse(input, &mut report, &mut counting)?,
        Format::EuFsfXml => eu_fsf::parse(input, &mut report, &mut counting)?,
        Format::EuJournalCsv => eu_journal::parse(input, &mut report, &mut counting)?,
        Format::UkCsv | Format::UkXml | Format::UkTables => {
            uk::parse(input, &mut report, &mut counting)?
        }
        Format::UsCslCsv => us_csl::parse(input, &mut report, &mut counting)?,
        Format::FtmJson => ftm::parse(input, &mut report, &mut counting)?,
        Format::UsBisDpl => us_bis_dpl::parse(input, &mut report, &mut counting)?,
        Format::UsDod1260h => us_dod_1260h::parse(input, &mut report, &mut counting)?,
    }
    debug_assert_eq!(
        emitted,
        report.entities,
        "{} parser miscounted its entities",
        input.format.as_str()
    );
    Ok(report)
}

/// Parse into a vector: convenient for tests and small lists.
pub fn parse_to_vec(input: &SourceInput) -> Result<(Vec<Entity>, ParseReport), SourceError> {
    let mut out = Vec::new();
    let report = parse(input, &mut |e| {
        out.push(e);
        Ok(())
    })?;
    Ok((out, report))
}

/// Every entity of every list found under `paths` (see [`discover`]), for
/// benchmarks and examples: a list that fails to parse is left out, and its
/// error returned alongside.
pub fn parse_paths(
    paths: &[std::path::PathBuf],
) -> Result<(Vec<Entity>, Vec<SourceError>), SourceError> {
    let mut entities = Vec::new();
    let mut failed = Vec::new();
    for input in discover(paths)? {
        match parse_to_vec(&input) {
            Ok((mut e, _)) => entities.append(&mut e),
            Err(e) => failed.push(e),
        }
    }
    Ok((entities, failed))
}

//! Format detection by content. A path (file or directory) becomes one or more
//! [`SourceInput`]s: a format, the dataset key it imports as, and its files.
//! Multi-file formats are grouped: OFAC's `sdn.csv` + `add.csv` + `alt.csv` +
//! `sdn_comments.csv` form one source, as do the UK tables and the EU journal
//! annexes in one folder.

use crate::{input, Location, SourceError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Format {
    /// OFAC legacy SDN CSV set (sdn.csv, add.csv, alt.csv, sdn_comments.csv).
    OfacSdnCsv,
    /// OFAC consolidated non-SDN CSV set (cons_prim.csv, cons_add.csv, ...).
    OfacConsCsv,
    /// OFAC advanced XML (sdn_advanced.xml / cons_advanced.xml).
    OfacAdvancedXml,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// EU Financial Sanctions Files consolidated XML (FSF 1.1).
    EuFsfXml,
    /// OpenSanctions transcriptions of EU Official Journal annexes.
    EuJournalCsv,
    /// UK Sanctions List CSV (FCDO).
    UkCsv,
    /// UK Sanctions List XML (FCDO).
    UkXml,
    /// UK Sanctions List as normalised tables (subjects.csv + subject_*.csv).
    UkTables,
    /// US Consolidated Screening List CSV (trade.gov).
    UsCslCsv,
    /// FollowTheMoney JSON lines, full (`entities.ftm.json`) or delta.
    FtmJson,
    /// BIS Denied Persons List (tab-separated text).
    UsBisDpl,
    /// US DoD Section 1260H Chinese military companies.
    UsDod1260h,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OfacSdnCsv => "ofac_sdn_csv",
            Format::OfacConsCsv => "ofac_cons_csv",
            Format::OfacAdvancedXml => "ofac_advanced_xml",
            Format::UnXml => "un_xml",
            Format::EuFsfXml => "eu_fsf_xml",
            Format::EuJournalCsv => "eu_journal_csv",
            Format::UkCsv => "uk_csv",
            Format::UkXml => "uk_xml",
            Format::UkTables => "uk_tables",
            Format::UsCslCsv => "us_csl_csv",
            Format::FtmJson => "ftm_json",
            Format::UsBisDpl => "us_bis_dpl",
            Format::UsDod1260h => "us_dod_1260h",
        }
    }

    /// The dataset key a format imports as unless the user names one.
    pub fn default_source(self) -> &'static str {
        match self {
            Format::OfacSdnCsv => "us_ofac_sdn",
            Format::OfacConsCsv => "us_ofac_cons",
            Format::OfacAdvancedXml => "us_ofac_advanced",
            Format::UnXml => "un_sc",
            Format::EuFsfXml => "eu_fsf",
            Format::EuJournalCsv => "eu_journal",
            Format::UkCsv | Format::UkXml | Format::UkTables => "gb_fcdo",
            Format::UsCslCsv => "us_trade_csl",
            Format::FtmJson => "opensanctions",
            Format::UsBisDpl => "us_bis_dpl",
            Format::UsDod1260h => "us_dod_1260h",
        }
    }
}

/// One source to import: which parser, which dataset key, which files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInput {
    pub source: String,
    pub format: Format,
    pub files: Vec<PathBuf>,
}

/// What one file looks like, before grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FileKind {
    Single(Format),
    /// OFAC legacy CSV part: primary (12 columns), address, alias, comments.
    OfacPart {
        cons: bool,
        part: OfacPart,
    },
    /// One of the UK normalised tables.
    UkTable,
    /// An EU journal annex CSV.
    EuJournal,
    /// FtM JSON lines (grouped per folder).
    Ftm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum OfacPart {
    Primary,
    Address,
    Alias,
    Comments,
}

/// Expand paths into sources. Directories are walked recursively; files that
/// are no list format (README, PDF text) are skipped inside directories but are
/// an error when named directly.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<SourceInput>, SourceError> {
    let mut files: Vec<(PathBuf, FileKind)> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| SourceError::io(p, e))?;
            found.sort();
            for f in found {
                if let Some(kind) = sniff(&f)? {
                    files.push((f, kind));
                }
            }
        } else if p.is_file() {
            match sniff(p)? {
                Some(kind) => files.push((p.clone(), kind)),
                None => {
                    return Err(SourceError::new(
                        p,
                        Location::File,
                        "not a recognised list format (supported: OFAC CSV/advanced XML, UN XML, \
                         EU FSF XML, EU journal CSV, UK CSV/XML/tables, US CSL CSV, FollowTheMoney \
                         JSON lines, BIS DPL, DoD 1260H CSV)",
                    ))
                }
            }
        } else {
            return Err(SourceError::new(
                p,
                Location::File,
                "no such file or directory",
            ));
        }
    }
    // The same file reached twice (named and inside a named folder) is one file.
    let mut seen = std::collections::HashSet::new();
    files.retain(|(p, _)| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(group(files))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn group(files: Vec<(PathBuf, FileKind)>) -> Vec<SourceInput> {
    let mut out: Vec<SourceInput> = Vec::new();
    // Multi-file groups are keyed by (folder, kind of group).
    let mut groups: BTreeMap<(PathBuf, u8), SourceInput> = BTreeMap::new();
    for (path, kind) in files {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        match kind {
            FileKind::Single(format) => out.push(SourceInput {
                source: single_source_key(format, &path),
                format,
                files: vec![path],
            }),
            FileKind::OfacPart { cons, .. } => {
                let format = if cons {
                    Format::OfacConsCsv
                } else {
                    Format::OfacSdnCsv
                };
                groups
                    .entry((dir, if cons { 1 } else { 0 }))
                    .or_insert_with(|| SourceInput {
                        source: format.default_source().to_string(),
                        format,
                        files: vec![],
                    })
                    .files
                    .push(path);
            }
            FileKind::UkTable => groups
                .entry((dir, 2))
                .or_insert_with(|| SourceInput {
                    source: Format::UkTables.default_source().to_string(),
                    format: Format::UkTables,
                    files: vec![],
                })
                .files
                .push(path),
            FileKind::EuJournal => {
                // Annex CSVs of one transcription tree (consolidated/ and
                // amendments/ side by side) form one source.
                let root = if matches!(
                    dir.file_name().and_then(|n| n.to_str()),
                    Some("consolidated") | Some("amendments")
                ) {
                    dir.parent().map(Path::to_path_buf).unwrap_or(dir)
                } else {
                    dir
                };
                groups
                    .entry((root, 3))
                    .or_insert_with(|| SourceInput {
                        source: Format::EuJournalCsv.default_source().to_string(),
                        format: Format::EuJournalCsv,
                        files: vec![],
                    })
                    .files
                    .push(path)
            }
            FileKind::Ftm => {
                // yente-style delta exports sit in version-stamped folders
                // (`t2/20240528074703-npf/entities.delta.json`): those are
                // versions of the parent dataset, applied in folder order.
                let is_version = |d: &Path| {
                    d.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.len() >= 8 && n[..8].bytes().all(|b| b.is_ascii_digit()))
                };
                let dataset_dir = if is_version(&dir) {
                    dir.parent().map(Path::to_path_buf).unwrap_or(dir)
                } else {
                    dir
                };
                let key = format!(
                    "os_{}",
                    dataset_dir
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("ftm")
                        .to_ascii_lowercase()
                        .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                );
                groups
                    .entry((dataset_dir, 4))
                    .or_insert_with(|| SourceInput {
                        source: key,
                        format: Format::FtmJson,
                        files: vec![],
                    })
                    .files
                    .push(path)
            }
        }
    }
    // An OFAC group without a primary file (e.g. only add.csv given) is kept:
    // the parser reports it as an error naming the missing file.
    out.extend(groups.into_values());
    disambiguate_keys(&mut out);
    out.sort_by(|a, b| a.source.cmp(&b.source).then(a.files.cmp(&b.files)));
    out
}

/// Two inputs of one import must never share a dataset key: the second would
/// silently replace the first (e.g. `lists/ofac/` and its
/// `snapshot-2021-07-07/` folder are both OFAC SDN sets). The input nearest the
/// top of the tree (then the largest) keeps the plain key; the others get their
/// folder or file name appended.
fn disambiguate_keys(inputs: &mut [SourceInput]) {
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, input) in inputs.iter().enumerate() {
        by_key.entry(input.source.clone()).or_default().push(i);
    }
    for (key, mut idx) in by_key {
        if idx.len() < 2 {
            continue;
        }
        let depth = |i: usize| {
            inputs[i]
                .files
                .first()
                .map(|f| f.components().count())
                .unwrap_or(0)
        };
        let size = |i: usize| -> u64 {
            inputs[i]
                .files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum()
        };
        idx.sort_by_key(|&i| (depth(i), std::cmp::Reverse(size(i))));
        for &i in &idx[1..] {
            let input = &inputs[i];
            let multi_file = input.files.len() > 1
                || matches!(input.format, Format::OfacSdnCsv | Format::OfacConsCsv);
            let label = input
                .files
                .first()
                .and_then(|f| {
                    if multi_file {
                        f.parent().and_then(|d| d.file_name())
                    } else {
                        f.file_stem()
                    }
                })
                .and_then(|n| n.to_str())
                .unwrap_or("2");
            let slug: String = label
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            inputs[i].source = format!("{key}_{}", slug.trim_matches('_'));
        }
    }
}

fn single_source_key(format: Format, path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match format {
        Format::OfacAdvancedXml if name.contains("cons") => "us_ofac_cons_advanced".into(),
        Format::OfacAdvancedXml => "us_ofac_sdn_advanced".into(),
        f => f.default_source().into(),
    }
}

/// Decide what a file is from its first bytes (and, for OFAC's header-less CSV
/// parts, the column count plus the file name).
fn sniff(path: &Path) -> Result<Option<FileKind>, SourceError> {
    let head = input::head(path, 8192)?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();

    if trimmed.starts_with('<') {
        if text.contains("<CONSOLIDATED_LIST") {
            return Ok(Some(FileKind::Single(Format::UnXml)));
        }
        if text.contains("<Sanctions") && text.contains("un.org/sanctions/1.0") {
            return Ok(Some(FileKind::Single(Format::OfacAdvancedXml)));
        }
        if text.contains("fsd/export") || text.contains("<sanctionEntity") {
            return Ok(Some(FileKind::Single(Format::EuFsfXml)));
        }
        if text.contains("<Designations") || text.contains("<Designation>") {
            return Ok(Some(FileKind::Single(Format::UkXml)));
        }
        return Ok(None);
    }
    if trimmed.starts_with('{') {
        let first = trimmed.lines().next().unwrap_or("");
        if (first.contains("\"schema\"") && first.contains("\"properties\""))
            || first.contains("\"op\"")
        {
            return Ok(Some(FileKind::Ftm));
        }
        return Ok(None);
    }
    let first_line = trimmed.lines().next().unwrap_or("").trim_end_matches('\r');
    // Consolidated annexes start `celex,recordId`; amending acts carry the
    // amended and amending CELEX first.
    if first_line.starts_with("celex,recordId")
        || first_line.starts_with("amendedCelex,amendmentCelex,recordId")
    {
        return Ok(Some(FileKind::EuJournal));
    }
    if first_line.starts_with("_id,") && first_line.contains("entity_number") {
        return Ok(Some(FileKind::Single(Format::UsCslCsv)));
    }
    if first_line.starts_with("\"Name\"\t\"Street_Address\"")
        || first_line.starts_with("Name\tStreet_Address")
    {
        return Ok(Some(FileKind::Single(Format::UsBisDpl)));
    }
    if first_line.starts_with("Name,Clean Name,Alias") {
        return Ok(Some(FileKind::Single(Format::UsDod1260h)));
    }
    // The normalised UK tables: subjects.csv keyed by unique_id, and child
    // tables (names, countries, dobs, identifiers) whose first or second
    // column is unique_id.
    let uk_child = name.starts_with("subject_")
        && first_line
            .split(',')
            .take(2)
            .any(|c| c.trim() == "unique_id");
    if first_line.starts_with("unique_id,subject_type") || uk_child {
        return Ok(Some(FileKind::UkTable));
    }
    if crate::uk::sniff_csv(text) {
        return Ok(Some(FileKind::Single(Format::UkCsv)));
    }
    if let Some(part) = crate::ofac_csv::sniff(text, &name) {
        let cons = name.starts_with("cons");
        return Ok(Some(FileKind::OfacPart { cons, part }));
    }
    Ok(None)
}

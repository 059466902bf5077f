//! Goods screening: HS codes against the allies' Common High Priority List.
//!
//! An HS code arrives in many spellings (`8542.31.0000`, `854231`, `8542 31`,
//! 8- and 10-digit national tariff lines); [`HsCode::parse`] reduces them all to
//! the internationally harmonised six digits, which is the level the CHPL and
//! national annexes are written at. [`GoodsScreener::lookup`] then says which
//! goods lists carry the subheading, at what tier, with the tier's guidance.
//!
//! The CHPL (version 2024-02-23) ships in `data/chpl-2024-02-23.csv`; other lists
//! in the same CSV format (`tier,hs6,description,source`) can be added under
//! their own name. The full HS nomenclature is not shipped: a user-supplied file
//! gives descriptions for codes outside the lists.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::Path;

const CHPL_CSV: &str = include_str!("../data/chpl-2024-02-23.csv");
const CHPL_GUIDANCE_CSV: &str = include_str!("../data/chpl-tier-guidance.csv");

/// The name the built-in CHPL is reported under.
pub const CHPL_NAME: &str = "CHPL 2024-02-23";

/// Why an HS code could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("invalid HS code {input:?}: {reason}")]
pub struct HsCodeError {
    pub input: String,
    pub reason: String,
}

/// Why a goods list or nomenclature file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GoodsError {
    #[error("{source_name}: cannot read: {error}")]
    Io {
        source_name: String,
        error: std::io::Error,
    },
    #[error("{source_name}, line {line}: {message}")]
    Record {
        source_name: String,
        line: u64,
        message: String,
    },
}

/// An HS code reduced to its harmonised six digits, keeping the national
/// extension (digits 7-10) when the input had one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HsCode {
    /// Six digits, e.g. `854231`.
    pub hs6: String,
    /// All digits given, when more than six (8-digit CN / 10-digit HTS lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national: Option<String>,
}

impl HsCode {
    /// Read an HS code in any common spelling. Separators `.`, space, `-` and
    /// `/` may appear anywhere between digits; a leading `HS`/`HTS`/`CN` label is
    /// allowed. The digits must number 6, 8 or 10 and start with a real chapter.
    pub fn parse(input: &str) -> Result<HsCode, HsCodeError> {
        let err = |reason: &str| HsCodeError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = strip_label(input.trim());
        if trimmed.is_empty() {
            return Err(err("empty"));
        }
        let mut digits = String::with_capacity(10);
        let mut last_was_sep = true;
        for c in trimmed.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                last_was_sep = false;
            } else if matches!(c, '.' | ' ' | '-' | '/') {
                // Doubled or leading separators mean the text is not one code
                // ("85..42", ". 8542") rather than a differently punctuated one.
                if last_was_sep {
                    return Err(err("misplaced separator"));
                }
                last_was_sep = true;
            } else {
                return Err(err(&format!("unexpected character {c:?}")));
            }
        }
        if last_was_sep {
            return Err(err("ends with a separator"));
        }
        match digits.len() {
            6 | 8 | 10 => {}
            4 => {
                return Err(err(
                    "a 4-digit heading is not specific enough; give at least 6 digits",
                ))
            }
            n => {
                return Err(err(&format!(
                    "{n} digits; expected 6 (HS), 8 (CN) or 10 (HTS)"
                )))
            }
        }
        let chapter: u32 = digits[..2].parse().map_err(|_| err("bad chapter"))?;
        // Chapter 77 is reserved for future use; 98/99 are national-only chapters
        // with no harmonised meaning.
        if chapter == 0 || chapter == 77 || chapter > 97 {
            return Err(err(&format!(
                "chapter {:02} does not exist in the HS",
                chapter
            )));
        }
        let hs6 = digits[..6].to_string();
        let national = (digits.len() > 6).then_some(digits);
        Ok(HsCode { hs6, national })
    }

    /// The HS-6 in the dotted form `8542.31`.
    pub fn dotted(&self) -> String {
        format!("{}.{}", &self.hs6[..4], &self.hs6[4..])
    }

    /// The four-digit heading.
    pub fn heading(&self) -> &str {
        &self.hs6[..4]
    }
}

impl fmt::Display for HsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dotted())
    }
}

fn strip_label(s: &str) -> &str {
    for label in ["HTSUS", "HTS", "HS", "CN", "TARIC"] {
        if s.len() > label.len() && s[..label.len()].eq_ignore_ascii_case(label) {
            let rest = &s[label.len()..];
            if rest.starts_with([' ', ':', '#']) {
                return rest.trim_start_matches([' ', ':', '#']);
            }
        }
    }
    s
}

/// One subheading on a goods list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsEntry {
    pub tier: String,
    pub hs6: String,
    pub description: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
struct GoodsRow {
    tier: String,
    hs6: String,
    description: String,
    #[serde(default)]
    source: String,
}

#[derive(Debug, Deserialize)]
struct GuidanceRow {
    tier: String,
    title: String,
    guidance: String,
}

/// A named list of HS-6 subheadings by tier: the CHPL or a national annex.
#[derive(Debug, Clone)]
pub struct GoodsList {
    name: String,
    entries: HashMap<String, GoodsEntry>,
    /// Tier → (title, guidance).
    guidance: BTreeMap<String, (String, String)>,
}

fn csv_reader<R: Read>(r: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(r)
}

fn record_line(e: &csv::Error) -> u64 {
    e.position().map(|p| p.line()).unwrap_or(0)
}

impl GoodsList {
    /// The Common High Priority List, version 2024-02-23, with tier guidance.
    pub fn chpl() -> GoodsList {
        // The compiled-in files are tested; failing to read them is a build defect.
        let mut list = GoodsList::from_csv_reader(CHPL_NAME, CHPL_CSV.as_bytes())
            .expect("built-in CHPL file is valid");
        list.load_guidance(CHPL_GUIDANCE_CSV.as_bytes())
            .expect("built-in CHPL guidance is valid");
        list
    }

    /// A goods list in the CHPL's CSV format (`tier,hs6,description,source`;
    /// `#` starts a comment line). Codes may be written in any form
    /// [`HsCode::parse`] accepts; they are stored as HS-6.
    pub fn from_csv_reader<R: Read>(name: &str, reader: R) -> Result<GoodsList, GoodsError> {
        let mut entries = HashMap::new();
        let mut rdr = csv_reader(reader);
        let headers = rdr
            .headers()
            .map_err(|e| GoodsError::Record {
                source_name: name.to_string(),
                line: record_line(&e),
                message: e.to_string(),
            })?
            .clone();
        for record in rdr.records() {
            let record = record.map_err(|e| GoodsError::Record {
                source_name: name.to_string(),
                line: record_line(&e),
                message: e.to_string(),
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let row: GoodsRow =
                record
                    .deserialize(Some(&headers))
                    .map_err(|e| GoodsError::Record {
                        source_name: name.to_string(),
                        line,
                        message: e.to_string(),
                    })?;
            let code = HsCode::parse(&row.hs6).map_err(|e| GoodsError::Record {
                source_name: name.to_string(),
                line,
                message: e.to_string(),
            })?;
            if row.tier.is_empty() {
                return Err(GoodsError::Record {
                    source_name: name.to_string(),
                    line,
                    message: "empty tier".into(),
                });
            }
            entries.insert(
                code.hs6.clone(),
                GoodsEntry {
                    tier: row.tier,
                    hs6: code.hs6,
                    description: row.description,
                    source: row.source,
                },
            );
        }
        Ok(GoodsList {
            name: name.to_string(),
            entries,
            guidance: BTreeMap::new(),
        })
    }

    pub fn from_csv_path(name: &str, path: &Path) -> Result<GoodsList, GoodsError> {
        let f = std::fs::File::open(path).map_err(|error| GoodsError::Io {
            source_name: path.display().to_string(),
            error,
        })?;
        GoodsList::from_csv_reader(name, std::io::BufReader::new(f))
    }

    /// Add per-tier guidance (`tier,title,guidance`).
    pub fn load_guidance<R: Read>(&mut self, reader: R) -> Result<(), GoodsError> {
        let mut rdr = csv_reader(reader);
        for row in rdr.deserialize::<GuidanceRow>() {
            let row = row.map_err(|e| GoodsError::Record {
                source_name: format!("{} guidance", self.name),
                line: record_line(&e),
                message: e.to_string(),
            })?;
            self.guidance.insert(row.tier, (row.title, row.guidance));
        }
        Ok(())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, hs6: &str) -> Option<&GoodsEntry> {
        self.entries.get(hs6)
    }

    /// Entries sorted by tier then code.
    pub fn entries(&self) -> Vec<&GoodsEntry> {
        let mut v: Vec<&GoodsEntry> = self.entries.values().collect();
        v.sort_by(|a, b| (&a.tier, &a.hs6).cmp(&(&b.tier, &b.hs6)));
        v
    }

    /// Number of subheadings per tier.
    pub fn tier_counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for e in self.entries.values() {
            *m.entry(e.tier.clone()).or_default() += 1;
        }
        m
    }

    pub fn tier_guidance(&self, tier: &str) -> Option<(&str, &str)> {
        self.guidance
            .get(tier)
            .map(|(t, g)| (t.as_str(), g.as_str()))
    }
}

/// HS descriptions by code (2, 4 and 6 digits), from a user-supplied
/// nomenclature file with at least the columns `hscode` and `description`
/// (the datasets/harmonized-system layout).
#[derive(Debug, Clone, Default)]
pub struct HsNomenclature {
    descriptions: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct NomenclatureRow {
    hscode: String,
    description: String,
}

impl HsNomenclature {
    pub fn from_csv_reader<R: Read>(
        source_name: &str,
        reader: R,
    ) -> Result<HsNomenclature, GoodsError> {
        let mut descriptions = HashMap::new();
        let mut rdr = csv_reader(reader);
        for row in rdr.deserialize::<NomenclatureRow>() {
            let row = row.map_err(|e| GoodsError::Record {
                source_name: source_name.to_string(),
                line: record_line(&e),
                message: e.to_string(),
            })?;
            if row.hscode.bytes().all(|b| b.is_ascii_digit()) {
                descriptions.insert(row.hscode, row.description);
            }
        }
        Ok(HsNomenclature { descriptions })
    }

    pub fn from_csv_path(path: &Path) -> Result<HsNomenclature, GoodsError> {
        let name = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|error| GoodsError::Io {
            source_name: name.clone(),
            error,
        })?;
        HsNomenclature::from_csv_reader(&name, std::io::BufReader::new(f))
    }

    pub fn len(&self) -> usize {
        self.descriptions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.descriptions.is_empty()
    }

    /// The description of a 2-, 4- or 6-digit code.
    pub fn description(&self, code: &str) -> Option<&str> {
        self.descriptions.get(code).map(String::as_str)
    }
}

/// A goods list that carries the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsListing {
    pub list: String,
    pub tier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    pub source: String,
}

/// What is known about one HS code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodsHit {
    pub code: HsCode,
    /// HS 2022 subheading text: from a goods list that carries the code, else
    /// from the nomenclature file, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Every list that carries the code; empty when none does.
    pub listings: Vec<GoodsListing>,
}

impl GoodsHit {
    pub fn is_listed(&self) -> bool {
        !self.listings.is_empty()
    }

    /// The most severe tier over all listings (tiers sort "1" < "2" < "3.A"...).
    pub fn highest_tier(&self) -> Option<&str> {
        self.listings.iter().map(|l| l.tier.as_str()).min()
    }
}

/// Looks HS codes up in one or more goods lists.
#[derive(Debug, Clone)]
pub struct GoodsScreener {
    lists: Vec<GoodsList>,
    nomenclature: Option<HsNomenclature>,
}

impl Default for GoodsScreener {
    /// The built-in CHPL alone.
    fn default() -> Self {
        GoodsScreener {
            lists: vec![GoodsList::chpl()],
            nomenclature: None,
        }
    }
}

impl GoodsScreener {
    pub fn new(lists: Vec<GoodsList>) -> GoodsScreener {
        GoodsScreener {
            lists,
            nomenclature: None,
        }
    }

    pub fn with_list(mut self, list: GoodsList) -> GoodsScreener {
        self.lists.push(list);
        self
    }

    pub fn with_nomenclature(mut self, nomenclature: HsNomenclature) -> GoodsScreener {
        self.nomenclature = Some(nomenclature);
        self
    }

    pub fn lists(&self) -> &[GoodsList] {
        &self.lists
    }

    /// Parse `code` and report every list that carries its HS-6.
    pub fn lookup(&self, code: &str) -> Result<GoodsHit, HsCodeError> {
        Ok(self.lookup_code(HsCode::parse(code)?))
    }

    pub fn lookup_code(&self, code: HsCode) -> GoodsHit {
        let mut description = None;
        let mut listings = Vec::new();
        for list in &self.lists {
            if let Some(entry) = list.get(&code.hs6) {
                if description.is_none() && !entry.description.is_empty() {
                    description = Some(entry.description.clone());
                }
                let g = list.tier_guidance(&entry.tier);
                listings.push(GoodsListing {
                    list: list.name.clone(),
                    tier: entry.tier.clone(),
                    tier_title: g.map(|(t, _)| t.to_string()),
                    guidance: g.map(|(_, g)| g.to_string()),
                    source: entry.source.clone(),
                });
            }
        }
        if description.is_none() {
            description = self
                .nomenclature
                .as_ref()
                .and_then(|n| n.description(&code.hs6))
                .map(str::to_string);
        }
        GoodsHit {
            code,
            description,
            listings,
        }
    }
}

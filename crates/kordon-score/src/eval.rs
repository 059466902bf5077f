//! Accuracy evaluation on labelled name-pair files.
//!
//! Two CSV forms are read, recognised by their header:
//! - pair form (nomenklatura `name_bench` cases and frozen runs, watchman
//!   cascade files): columns `name1`, `name2`, `is_match`, optionally `schema`,
//!   and optionally anchor columns holding another matcher's output
//!   (`score`, `baseline`, `predicted_match`);
//! - positives-only form: `Query,Expected Match,...`, every row a true match,
//!   lines starting with `#` are comments.
//!
//! Anything else is an error naming the file and the header found.

use crate::{compare, DEFAULT_THRESHOLD};
use kordon_model::Schema;
use kordon_text::{dominant_script, normalize_text};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error("{file}: {source}")]
    Csv { file: String, source: csv::Error },
}

/// One labelled pair.
#[derive(Debug, Clone, Serialize)]
pub struct LabelledPair {
    pub schema: Schema,
    pub name1: String,
    pub name2: String,
    pub is_match: bool,
    /// Anchor columns of the file: (column, value).
    pub anchors: Vec<(String, f64)>,
}

/// A pair the matcher got wrong at the default threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub name1: String,
    pub name2: String,
    pub schema: Schema,
    pub expected: bool,
    pub score: f64,
}

/// Confusion counts and the derived rates at one threshold.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Confusion {
    pub fn at(scored: &[(f64, bool)], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for &(s, truth) in scored {
            match (s >= threshold, truth) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Another matcher's column, evaluated the same way.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorResult {
    pub column: String,
    pub best_threshold: f64,
    pub best_f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub file: String,
    pub n: usize,
    pub positives: usize,
    pub threshold: f64,
    pub at_default: Confusion,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub best_threshold: f64,
    pub best_f1: f64,
    /// Rows whose two names are in different scripts.
    pub cross_script_n: usize,
    pub cross_script_positives: usize,
    pub cross_script_recall: f64,
    pub anchors: Vec<AnchorResult>,
    pub misses: Vec<Miss>,
}

/// Read a labelled file in either supported form.
pub fn read_pairs(path: &Path) -> Result<Vec<LabelledPair>, EvalError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::Format {
        file: file.clone(),
        message: e.to_string(),
    })?;
    // Drop comment lines so both forms can carry them.
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| [l, "\n"])
        .collect();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|source| EvalError::Csv {
            file: file.clone(),
            source,
        })?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let mut out = Vec::new();
    if let (Some(n1), Some(n2), Some(m)) = (col("name1"), col("name2"), col("is_match")) {
        let schema_col = col("schema");
        let anchor_cols: Vec<(String, usize)> = ["score", "baseline", "predicted_match"]
            .iter()
            .filter_map(|a| col(a).map(|i| (a.to_string(), i)))
            .collect();
        for (line, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|source| EvalError::Csv {
                file: file.clone(),
                source,
            })?;
            let get = |i: usize| rec.get(i).unwrap_or("").trim();
            let is_match = parse_bool(get(m)).ok_or_else(|| EvalError::Format {
                file: file.clone(),
                message: format!(
                    "record {}: is_match {:?} is not true/false",
                    line + 1,
                    get(m)
                ),
            })?;
            let schema = schema_col
                .and_then(|i| Schema::parse(get(i)))
                .unwrap_or(Schema::Unknown);
            let anchors = anchor_cols
                .iter()
                .filter_map(|(name, i)| {
                    let v = get(*i);
                    v.parse::<f64>()
                        .ok()
                        .or_else(|| parse_bool(v).map(|b| b as u8 as f64))
                        .map(|x| (name.clone(), x))
                })
                .collect();
            out.push(LabelledPair {
                schema,
                name1: get(n1).to_string(),
                name2: get(n2).to_string(),
                is_match,
                anchors,
            });
        }
        return Ok(out);
    }
    if let (Some(q), Some(e)) = (col("query"), col("expected match")) {
        for rec in rdr.records() {
            let rec = rec.map_err(|source| EvalError::Csv {
                file: file.clone(),
                source,
            })?;
            let (a, b) = (
                rec.get(q).unwrap_or("").trim(),
                rec.get(e).unwrap_or("").trim(),
            );
            if a.is_empty() || b.is_empty() {
                continue;
            }
            out.push(LabelledPair {
                schema: Schema::Unknown,
                name1: a.into(),
                name2: b.into(),
                is_match: true,
                anchors: Vec::new(),
            });
        }
        return Ok(out);
    }
    Err(EvalError::Format {
        file,
        message: format!(
            "unsupported header {:?}: expected name1,name2,is_match[,schema,...] or Query,Expected Match,...",
            headers.iter().collect::<Vec<_>>()
        ),
    })
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// The threshold maximising F1 over the scores given, and that F1.
pub fn best_threshold(scored: &[(f64, bool)]) -> (f64, f64) {
    let mut ts: Vec<f64> = scored.iter().map(|s| s.0).collect();
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    let mut best = (
        DEFAULT_THRESHOLD,
        Confusion::at(scored, DEFAULT_THRESHOLD).f1(),
    );
    for t in ts {
        let f = Confusion::at(scored, t).f1();
        if f > best.1 {
            best = (t, f);
        }
    }
    best
}

/// Score every pair of a file and report.
pub fn evaluate_file(path: &Path) -> Result<EvalReport, EvalError> {
    let pairs = read_pairs(path)?;
    Ok(evaluate_pairs(
        &path.display().to_string(),
        &pairs,
        DEFAULT_THRESHOLD,
    ))
}

pub fn evaluate_pairs(file: &str, pairs: &[LabelledPair], threshold: f64) -> EvalReport {
    let scored: Vec<(f64, bool)> = pairs
        .iter()
        .map(|p| (compare(&p.name1, &p.name2, p.schema).0, p.is_match))
        .collect();
    let at_default = Confusion::at(&scored, threshold);
    let (best_t, best_f1) = best_threshold(&scored);
    let cross: Vec<(f64, bool)> = pairs
        .iter()
        .zip(&scored)
        .filter(|(p, _)| {
            dominant_script(&normalize_text(&p.name1)) != dominant_script(&normalize_text(&p.name2))
        })
        .map(|(_, s)| *s)
        .collect();
    let cross_pos: Vec<(f64, bool)> = cross.iter().copied().filter(|s| s.1).collect();
    let mut anchors = Vec::new();
    let mut anchor_names: Vec<String> = pairs
        .iter()
        .flat_map(|p| p.anchors.iter().map(|a| a.0.clone()))
        .collect();
    anchor_names.sort();
    anchor_names.dedup();
    for name in anchor_names {
        let s: Vec<(f64, bool)> = pairs
            .iter()
            .filter_map(|p| {
                p.anchors
                    .iter()
                    .find(|a| a.0 == name)
                    .map(|a| (a.1, p.is_match))
            })
            .collect();
        let (t, f) = best_threshold(&s);
        anchors.push(AnchorResult {
            column: name,
            best_threshold: t,
            best_f1: f,
        });
    }
    let misses = pairs
        .iter()
        .zip(&scored)
        .filter(|(p, s)| (s.0 >= threshold) != p.is_match)
        .map(|(p, s)| Miss {
            name1: p.name1.clone(),
            name2: p.name2.clone(),
            schema: p.schema,
            expected: p.is_match,
            score: s.0,
        })
        .collect();
    EvalReport {
        file: file.to_string(),
        n: pairs.len(),
        positives: pairs.iter().filter(|p| p.is_match).count(),
        threshold,
        at_default,
        precision: at_default.precision(),
        recall: at_default.recall(),
        f1: at_default.f1(),
        best_threshold: best_t,
        best_f1,
        cross_script_n: cross.len(),
        cross_script_positives: cross_pos.len(),
        cross_script_recall: Confusion::at(&cross_pos, threshold).recall(),
        anchors,
        misses,
    }
}

impl EvalReport {
    /// A short text summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: n={} pos={} | threshold {:.2}: P={:.3} R={:.3} F1={:.3} | best t={:.3} F1={:.3} | cross-script n={} pos={} R={:.3}",
            self.file, self.n, self.positives, self.threshold, self.precision, self.recall, self.f1,
            self.best_threshold, self.best_f1, self.cross_script_n, self.cross_script_positives, self.cross_script_recall
        );
        for a in &self.anchors {
            s.push_str(&format!(
                " | anchor {} best F1={:.3} (t={:.3})",
                a.column, a.best_f1, a.best_threshold
            ));
        }
        s
    }
}

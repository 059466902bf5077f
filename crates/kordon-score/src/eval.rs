//! Accuracy evaluation on name-pair files.
//!
//! Three CSV forms are read, recognised by their header:
//! - pair form (nomenklatura `name_bench` cases and frozen runs, watchman
//!   cascade files): columns `name1`, `name2`, `is_match`, optionally `schema`,
//!   and optionally anchor columns holding another matcher's output
//!   (`score`, `baseline`, `predicted_match`);
//! - positives-only form: `Query,Expected Match,...`, every row a true match;
//! - unlabelled form: two name columns (`name1,name2`, `query_name,result_name`
//!   or `query,index`) and other matchers' scores, but no answer (OFAC's
//!   own search scores, watchman's algorithm comparison). Without labels
//!   there is no precision or recall: kordon's scores are ranked against
//!   each score column instead ([`compare_unlabelled`]).
//!
//! Lines starting with `#` are comments in every form. Anything else is an
//! error naming the file and the header found.

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

/// One row of an unlabelled file: two names and the file's own scores.
#[derive(Debug, Clone, Serialize)]
pub struct UnlabelledPair {
    pub name1: String,
    pub name2: String,
    /// The row's `note` column, if the file has one.
    pub note: Option<String>,
    /// Score columns of the file: (column, value).
    pub anchors: Vec<(String, f64)>,
}

/// What a pair file holds.
#[derive(Debug, Clone)]
pub enum PairFile {
    /// Pairs with an answer: the pair form and the positives-only form.
    Labelled(Vec<LabelledPair>),
    /// Pairs with other matchers' scores but no answer.
    Unlabelled(Vec<UnlabelledPair>),
}

/// Name columns of the unlabelled form, in the order tried.
const UNLABELLED_NAMES: [(&str, &str); 3] = [
    ("name1", "name2"),
    ("query_name", "result_name"),
    ("query", "index"),
];

/// Read a labelled file in either labelled form; an unlabelled file is an
/// error here (see [`read_pair_file`]).
pub fn read_pairs(path: &Path) -> Result<Vec<LabelledPair>, EvalError> {
    match read_pair_file(path)? {
        PairFile::Labelled(pairs) => Ok(pairs),
        PairFile::Unlabelled(_) => Err(EvalError::Format {
            file: path.display().to_string(),
            message: "no is_match column: the file scores pairs but does not say which match"
                .into(),
        }),
    }
}

/// Read a pair file in any supported form.
pub fn read_pair_file(path: &Path) -> Result<PairFile, EvalError> {
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
    if let (Some(n1), Some(n2), Some(m)) = (col("name1"), col("name2"), col("is_match")) {
        let mut out = Vec::new();
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
        return Ok(PairFile::Labelled(out));
    }
    if let (Some(q), Some(e)) = (col("query"), col("expected match")) {
        let mut out = Vec::new();
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
        return Ok(PairFile::Labelled(out));
    }
    if let Some((n1, n2)) = UNLABELLED_NAMES
        .iter()
        .find_map(|(a, b)| col(a).zip(col(b)))
    {
        let records = rdr
            .records()
            .enumerate()
            .map(|(line, rec)| {
                rec.map_err(|source| EvalError::Csv {
                    file: file.clone(),
                    source,
                })
                .map(|r| (line + 1, r))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Score columns: every other column whose values are all numbers.
        let note = col("note");
        let score_cols: Vec<usize> = (0..headers.len())
            .filter(|&i| i != n1 && i != n2 && Some(i) != note)
            .filter(|&i| {
                let mut values = records
                    .iter()
                    .map(|(_, r)| r.get(i).unwrap_or("").trim())
                    .filter(|v| !v.is_empty())
                    .peekable();
                values.peek().is_some() && values.all(|v| v.parse::<f64>().is_ok())
            })
            .collect();
        let mut out = Vec::with_capacity(records.len());
        for (line, rec) in &records {
            let get = |i: usize| rec.get(i).unwrap_or("").trim();
            if get(n1).is_empty() || get(n2).is_empty() {
                return Err(EvalError::Format {
                    file,
                    message: format!(
                        "record {line}: column {:?} or {:?} is empty",
                        &headers[n1], &headers[n2]
                    ),
                });
            }
            out.push(UnlabelledPair {
                name1: get(n1).to_string(),
                name2: get(n2).to_string(),
                note: note.map(|i| get(i).to_string()).filter(|n| !n.is_empty()),
                anchors: score_cols
                    .iter()
                    .filter_map(|&i| get(i).parse().ok().map(|v| (headers[i].to_string(), v)))
                    .collect(),
            });
        }
        return Ok(PairFile::Unlabelled(out));
    }
    Err(EvalError::Format {
        file,
        message: format!(
            "unsupported header {:?}: expected name1,name2,is_match[,schema,...], Query,Expected Match,... or two name columns (name1,name2 / query_name,result_name / query,index) with score columns",
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

/// How kordon's ranking of an unlabelled file's pairs agrees with one of
/// the file's score columns.
#[derive(Debug, Clone, Serialize)]
pub struct RankAgreement {
    pub column: String,
    /// Rows with a value in the column.
    pub n: usize,
    /// Spearman's rank correlation of the column with kordon's score.
    pub spearman: f64,
}

/// One row of an unlabelled file, scored.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedPair {
    #[serde(flatten)]
    pub pair: UnlabelledPair,
    pub score: f64,
    /// Kordon's rank of the row minus the score columns' mean rank, both
    /// as a share of the rows (−1 to 1): above 0, kordon puts the pair
    /// higher than the file's matchers do.
    pub rank_gap: f64,
}

/// Kordon's scores on an unlabelled file, against the file's own.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonReport {
    pub file: String,
    pub n: usize,
    pub threshold: f64,
    /// Pairs kordon scores at or above the threshold.
    pub above_threshold: usize,
    pub agreement: Vec<RankAgreement>,
    /// Every row, the largest rank gaps first.
    pub rows: Vec<ComparedPair>,
}

/// Score every pair of an unlabelled file and rank kordon's scores against
/// each of the file's score columns.
pub fn compare_unlabelled(
    file: &str,
    pairs: &[UnlabelledPair],
    threshold: f64,
) -> ComparisonReport {
    let scores: Vec<f64> = pairs
        .iter()
        .map(|p| compare(&p.name1, &p.name2, Schema::Unknown).0)
        .collect();
    let mut columns: Vec<&str> = pairs
        .iter()
        .flat_map(|p| p.anchors.iter().map(|a| a.0.as_str()))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    let value = |p: &UnlabelledPair, c: &str| p.anchors.iter().find(|a| a.0 == c).map(|a| a.1);
    let agreement = columns
        .iter()
        .map(|&c| {
            let (ours, theirs): (Vec<f64>, Vec<f64>) = pairs
                .iter()
                .zip(&scores)
                .filter_map(|(p, &s)| value(p, c).map(|v| (s, v)))
                .unzip();
            RankAgreement {
                column: c.to_string(),
                n: ours.len(),
                spearman: spearman(&ours, &theirs),
            }
        })
        .collect();
    // Ranks as shares of the rows, so that columns of any scale compare.
    let share = |values: &[f64]| -> Vec<f64> {
        let n = values.iter().filter(|v| !v.is_nan()).count().max(2) as f64 - 1.0;
        ranks(values).into_iter().map(|r| r / n).collect()
    };
    let ours = share(&scores);
    let theirs: Vec<Vec<f64>> = columns
        .iter()
        .map(|&c| {
            let values: Vec<f64> = pairs
                .iter()
                .map(|p| value(p, c).unwrap_or(f64::NAN))
                .collect();
            share(&values)
        })
        .collect();
    let mut rows: Vec<ComparedPair> = pairs
        .iter()
        .zip(&scores)
        .enumerate()
        .map(|(i, (p, &score))| {
            let given: Vec<f64> = theirs
                .iter()
                .map(|r| r[i])
                .filter(|r| r.is_finite())
                .collect();
            let mean = if given.is_empty() {
                ours[i]
            } else {
                given.iter().sum::<f64>() / given.len() as f64
            };
            ComparedPair {
                pair: p.clone(),
                score,
                rank_gap: ours[i] - mean,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.rank_gap.abs().total_cmp(&a.rank_gap.abs()));
    ComparisonReport {
        file: file.to_string(),
        n: pairs.len(),
        threshold,
        above_threshold: scores.iter().filter(|&&s| s >= threshold).count(),
        agreement,
        rows,
    }
}

impl ComparisonReport {
    /// A short text summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: n={} unlabelled (no is_match column), so no precision or recall | {} at or above {:.2}",
            self.file, self.n, self.above_threshold, self.threshold
        );
        for a in &self.agreement {
            s.push_str(&format!(
                " | Spearman vs {} {:.3} (n={})",
                a.column, a.spearman, a.n
            ));
        }
        s
    }
}

/// Ranks from 0 of `values`, ties sharing their mean rank; NaN (no value)
/// stays NaN.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![f64::NAN; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean = (start + end - 1) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = mean;
        }
        start = end;
    }
    out
}

/// Spearman's rank correlation (Pearson's on tie-averaged ranks); 0 when
/// either side does not vary.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranks_share_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![2.5, 0.0, 2.5, 1.0]);
        let r = ranks(&[1.0, f64::NAN, 0.0]);
        assert_eq!((r[0], r[2]), (1.0, 0.0));
        assert!(r[1].is_nan());
    }

    #[test]
    fn spearman_of_monotone_and_flat_columns() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 40.0, 90.0]), 1.0);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[9.0, 4.0, 1.0]), -1.0);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]), 0.0);
    }

    proptest! {
        #[test]
        fn spearman_is_a_correlation(a in proptest::collection::vec(-5i32..5, 2..30)) {
            let a: Vec<f64> = a.into_iter().map(f64::from).collect();
            let b: Vec<f64> = a.iter().map(|x| -x * 3.0 + 1.0).collect();
            let varies = a.iter().any(|x| *x != a[0]);
            let own = spearman(&a, &a);
            let flipped = spearman(&a, &b);
            prop_assert!((-1.0..=1.0).contains(&own) && (-1.0..=1.0).contains(&flipped));
            if varies {
                prop_assert!((own - 1.0).abs() < 1e-9 && (flipped + 1.0).abs() < 1e-9);
            } else {
                prop_assert_eq!(own, 0.0);
            }
        }
    }
}

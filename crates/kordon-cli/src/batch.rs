//! `kordon batch`: screen a whole file of parties (CSV or JSON lines) and
//! write the hits (CSV or JSON lines). Streams in fixed-size chunks, so
//! memory stays flat whatever the file size, and screens each chunk on every
//! core. Bad rows are reported with their line number and either skipped or
//! fail the run (`--on-error`); none is dropped silently. Hits are not errors:
//! the exit code is 0 unless something failed.

use crate::engine;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use kordon_model::{PartialDate, Schema};
use kordon_screen::{PartyMatch, PartyQuery, PartyScreener, ScreenOptions};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  kordon batch --input customers.csv --map name=full_name,country=cc,dob=birth --output hits.csv\n  \
    kordon batch --input parties.jsonl --output hits.jsonl --on-error fail\n\n\
Fields for --map: name (required), schema, country, dob, id (identifiers), ref (your row reference). \
Several countries or identifiers in one cell are separated by ';'. Without --map, columns named like the fields are used."
)]
pub struct BatchArgs {
    /// Parties to screen: .csv (with a header row) or .jsonl (one JSON object per line).
    #[arg(long, short)]
    pub input: PathBuf,
    /// Where to write the hits: .csv or .jsonl.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Which input column feeds which field: name=COL,country=COL,schema=COL,dob=COL,id=COL,ref=COL.
    #[arg(long, value_parser = parse_map)]
    pub map: Option<ColumnMap>,
    /// Minimum score for a hit (default: the engine's calibrated default threshold).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Schema of the rows that give none (no schema column, or an empty cell):
    /// person, organization, vessel or aircraft. Without it such rows are
    /// screened as of unknown kind, against every kind of party.
    #[arg(long, value_parser = crate::screen::parse_schema)]
    pub schema: Option<Schema>,
    /// Most hits per party.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Only screen against these sources. Repeatable.
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// What to do with a row that cannot be screened (no name, bad date, unknown schema, broken line).
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    pub on_error: OnError,
    /// Refuse to screen against lists imported longer ago than this.
    #[arg(long, env = "KORDON_MAX_AGE", default_value = "7d", value_parser = engine::parse_max_age)]
    pub max_age: Duration,
    /// Rows screened per parallel chunk (memory is bounded by this).
    #[arg(long, default_value_t = 4096)]
    pub chunk: usize,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Report the row on stderr and go on.
    Skip,
    /// Stop at the first bad row with an error.
    Fail,
}

/// Input column (CSV header or JSON key) for each query field.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    name: String,
    schema: String,
    /// The schema of rows whose schema column is missing or empty.
    schema_default: Option<Schema>,
    country: String,
    dob: String,
    id: String,
    reference: String,
}

impl Default for ColumnMap {
    fn default() -> Self {
        ColumnMap {
            name: "name".into(),
            schema: "schema".into(),
            schema_default: None,
            country: "country".into(),
            dob: "dob".into(),
            id: "id".into(),
            reference: "ref".into(),
        }
    }
}

pub fn parse_map(s: &str) -> Result<ColumnMap, String> {
    let mut m = ColumnMap::default();
    for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, col) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?}: use FIELD=COLUMN"))?;
        let col = col.trim().to_string();
        match field.trim() {
            "name" => m.name = col,
            "schema" => m.schema = col,
            "country" | "countries" => m.country = col,
            "dob" | "birth_date" | "date" => m.dob = col,
            "id" | "identifier" | "identifiers" => m.id = col,
            "ref" | "reference" => m.reference = col,
            other => {
                return Err(format!(
                    "unknown field {other:?}: use name, schema, country, dob, id or ref"
                ))
            }
        }
    }
    Ok(m)
}

/// One input row, already reduced to the mapped fields.
struct Row {
    line: u64,
    fields: HashMap<String, String>,
}

enum Parsed {
    Ok {
        line: u64,
        reference: String,
        query: PartyQuery,
    },
    Bad {
        line: u64,
        reason: String,
    },
}

fn split_multi(v: Option<&String>) -> Vec<String> {
    v.map(|s| {
        s.split(';')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn to_query(map: &ColumnMap, row: Row) -> Parsed {
    let get = |c: &str| {
        row.fields
            .get(c)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let bad = |reason: String| Parsed::Bad {
        line: row.line,
        reason,
    };
    let Some(name) = get(&map.name) else {
        return bad(format!("no name in column {:?}", map.name));
    };
    let schema = match get(&map.schema) {
        Some(s) => match Schema::parse(s) {
            Some(s) => Some(s),
            None => return bad(format!("unknown schema {s:?} in column {:?}", map.schema)),
        },
        None => map.schema_default,
    };
    let birth_date = match get(&map.dob) {
        Some(d) => match PartialDate::parse(d) {
            Ok(d) => Some(d),
            Err(e) => return bad(format!("column {:?}: {e}", map.dob)),
        },
        None => None,
    };
    Parsed::Ok {
        line: row.line,
        reference: get(&map.reference).unwrap_or_default().to_string(),
        query: PartyQuery {
            name: name.to_string(),
            schema,
            countries: split_multi(row.fields.get(&map.country)),
            birth_date,
            identifiers: split_multi(row.fields.get(&map.id)),
        },
    }
}

/// Reads rows from CSV or JSON lines, a chunk at a time.
enum Reader {
    Csv {
        rd: csv::Reader<File>,
        headers: csv::StringRecord,
    },
    Jsonl {
        rd: BufReader<File>,
        line: u64,
        pos: u64,
    },
}

impl Reader {
    fn open(path: &Path) -> Result<Reader> {
        let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        if is_jsonl(path) {
            Ok(Reader::Jsonl {
                rd: BufReader::new(f),
                line: 0,
                pos: 0,
            })
        } else {
            let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(f);
            let headers = rd
                .headers()
                .with_context(|| format!("{}: reading the header row", path.display()))?
                .clone();
            Ok(Reader::Csv { rd, headers })
        }
    }

    fn position(&self) -> u64 {
        match self {
            Reader::Csv { rd, .. } => rd.position().byte(),
            Reader::Jsonl { pos, .. } => *pos,
        }
    }

    fn columns(&self) -> Option<Vec<String>> {
        match self {
            Reader::Csv { headers, .. } => Some(headers.iter().map(str::to_string).collect()),
            Reader::Jsonl { .. } => None,
        }
    }

    /// Up to `n` rows; lines that cannot even be read as rows come back as `Bad`.
    fn next_chunk(&mut self, n: usize, map: &ColumnMap, out: &mut Vec<Parsed>) -> Result<bool> {
        out.clear();
        while out.len() < n {
            match self {
                Reader::Csv { rd, headers } => {
                    let mut rec = csv::StringRecord::new();
                    match rd.read_record(&mut rec) {
                        Ok(false) => return Ok(!out.is_empty()),
                        Ok(true) => {
                            let line = rec.position().map(|p| p.line()).unwrap_or(0);
                            let fields = headers
                                .iter()
                                .zip(rec.iter())
                                .map(|(h, v)| (h.to_string(), v.to_string()))
                                .collect();
                            out.push(to_query(map, Row { line, fields }));
                        }
                        Err(e) => {
                            let line = e.position().map(|p| p.line()).unwrap_or(0);
                            if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                                return Err(e.into());
                            }
                            out.push(Parsed::Bad {
                                line,
                                reason: format!("unreadable CSV row: {e}"),
                            });
                        }
                    }
                }
                Reader::Jsonl { rd, line, pos } => {
                    let mut buf = String::new();
                    let read = rd.read_line(&mut buf)?;
                    if read == 0 {
                        return Ok(!out.is_empty());
                    }
                    *line += 1;
                    *pos += read as u64;
                    if buf.trim().is_empty() {
                        continue;
                    }
                    out.push(match json_row(*line, &buf) {
                        Ok(row) => to_query(map, row),
                        Err(reason) => Parsed::Bad {
                            line: *line,
                            reason,
                        },
                    });
                }
            }
        }
        Ok(true)
    }
}

fn json_row(line: u64, text: &str) -> Result<Row, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let mut fields = HashMap::new();
    for (k, v) in obj {
        let s = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect::<Vec<_>>()
                .join(";"),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        fields.insert(k.clone(), s);
    }
    Ok(Row { line, fields })
}

fn is_jsonl(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("jsonl" | "ndjson" | "json")
    )
}

/// Writes hits as CSV or JSON lines.
enum Sink {
    // Boxed: the CSV writer carries its own buffer state, far larger than a BufWriter.
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Jsonl(BufWriter<File>),
}

const OUTPUT_COLUMNS: [&str; 10] = [
    "line",
    "ref",
    "query_name",
    "entity_id",
    "caption",
    "source",
    "score",
    "is_match",
    "matched_name",
    "explanation",
];

impl Sink {
    fn create(path: &Path) -> Result<Sink> {
        let f = BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        if is_jsonl(path) {
            Ok(Sink::Jsonl(f))
        } else {
            let mut w = csv::Writer::from_writer(f);
            w.write_record(OUTPUT_COLUMNS)?;
            Ok(Sink::Csv(Box::new(w)))
        }
    }

    fn hit(
        &mut self,
        line: u64,
        reference: &str,
        query: &PartyQuery,
        m: &PartyMatch,
    ) -> Result<()> {
        match self {
            Sink::Csv(w) => w.write_record([
                line.to_string(),
                reference.to_string(),
                query.name.clone(),
                m.entity_id.clone(),
                m.caption.clone(),
                m.source.clone(),
                format!("{:.4}", m.score),
                m.is_match.to_string(),
                m.matched_name.clone(),
                m.explanation.join("; "),
            ])?,
            Sink::Jsonl(w) => {
                serde_json::to_writer(
                    &mut *w,
                    &serde_json::json!({
                        "line": line, "ref": reference, "query": query, "entity_id": m.entity_id, "caption": m.caption,
                        "source": m.source, "score": m.score, "is_match": m.is_match, "matched_name": m.matched_name,
                        "explanation": m.explanation,
                    }),
                )?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush()?,
            Sink::Jsonl(mut w) => w.flush()?,
        }
        Ok(())
    }
}

#[derive(Default)]
struct Summary {
    rows: u64,
    screened: u64,
    with_hits: u64,
    hits: u64,
    bad: u64,
}

pub fn run(data_dir: &Path, args: BatchArgs) -> Result<ExitCode> {
    let threshold = args
        .threshold
        .unwrap_or(kordon_screen::ScreenOptions::default().threshold);
    if !(0.0..=1.0).contains(&threshold) {
        bail!("--threshold must be between 0 and 1, got {threshold}");
    }
    if args.chunk == 0 || args.limit == 0 {
        bail!("--chunk and --limit must be at least 1");
    }
    let mut map = args.map.clone().unwrap_or_default();
    map.schema_default = args.schema;
    let mut reader = Reader::open(&args.input)?;
    if let Some(cols) = reader.columns() {
        if !cols.contains(&map.name) {
            bail!(
                "{}: no column {:?} for the name (columns: {}); use --map name=COLUMN",
                args.input.display(),
                map.name,
                cols.join(", ")
            );
        }
    }
    let loaded = engine::load(data_dir, args.max_age)?;
    for s in &args.sources {
        if !loaded.versions.iter().any(|v| &v.source == s) {
            bail!("--source {s:?} is not loaded");
        }
    }
    let opts = ScreenOptions {
        threshold,
        limit: args.limit,
        sources: if args.sources.is_empty() {
            None
        } else {
            Some(args.sources.clone())
        },
    };
    let mut sink = Sink::create(&args.output)?;
    let total_bytes = std::fs::metadata(&args.input).map(|m| m.len()).unwrap_or(0);
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total_bytes)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut summary = Summary::default();
    let mut chunk = Vec::with_capacity(args.chunk);
    while reader.next_chunk(args.chunk, &map, &mut chunk)? {
        let results: Vec<Option<Vec<PartyMatch>>> = chunk
            .par_iter()
            .map(|p| match p {
                Parsed::Ok { query, .. } => Some(screen_one(&loaded.screener, query, &opts)),
                Parsed::Bad { .. } => None,
            })
            .collect();
        for (parsed, result) in chunk.iter().zip(results) {
            summary.rows += 1;
            match (parsed, result) {
                (
                    Parsed::Ok {
                        line,
                        reference,
                        query,
                    },
                    Some(matches),
                ) => {
                    summary.screened += 1;
                    if !matches.is_empty() {
                        summary.with_hits += 1;
                    }
                    for m in &matches {
                        summary.hits += 1;
                        sink.hit(*line, reference, query, m)?;
                    }
                }
                (Parsed::Bad { line, reason }, _) => {
                    summary.bad += 1;
                    if args.on_error == OnError::Fail {
                        bar.finish_and_clear();
                        bail!(
                            "{}:{line}: {reason} (--on-error fail)",
                            args.input.display()
                        );
                    }
                    bar.suspend(|| eprintln!("skipped {}:{line}: {reason}", args.input.display()));
                }
                (Parsed::Ok { .. }, None) => {}
            }
        }
        bar.set_position(reader.position());
        bar.set_message(format!(
            "{} rows, {} with hits",
            summary.rows, summary.with_hits
        ));
    }
    sink.finish()?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "Screened {} of {} rows against {} entities in {:.1}s ({:.0} rows/s): {} rows with hits, {} hits, {} bad rows{}. Hits written to {}.",
        summary.screened,
        summary.rows,
        loaded.screener.entities().len(),
        secs,
        summary.screened as f64 / secs.max(1e-9),
        summary.with_hits,
        summary.hits,
        summary.bad,
        if summary.bad > 0 { " (skipped, listed above)" } else { "" },
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn screen_one(screener: &PartyScreener, q: &PartyQuery, opts: &ScreenOptions) -> Vec<PartyMatch> {
    screener.screen(q, opts)
}

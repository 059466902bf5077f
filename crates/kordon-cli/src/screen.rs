//! `kordon screen NAME`: one party against every imported list, ranked and
//! explained.

use crate::engine;
use anyhow::{bail, Result};
use clap::Args;
use kordon_model::{PartialDate, Schema};
use kordon_screen::{PartyQuery, ScreenOptions};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  kordon screen \"IEMZ Kupol JSC\"\n  kordon screen \"АО ИЭМЗ Купол\" --schema organization\n  \
    kordon screen \"Vladimir Putin\" --schema person --dob 1952 --country RU --json\n\n\
The score is in [0, 1]; a hit at or above --threshold is a match. Screening refuses to run \
(exit 3) when no lists are imported or they are older than --max-age."
)]
pub struct ScreenArgs {
    /// The name to screen, in any script.
    #[arg(required_unless_present = "input")]
    pub name: Option<String>,
    /// Screen every party in this file instead (.csv with a header row, or .jsonl); the same as `kordon batch`.
    #[arg(long, short, conflicts_with = "name", requires = "output")]
    pub input: Option<std::path::PathBuf>,
    /// With --input: where to write the hits (.csv or .jsonl).
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
    /// With --input: which column feeds which field, e.g. name=Customer,country=Ctry,dob=Born,id=Passport.
    #[arg(long, value_parser = crate::batch::parse_map, requires = "input")]
    pub map: Option<crate::batch::ColumnMap>,
    /// With --input: skip bad rows (reported with their line) or fail the run.
    #[arg(long, value_enum, default_value_t = crate::batch::OnError::Skip)]
    pub on_error: crate::batch::OnError,
    /// Person, organization (company), vessel or aircraft; a person never matches a vessel.
    /// With --input: the schema of rows that give none.
    #[arg(long, value_parser = parse_schema)]
    pub schema: Option<Schema>,
    /// Country (ISO code or name): nationality, registration or address. Repeatable.
    #[arg(long = "country")]
    pub countries: Vec<String>,
    /// Date of birth or incorporation: 1952, 1952-10, 1952-10-07.
    #[arg(long, value_parser = parse_date)]
    pub dob: Option<PartialDate>,
    /// An identifier (passport, tax id, IMO...). An exact match is decisive. Repeatable.
    #[arg(long = "id")]
    pub ids: Vec<String>,
    /// Minimum score for a match (default: the engine's calibrated default).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Most results to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Only screen against these sources (dataset keys, see `kordon lists`). Repeatable.
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// Refuse to screen against lists imported longer ago than this.
    #[arg(long, env = "KORDON_MAX_AGE", default_value = "7d", value_parser = engine::parse_max_age)]
    pub max_age: Duration,
    /// Print results as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn parse_schema(s: &str) -> Result<Schema, String> {
    Schema::parse(s).ok_or_else(|| {
        format!("unknown schema {s:?}: use person, organization, vessel or aircraft")
    })
}

fn parse_date(s: &str) -> Result<PartialDate, String> {
    PartialDate::parse(s).map_err(|e| e.to_string())
}

pub fn run(data_dir: &Path, args: ScreenArgs) -> Result<ExitCode> {
    if let Some(input) = args.input {
        let Some(output) = args.output else {
            bail!("--input needs --output FILE for the hits")
        };
        // A date of birth, a country or an identifier belongs to one party,
        // not to every row of a file.
        if args.dob.is_some() || !args.countries.is_empty() || !args.ids.is_empty() {
            bail!(
                "--dob, --country and --id describe one party; with --input give them as \
                 columns (--map dob=COLUMN,country=COLUMN,id=COLUMN)"
            );
        }
        return crate::batch::run(
            data_dir,
            crate::batch::BatchArgs {
                input,
                output,
                map: args.map,
                threshold: args.threshold,
                schema: args.schema,
                limit: args.limit,
                sources: args.sources,
                on_error: args.on_error,
                max_age: args.max_age,
                chunk: 4096,
                quiet: false,
            },
        );
    }
    let name = args.name.clone().unwrap_or_default();
    if name.trim().is_empty() {
        bail!("the name to screen is empty");
    }
    let defaults = ScreenOptions::default();
    let threshold = args.threshold.unwrap_or(defaults.threshold);
    if !(0.0..=1.0).contains(&threshold) {
        bail!("--threshold must be between 0 and 1, got {threshold}");
    }
    let loaded = engine::load(data_dir, args.max_age)?;
    let known: Vec<&str> = loaded.versions.iter().map(|v| v.source.as_str()).collect();
    for s in &args.sources {
        if !known.contains(&s.as_str()) {
            bail!(
                "--source {s:?} is not loaded; loaded sources: {}",
                known.join(", ")
            );
        }
    }
    let query = PartyQuery {
        name: name.clone(),
        schema: args.schema,
        countries: args.countries.clone(),
        birth_date: args.dob.clone(),
        identifiers: args.ids.clone(),
    };
    let opts = ScreenOptions {
        threshold,
        limit: args.limit,
        sources: if args.sources.is_empty() {
            None
        } else {
            Some(args.sources.clone())
        },
    };
    let started = std::time::Instant::now();
    let matches = loaded.screener.screen(&query, &opts);
    let took = started.elapsed();
    let lists: Vec<serde_json::Value> = loaded
        .versions
        .iter()
        .map(|v| serde_json::json!({"source": v.source, "version": v.version_id, "published": v.published,
            "imported_at": crate::output::timestamp(v.imported_at), "content_hash": v.content_hash}))
        .collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "query": query, "threshold": threshold, "matches": matches, "lists": lists,
                "entities_screened": loaded.screener.entities().len(),
                "took_ms": took.as_secs_f64() * 1000.0,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if matches.is_empty() {
        println!(
            "No match at or above {threshold:.2} for {:?} among {} entities ({}).",
            name,
            loaded.screener.entities().len(),
            known.join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    }
    for (i, m) in matches.iter().enumerate() {
        println!(
            "{:>2}. {:.3} {}  {}  [{}]",
            i + 1,
            m.score,
            if m.is_match { "MATCH" } else { "     " },
            m.caption,
            m.entity_id
        );
        if !m.matched_name.is_empty() && m.matched_name != m.caption {
            println!("           matched name: {}", m.matched_name);
        }
        for line in &m.explanation {
            println!("           {line}");
        }
    }
    println!(
        "\n{} result(s), threshold {threshold:.2}, {} entities from {} in {:.2} ms (load {:.2}s)",
        matches.len(),
        loaded.screener.entities().len(),
        known.join(", "),
        took.as_secs_f64() * 1000.0,
        loaded.load_seconds
    );
    Ok(ExitCode::SUCCESS)
}

//! `kordon bench`: repeatable performance measurements whose numbers go into
//! BENCHMARKS.md. Each reports the machine facts it ran on so a figure is
//! never separated from its context.

use anyhow::Result;
use clap::{Args, Subcommand};
use kordon_sources::{discover, parse};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Import throughput: parse every source under PATHS (MB/s, entities/s),
    /// then the same into a fresh store (parse + SQLite write + fsync).
    #[command(after_help = "Example:\n  kordon bench import ../shared/data/lists")]
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Repeat the parse-only pass this many times and report the best and median.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    match args.command {
        BenchCommand::Import { paths, runs, json } => import(&paths, runs.max(1), json),
    }
}

pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} CPU(s), {model}")
}

fn import(paths: &[PathBuf], runs: usize, json: bool) -> Result<ExitCode> {
    let inputs = discover(paths)?;
    let mut rows = Vec::new();
    let mut total_bytes = 0u64;
    let mut total_entities = 0u64;
    let mut total_best = 0f64;
    for input in &inputs {
        let mut times = Vec::new();
        let mut entities = 0u64;
        let mut bytes = 0u64;
        let mut failed = None;
        for _ in 0..runs {
            let started = Instant::now();
            match parse(input, &mut |_e| Ok(())) {
                Ok(report) => {
                    times.push(started.elapsed().as_secs_f64());
                    entities = report.entities;
                    bytes = report.files.iter().map(|f| f.bytes).sum();
                }
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(err) = failed {
            rows.push(serde_json::json!({"source": input.source, "error": err}));
            continue;
        }
        times.sort_by(f64::total_cmp);
        let best = times[0];
        let median = times[times.len() / 2];
        total_bytes += bytes;
        total_entities += entities;
        total_best += best;
        rows.push(serde_json::json!({
            "source": input.source, "format": input.format.as_str(), "files": input.files.len(),
            "bytes": bytes, "entities": entities, "best_s": best, "median_s": median,
            "mb_per_s": bytes as f64 / 1e6 / best, "entities_per_s": entities as f64 / best,
        }));
    }
    // The same inputs into a fresh store: what `kordon lists import` costs end to end.
    let dir = tempdir_path();
    let store_started = Instant::now();
    let mut store = kordon_store::Store::open(&dir)?;
    let mut stored = 0u64;
    for input in &inputs {
        if let Ok(o) = store.import(input, &mut |_| {}) {
            stored += o.version.entities;
        }
    }
    let store_s = store_started.elapsed().as_secs_f64();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    let summary = serde_json::json!({
        "machine": machine(), "runs": runs, "sources": rows,
        "total": {"bytes": total_bytes, "entities": total_entities, "parse_s": total_best,
                  "mb_per_s": total_bytes as f64 / 1e6 / total_best.max(1e-9),
                  "entities_per_s": total_entities as f64 / total_best.max(1e-9)},
        "import_into_store": {"entities": stored, "seconds": store_s},
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("machine: {}", machine());
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9} {:>12}",
        "source", "MB", "entities", "best s", "MB/s", "entities/s"
    );
    for r in &rows {
        if let Some(err) = r.get("error") {
            println!("{:<34} FAILED: {}", r["source"].as_str().unwrap_or(""), err);
            continue;
        }
        println!(
            "{:<34} {:>10.2} {:>9} {:>9.3} {:>9.1} {:>12.0}",
            r["source"].as_str().unwrap_or(""),
            r["bytes"].as_f64().unwrap_or(0.0) / 1e6,
            r["entities"],
            r["best_s"].as_f64().unwrap_or(0.0),
            r["mb_per_s"].as_f64().unwrap_or(0.0),
            r["entities_per_s"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "{:<34} {:>10.2} {:>9} {:>9.3} {:>9.1} {:>12.0}",
        "TOTAL (parse only)",
        total_bytes as f64 / 1e6,
        total_entities,
        total_best,
        total_bytes as f64 / 1e6 / total_best.max(1e-9),
        total_entities as f64 / total_best.max(1e-9)
    );
    println!("import into a fresh store (parse + SQLite + fsync): {stored} entities in {store_s:.2}s");
    Ok(ExitCode::SUCCESS)
}

fn tempdir_path() -> PathBuf {
    let base: &Path = &std::env::temp_dir();
    base.join(format!("kordon-bench-{}-{}", std::process::id(), kordon_store::now_unix()))
}

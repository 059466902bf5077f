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
    /// Party screening over the imported lists: index build time and size,
    /// single-query latency p50/p99, screens/s on all cores, and the same
    /// queries scored exhaustively (no index) as the same-run baseline.
    #[command(
        after_help = "Examples:\n  kordon lists import ../shared/data/lists && kordon bench screen --queries 2000 --scale 1000000\n  \
kordon bench screen --names ../shared/data/pairs/yente/candidate_generation_benchmark/negatives_global.csv"
    )]
    Screen {
        /// Typo'd queries drawn from the loaded entities.
        #[arg(long, default_value_t = 2000)]
        queries: usize,
        /// How many of the queries the exhaustive baseline scores (it is slow).
        #[arg(long, default_value_t = 50)]
        baseline_queries: usize,
        /// Also build an index of this many synthetic entities (0 = skip) and time queries on it.
        #[arg(long, default_value_t = 0)]
        scale: usize,
        /// Also time screening every name in this CSV file (its `full_name`
        /// or `name` column, else the first), names only: a customer file,
        /// or names known not to be listed, as most screened names are not.
        #[arg(long, value_name = "CSV")]
        names: Option<PathBuf>,
        /// Time the queries this many times over and report each figure's
        /// median, with its lowest and highest: one round's p99 moves with
        /// whatever else the machine is doing.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
        rounds: u16,
        #[arg(long)]
        json: bool,
    },
    /// Continuous re-screening: the cost of re-screening N stored
    /// counterparties after a list change of C entities, against a full rescan.
    #[command(
        after_help = "Example:\n  kordon bench rescreen --counterparties 1000000 --changed 40 --full-sample 20000"
    )]
    Rescreen {
        #[arg(long, default_value_t = 100_000)]
        counterparties: usize,
        /// Entities added by the simulated weekly change.
        #[arg(long, default_value_t = 40)]
        changed: usize,
        /// The full rescan is timed on this many counterparties and scaled up.
        #[arg(long, default_value_t = 5_000)]
        full_sample: usize,
        #[arg(long)]
        json: bool,
    },
    /// Free-text scan throughput (MB/s on one core) with every imported name indexed.
    Scan {
        /// Size of the generated corpus in MB.
        #[arg(long, default_value_t = 8)]
        mb: usize,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(data_dir: &Path, args: BenchArgs) -> Result<ExitCode> {
    match args.command {
        BenchCommand::Import { paths, runs, json } => import(&paths, runs.max(1), json),
        BenchCommand::Screen {
            queries,
            baseline_queries,
            scale,
            names,
            rounds,
            json,
        } => {
            // Read before the lists are loaded, so a bad file fails at once.
            let names = names.map(|f| read_names(&f).map(|n| (f, n))).transpose()?;
            let runs = ScreenRuns {
                queries,
                baseline_queries,
                scale,
                rounds: usize::from(rounds),
            };
            screen(data_dir, runs, names, json)
        }
        BenchCommand::Scan { mb, json } => scan(data_dir, mb, json),
        BenchCommand::Rescreen {
            counterparties,
            changed,
            full_sample,
            json,
        } => {
            let entities = load_entities(data_dir)?;
            let b =
                kordon_watch::bench::bench_rescreen(entities, counterparties, changed, full_sample);
            if json {
                println!("{}", serde_json::to_string_pretty(&b)?);
            } else {
                println!("machine: {}", machine());
                println!("{}", serde_json::to_string_pretty(&b)?);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_entities(data_dir: &Path) -> Result<Vec<kordon_model::Entity>> {
    let store = kordon_store::Store::open(data_dir)?;
    let entities = store.current_entities()?;
    anyhow::ensure!(
        !entities.is_empty(),
        "no lists imported in {}: run `kordon lists import` first",
        data_dir.display()
    );
    Ok(entities)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Names from a CSV file, for `bench screen --names`.
fn read_names(file: &Path) -> Result<Vec<kordon_screen::PartyQuery>> {
    use anyhow::Context;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("{}: cannot read", file.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("{}: no header line", file.display()))?
        .clone();
    let col = ["full_name", "name"]
        .iter()
        .find_map(|c| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(c))
        })
        .unwrap_or(0);
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        // Line numbers count the header as line 1.
        let rec = rec.with_context(|| format!("{}: line {}", file.display(), i + 2))?;
        let name = rec.get(col).unwrap_or("").trim();
        if !name.is_empty() {
            out.push(kordon_screen::PartyQuery {
                name: name.to_string(),
                ..Default::default()
            });
        }
    }
    anyhow::ensure!(
        !out.is_empty(),
        "{}: no names in column {:?}",
        file.display(),
        headers.get(col).unwrap_or("")
    );
    Ok(out)
}

/// How much `bench screen` runs (see its options).
struct ScreenRuns {
    queries: usize,
    baseline_queries: usize,
    scale: usize,
    rounds: usize,
}

fn screen(
    data_dir: &Path,
    runs: ScreenRuns,
    names: Option<(PathBuf, Vec<kordon_screen::PartyQuery>)>,
    json: bool,
) -> Result<ExitCode> {
    use kordon_screen::party::bench;
    let ScreenRuns {
        queries,
        baseline_queries,
        scale,
        rounds,
    } = runs;
    let entities = load_entities(data_dir)?;
    let qs = bench::typo_queries(&entities, queries);
    let seed: Vec<kordon_model::Entity> = if scale > 0 {
        entities.clone()
    } else {
        Vec::new()
    };
    let sources: Vec<usize> = bench::typo_sources(entities.len(), queries).collect();
    let (screener, b) = bench::run(entities, &qs, rounds);
    let recall = bench::source_recall(&screener, &qs, &sources);
    // Baseline: the same scorer over every entity, no candidate index.
    let opts = kordon_screen::ScreenOptions::default();
    let base_qs = &qs[..baseline_queries.min(qs.len())];
    let started = Instant::now();
    let mut agree = 0;
    for q in base_qs {
        let mut best: Option<(f64, &str)> = None;
        for e in screener.entities() {
            let m = screener.score_entity(q, e);
            if best.is_none_or(|(s, _)| m.score > s) {
                best = Some((m.score, e.id.as_str()));
            }
        }
        let indexed = screener.screen(q, &opts);
        let top_exhaustive = best.filter(|(s, _)| *s >= opts.threshold).map(|(_, id)| id);
        if indexed.first().map(|m| m.entity_id.as_str()) == top_exhaustive {
            agree += 1;
        }
    }
    let baseline_ms = started.elapsed().as_secs_f64() * 1000.0 / base_qs.len().max(1) as f64;
    let mut out = serde_json::json!({
        "machine": machine(), "loaded": b, "recall": recall, "peak_rss_mb": peak_rss_mb(),
        "baseline_exhaustive": {"queries": base_qs.len(), "mean_ms": baseline_ms,
            "top_hit_agrees_with_index": agree},
        "speedup_p50_vs_exhaustive_mean": baseline_ms * 1000.0 / b.timing.p50_micros.max(1e-9),
    });
    let names = names.map(|(file, names)| (file, bench::time_queries(&screener, &names, rounds)));
    if let Some((file, t)) = &names {
        out["names"] = serde_json::json!({"file": file.display().to_string(), "timing": t});
    }
    drop(screener);
    let mut scaled = None;
    if scale > 0 {
        let synthetic = bench::synthetic_entities(&seed, scale);
        drop(seed);
        let scale_qs = bench::typo_queries(&synthetic, queries.min(1000));
        let scale_sources: Vec<usize> =
            bench::typo_sources(synthetic.len(), queries.min(1000)).collect();
        let (s, sb) = bench::run(synthetic, &scale_qs, rounds);
        let rss = peak_rss_mb();
        let scale_recall = bench::source_recall(&s, &scale_qs, &scale_sources);
        out["scale"] = serde_json::json!({"bench": sb, "recall": scale_recall, "peak_rss_mb": rss});
        scaled = Some((sb, scale_recall, rss));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("machine: {}", machine());
    println!(
        "loaded lists: {} entities ({} different sets of names), index built in {:.2}s ({} terms, {:.1} MB)",
        b.entities,
        b.name_sets,
        b.build_seconds,
        b.index_terms,
        b.index_bytes as f64 / 1e6
    );
    println!("single query: {}", timing_line(&b.timing, "typo'd queries"));
    println!("{}", recall_line(&recall));
    println!(
        "baseline (exhaustive scoring, no index): {:.2} ms/query over {} queries; index p50 is {:.0}x faster; same top hit in {}/{}",
        baseline_ms,
        base_qs.len(),
        baseline_ms * 1000.0 / b.timing.p50_micros.max(1e-9),
        agree,
        base_qs.len()
    );
    if let Some((file, t)) = &names {
        println!(
            "names from {}: {}; {} with a hit",
            file.display(),
            timing_line(t, "names"),
            t.with_hits
        );
    }
    if let Some((sb, recall, rss)) = &scaled {
        println!(
            "scale: {} synthetic entities built in {:.1}s; {}; peak RSS {:.0} MB",
            sb.entities,
            sb.build_seconds,
            timing_line(&sb.timing, "typo'd queries"),
            rss
        );
        println!("scale {}", recall_line(recall));
    }
    println!("peak RSS {:.0} MB", peak_rss_mb());
    Ok(ExitCode::SUCCESS)
}

/// How many typo'd queries found the party each was made from.
fn recall_line(r: &kordon_screen::party::bench::SourceRecall) -> String {
    let pct = |n: usize| 100.0 * n as f64 / r.queries.max(1) as f64;
    format!(
        "recall: {} of {} typo'd queries ({:.1}%) find their source party among the hits, {} ({:.1}%) as the first hit",
        r.found,
        r.queries,
        pct(r.found),
        r.first,
        pct(r.first)
    )
}

/// One timing's percentiles over its `what` and its all-core throughput;
/// over several rounds, their medians and each one's range.
fn timing_line(t: &kordon_screen::party::bench::QueryTiming, what: &str) -> String {
    use kordon_screen::party::bench::RoundTiming;
    let range = |f: fn(&RoundTiming) -> f64, scale: f64, digits: usize| -> String {
        if t.rounds.len() < 2 {
            return String::new();
        }
        let lo = t.rounds.iter().map(f).fold(f64::INFINITY, f64::min) * scale;
        let hi = t.rounds.iter().map(f).fold(f64::NEG_INFINITY, f64::max) * scale;
        format!(" ({lo:.digits$} to {hi:.digits$})")
    };
    let rounds = match t.rounds.len() {
        0 | 1 => String::new(),
        n => format!("median of {n} rounds: "),
    };
    format!(
        "{rounds}p50 {:.3} ms{}, p99 {:.3} ms{} over {} {what}; {:.0} screens/s{} on {} threads",
        t.p50_micros / 1000.0,
        range(|r| r.p50_micros, 1e-3, 3),
        t.p99_micros / 1000.0,
        range(|r| r.p99_micros, 1e-3, 3),
        t.queries,
        t.parallel_screens_per_second,
        range(|r| r.parallel_screens_per_second, 1.0, 0),
        t.threads
    )
}

fn scan(data_dir: &Path, mb: usize, json: bool) -> Result<ExitCode> {
    use kordon_screen::scan::{bench, Scanner};
    let entities = load_entities(data_dir)?;
    let screener = kordon_screen::PartyScreener::build(entities);
    let started = Instant::now();
    let scanner = Scanner::build(&screener)?;
    let build_s = started.elapsed().as_secs_f64();
    let names = bench::sample_names(&scanner, 200);
    let chunk = 64 * 1024;
    let docs = |every: usize| -> Vec<String> {
        let text = bench::synthetic_corpus(mb * 1_000_000, &names, every);
        text.as_bytes()
            .chunks(chunk)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    };
    let min = std::time::Duration::from_secs(3);
    // Baseline in the same run: prose with no listed name, i.e. the cost of
    // folding and automaton search alone, before any verification.
    let clean = bench::measure_scan(&scanner, &docs(0), min);
    let sparse = bench::measure_scan(&scanner, &docs(200), min);
    let dense = bench::measure_scan(&scanner, &docs(20), min);
    let out = serde_json::json!({"machine": machine(), "automaton_build_s": build_s,
        "no_names": clean, "one_name_per_200_sentences": sparse, "one_name_per_20_sentences": dense});
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("machine: {}", machine());
        println!("automaton over every imported name built in {build_s:.2}s");
        for (label, t) in [
            ("no listed names (baseline)", &clean),
            ("one name per 200 sentences", &sparse),
            ("one name per 20 sentences", &dense),
        ] {
            println!("{label:<30} {}", serde_json::to_string(t)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
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
    println!(
        "import into a fresh store (parse + SQLite + fsync): {stored} entities in {store_s:.2}s"
    );
    Ok(ExitCode::SUCCESS)
}

fn tempdir_path() -> PathBuf {
    let base: &Path = &std::env::temp_dir();
    base.join(format!(
        "kordon-bench-{}-{}",
        std::process::id(),
        kordon_store::now_unix()
    ))
}

#[cfg(test)]
mod tests {
    use super::read_names;

    fn names_of(csv: &str) -> anyhow::Result<Vec<String>> {
        let dir = tempfile::tempdir()?;
        let f = dir.path().join("names.csv");
        std::fs::write(&f, csv)?;
        Ok(read_names(&f)?.into_iter().map(|q| q.name).collect())
    }

    #[test]
    fn names_come_from_the_name_column_or_the_first() {
        let v = names_of("id,full_name\n1,Ivan Petrov\n2,\n3, Anna Li \n").unwrap();
        assert_eq!(v, ["Ivan Petrov", "Anna Li"]);
        let v = names_of("Name,country\nACME Ltd,GB\n").unwrap();
        assert_eq!(v, ["ACME Ltd"]);
        let v = names_of("customer,country\nKupol,RU\n").unwrap();
        assert_eq!(v, ["Kupol"]);
    }

    #[test]
    fn a_file_without_names_is_an_error_naming_it() {
        let err = names_of("full_name,country\n,GB\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("names.csv") && err.contains("full_name"),
            "{err}"
        );
        let err = read_names(std::path::Path::new("/nonexistent/names.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/names.csv"), "{err}");
    }
}

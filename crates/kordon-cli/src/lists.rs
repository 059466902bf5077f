//! `kordon lists`: import list files into the local store, show what is loaded,
//! show one entity.

use crate::output;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kordon_model::{Entity, Schema};
use kordon_sources::discover;
use kordon_store::{now_unix, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ListsArgs {
    #[command(subcommand)]
    command: Option<ListsCommand>,

    /// Print the status as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ListsCommand {
    /// Import list files or folders. The format is detected from each file's
    /// content; the OFAC CSV parts of one folder (sdn.csv, add.csv, alt.csv,
    /// sdn_comments.csv) import together as one source. A source whose file
    /// fails to parse keeps its previous version.
    #[command(
        after_help = "Examples:\n  kordon lists import ../shared/data/lists/ofac\n  \
        kordon lists import ../shared/data/lists/un/consolidated.xml\n  \
        kordon lists import --source eu_2014_269 ../shared/data/lists/eu/journal_sanctions/consolidated/32014R0269.csv"
    )]
    Import {
        /// Files or folders (folders are searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Import under this dataset key instead of the format's default
        /// (only when the paths form a single source).
        #[arg(long)]
        source: Option<String>,
        /// How many parser warnings to print per source (all are counted).
        #[arg(long, default_value_t = 5)]
        show_warnings: usize,
        /// Print the import results as JSON.
        #[arg(long)]
        json: bool,
        /// Retention: keep this many versions per source (older ones are deleted after a successful import).
        #[arg(long, default_value_t = 52, env = "KORDON_KEEP_VERSIONS")]
        keep_versions: usize,
    },
    /// Show each loaded source: version, publish date, counts, file hashes.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Print one entity by id, e.g. `us_ofac_sdn:46431`.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// What changed between two versions of a source: entities added, removed,
    /// changed, and which fields changed. Defaults: the previous and the current version.
    #[command(
        after_help = "Examples:\n  kordon lists diff us_ofac_sdn\n  kordon lists diff us_ofac_sdn 3 7 --json"
    )]
    Diff {
        source: String,
        /// Old version id (default: the version before NEW).
        old: Option<i64>,
        /// New version id (default: the current version).
        new: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Delete old versions of a source beyond the newest N (the current version always stays).
    Prune {
        source: String,
        #[arg(long, default_value_t = 52)]
        keep: usize,
    },
    /// Every stored version of one source, newest first.
    History {
        source: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(data_dir: &Path, args: ListsArgs) -> Result<ExitCode> {
    match args.command {
        None => status(data_dir, args.json),
        Some(ListsCommand::Status { json }) => status(data_dir, json || args.json),
        Some(ListsCommand::Import {
            paths,
            source,
            show_warnings,
            json,
            keep_versions,
        }) => import(data_dir, &paths, source, show_warnings, json, keep_versions),
        Some(ListsCommand::Diff {
            source,
            old,
            new,
            json,
        }) => diff(data_dir, &source, old, new, json),
        Some(ListsCommand::Prune { source, keep }) => {
            let mut store = open(data_dir)?;
            let (v, b) = store.prune(&source, keep)?;
            println!("{source}: deleted {v} old version(s) and {b} unreferenced entity record(s)");
            Ok(ExitCode::SUCCESS)
        }
        Some(ListsCommand::Show { id, json }) => show(data_dir, &id, json),
        Some(ListsCommand::History { source, json }) => history(data_dir, &source, json),
    }
}

fn open(data_dir: &Path) -> Result<Store> {
    Store::open(data_dir)
        .with_context(|| format!("opening the kordon store in {}", data_dir.display()))
}

fn import(
    data_dir: &Path,
    paths: &[PathBuf],
    source: Option<String>,
    show_warnings: usize,
    json: bool,
    keep_versions: usize,
) -> Result<ExitCode> {
    let mut inputs = discover(paths)?;
    if inputs.is_empty() {
        bail!(
            "no list files found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(key) = source {
        if inputs.len() != 1 {
            bail!(
                "--source names one dataset, but the paths hold {} sources ({}); import them separately",
                inputs.len(),
                inputs.iter().map(|i| i.source.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!("--source must be letters, digits, '_' or '-': {key:?}");
        }
        inputs[0].source = key;
    }
    let mut store = open(data_dir)?;
    let mut failed = 0;
    let mut results = Vec::new();
    for input in &inputs {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix:.bold} {pos} entities ({per_sec}) {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(input.source.clone());
        bar.enable_steady_tick(Duration::from_millis(120));
        let started = std::time::Instant::now();
        let outcome = store.import(input, &mut |n| bar.set_position(n));
        bar.finish_and_clear();
        match outcome {
            Ok(o) => {
                if !o.unchanged {
                    store.prune(&o.version.source, keep_versions)?;
                }
                let v = &o.version;
                if !json {
                    let state = if o.unchanged { "unchanged" } else { "imported" };
                    println!(
                        "{state:9} {:<22} {:>7} entities {:>7} names  {} file(s)  {:.2}s{}",
                        v.source,
                        v.entities,
                        v.names,
                        v.report.files.len(),
                        started.elapsed().as_secs_f64(),
                        v.published
                            .as_ref()
                            .map(|p| format!("  published {p}"))
                            .unwrap_or_default()
                    );
                    let total_warnings = v.report.counts.get("warnings").copied().unwrap_or(0);
                    if total_warnings > 0 {
                        println!("          {total_warnings} warning(s):");
                        for w in v.report.warnings.iter().take(show_warnings) {
                            println!("            {w}");
                        }
                        if total_warnings as usize > show_warnings {
                            println!(
                                "            ... {} more (see `kordon lists status --json`)",
                                total_warnings as usize
                                    - show_warnings.min(total_warnings as usize)
                            );
                        }
                    }
                }
                results.push(serde_json::json!({
                    "source": v.source, "status": if o.unchanged {"unchanged"} else {"imported"},
                    "version": v.version_id, "entities": v.entities, "names": v.names,
                    "by_schema": v.report.by_schema, "warnings": v.report.counts.get("warnings").copied().unwrap_or(0),
                }));
            }
            Err(e) => {
                failed += 1;
                let msg = e.to_string();
                store.record_failure(&input.source, &msg)?;
                eprintln!("FAILED    {:<22} {msg}", input.source);
                eprintln!(
                    "          the previously imported version of {} (if any) stays current",
                    input.source
                );
                results.push(
                    serde_json::json!({"source": input.source, "status": "failed", "error": msg}),
                );
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    // Counterparties under continuous screening are checked against what
    // changed (a no-op without a watch database).
    if results.iter().any(|r| r["status"] == "imported") {
        crate::watch::after_lists_change(data_dir)?;
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn status(data_dir: &Path, json: bool) -> Result<ExitCode> {
    let store = open(data_dir)?;
    let versions = store.current_versions()?;
    let now = now_unix();
    if json {
        let mut out = Vec::new();
        for v in &versions {
            let failure = store.last_failure(&v.source)?;
            out.push(serde_json::json!({
                "source": v.source, "format": v.format, "version": v.version_id,
                "published": v.published, "imported_at": output::timestamp(v.imported_at),
                "age_seconds": now - v.imported_at, "entities": v.entities, "names": v.names,
                "by_schema": v.report.by_schema, "counts": v.report.counts,
                "files": v.report.files, "warnings": v.report.warnings,
                "last_failure": failure.map(|(at, e)| serde_json::json!({"at": output::timestamp(at), "error": e})),
            }));
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if versions.is_empty() {
        println!("No lists imported in {}.", data_dir.display());
        println!("Import some with: kordon lists import PATH...");
        return Ok(ExitCode::from(3));
    }
    let mut rows = Vec::new();
    for v in &versions {
        let by = |s: Schema| v.report.by_schema.get(s.as_str()).copied().unwrap_or(0);
        // Many-file sources (the EU annexes) would flood the table: show the
        // first file's hash and the count; `--json` has every file.
        let mut hashes: Vec<String> = v
            .report
            .files
            .iter()
            .take(2)
            .map(|f| f.sha256[..12].to_string())
            .collect();
        if v.report.files.len() > 2 {
            hashes.push(format!("+{} files", v.report.files.len() - 2));
        }
        let mut note = String::new();
        if let Some((at, err)) = store.last_failure(&v.source)? {
            note = format!("STALE: import failed {}: {err}", output::timestamp(at));
        }
        rows.push(vec![
            v.source.clone(),
            v.version_id.to_string(),
            v.published.clone().unwrap_or_else(|| "-".into()),
            format!("{} ago", output::age(now - v.imported_at)),
            v.entities.to_string(),
            format!(
                "{}/{}/{}/{}/{}",
                by(Schema::Person),
                by(Schema::Organization),
                by(Schema::Vessel),
                by(Schema::Aircraft),
                by(Schema::Unknown)
            ),
            v.names.to_string(),
            hashes.join(","),
            note,
        ]);
    }
    output::table(
        &[
            "SOURCE",
            "VER",
            "PUBLISHED",
            "IMPORTED",
            "ENTITIES",
            "PER/ORG/VES/AIR/UNK",
            "NAMES",
            "SHA256",
            "",
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

fn history(data_dir: &Path, source: &str, json: bool) -> Result<ExitCode> {
    let store = open(data_dir)?;
    let versions = store.history(source)?;
    if versions.is_empty() {
        bail!("no versions of source {source:?} are stored");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&versions)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = versions
        .iter()
        .map(|v| {
            vec![
                v.version_id.to_string(),
                if v.current {
                    "current".into()
                } else {
                    String::new()
                },
                v.published.clone().unwrap_or_else(|| "-".into()),
                output::timestamp(v.imported_at),
                v.entities.to_string(),
                v.content_hash[..16].to_string(),
            ]
        })
        .collect();
    output::table(
        &["VERSION", "", "PUBLISHED", "IMPORTED", "ENTITIES", "HASH"],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

fn diff(
    data_dir: &Path,
    source: &str,
    old: Option<i64>,
    new: Option<i64>,
    json: bool,
) -> Result<ExitCode> {
    let store = open(data_dir)?;
    let history = store.history(source)?;
    if history.is_empty() {
        bail!("no versions of source {source:?} are stored");
    }
    let new = match new {
        Some(n) => n,
        None => history
            .iter()
            .find(|v| v.current)
            .map(|v| v.version_id)
            .unwrap_or(history[0].version_id),
    };
    let old = match old {
        Some(o) => o,
        None => match history.iter().find(|v| v.version_id < new) {
            Some(v) => v.version_id,
            None => bail!("source {source:?} has no version before {new}; nothing to compare"),
        },
    };
    for id in [old, new] {
        if !history.iter().any(|v| v.version_id == id) {
            bail!("{source:?} has no version {id}; see `kordon lists history {source}`");
        }
    }
    let d = store.diff(old, new)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{source}: version {old} -> {new}: {} added, {} removed, {} changed, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged
    );
    for e in &d.added {
        println!("+ {}  {} [{}]", e.id, e.caption, e.schema);
    }
    for e in &d.removed {
        println!("- {}  {} [{}]", e.id, e.caption, e.schema);
    }
    for c in &d.changed {
        println!("~ {}  {}", c.id, c.caption);
        for f in &c.changes {
            for r in &f.removed {
                println!("    {:<11} - {r}", f.field);
            }
            for a in &f.added {
                println!("    {:<11} + {a}", f.field);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(data_dir: &Path, id: &str, json: bool) -> Result<ExitCode> {
    let store = open(data_dir)?;
    let Some(e) = store.entity(id)? else {
        bail!("no entity {id:?} in the current lists (ids look like us_ofac_sdn:46431)");
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        print_entity(&e);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_entity(e: &Entity) {
    println!("{}  [{}]", e.caption(), e.schema);
    println!("  id:        {}", e.id);
    if let Some(a) = &e.authority {
        println!("  authority: {a}");
    }
    if let Some(l) = &e.list_name {
        println!("  list:      {l}");
    }
    if !e.programs.is_empty() {
        let p: Vec<&str> = e.programs.iter().map(|p| p.code.as_str()).collect();
        println!("  programs:  {}", p.join(", "));
    }
    if let Some(d) = &e.listed_on {
        println!("  listed on: {d}");
    }
    println!("  names:");
    for n in &e.names {
        let mut extra = Vec::new();
        if let Some(s) = &n.script {
            extra.push(s.clone());
        }
        if let Some(l) = &n.lang {
            extra.push(l.clone());
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" ({})", extra.join(", "))
        };
        println!("    {:<11} {}{extra}", format!("{:?}", n.kind), n.full);
    }
    for d in &e.dates {
        println!(
            "  {:<10} {}",
            format!("{:?}:", d.kind).to_lowercase(),
            d.date
        );
    }
    for p in &e.places_of_birth {
        println!("  born in:   {p}");
    }
    for c in &e.countries {
        println!(
            "  country:   {} ({:?}){}",
            c.text,
            c.role,
            c.code
                .as_ref()
                .map(|c| format!(" = {c}"))
                .unwrap_or_default()
        );
    }
    for a in &e.addresses {
        // Lists give either a one-line address or its parts (OFAC gives both):
        // the one line, when present, already holds the parts.
        let line = match &a.full {
            Some(full) => full.clone(),
            None => [&a.street, &a.city, &a.region, &a.postal_code, &a.country]
                .into_iter()
                .filter_map(|p| p.as_deref())
                .collect::<Vec<_>>()
                .join(", "),
        };
        println!("  address:   {line}");
    }
    for i in &e.identifiers {
        println!(
            "  id number: {} {}{}",
            i.label.as_deref().unwrap_or(i.kind.as_str()),
            i.value,
            i.country
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        );
    }
    for l in &e.links {
        println!(
            "  link:      {:?} {}{}",
            l.kind,
            l.target_name.as_deref().unwrap_or(""),
            l.target_id
                .as_ref()
                .map(|t| format!(" [{t}]"))
                .unwrap_or_default()
        );
    }
    for r in &e.remarks {
        println!("  remark:    {r}");
    }
}

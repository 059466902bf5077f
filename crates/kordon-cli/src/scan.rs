//! `kordon scan FILE...|-`: find listed parties, HS codes and vessel IMO
//! numbers in documents (letters of credit, bills of lading, SWIFT free-text
//! fields, news articles).

use crate::engine;
use anyhow::{Context, Result};
use clap::Args;
use kordon_screen::scan::{ScanOptions, Scanner};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
#[command(after_help = "Examples:\n  kordon scan examples/article.txt\n  \
    pdftotext lc.pdf - | kordon scan -\n  kordon scan *.txt --json\n\n\
Spans are given as byte and character offsets into each document as written.")]
pub struct ScanArgs {
    /// Text files to scan (UTF-8); `-` reads standard input.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Minimum score for a party mention (default: the engine's default threshold).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Refuse to scan against lists imported longer ago than this.
    #[arg(long, env = "KORDON_MAX_AGE", default_value = "7d", value_parser = engine::parse_max_age)]
    pub max_age: Duration,
    #[arg(long)]
    pub json: bool,
}

fn read(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    }
    // Documents arrive in every encoding; invalid UTF-8 is replaced, which
    // keeps spans meaningful for the rest of the text, and is reported.
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            eprintln!(
                "warning: {} is not valid UTF-8; invalid bytes replaced",
                path.display()
            );
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

pub fn run(data_dir: &Path, args: ScanArgs) -> Result<ExitCode> {
    let loaded = engine::load(data_dir, args.max_age)?;
    let mut opts = ScanOptions::default();
    if let Some(t) = args.threshold {
        anyhow::ensure!(
            (0.0..=1.0).contains(&t),
            "--threshold must be between 0 and 1, got {t}"
        );
        opts.threshold = t;
    }
    let scanner = Scanner::build_with(&loaded.screener, opts)?;
    let mut all = Vec::new();
    for path in &args.files {
        let text = read(path)?;
        let report = scanner.scan(&text);
        if args.json {
            all.push(serde_json::json!({"file": path, "report": report}));
            continue;
        }
        println!("{}:", path.display());
        if report.is_empty() {
            println!("    nothing found");
        }
        for m in &report.parties {
            println!(
                "    chars {}-{}  {:?} -> {} [{}] ({}) score {:.3}",
                m.span.char_start,
                m.span.char_end,
                m.text,
                m.caption,
                m.entity_id,
                m.source,
                m.score
            );
            for line in &m.explanation {
                println!("        {line}");
            }
        }
        for h in &report.hs_codes {
            let tier = h
                .goods
                .highest_tier()
                .map(|t| format!("CHPL tier {t}"))
                .unwrap_or_else(|| "not on a goods list".into());
            println!(
                "    chars {}-{}  HS {:?} -> {} ({tier})",
                h.span.char_start,
                h.span.char_end,
                h.text,
                h.goods.code.dotted()
            );
        }
        for i in &report.imo_numbers {
            println!(
                "    chars {}-{}  IMO {}{}",
                i.span.char_start,
                i.span.char_end,
                i.imo,
                if i.entity_ids.is_empty() {
                    String::new()
                } else {
                    format!(" -> listed vessel {}", i.entity_ids.join(", "))
                }
            );
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
    }
    Ok(ExitCode::SUCCESS)
}

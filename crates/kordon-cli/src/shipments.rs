//! `kordon shipments FILE`: each shipment record to BLOCK / REVIEW / CLEAR with
//! the rules that fired and the evidence.

use crate::engine;
use anyhow::{bail, Context, Result};
use clap::Args;
use kordon_screen::shipment::{
    read_csv, read_jsonl, Decision, RecordOutcome, RuleSet, ShipmentScreener,
};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  kordon shipments examples/shipments.jsonl\n  \
    kordon shipments shipments.csv --rules my-rules.toml --json\n  \
    kordon shipments --print-default-rules > my-rules.toml\n\n\
Records are JSON lines or CSV (by extension). Each yields BLOCK, REVIEW or CLEAR with every reason. \
A bad record is reported with its line number and the others go on; the exit code is 1 if any \
record was bad, 0 otherwise (BLOCK decisions are results, not errors)."
)]
pub struct ShipmentsArgs {
    /// Shipment records: .jsonl / .json (JSON lines) or .csv.
    #[arg(required_unless_present = "print_default_rules")]
    pub file: Option<PathBuf>,
    /// Rules file (TOML) replacing the built-in defaults.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Print the built-in rules file and exit.
    #[arg(long)]
    pub print_default_rules: bool,
    /// A further goods list, NAME=FILE.csv, in the CHPL's format. Repeatable.
    #[arg(long = "goods-list", value_name = "NAME=FILE")]
    pub goods_lists: Vec<String>,
    /// Refuse to screen against lists imported longer ago than this.
    #[arg(long, env = "KORDON_MAX_AGE", default_value = "7d", value_parser = engine::parse_max_age)]
    pub max_age: Duration,
    #[arg(long)]
    pub json: bool,
}

pub fn run(data_dir: &Path, args: ShipmentsArgs) -> Result<ExitCode> {
    if args.print_default_rules {
        print!("{}", RuleSet::default_toml());
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = args.file else {
        bail!("a shipments file is required")
    };
    let rules = match &args.rules {
        Some(p) => {
            RuleSet::from_path(p).with_context(|| format!("loading rules {}", p.display()))?
        }
        None => RuleSet::default(),
    };
    let goods = crate::goods::screener(&args.goods_lists, None)?;
    let loaded = engine::load(data_dir, args.max_age)?;
    let screener = ShipmentScreener::new(&loaded.screener, goods, rules);
    let f = std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
    let is_csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let records: Box<dyn Iterator<Item = _>> = if is_csv {
        read_csv(f)
    } else {
        Box::new(read_jsonl(BufReader::new(f)))
    };
    let (mut block, mut review, mut clear, mut bad) = (0, 0, 0, 0);
    let mut outcomes = Vec::new();
    for outcome in screener.screen_all(records) {
        match &outcome {
            RecordOutcome::Screened(r) => {
                match r.decision {
                    Decision::Block => block += 1,
                    Decision::Review => review += 1,
                    Decision::Clear => clear += 1,
                }
                if !args.json {
                    println!(
                        "{:<6} line {}{}",
                        r.decision.to_string(),
                        r.line,
                        r.id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default()
                    );
                    for reason in &r.reasons {
                        println!(
                            "    [{}] {:?}: {}",
                            reason.rule_id, reason.decision, reason.message
                        );
                        for ev in &reason.evidence {
                            println!("        {ev}");
                        }
                        for m in &reason.party_matches {
                            println!(
                                "        {} {:?} ~ {} [{}] score {:.3}",
                                m.role,
                                m.party_name,
                                m.matched.caption,
                                m.matched.entity_id,
                                m.matched.score
                            );
                        }
                    }
                }
            }
            RecordOutcome::Error(e) => {
                bad += 1;
                if !args.json {
                    eprintln!("ERROR  {}: {e}", file.display());
                }
            }
        }
        if args.json {
            outcomes.push(outcome);
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "results": outcomes,
                "summary": {"block": block, "review": review, "clear": clear, "errors": bad},
            }))?
        );
    } else {
        println!("\n{block} BLOCK, {review} REVIEW, {clear} CLEAR, {bad} bad record(s)");
    }
    Ok(if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

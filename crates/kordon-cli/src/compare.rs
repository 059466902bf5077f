//! `kordon compare A B` and `kordon eval pairs FILE...`: the scorer on bare
//! name pairs, one at a time or over labelled files.

use anyhow::Result;
use clap::{Args, Subcommand};
use kordon_model::Schema;
use kordon_score::eval;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  kordon compare \"IEMZ Kupol JSC\" \"Izhevsk Electromechanical Plant Kupol\" --schema company\n  \
    kordon compare \"Владимир Путин\" \"PUTIN, Vladimir Vladimirovich\" --schema person"
)]
pub struct CompareArgs {
    pub a: String,
    pub b: String,
    /// Person, organization (company), vessel or aircraft: picks legal-form and name-order handling.
    #[arg(long, default_value = "unknown", value_parser = parse_schema)]
    pub schema: Schema,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    command: EvalCommand,
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Precision, recall and F1 on labelled name-pair files, at the default and
    /// at the best threshold, with the misses.
    #[command(
        after_help = "Reads `case_group,schema,name1,name2,is_match,...` files (anchor columns such as \
baseline/score are evaluated alongside) and the positives-only `Query,Expected Match,...` form (`#` starts \
a comment).\n\nExample:\n  kordon eval pairs ../shared/data/pairs/*.csv ../shared/data/pairs/nomenklatura/name_bench_cases.csv"
    )]
    Pairs {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Evaluate at this threshold instead of the default.
        #[arg(long)]
        threshold: Option<f64>,
        /// How many misses to list per file.
        #[arg(long, default_value_t = 20)]
        misses: usize,
        #[arg(long)]
        json: bool,
    },
}

fn parse_schema(s: &str) -> Result<Schema, String> {
    Schema::parse(s).ok_or_else(|| {
        format!("unknown schema {s:?}: use person, organization, vessel or aircraft")
    })
}

pub fn compare(args: CompareArgs) -> Result<ExitCode> {
    let (score, explanation) = kordon_score::compare(&args.a, &args.b, args.schema);
    let threshold = kordon_score::DEFAULT_THRESHOLD;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "score": score, "match": score >= threshold, "threshold": threshold, "explanation": explanation,
            }))?
        );
    } else {
        println!(
            "{score:.3} {} (threshold {threshold:.2})",
            if score >= threshold {
                "MATCH"
            } else {
                "no match"
            }
        );
        for line in explanation.lines() {
            println!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn eval(args: EvalArgs) -> Result<ExitCode> {
    let EvalCommand::Pairs {
        files,
        threshold,
        misses,
        json,
    } = args.command;
    let threshold = threshold.unwrap_or(kordon_score::DEFAULT_THRESHOLD);
    let mut reports = Vec::new();
    let mut failed = 0;
    for f in &files {
        let pairs = match eval::read_pairs(f) {
            Ok(p) => p,
            Err(e) => {
                // One unreadable file does not hide the others' results.
                failed += 1;
                eprintln!("error: {}: {e}", f.display());
                continue;
            }
        };
        let report = eval::evaluate_pairs(&f.display().to_string(), &pairs, threshold);
        if !json {
            println!("{}", report.summary());
            for m in report.misses.iter().take(misses) {
                println!(
                    "    {} {:.3} [{}] {:?} vs {:?}",
                    if m.expected { "FN" } else { "FP" },
                    m.score,
                    m.schema,
                    m.name1,
                    m.name2
                );
            }
            if report.misses.len() > misses {
                println!(
                    "    ... {} more misses (--misses N to list them)",
                    report.misses.len() - misses
                );
            }
        }
        reports.push(report);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

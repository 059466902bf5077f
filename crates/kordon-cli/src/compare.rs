//! `kordon compare A B` and `kordon eval pairs FILE...`: the scorer on bare
//! name pairs, one at a time or over labelled files.

use anyhow::{bail, Result};
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
    /// at the best threshold, with the misses; for files without labels, how
    /// kordon's ranking agrees with their scores.
    #[command(after_help = "Reads three forms, told apart by their header:\n\
  - `case_group,schema,name1,name2,is_match,...`: anchor columns such as baseline/score are \
evaluated alongside;\n\
  - `Query,Expected Match,...`: every row a match;\n\
  - two name columns (`name1,name2`, `query_name,result_name` or `query,index`) with other \
matchers' scores but no is_match: no precision or recall can be had, so kordon's ranking is \
compared with each score column (Spearman) and the rows where they differ most are listed.\n\
`#` starts a comment. Exits 1 if any file could not be read; the others are still reported.\n\n\
Example:\n  kordon eval pairs ../shared/data/pairs/*.csv ../shared/data/pairs/nomenklatura/*.csv")]
    Pairs {
        /// Pair files (CSV) in any of the forms below.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Evaluate at this threshold instead of the default.
        #[arg(long)]
        threshold: Option<f64>,
        /// How many misses to list per file (for a file without labels: how
        /// many rows where kordon's ranking and the file's differ most).
        #[arg(long, default_value_t = 20)]
        misses: usize,
        /// Print every file's report as one JSON array.
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
    for (which, name) in [("first", &args.a), ("second", &args.b)] {
        if name.trim().is_empty() {
            bail!("the {which} name is empty");
        }
    }
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
    let mut reports: Vec<serde_json::Value> = Vec::new();
    let mut failed = 0;
    for f in &files {
        let file = f.display().to_string();
        let pairs = match eval::read_pair_file(f) {
            Ok(p) => p,
            Err(e) => {
                // One unreadable file does not hide the others' results.
                failed += 1;
                eprintln!("error: {e}");
                continue;
            }
        };
        let pairs = match pairs {
            eval::PairFile::Labelled(pairs) => pairs,
            eval::PairFile::Unlabelled(pairs) => {
                let report = eval::compare_unlabelled(&file, &pairs, threshold);
                if !json {
                    println!("{}", report.summary());
                    println!("    rows where kordon's ranking and the file's differ most:");
                    for r in report.rows.iter().take(misses) {
                        let p = &r.pair;
                        let theirs: Vec<String> =
                            p.anchors.iter().map(|(c, v)| format!("{c}={v}")).collect();
                        println!(
                            "    {:.3} [{}] {:?} vs {:?}{}",
                            r.score,
                            theirs.join(" "),
                            p.name1,
                            p.name2,
                            p.note
                                .as_deref()
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default()
                        );
                    }
                    if report.rows.len() > misses {
                        println!(
                            "    ... {} more rows (--misses N to list them)",
                            report.rows.len() - misses
                        );
                    }
                }
                let mut value = serde_json::to_value(&report)?;
                value["form"] = "unlabelled".into();
                reports.push(value);
                continue;
            }
        };
        let report = eval::evaluate_pairs(&file, &pairs, threshold);
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
        reports.push(serde_json::to_value(&report)?);
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

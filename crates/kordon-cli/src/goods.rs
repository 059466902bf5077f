//! `kordon goods CODE...`: HS codes against the Common High Priority List and
//! any further goods lists the user supplies.

use anyhow::{Context, Result};
use clap::Args;
use kordon_screen::goods::{GoodsList, GoodsScreener, HsNomenclature};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  kordon goods 8542.31.0000 848210 '8526 91'\n  \
    kordon goods 8471.30 --nomenclature ../shared/data/goods/harmonized-system-2022.csv\n  \
    kordon goods 8542.31 --list NAME=annex.csv --json\n\n\
Codes may be written 8542.31, 854231, 8542 31, or as 8- and 10-digit national codes; the first six \
digits decide. The Common High Priority List (version 2024-02-23) is built in."
)]
pub struct GoodsArgs {
    /// HS codes to look up.
    #[arg(required = true)]
    pub codes: Vec<String>,
    /// A further goods list, `NAME=FILE.csv`, in the CHPL's format (tier,hs6,description,source). Repeatable.
    #[arg(long = "list", value_name = "NAME=FILE")]
    pub lists: Vec<String>,
    /// An HS nomenclature CSV (section,hscode,description,parent,level) for descriptions of unlisted codes.
    #[arg(long)]
    pub nomenclature: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

/// The goods screener the CLI uses everywhere: the built-in CHPL plus the
/// user's lists and nomenclature.
pub fn screener(lists: &[String], nomenclature: Option<&Path>) -> Result<GoodsScreener> {
    let mut goods = GoodsScreener::default();
    for spec in lists {
        let (name, path) = spec
            .split_once('=')
            .with_context(|| format!("--list takes NAME=FILE, got {spec:?}"))?;
        let list = GoodsList::from_csv_path(name, Path::new(path))
            .with_context(|| format!("loading goods list {name} from {path}"))?;
        goods = goods.with_list(list);
    }
    if let Some(p) = nomenclature {
        let n = HsNomenclature::from_csv_path(p)
            .with_context(|| format!("loading HS nomenclature {}", p.display()))?;
        goods = goods.with_nomenclature(n);
    }
    Ok(goods)
}

pub fn run(args: GoodsArgs) -> Result<ExitCode> {
    let goods = screener(&args.lists, args.nomenclature.as_deref())?;
    let mut out = Vec::new();
    let mut bad = 0;
    for code in &args.codes {
        match goods.lookup(code) {
            Ok(hit) => {
                if !args.json {
                    let desc = hit
                        .description
                        .as_deref()
                        .unwrap_or("(no description: pass --nomenclature)");
                    println!("{}  {}", hit.code.dotted(), desc);
                    if hit.listings.is_empty() {
                        println!("    not on any loaded goods list");
                    }
                    for l in &hit.listings {
                        println!(
                            "    {}: tier {}{}",
                            l.list,
                            l.tier,
                            l.tier_title
                                .as_ref()
                                .map(|t| format!(" ({t})"))
                                .unwrap_or_default()
                        );
                        if let Some(g) = &l.guidance {
                            println!("      {g}");
                        }
                    }
                }
                out.push(serde_json::json!({"input": code, "result": hit}));
            }
            Err(e) => {
                bad += 1;
                if !args.json {
                    eprintln!("error: {e}");
                }
                out.push(serde_json::json!({"input": code, "error": e.to_string()}));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

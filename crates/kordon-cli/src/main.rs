//! `kordon`: sanctions and export-control screening from the command line.
//!
//! Each subcommand lives in its own module and only wires arguments to the
//! library crates; no screening logic lives here.

mod bench;
mod data_dir;
mod engine;
mod lists;
mod output;
mod screen;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kordon",
    version,
    about = "Sanctions and export-control screening: parties, goods, free text and shipments",
    long_about = "kordon screens names, goods (HS codes), documents and whole shipments against \
official sanctions and restricted-party lists (OFAC, UN, EU, UK, US CSL, OpenSanctions).\n\n\
Start by importing lists:\n  kordon lists import ../shared/data/lists/ofac ../shared/data/lists/un\n\
then screen:\n  kordon screen \"IEMZ Kupol JSC\"",
    after_help = "Exit codes: 0 ok (hits are not errors), 1 error, 2 usage, 3 lists missing or stale (fail closed)."
)]
struct Cli {
    /// Where kordon keeps its database. Default: $XDG_DATA_HOME/kordon (~/.local/share/kordon).
    #[arg(long, global = true, env = "KORDON_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import, inspect and show sanctions lists.
    Lists(lists::ListsArgs),
    /// Screen one party (person, company, vessel, aircraft) against the imported lists.
    Screen(screen::ScreenArgs),
    /// Measure performance (numbers for BENCHMARKS.md).
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = data_dir::resolve(cli.data_dir);
    let result = match cli.command {
        Command::Lists(args) => lists::run(&data_dir, args),
        Command::Screen(args) => screen::run(&data_dir, args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<engine::NotReady>().is_some() {
                ExitCode::from(3)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

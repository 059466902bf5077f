//! `kordon`: sanctions and export-control screening from the command line.
//!
//! Each subcommand lives in its own module and only wires arguments to the
//! library crates; no screening logic lives here.

mod alerts;
mod audit;
mod batch;
mod bench;
mod compare;
mod data_dir;
mod engine;
mod goods;
mod keys;
mod lists;
mod output;
mod scan;
mod screen;
mod serve;
mod shipments;
mod update;
mod watch;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

// Screening allocates many small, short-lived buffers per query on every
// worker thread; mimalloc's per-thread free lists serve them without the
// system allocator's locking and consolidation (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Score two names against each other, with the explanation.
    Compare(compare::CompareArgs),
    /// Evaluate the matcher on labelled data.
    Eval(compare::EvalArgs),
    /// Look up HS codes in the Common High Priority List (and your own goods lists).
    Goods(goods::GoodsArgs),
    /// Decide shipments BLOCK / REVIEW / CLEAR from parties, goods, destination and route.
    Shipments(shipments::ShipmentsArgs),
    /// Find listed parties, HS codes and IMO numbers in documents.
    Scan(scan::ScanArgs),
    /// Screen a CSV or JSON-lines file of parties (streams, uses all cores).
    Batch(batch::BatchArgs),
    /// Check and export the service's audit trail.
    Audit(audit::AuditArgs),
    /// Manage the service's API keys.
    Keys(keys::KeysArgs),
    /// Measure performance (numbers for BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Run the screening service (HTTP API, yente-compatible API, audit trail).
    Serve(serve::ServeArgs),
    /// Refresh lists from their official publishers (fail-safe; re-screens watched counterparties).
    Update(update::UpdateArgs),
    /// Counterparties under continuous screening: import them, re-screen, status.
    Watch(watch::WatchArgs),
    /// Alerts raised by continuous screening.
    Alerts(alerts::AlertsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        end_quietly_when_the_reader_leaves();
    }
    let data_dir = data_dir::resolve(cli.data_dir);
    let result = match cli.command {
        Command::Lists(args) => lists::run(&data_dir, args),
        Command::Screen(args) => screen::run(&data_dir, args),
        Command::Compare(args) => compare::compare(args),
        Command::Eval(args) => compare::eval(args),
        Command::Goods(args) => goods::run(args),
        Command::Shipments(args) => shipments::run(&data_dir, args),
        Command::Scan(args) => scan::run(&data_dir, args),
        Command::Batch(args) => batch::run(&data_dir, args),
        Command::Audit(args) => audit::run(&data_dir, args),
        Command::Keys(args) => keys::run(&data_dir, args),
        Command::Bench(args) => bench::run(&data_dir, args),
        Command::Serve(args) => serve::run(&data_dir, args),
        Command::Update(args) => update::run(&data_dir, args),
        Command::Watch(args) => watch::run(&data_dir, args),
        Command::Alerts(args) => alerts::run(&data_dir, args),
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

/// A reader that stops early (`kordon eval pairs FILE | head`) closes the
/// pipe. Rust ignores SIGPIPE, so the next write would fail and `println!`
/// panic with a backtrace; with the default action the command ends quietly,
/// as other command-line tools do. The service keeps ignoring the signal: a
/// client that hangs up must never stop it.
#[cfg(unix)]
fn end_quietly_when_the_reader_leaves() {
    // SAFETY: called before any other thread is started; SIG_DFL is a valid
    // action for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn end_quietly_when_the_reader_leaves() {}

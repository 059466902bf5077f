//! End-to-end tests of the `kordon` binary: import, status, show, screening,
//! and failing closed when lists are missing, stale or broken.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kordon(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("KORDON_MAX_AGE")
        .output()
        .expect("run kordon")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// A fresh data directory with the bundled demo list imported.
fn demo_imported() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let demo = repo("examples/lists/demo");
    let o = kordon(tmp.path(), &["lists", "import", demo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    tmp
}

#[test]
fn screening_without_lists_fails_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kordon(tmp.path(), &["screen", "IEMZ Kupol JSC"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("no lists are imported"), "{}", text(&o));
}

#[test]
fn import_status_show_and_screen_demo_list() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = repo("examples/lists/demo");
    let o = kordon(tmp.path(), &["lists", "import", demo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("us_ofac_sdn"), "{}", text(&o));

    let o = kordon(tmp.path(), &["lists", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status[0]["source"], "us_ofac_sdn");
    assert_eq!(status[0]["entities"], 6);
    assert_eq!(status[0]["files"].as_array().unwrap().len(), 3);

    let o = kordon(
        tmp.path(),
        &["lists", "show", "us_ofac_sdn:46431", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        e["names"][0]["full"],
        "JOINT STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL"
    );

    let o = kordon(tmp.path(), &["lists", "show", "us_ofac_sdn:1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no entity"), "{}", text(&o));

    for q in [
        "IEMZ Kupol JSC",
        "АО ИЭМЗ Купол",
        "Izhevsk Electromechanical Plant Kupol",
    ] {
        let o = kordon(tmp.path(), &["screen", q, "--json"]);
        assert!(o.status.success(), "{q}: {}", text(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            r["matches"][0]["entity_id"], "us_ofac_sdn:46431",
            "{q}: {r}"
        );
        assert_eq!(r["matches"][0]["is_match"], true, "{q}: {r}");
        assert!(
            !r["matches"][0]["explanation"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{q}: explained"
        );
        assert_eq!(r["lists"][0]["source"], "us_ofac_sdn");
    }
}

#[test]
fn stale_lists_fail_closed() {
    let tmp = demo_imported();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let o = kordon(tmp.path(), &["screen", "Kupol", "--max-age", "1s"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("stale"), "{}", text(&o));
}

#[test]
fn broken_file_is_reported_and_previous_version_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    for f in ["sdn.csv", "alt.csv", "add.csv"] {
        std::fs::copy(repo("examples/lists/demo").join(f), lists.join(f)).unwrap();
    }
    let db = tmp.path().join("db");
    assert!(kordon(&db, &["lists", "import", lists.to_str().unwrap()])
        .status
        .success());
    std::fs::write(lists.join("sdn.csv"), "46431,\"JOINT STOCK COMPANY IZH").unwrap();
    let o = kordon(&db, &["lists", "import", lists.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("sdn.csv"),
        "error names the file: {}",
        text(&o)
    );
    let o = kordon(&db, &["lists"]);
    assert!(text(&o).contains("STALE"), "{}", text(&o));
    let o = kordon(&db, &["lists", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status[0]["entities"], 6, "previous version still current");
    assert!(status[0]["last_failure"]["error"]
        .as_str()
        .unwrap()
        .contains("sdn.csv"));
}

#[test]
fn unknown_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("notes.txt");
    std::fs::write(&f, "hello world\n").unwrap();
    let o = kordon(
        &tmp.path().join("db"),
        &["lists", "import", f.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("notes.txt") && text(&o).contains("not a recognised list format"),
        "{}",
        text(&o)
    );
}

#[test]
fn imports_every_shared_list() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kordon(
        tmp.path(),
        &[
            "lists",
            "import",
            shared("lists").to_str().unwrap(),
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let results: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sources: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    for expected in [
        "us_ofac_sdn",
        "us_ofac_cons",
        "un_sc",
        "eu_journal",
        "gb_fcdo",
        "us_trade_csl",
        "os_zala",
    ] {
        assert!(
            sources.contains(&expected),
            "{expected} missing from {sources:?}"
        );
    }
    for r in results.as_array().unwrap() {
        assert_eq!(r["status"], "imported", "{r}");
        assert!(r["entities"].as_u64().unwrap() > 0, "{r}");
    }
}

#[test]
fn goods_shipments_and_scan_on_the_demo() {
    let tmp = demo_imported();

    let o = kordon(tmp.path(), &["goods", "8542.31.0000", "848210", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let g: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(g[0]["result"]["listings"][0]["tier"], "1");
    assert_eq!(g[1]["result"]["listings"][0]["tier"], "3.B");
    let o = kordon(tmp.path(), &["goods", "85x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("85x"), "{}", text(&o));

    let shipments = repo("examples/shipments.jsonl");
    let o = kordon(
        tmp.path(),
        &["shipments", shipments.to_str().unwrap(), "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["summary"]["block"], 1, "{r}");
    assert_eq!(r["summary"]["review"], 1, "{r}");
    assert_eq!(r["summary"]["clear"], 1, "{r}");

    let article = repo("examples/article.txt");
    let o = kordon(tmp.path(), &["scan", article.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let doc = std::fs::read_to_string(&article).unwrap();
    let parties = r[0]["report"]["parties"].as_array().unwrap();
    let ids: Vec<&str> = parties
        .iter()
        .map(|p| p["entity_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"us_ofac_sdn:46431") && ids.contains(&"us_ofac_sdn:35096"),
        "{ids:?}"
    );
    for p in parties {
        let (a, b) = (
            p["span"]["byte_start"].as_u64().unwrap() as usize,
            p["span"]["byte_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &doc[a..b],
            p["text"].as_str().unwrap(),
            "span points at the matched text"
        );
    }
}

/// `eval pairs` runs over every shared pair file: labelled ones get F1,
/// unlabelled ones a rank comparison, and an unreadable file fails the run
/// without hiding the others.
#[test]
fn eval_pairs_reads_every_shared_pair_file() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        "pairs/cascade-name-pairs.shared.csv",
        "pairs/algorithm-comparison.csv",
        "pairs/nomenklatura/ofac_fixtures.csv",
        "pairs/nomenklatura/name_bench_cases.csv",
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|f| shared(f).display().to_string())
        .collect();
    let mut args = vec!["eval", "pairs", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let o = kordon(tmp.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let reports: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 4);
    assert!(reports[0]["f1"].as_f64().unwrap() > 0.85);
    assert_eq!(reports[1]["form"], "unlabelled");
    assert_eq!(reports[1]["agreement"].as_array().unwrap().len(), 12);
    assert_eq!(reports[2]["n"], 170);
    assert!(reports[3]["f1"].as_f64().unwrap() > 0.85);

    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "id,caption\n1,ACME\n").unwrap();
    let o = kordon(
        tmp.path(),
        &["eval", "pairs", bad.to_str().unwrap(), paths[1].as_str()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("bad.csv: unsupported header"), "{out}");
    assert!(out.contains("Spearman vs jw"), "{out}");
}

#[test]
fn bench_screen_reports_every_round_and_their_medians() {
    let tmp = demo_imported();
    let o = kordon(
        tmp.path(),
        &[
            "bench",
            "screen",
            "--queries",
            "20",
            "--baseline-queries",
            "2",
            "--rounds",
            "3",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let loaded = &out["loaded"];
    let rounds = loaded["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 3, "{loaded}");
    assert!(loaded["with_hits"].as_u64().unwrap() > 0, "{loaded}");
    // Each typo'd query is checked against the party it was made from: one
    // per demo party, and every one finds it first.
    let recall = &out["recall"];
    let count = |f: &str| recall[f].as_u64().unwrap();
    assert_eq!(count("queries"), 6, "{recall}");
    assert_eq!(count("first"), 6, "{recall}");
    for field in ["p50_micros", "p99_micros", "parallel_screens_per_second"] {
        let each: Vec<f64> = rounds.iter().map(|r| r[field].as_f64().unwrap()).collect();
        let mut sorted = each.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(
            loaded[field].as_f64().unwrap(),
            sorted[1],
            "{field}: {each:?}"
        );
    }

    let o = kordon(tmp.path(), &["bench", "screen", "--rounds", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--rounds"), "{}", text(&o));
}

/// A reader that stops early (`| head`) ends the command quietly: no panic,
/// no backtrace on the terminal.
#[cfg(unix)]
#[test]
fn a_reader_that_leaves_early_ends_the_command_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    // Far more than a pipe holds, so the command must write after the reader has gone.
    let mut args = vec!["goods", "--json"];
    args.extend(std::iter::repeat_n("854231", 2000));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(&args)
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kordon");
    let mut first = [0u8; 100];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the first bytes");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let status = child.wait().expect("wait");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
}

/// `kordon compare` needs no lists: it scores, explains, speaks JSON, and
/// refuses an empty name instead of scoring it 0.
#[test]
fn compare_scores_explains_and_refuses_an_empty_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = kordon(
        dir.path(),
        &[
            "compare",
            "IEMZ Kupol JSC",
            "Izhevsk Electromechanical Plant Kupol",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let first = String::from_utf8_lossy(&out.stdout);
    let score: f64 = first
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a score first");
    assert!(score >= 0.72 && first.contains("MATCH"), "{first}");
    let out = kordon(
        dir.path(),
        &[
            "compare",
            "Vladimir Putin",
            "PUTIN, Vladimir",
            "--schema",
            "person",
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["match"], true, "{json}");
    let out = kordon(dir.path(), &["compare", "  ", "Kupol"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("the first name is empty"),
        "{}",
        text(&out)
    );
}

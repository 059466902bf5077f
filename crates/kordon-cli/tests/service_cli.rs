//! `kordon keys`, `kordon audit` and `kordon batch` end to end through the
//! binary. (Move to `crates/kordon-cli/tests/` once main.rs wires the Audit,
//! Keys and Batch subcommands.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kordon(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("KORDON_MAX_AGE")
        .env_remove("KORDON_DATABASE_URL")
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

fn demo_list() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lists/demo")
}

fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = kordon(
        dir.path(),
        &["lists", "import", demo_list().to_str().expect("utf8 path")],
    );
    assert!(out.status.success(), "{}", text(&out));
    dir
}

#[test]
fn keys_create_list_revoke() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = kordon(dir.path(), &["keys", "create", "ci-robot"]);
    assert!(out.status.success(), "{}", text(&out));
    let secret = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(secret.starts_with("kdn_") && secret.len() == 68, "{secret}");
    let out = kordon(dir.path(), &["keys", "list", "--json"]);
    let keys: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(keys[0]["name"], "ci-robot");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&secret),
        "the key itself is never listed"
    );
    let id = keys[0]["id"].as_str().expect("id").to_string();
    assert!(kordon(dir.path(), &["keys", "revoke", &id])
        .status
        .success());
    let out = kordon(dir.path(), &["keys", "revoke", &id]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "revoking twice is an error: {}",
        text(&out)
    );
    let out = kordon(dir.path(), &["keys", "list", "--json"]);
    let keys: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(keys[0]["revoked_at"].is_string());
}

#[test]
fn audit_verify_and_export_detect_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let mut store = kordon_audit::open(dir.path(), None).expect("audit");
        let records: Vec<kordon_audit::AuditRecord> = (0..5)
            .map(|i| kordon_audit::AuditRecord {
                request_id: format!("req-{i}"),
                at: format!("2026-11-2{i}T00:00:00.000Z"),
                api_key_id: None,
                endpoint: "POST /v1/screen".into(),
                query: serde_json::json!({"name": "x"}),
                lists: serde_json::json!([]),
                results: serde_json::json!([]),
                threshold: Some(0.7),
                status: 200,
            })
            .collect();
        store.append(&records).expect("append");
    }
    let out = kordon(dir.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("5 rows"), "{}", text(&out));
    let out = kordon(
        dir.path(),
        &[
            "audit",
            "export",
            "--since",
            "2026-11-23",
            "--format",
            "jsonl",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout)
        .expect("utf8")
        .lines()
        .collect();
    assert_eq!(lines.len(), 2, "rows on 2026-11-23 and 2026-11-24");
    let out = kordon(dir.path(), &["audit", "export", "--format", "csv"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        6,
        "header + 5 rows"
    );

    let db = rusqlite::Connection::open(dir.path().join("audit.db")).expect("open");
    db.execute(
        "UPDATE audit_log SET query = '{\"name\":\"y\"}' WHERE seq = 2",
        [],
    )
    .expect("edit");
    db.execute("DELETE FROM audit_log WHERE seq = 4", [])
        .expect("delete");
    drop(db);
    let out = kordon(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("row 2 was edited") && t.contains("row 4 was deleted"),
        "{t}"
    );
}

#[test]
fn batch_screens_a_csv_and_reports_bad_rows() {
    let dir = demo_dir();
    let input = dir.path().join("parties.csv");
    std::fs::write(
        &input,
        "full_name,cc,born,ref\n\
         JOINT STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL,RU,,a1\n\
         Zzyzx Qwertyuiop,,,a2\n\
         ,,,a3\n\
         \"PUTIN, Vladimir Vladimirovich\",RU,1952-13-45,a4\n\
         \"PUTIN, Vladimir Vladimirovich\",RU,1952,a5\n",
    )
    .expect("write");
    let hits = dir.path().join("hits.csv");
    let args = [
        "batch",
        "--quiet",
        "--input",
        input.to_str().expect("p"),
        "--output",
        hits.to_str().expect("p"),
        "--map",
        "name=full_name,country=cc,dob=born,ref=ref",
    ];
    let out = kordon(dir.path(), &args);
    assert!(out.status.success(), "hits are not errors: {}", text(&out));
    let t = text(&out);
    assert!(t.contains("parties.csv:4: no name"), "{t}");
    assert!(t.contains("parties.csv:5:"), "{t}");
    assert!(t.contains("Screened 3 of 5 rows"), "{t}");
    let mut rd = csv::Reader::from_path(&hits).expect("hits");
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("row")).collect();
    let found: Vec<(&str, &str)> = rows.iter().map(|r| (&r[1], &r[3])).collect();
    assert!(found.contains(&("a1", "us_ofac_sdn:46431")), "{found:?}");
    assert!(found.contains(&("a5", "us_ofac_sdn:35096")), "{found:?}");
    assert!(!found.iter().any(|(r, _)| *r == "a2"));

    let mut fail = args.to_vec();
    fail.extend(["--on-error", "fail"]);
    let out = kordon(dir.path(), &fail);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("parties.csv:4: no name"),
        "{}",
        text(&out)
    );

    let jsonl = dir.path().join("parties.jsonl");
    std::fs::write(
        &jsonl,
        "{\"name\": \"JSC IEMZ KUPOL\", \"country\": [\"RU\"]}\nnot json\n",
    )
    .expect("write");
    let out_jsonl = dir.path().join("hits.jsonl");
    let out = kordon(
        dir.path(),
        &[
            "batch",
            "--quiet",
            "--input",
            jsonl.to_str().expect("p"),
            "--output",
            out_jsonl.to_str().expect("p"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("parties.jsonl:2: invalid JSON"),
        "{}",
        text(&out)
    );
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&out_jsonl)
            .expect("read")
            .lines()
            .next()
            .expect("a hit"),
    )
    .expect("json");
    assert_eq!(first["entity_id"], "us_ofac_sdn:46431");
}

/// `--schema` gives the rows without a schema of their own their kind (a
/// row's own schema column wins), and `screen --input` passes it on. What
/// describes one party (--dob, --country, --id) is refused with --input.
#[test]
fn batch_schema_is_the_default_kind_of_rows_without_one() {
    let dir = demo_dir();
    let input = dir.path().join("parties.csv");
    std::fs::write(
        &input,
        "name,schema,ref\n\
         \"PUTIN, Vladimir Vladimirovich\",,no_kind\n\
         \"PUTIN, Vladimir Vladimirovich\",person,own_kind\n",
    )
    .expect("write");
    let hits = dir.path().join("hits.csv");
    let (input, hits) = (input.to_str().expect("p"), hits.to_str().expect("p"));
    let screen = |extra: &[&str]| {
        let args: Vec<&str> = ["screen", "--input", input, "--output", hits]
            .into_iter()
            .chain(extra.iter().copied())
            .collect();
        kordon(dir.path(), &args)
    };
    let refs = |extra: &[&str]| -> Vec<String> {
        let out = screen(extra);
        assert!(out.status.success(), "{}", text(&out));
        let mut rd = csv::Reader::from_path(hits).expect("hits");
        let mut refs: Vec<String> = rd
            .records()
            .map(|r| r.expect("row")[1].to_string())
            .collect();
        refs.dedup();
        refs
    };
    assert_eq!(refs(&[]), ["no_kind", "own_kind"]);
    // A vessel is never a person: only the row that says "person" has hits.
    assert_eq!(refs(&["--schema", "vessel"]), ["own_kind"]);
    let out = screen(&["--dob", "1952"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("describe one party"), "{}", text(&out));
}

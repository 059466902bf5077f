//! The same audit-trail suite against SQLite and against a real PostgreSQL
//! (`KORDON_TEST_POSTGRES_URL`, set by `.ci/services.sh`).

use kordon_audit::{
    export, verify, AuditRecord, AuditStore, AuditWriter, ExportFormat, PgAuditStore, Problem,
    SqliteAuditStore,
};
use serde_json::json;

/// A backend under test plus a way to tamper with its rows behind its back.
struct Backend {
    store: Box<dyn AuditStore>,
    tamper: Box<dyn FnMut(&str)>,
    reopen: Box<dyn Fn() -> Box<dyn AuditStore>>,
    _dir: Option<tempfile::TempDir>,
}

fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.db");
    let store = Box::new(SqliteAuditStore::open(&path).expect("open sqlite"));
    let p1 = path.clone();
    let p2 = path.clone();
    Backend {
        store,
        tamper: Box::new(move |sql| {
            let c = rusqlite::Connection::open(&p1).expect("open raw");
            c.execute_batch(sql).expect("tamper");
        }),
        reopen: Box::new(move || Box::new(SqliteAuditStore::open(&p2).expect("reopen"))),
        _dir: Some(dir),
    }
}

/// Each test gets its own PostgreSQL schema so tests run in parallel.
fn postgres(test: &str) -> Option<Backend> {
    let Ok(url) = std::env::var("KORDON_TEST_POSTGRES_URL") else {
        eprintln!("skipping the PostgreSQL run of {test}: KORDON_TEST_POSTGRES_URL is not set (.ci/services.sh sets it)");
        return None;
    };
    let schema = format!("audit_{test}_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .expect("connect to KORDON_TEST_POSTGRES_URL");
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("drop schema");
    let store = Box::new(PgAuditStore::connect(&url, Some(&schema)).expect("connect pg store"));
    let s1 = schema.clone();
    let url2 = url.clone();
    Some(Backend {
        store,
        tamper: Box::new(move |sql| {
            admin
                .batch_execute(&format!("SET search_path TO {s1}; {sql}"))
                .expect("tamper");
        }),
        reopen: Box::new(move || {
            Box::new(PgAuditStore::connect(&url2, Some(&schema)).expect("reopen pg"))
        }),
        _dir: None,
    })
}

fn record(i: usize) -> AuditRecord {
    AuditRecord {
        request_id: format!("req-{i}"),
        at: format!("2026-11-{:02}T10:00:00.{:03}Z", 1 + i % 28, i % 1000),
        api_key_id: Some("key_abc".into()),
        endpoint: "POST /v1/screen".into(),
        query: json!({"name": format!("Party {i}"), "countries": ["RU"], "zeta": 1, "alpha": [1.5, null]}),
        lists: json!([{"source": "us_ofac_sdn", "version": 3, "content_hash": "ab12"}]),
        results: json!([{"id": "us_ofac_sdn:46431", "score": 0.9731}]),
        threshold: Some(0.7),
        status: 200,
    }
}

fn fill(b: &mut Backend, n: usize) {
    let records: Vec<AuditRecord> = (1..=n).map(record).collect();
    // Two transactions, to check the chain continues across appends.
    let (a, c) = records.split_at(n / 2);
    let mut seqs = b.store.append(a).expect("append");
    seqs.extend(b.store.append(c).expect("append"));
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>());
}

fn run_chain_intact(mut b: Backend) {
    fill(&mut b, 10);
    let report = verify(b.store.as_mut()).expect("verify");
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.rows, 10);
    assert_eq!(report.last_seq, Some(10));
    // A fresh connection sees the same committed, intact chain.
    let mut again = (b.reopen)();
    let report = verify(again.as_mut()).expect("verify");
    assert!(report.ok() && report.rows == 10);
    // Every field survives the round trip.
    let mut rows = Vec::new();
    again
        .scan(None, &mut |r| {
            rows.push(r);
            Ok(())
        })
        .expect("scan");
    assert_eq!(rows[2].request_id, "req-3");
    assert_eq!(rows[2].threshold, Some(0.7));
    let q: serde_json::Value = serde_json::from_str(&rows[2].query).expect("query json");
    assert_eq!(q["name"], "Party 3");
    assert_eq!(rows[3].prev_hash, rows[2].hash);
}

fn run_detects_edit(mut b: Backend) {
    fill(&mut b, 10);
    (b.tamper)("UPDATE audit_log SET results = '[]' WHERE seq = 4");
    let report = verify(b.store.as_mut()).expect("verify");
    assert_eq!(report.problems, vec![Problem::Edited { seq: 4 }]);
    assert_eq!(
        report.problems[0].to_string(),
        "row 4 was edited (its content does not match its hash)"
    );
}

fn run_detects_rehashed_edit(mut b: Backend) {
    fill(&mut b, 6);
    // An editor who also rewrites the row's hash breaks the next row's link.
    (b.tamper)("UPDATE audit_log SET status = 500, hash = 'ff' WHERE seq = 2");
    let report = verify(b.store.as_mut()).expect("verify");
    assert!(
        report.problems.contains(&Problem::Edited { seq: 2 }),
        "{:?}",
        report.problems
    );
    (b.tamper)("UPDATE audit_log SET status = 200 WHERE seq = 2");
    let report = verify(b.store.as_mut()).expect("verify");
    assert!(
        report.problems.contains(&Problem::Relinked { seq: 2 }),
        "{:?}",
        report.problems
    );
}

fn run_detects_deletions(mut b: Backend) {
    fill(&mut b, 10);
    (b.tamper)("DELETE FROM audit_log WHERE seq IN (5, 6)");
    let report = verify(b.store.as_mut()).expect("verify");
    assert_eq!(
        report.problems,
        vec![Problem::Deleted { first: 5, last: 6 }]
    );
    // Deleting the newest rows leaves the head pointing past the end.
    (b.tamper)("DELETE FROM audit_log WHERE seq >= 9");
    let report = verify(b.store.as_mut()).expect("verify");
    assert_eq!(
        report.problems,
        vec![
            Problem::Deleted { first: 5, last: 6 },
            Problem::Deleted { first: 9, last: 10 }
        ]
    );
    assert_eq!(report.problems[1].to_string(), "rows 9 to 10 were deleted");
}

fn run_export(mut b: Backend) {
    fill(&mut b, 10);
    let mut out = Vec::new();
    let n = export(
        b.store.as_mut(),
        Some("2026-11-06T00:00:00.000Z"),
        ExportFormat::Jsonl,
        &mut out,
    )
    .expect("export");
    // Records 1..=10 are dated 2026-11-02..2026-11-11: six fall on or after the 6th.
    assert_eq!(n, 6);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["request_id"], "req-5");
    let mut out = Vec::new();
    let n = export(b.store.as_mut(), None, ExportFormat::Csv, &mut out).expect("export");
    assert_eq!(n, 10);
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let headers = rd.headers().expect("headers").clone();
    assert_eq!(&headers[0], "seq");
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(&rows[9][1], "req-10");
}

fn run_keys(mut b: Backend) {
    let k = b.store.create_key("ci robot").expect("create");
    assert!(k.secret.starts_with("kdn_") && k.secret.len() == 68);
    let other = b.store.create_key("analyst").expect("create");
    let active = b.store.active_key_hashes().expect("active");
    assert_eq!(active.len(), 2);
    assert!(active.contains(&(kordon_audit::hash_key(&k.secret), k.info.id.clone())));
    // Only the hash is stored.
    assert!(!active.iter().any(|(h, _)| h == &k.secret));
    assert!(b
        .store
        .revoke_key(&k.info.id, "2026-11-30T00:00:00.000Z")
        .expect("revoke"));
    assert!(!b
        .store
        .revoke_key(&k.info.id, "2026-11-30T00:00:00.000Z")
        .expect("revoke twice"));
    assert!(!b
        .store
        .revoke_key("key_nope", "2026-11-30T00:00:00.000Z")
        .expect("revoke unknown"));
    let active = b.store.active_key_hashes().expect("active");
    assert_eq!(
        active,
        vec![(kordon_audit::hash_key(&other.secret), other.info.id.clone())]
    );
    let listed = b.store.list_keys().expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .any(|i| i.id == k.info.id && i.revoked_at.is_some()));
    assert!(b.store.create_key("  ").is_err());
}

fn run_group_commit(b: Backend) {
    let reopen = b.reopen;
    let (writer, handle) = AuditWriter::spawn(b.store, 64).expect("spawn");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let seqs = rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 1..=200 {
            let w = writer.clone();
            tasks.push(tokio::spawn(async move { w.record(record(i)).await }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.expect("join").expect("record"));
        }
        seqs
    });
    drop(writer);
    handle.join().expect("writer thread");
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=200).collect::<Vec<i64>>());
    let mut store = reopen();
    let report = verify(store.as_mut()).expect("verify");
    assert!(report.ok() && report.rows == 200, "{report:?}");
}

macro_rules! suite {
    ($($name:ident => $run:ident),* $(,)?) => {
        mod on_sqlite { use super::*; $(#[test] fn $name() { $run(sqlite()); })* }
        mod on_postgres { use super::*; $(#[test] fn $name() { if let Some(b) = postgres(stringify!($name)) { $run(b); } })* }
    };
}

suite! {
    chain_intact => run_chain_intact,
    detects_edit => run_detects_edit,
    detects_rehashed_edit => run_detects_rehashed_edit,
    detects_deletions => run_detects_deletions,
    export_since => run_export,
    api_keys => run_keys,
    group_commit => run_group_commit,
}

//! Real third-party clients against a real server: the `yente-client` package
//! from PyPI, and schemathesis fuzzing the OpenAPI document for 5xx answers.
//! Both need the venv `.ci/services.sh` creates (`KORDON_TEST_PYTHON`); CI
//! sets it. Without it the tests print why they skip.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    match std::env::var_os("KORDON_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("SKIPPED: KORDON_TEST_PYTHON is not set (source .ci/services.sh to create the venv)");
            None
        }
    }
}

async fn run(cmd: Command) -> std::process::Output {
    let mut cmd = cmd;
    tokio::task::spawn_blocking(move || cmd.output().expect("run python tool"))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yente_client_package_matches_a_sanctioned_name() {
    let Some(py) = python() else { return };
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yente_client_check.py");
    let mut cmd = Command::new(&py);
    cmd.arg(script).arg(t.server.url()).arg(&t.key);
    let out = run(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "yente-client check failed:\n{stdout}\n{stderr}"
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json line");
    assert_eq!(seen["top"], KUPOL_ID);
    assert_eq!(seen["putin"], PUTIN_ID);
    // Every call the client made was authenticated with the key and audited.
    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    let mut endpoints = Vec::new();
    store
        .scan(None, &mut |r| {
            assert_eq!(r.api_key_id.as_deref(), Some(t.key_id.as_str()));
            endpoints.push(r.endpoint);
            Ok(())
        })
        .expect("scan");
    assert_eq!(
        endpoints
            .iter()
            .filter(|e| e.starts_with("POST /match/"))
            .count(),
        4,
        "{endpoints:?}"
    );
    assert!(endpoints.contains(&"POST /match/us_ofac_sdn".to_string()));
    assert!(endpoints.contains(&"GET /search/default".to_string()));
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_errors() {
    let Some(py) = python() else { return };
    let tool = py.with_file_name("schemathesis");
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    let reports = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(tool);
    cmd.current_dir(reports.path())
        .arg("run")
        .arg(format!("{}/openapi.json", t.server.url()))
        .args([
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--max-time",
            "45",
            "--seed",
            "7",
        ])
        .args([
            "--generation-database",
            "none",
            "--workers",
            "2",
            "--no-color",
            "--request-timeout",
            "10",
        ])
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", t.key));
    let out = run(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{stderr}"
    );
    // It really exercised the API: screening requests reached the audit log.
    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    let mut rows = 0;
    store
        .scan(None, &mut |_| {
            rows += 1;
            Ok(())
        })
        .expect("scan");
    assert!(
        rows > 0,
        "schemathesis made no screening request:\n{stdout}"
    );
    t.server.shutdown().await.expect("shutdown");
}

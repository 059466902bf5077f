//! The service with its audit log and API keys in a real PostgreSQL
//! (`KORDON_TEST_POSTGRES_URL`, set by `.ci/services.sh`).

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_is_audited_in_postgres() {
    let Ok(url) = std::env::var("KORDON_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: KORDON_TEST_POSTGRES_URL is not set (source .ci/services.sh to start PostgreSQL)");
        return;
    };
    let dir = demo_data_dir();
    let u = url.clone();
    let (key_id, key) = tokio::task::spawn_blocking(move || {
        let mut store =
            kordon_audit::open(std::path::Path::new("unused"), Some(&u)).expect("connect");
        let k = store.create_key("pg-tests").expect("key");
        (k.info.id, k.secret)
    })
    .await
    .expect("join");
    let mut c = config(dir.path());
    c.database_url = Some(url.clone());
    // Exercise the background key refresh against PostgreSQL too.
    c.key_refresh_interval = std::time::Duration::from_millis(50);
    let server = kordon_server::start(c).await.expect("start");
    let http = reqwest::Client::new();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let r = http
            .post(format!("{}/v1/screen", server.url()))
            .bearer_auth(&key)
            .json(&json!({"parties": [{"name": KUPOL_NAME}]}))
            .send()
            .await
            .expect("send");
        let (s, b) = decode(r).await;
        assert_eq!(s, 200, "{b}");
        ids.push(b["request_id"].as_str().expect("id").to_string());
    }
    server.shutdown().await.expect("shutdown");
    // No audit.db: the log went to PostgreSQL.
    assert!(!dir.path().join("audit.db").exists());
    let report = tokio::task::spawn_blocking(move || {
        let mut store =
            kordon_audit::open(std::path::Path::new("unused"), Some(&url)).expect("connect");
        let mut found = Vec::new();
        store
            .scan(None, &mut |r| {
                if ids.contains(&r.request_id) {
                    assert_eq!(r.api_key_id.as_deref(), Some(key_id.as_str()));
                    found.push(r.request_id);
                }
                Ok(())
            })
            .expect("scan");
        assert_eq!(found.len(), 5);
        kordon_audit::verify(store.as_mut()).expect("verify")
    })
    .await
    .expect("join");
    assert!(report.ok(), "{:?}", report.problems);
}

//! The service over a real shared list (the UN Security Council consolidated
//! list), not only the hand-written demo.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;

#[tokio::test]
async fn un_consolidated_list_over_http() {
    let un = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/lists/un/consolidated.xml");
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &un);
    let t = TestServer::start(dir.path(), |_| {}).await;
    let (s, b) = t.get("/v1/lists").await;
    assert_eq!(s, 200);
    // The file lists 730 individuals and 273 entities.
    assert_eq!(b["entities_loaded"], 1003, "{b}");
    assert_eq!(b["lists"][0]["source"], "un_sc");
    assert_eq!(b["lists"][0]["published"], "2026-02-27T00:00:09.554Z");

    let (s, b) = t
        .post(
            "/match/un_sc",
            &json!({"queries": {"q": {"schema": "Company", "properties": {"name": ["Korea Mining Development Trading Corporation"]}}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let top = &b["responses"]["q"]["results"][0];
    assert_eq!(top["id"], "un_sc:KPe.001", "{b}");
    assert_eq!(top["match"], true);
    assert_eq!(top["datasets"], json!(["un_sc"]));

    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "KOMID", "schema": "organization"}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let ids: Vec<&str> = b["results"][0]["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .filter_map(|m| m["entity_id"].as_str())
        .collect();
    assert!(
        ids.contains(&"un_sc:KPe.001"),
        "KOMID is listed as an alias of KPe.001: {b}"
    );
    t.server.shutdown().await.expect("shutdown");
}

//! The service end to end: a real server on 127.0.0.1:0 over the demo list,
//! exercised through HTTP like a client would.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn health_ready_and_lists() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    let (s, b) = t.get("/healthz").await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ok")));
    let (s, b) = t.get("/readyz").await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ok")), "{b}");
    let (s, b) = t.get("/v1/lists").await;
    assert_eq!(s, 200);
    assert_eq!(b["ready"], true);
    let lists = b["lists"].as_array().expect("lists");
    assert_eq!(lists.len(), 1, "{b}");
    assert_eq!(lists[0]["source"], "us_ofac_sdn");
    assert_eq!(lists[0]["fresh"], true);
    assert_eq!(lists[0]["entities"], b["entities_loaded"]);
    assert!(lists[0]["entities"].as_u64().expect("count") >= 5);
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn screen_finds_a_sanctioned_party_and_records_it() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [
                {"id": "c-1", "name": KUPOL_NAME, "schema": "organization", "countries": ["RU"]},
                {"name": "Zzyzx Qwertyuiop Holdings"},
                {"name": "PUTIN, Vladimir Vladimirovich", "schema": "person", "birth_date": "1952-10-07"}
            ], "threshold": 0.7, "limit": 3}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let results = b["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["id"], "c-1");
    let top = &results[0]["matches"][0];
    assert_eq!(top["entity_id"], KUPOL_ID, "{b}");
    assert!(top["score"].as_f64().expect("score") >= 0.7);
    assert_eq!(top["is_match"], true);
    assert_eq!(top["source"], "us_ofac_sdn");
    assert!(top["entity"]["names"]
        .as_array()
        .expect("names")
        .iter()
        .any(|n| n == "JSC IEMZ KUPOL"));
    assert!(top["entity"]["programs"]
        .as_array()
        .expect("programs")
        .iter()
        .any(|p| p == "RUSSIA-EO14024"));
    assert_eq!(
        results[1]["matches"].as_array().map(Vec::len),
        Some(0),
        "a made-up name must not match: {b}"
    );
    assert_eq!(results[2]["matches"][0]["entity_id"], PUTIN_ID);
    assert_eq!(b["lists"][0]["source"], "us_ofac_sdn");
    let request_id = b["request_id"].as_str().expect("request id").to_string();

    // The record was committed before the response: it is in the log now.
    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    let mut rows = Vec::new();
    store
        .scan(None, &mut |r| {
            rows.push(r);
            Ok(())
        })
        .expect("scan");
    let row = rows
        .iter()
        .find(|r| r.request_id == request_id)
        .expect("audit row for the request");
    assert_eq!(row.endpoint, "POST /v1/screen");
    assert_eq!(row.api_key_id.as_deref(), Some(t.key_id.as_str()));
    assert_eq!(row.status, 200);
    assert_eq!(row.threshold, Some(0.7));
    assert!(row.results.contains(KUPOL_ID) && row.query.contains("Zzyzx"));
    assert!(row.lists.contains("us_ofac_sdn"));
    assert!(kordon_audit::verify(store.as_mut()).expect("verify").ok());
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn authentication() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |c| {
        c.key_refresh_interval = std::time::Duration::from_millis(100)
    })
    .await;
    let body = json!({"parties": [{"name": KUPOL_NAME}]});
    let url = t.url("/v1/screen");
    let r = t.http.post(&url).json(&body).send().await.expect("send");
    assert_eq!(
        r.headers().get("www-authenticate").map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    let (s, b) = decode(r).await;
    assert_eq!((s, b["code"].as_str()), (401, Some("unauthorized")));
    let (s, _) = decode(
        t.http
            .post(&url)
            .bearer_auth("kdn_wrong")
            .json(&body)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, 401);
    for (name, value) in [
        ("authorization", format!("Bearer {}", t.key)),
        ("authorization", format!("ApiKey {}", t.key)),
        ("x-api-key", t.key.clone()),
    ] {
        let (s, b) = decode(
            t.http
                .post(&url)
                .header(name, value)
                .json(&body)
                .send()
                .await
                .expect("send"),
        )
        .await;
        assert_eq!(s, 200, "{name}: {b}");
    }
    // Operational endpoints stay open.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let r = t.http.get(t.url(path)).send().await.expect("send");
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
    // A revoked key stops working within the refresh interval.
    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    assert!(store
        .revoke_key(&t.key_id, &kordon_audit::now_timestamp())
        .expect("revoke"));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (s, _) = t.post("/v1/screen", &body).await;
    assert_eq!(s, 401);
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn bad_requests_get_the_right_4xx_naming_the_field() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |c| {
        c.max_batch = 3;
        c.max_body_bytes = 2048;
    })
    .await;
    let (s, b) = t.post_raw("/v1/screen", b"{\"parties\": [".to_vec()).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("bad_json")), "{b}");
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "A"}, {"name": "B", "schema": "banana"}]}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (422, Some("parties[1].schema")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": vec![json!({"name": "A"}); 4]}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str(), b["field"].as_str()),
        (422, Some("too_many_queries"), Some("parties"))
    );
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "x".repeat(4000)}]}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (413, Some("body_too_large")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "A"}], "threshold": 2.0}),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (422, Some("threshold")));
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "A", "nmae": "typo"}]}),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        b["field"]
            .as_str()
            .expect("field")
            .starts_with("parties[0]"),
        "{b}"
    );
    let (s, b) = t
        .post("/v1/screen", &json!({"parties": [{"name": 5}]}))
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (422, Some("parties[0].name")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "A", "birth_date": "yesterday"}]}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (422, Some("parties[0].birth_date")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/v1/screen",
            &json!({"parties": [{"name": "A"}], "sources": ["eu_fsf"]}),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (422, Some("sources[0]")), "{b}");
    let (s, b) = t.post("/v1/screen", &json!({"parties": []})).await;
    assert_eq!((s, b["field"].as_str()), (422, Some("parties")));
    let (s, b) = t
        .post(
            "/match/default",
            &json!({"queries": {"q": {"schema": "Address", "properties": {"name": ["x"]}}}}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (400, Some("queries.q.schema")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/match/default",
            &json!({"queries": {"q": {"schema": "Person", "properties": {"birthDate": ["1952"]}}}}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (422, Some("queries.q.properties.name")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/match/default",
            &json!({"queries": {"q": {"schema": "Person", "properties": {"name": [{"x": 1}]}}}}),
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (422, Some("queries.q.properties.name")),
        "{b}"
    );
    let (s, b) = t
        .post(
            "/match/no_such_list",
            &json!({"queries": {"q": {"schema": "Person", "properties": {"name": ["x"]}}}}),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = t
        .post(
            "/match/default?algorithm=logic-v9",
            &json!({"queries": {"q": {"schema": "Person", "properties": {"name": ["x"]}}}}),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("algorithm")));
    let (s, b) = t
        .post(
            "/match/default?limit=abc",
            &json!({"queries": {"q": {"schema": "Person", "properties": {"name": ["x"]}}}}),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (422, Some("limit")));
    let (s, b) = t.get("/search/default").await;
    assert_eq!((s, b["field"].as_str()), (422, Some("q")));
    let (s, b) = t.get("/v1/screen").await;
    assert_eq!((s, b["code"].as_str()), (405, Some("method_not_allowed")));
    let (s, b) = t.get("/no/such/endpoint").await;
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")));
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn yente_compatible_endpoints() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    let body = json!({"queries": {
        "kupol": {"schema": "Company", "properties": {"name": [KUPOL_NAME], "jurisdiction": ["ru"]}},
        "putin": {"schema": "Person", "properties": {"firstName": ["Vladimir"], "name": ["PUTIN, Vladimir Vladimirovich"], "birthDate": ["1952-10-07"]}},
    }, "weights": {}, "config": {}});
    let (s, b) = t.post("/match/default?threshold=0.7&limit=3", &body).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["limit"], 3);
    let kupol = &b["responses"]["kupol"];
    assert_eq!(kupol["status"], 200);
    assert_eq!(kupol["query"]["schema"], "Company");
    let top = &kupol["results"][0];
    assert_eq!(top["id"], KUPOL_ID, "{b}");
    assert_eq!(top["caption"], KUPOL_NAME);
    assert_eq!(top["schema"], "Organization");
    assert_eq!(top["match"], true);
    assert_eq!(top["datasets"], json!(["us_ofac_sdn"]));
    assert!(top["properties"]["alias"]
        .as_array()
        .expect("alias")
        .iter()
        .any(|a| a == "JSC IEMZ KUPOL"));
    assert!(top["properties"]["program"]
        .as_array()
        .expect("program")
        .iter()
        .any(|p| p == "RUSSIA-EO14024"));
    assert!(top["explanations"]["name_match"]["score"].is_number());
    assert!(kupol["total"]["value"].as_u64().expect("total") >= 1);
    let putin = &b["responses"]["putin"]["results"][0];
    assert_eq!(putin["id"], PUTIN_ID, "{b}");
    assert_eq!(putin["schema"], "Person");
    assert_eq!(putin["properties"]["birthDate"], json!(["1952-10-07"]));
    assert_eq!(putin["properties"]["nationality"], json!(["ru"]));

    // Filters: excluding the hit by id or by dataset removes it.
    let single =
        json!({"queries": {"q": {"schema": "Company", "properties": {"name": [KUPOL_NAME]}}}});
    let (_, b) = t
        .post(
            &format!("/match/default?exclude_entity_ids={KUPOL_ID}"),
            &single,
        )
        .await;
    assert!(!b["responses"]["q"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|r| r["id"] == KUPOL_ID));
    let (_, b) = t
        .post("/match/default?exclude_dataset=us_ofac_sdn", &single)
        .await;
    assert_eq!(b["responses"]["q"]["results"], json!([]));
    let (s, b) = t
        .post("/match/us_ofac_sdn?topics=no.such.topic", &single)
        .await;
    assert_eq!((s, &b["responses"]["q"]["results"]), (200, &json!([])));

    let (s, b) = t.get("/search/default?q=JSC%20IEMZ%20KUPOL&limit=5").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["results"][0]["id"], KUPOL_ID, "{b}");
    assert_eq!(
        (b["limit"].as_u64(), b["offset"].as_u64()),
        (Some(5), Some(0))
    );
    let (s, b) = t.get("/entities/us_ofac_sdn%3A46431").await;
    assert_eq!((s, b["caption"].as_str()), (200, Some(KUPOL_NAME)), "{b}");
    let (s, _) = t.get("/entities/us_ofac_sdn:99999999").await;
    assert_eq!(s, 404);
    let (s, b) = t.get("/algorithms").await;
    assert_eq!(
        (s, b["best"].as_str(), b["default"].as_str()),
        (200, Some("kordon"), Some("kordon"))
    );
    let (s, b) = t.get("/catalog").await;
    assert_eq!(s, 200);
    let names: Vec<&str> = b["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, vec!["default", "us_ofac_sdn"]);
    assert_eq!(b["current"], json!(["us_ofac_sdn"]));
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn missing_lists_mean_503_never_no_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = TestServer::start(dir.path(), |_| {}).await;
    let (s, b) = t.get("/readyz").await;
    assert_eq!((s, b["code"].as_str()), (503, Some("no_lists")), "{b}");
    let (s, b) = t
        .post("/v1/screen", &json!({"parties": [{"name": KUPOL_NAME}]}))
        .await;
    assert_eq!((s, b["code"].as_str()), (503, Some("no_lists")), "{b}");
    assert!(b["detail"]
        .as_str()
        .expect("detail")
        .contains("no lists are imported"));
    let (s, _) = t
        .post(
            "/match/default",
            &json!({"queries": {"q": {"schema": "Person", "properties": {"name": ["x"]}}}}),
        )
        .await;
    assert_eq!(s, 503);
    let (s, _) = t.get("/search/default?q=x").await;
    assert_eq!(s, 503);
    let (s, _) = t.get("/entities/us_ofac_sdn:46431").await;
    assert_eq!(s, 503);
    // The refusal is on record too.
    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    let mut statuses = Vec::new();
    store
        .scan(None, &mut |r| {
            statuses.push(r.status);
            Ok(())
        })
        .expect("scan");
    assert_eq!(statuses, vec![503, 503, 503]);
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn stale_lists_mean_503_then_a_reload_makes_it_ready() {
    let dir = demo_data_dir();
    // Age the import by 30 days behind the store's back.
    let db = rusqlite::Connection::open(dir.path().join("kordon.db")).expect("open kordon.db");
    db.execute(
        "UPDATE source_versions SET imported_at = imported_at - 30 * 86400",
        [],
    )
    .expect("age");
    drop(db);
    let t = TestServer::start(dir.path(), |c| {
        c.reload_interval = std::time::Duration::from_millis(100)
    })
    .await;
    let (s, b) = t.get("/readyz").await;
    assert_eq!((s, b["code"].as_str()), (503, Some("stale_lists")), "{b}");
    assert!(
        b["detail"]
            .as_str()
            .expect("detail")
            .contains("us_ofac_sdn imported 30days"),
        "{b}"
    );
    let (s, b) = t
        .post("/v1/screen", &json!({"parties": [{"name": KUPOL_NAME}]}))
        .await;
    assert_eq!((s, b["code"].as_str()), (503, Some("stale_lists")), "{b}");
    let (_, b) = t.get("/v1/lists").await;
    assert_eq!(
        (b["ready"].as_bool(), b["lists"][0]["fresh"].as_bool()),
        (Some(false), Some(false))
    );
    // Importing a new version (here: a second list) is picked up without a restart.
    let extra = tempfile::tempdir().expect("tempdir");
    for f in ["sdn.csv", "add.csv", "alt.csv"] {
        let text = std::fs::read_to_string(demo_list().join(f)).expect("read demo");
        // A changed file is a new version of the same source.
        std::fs::write(
            extra.path().join(f),
            if f == "sdn.csv" {
                text.replacen("KUPOL\"", "KUPOL JSC\"", 1)
            } else {
                text
            },
        )
        .expect("write");
    }
    import(dir.path(), extra.path());
    let mut ready = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if t.get("/readyz").await.0 == 200 {
            ready = true;
            break;
        }
    }
    assert!(ready, "a fresh import must make the service ready again");
    let (s, _) = t
        .post("/v1/screen", &json!({"parties": [{"name": KUPOL_NAME}]}))
        .await;
    assert_eq!(s, 200);
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn time_limit_answers_503() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |c| {
        c.request_timeout = std::time::Duration::from_nanos(1)
    })
    .await;
    let (s, b) = t
        .post("/v1/screen", &json!({"parties": [{"name": KUPOL_NAME}]}))
        .await;
    assert_eq!((s, b["code"].as_str()), (503, Some("time_limit")), "{b}");
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn metrics_and_openapi() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    for _ in 0..3 {
        assert_eq!(
            t.post("/v1/screen", &json!({"parties": [{"name": KUPOL_NAME}]}))
                .await
                .0,
            200
        );
    }
    assert_eq!(t.post("/v1/screen", &json!({"parties": []})).await.0, 422);
    let text = t
        .http
        .get(t.url("/metrics"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(
            r#"kordon_http_requests_total{method="POST",route="/v1/screen",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"kordon_http_requests_total{method="POST",route="/v1/screen",status="422"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"kordon_http_request_duration_seconds_bucket{"#),
        "{text}"
    );
    let (_, lists) = t.get("/v1/lists").await;
    assert!(
        text.contains(&format!(
            "kordon_entities_loaded {}",
            lists["entities_loaded"]
        )),
        "{text}"
    );
    assert!(
        text.contains(r#"kordon_list_age_seconds{source="us_ofac_sdn"}"#),
        "{text}"
    );
    assert!(text.contains("kordon_ready 1"), "{text}");
    let (s, api) = t.get("/openapi.json").await;
    assert_eq!(s, 200);
    assert!(api["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/v1/screen",
        "/v1/lists",
        "/match/{dataset}",
        "/search/{dataset}",
        "/entities/{entity_id}",
        "/algorithms",
        "/catalog",
        "/readyz",
    ] {
        assert!(
            api["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(api["components"]["schemas"]["ScreenRequest"].is_object());
    t.server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn concurrent_requests_are_all_audited_in_one_intact_chain() {
    let dir = demo_data_dir();
    let t = TestServer::start(dir.path(), |_| {}).await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let http = t.http.clone();
        let url = t.url(if i % 2 == 0 {
            "/v1/screen"
        } else {
            "/match/default"
        });
        let key = t.key.clone();
        let body = if i % 2 == 0 {
            json!({"parties": [{"name": KUPOL_NAME}]})
        } else {
            json!({"queries": {"q": {"schema": "Company", "properties": {"name": [KUPOL_NAME]}}}})
        };
        tasks.push(tokio::spawn(async move {
            let (s, b) = decode(
                http.post(url)
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .expect("send"),
            )
            .await;
            assert_eq!(s, 200, "{b}");
            b["request_id"].as_str().expect("request id").to_string()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("join"));
    }
    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    let mut logged = std::collections::HashSet::new();
    store
        .scan(None, &mut |r| {
            logged.insert(r.request_id);
            Ok(())
        })
        .expect("scan");
    assert!(ids.iter().all(|id| logged.contains(id)));
    assert_eq!(logged.len(), 100);
    let report = kordon_audit::verify(store.as_mut()).expect("verify");
    assert!(report.ok() && report.rows == 100, "{report:?}");
    t.server.shutdown().await.expect("shutdown");
}

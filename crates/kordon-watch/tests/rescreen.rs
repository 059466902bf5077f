//! Continuous re-screening end to end: the real OFAC 2021 SDN CSV set served
//! on 127.0.0.1, stored counterparties, a list change adding one entity (a
//! Chinese supplier of drone engines), alerts only for what the change can
//! affect, no repeat alerts, and webhook delivery that never loses an alert.
//! The list-change scenario also runs against a real PostgreSQL when
//! `KORDON_TEST_POSTGRES_URL` is set (`.ci/services.sh` sets it).

mod common;

use common::publisher::Publisher;
use hmac::{Hmac, KeyInit, Mac};
use kordon_store::Store;
use kordon_update::{update_all, UpdateConfig, UpdateOptions, UpdateStatus};
use kordon_watch::{
    import_counterparties, read_file, rescreen, AlertCause, ColumnMap, WatchDb, WatchOptions,
    WebhookConfig,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PARTS: [&str; 4] = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"];

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn customers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/customers.csv")
}

fn map() -> ColumnMap {
    ColumnMap::parse("name=company_or_person,country=ctry,dob=born,schema=kind,key=customer_no")
        .unwrap()
}

struct Setup {
    _tmp: tempfile::TempDir,
    served: PathBuf,
    data: PathBuf,
    publisher: Publisher,
    cfg: UpdateConfig,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    for f in PARTS {
        std::fs::copy(
            shared("lists/ofac/snapshot-2021-07-07").join(f),
            served.join(f),
        )
        .unwrap();
    }
    let publisher = Publisher::start(served.clone());
    let files: Vec<String> = PARTS
        .iter()
        .map(|n| format!("{{ url = \"{}\", name = \"{n}\" }}", publisher.url(n)))
        .collect();
    let cfg = UpdateConfig::from_toml_str(
        &format!(
            "[[source]]\nkey = \"us_ofac_sdn\"\nformat = \"ofac_sdn_csv\"\nallow_http = true\nfiles = [{}]\n",
            files.join(", ")
        ),
        "test",
    )
    .unwrap();
    let data = tmp.path().join("data");
    Setup {
        _tmp: tmp,
        served,
        data,
        publisher,
        cfg,
    }
}

/// Append a row before OFAC's trailing DOS end-of-file byte.
fn append_row(path: &Path, row: &str) {
    let mut text = std::fs::read_to_string(path).unwrap();
    let eof = text.ends_with('\u{1a}');
    if eof {
        text.pop();
    }
    text.push_str(row);
    text.push_str("\r\n");
    if eof {
        text.push('\u{1a}');
    }
    std::fs::write(path, text).unwrap();
}

fn list_drone_engine_supplier(served: &Path) {
    append_row(
        &served.join("sdn.csv"),
        "99001,\"SHENZHEN SKYWARD DRONE ENGINE TECHNOLOGY CO., LTD.\",-0- ,\"RUSSIA-EO14024\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"Supplier of engines for unmanned aerial vehicles.\"",
    );
    append_row(
        &served.join("add.csv"),
        "99001,99501,\"Building 5, Nanshan Science Park\",\"Shenzhen, Guangdong\",\"China\",-0- ",
    );
}

fn update(store: &mut Store, s: &Setup) -> kordon_update::UpdateOutcome {
    update_all(store, &s.data, &s.cfg, &UpdateOptions::default()).remove(0)
}

#[test]
fn one_new_entity_alerts_only_the_matching_counterparty_once() {
    let s = setup();
    let watch = WatchDb::open(&s.data).unwrap();
    one_new_entity_scenario(&s, watch);
}

/// The same scenario with the watch data in PostgreSQL, in a schema of its
/// own so it runs in parallel with other tests; a fresh connection then sees
/// every committed alert.
#[test]
fn one_new_entity_alerts_only_the_matching_counterparty_once_on_postgres() {
    let test = "one_new_entity_alerts_only_the_matching_counterparty_once_on_postgres";
    let Ok(url) = std::env::var("KORDON_TEST_POSTGRES_URL") else {
        eprintln!("skipping the PostgreSQL run of {test}: KORDON_TEST_POSTGRES_URL is not set (.ci/services.sh sets it)");
        return;
    };
    let schema = format!("watch_rescreen_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls)
        .expect("connect to KORDON_TEST_POSTGRES_URL");
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("drop schema");
    let s = setup();
    let watch =
        WatchDb::connect_postgres(&url, Some(&schema)).expect("connect the PostgreSQL watch");
    let alerts = one_new_entity_scenario(&s, watch);
    let reopened = WatchDb::connect_postgres(&url, Some(&schema)).expect("reconnect");
    assert_eq!(reopened.alerts(None).unwrap().len(), alerts);
    assert_eq!(reopened.counterparty_count().unwrap(), 5);
    let stored: i64 = admin
        .query_one(
            &format!("SELECT COUNT(*) FROM {schema}.watch_alerts WHERE counterparty = 'C-1001'"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(stored, 1, "exactly one alert for the drone engine buyer");
    drop(reopened);
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("drop schema");
}

#[test]
fn a_database_url_that_is_not_postgres_is_refused_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let err = WatchDb::open_url(dir.path(), Some("mysql://kordon:s3cret@db.internal/kordon"))
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("unsupported database URL") && msg.contains("db.internal"),
        "{msg}"
    );
    assert!(
        !msg.contains("s3cret"),
        "the password leaked into the error: {msg}"
    );
    assert!(!dir.path().join("watch.db").exists());
}

/// Import five counterparties, list one new entity, re-screen twice; returns
/// how many alerts the watch holds at the end.
fn one_new_entity_scenario(s: &Setup, mut watch: WatchDb) -> usize {
    let mut store = Store::open(&s.data).unwrap();
    assert_eq!(update(&mut store, s).status, UpdateStatus::Updated);
    let opts = WatchOptions::default();
    let people = read_file(&customers(), &map()).unwrap();
    assert_eq!(people.len(), 5);
    let imported = import_counterparties(&store, &mut watch, people.clone(), &opts).unwrap();
    assert_eq!((imported.new, imported.screened), (5, 5));
    let before = watch.alerts(None).unwrap();
    assert!(
        before.iter().all(|a| a.counterparty != "C-1001"),
        "the drone engine supplier is not on the 2021 list: {before:?}"
    );
    // Importing the same file again screens nothing.
    let again = import_counterparties(&store, &mut watch, people, &opts).unwrap();
    assert_eq!(
        (again.unchanged, again.screened, again.alerts.len()),
        (5, 0, 0)
    );

    list_drone_engine_supplier(&s.served);
    let out = update(&mut store, s);
    assert_eq!(out.status, UpdateStatus::Updated, "{out:?}");
    let report = rescreen(&store, &mut watch, &opts).unwrap();
    assert_eq!(
        report.changed_entities, 1,
        "only the added entity is screened: {report:?}"
    );
    assert_eq!(report.counterparties, 5);
    assert_eq!(report.alerts.len(), 1, "{:?}", watch.alerts(None).unwrap());
    let alerts = watch.alerts(None).unwrap();
    let alert = alerts
        .iter()
        .find(|a| a.alert_id == report.alerts[0])
        .unwrap();
    assert_eq!(alert.counterparty, "C-1001");
    assert_eq!(alert.entity_id, "us_ofac_sdn:99001");
    assert_eq!(alert.cause, AlertCause::ListChange);
    assert!(alert.score >= opts.screen.threshold);
    assert!(!alert.explanation.is_empty());
    let change = alert.list_change.as_ref().expect("caused by a list change");
    assert_eq!(change.source, "us_ofac_sdn");
    assert_eq!(change.change, "added");
    assert_eq!(change.old_version, out.old_version);
    assert_eq!(change.new_version, out.new_version.unwrap());

    // A second, identical update: one 304 per part, nothing to re-screen.
    let requests = s.publisher.requests();
    let second = update(&mut store, s);
    assert_eq!(second.status, UpdateStatus::NotModified);
    assert_eq!(s.publisher.requests() - requests, 4);
    let report = rescreen(&store, &mut watch, &opts).unwrap();
    assert!(
        report.alerts.is_empty() && report.sources.is_empty(),
        "{report:?}"
    );
    let after = watch.alerts(None).unwrap().len();
    assert_eq!(after, before.len() + 1);
    after
}

#[test]
fn changed_entity_with_same_score_is_not_alerted_again() {
    let s = setup();
    let mut store = Store::open(&s.data).unwrap();
    list_drone_engine_supplier(&s.served);
    update(&mut store, &s);
    let mut watch = WatchDb::open(&s.data).unwrap();
    let opts = WatchOptions::default();
    let imported = import_counterparties(
        &store,
        &mut watch,
        read_file(&customers(), &map()).unwrap(),
        &opts,
    )
    .unwrap();
    let first: Vec<_> = watch
        .alerts(None)
        .unwrap()
        .into_iter()
        .filter(|a| a.counterparty == "C-1001")
        .collect();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].cause, AlertCause::CounterpartyNew);
    assert!(imported.alerts.contains(&first[0].alert_id));

    // The entry gains a remark: the entity changed, the name match did not.
    append_row(
        &s.served.join("sdn_comments.csv"),
        "99001,\"Additional Sanctions Information - Subject to Secondary Sanctions\"",
    );
    assert_eq!(update(&mut store, &s).status, UpdateStatus::Updated);
    let report = rescreen(&store, &mut watch, &opts).unwrap();
    assert_eq!(report.changed_entities, 1);
    let repeat: Vec<_> = watch
        .alerts(None)
        .unwrap()
        .into_iter()
        .filter(|a| a.counterparty == "C-1001" && a.alert_id != first[0].alert_id)
        .collect();
    // The small screener scores with uniform word weights, the full one with
    // list-wide weights; a move in score is reported as a changed hit, with
    // the previous score and the field changes that caused it.
    for a in &repeat {
        assert_eq!(a.previous_score, Some(first[0].score));
        assert!(a
            .list_change
            .as_ref()
            .is_some_and(|c| c.change == "changed" && !c.field_changes.is_empty()));
    }
    // Running the same pass again alerts nothing.
    let again = rescreen(&store, &mut watch, &opts).unwrap();
    assert!(again.alerts.is_empty());
}

/// (signature header, body) of each accepted post.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on 127.0.0.1 that fails the first `fail` posts.
fn receiver(fail: usize) -> (String, Arc<AtomicUsize>, Received) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        server.server_addr().to_ip().unwrap().port()
    );
    let count = Arc::new(AtomicUsize::new(0));
    let got: Received = Arc::default();
    let (c, g) = (count.clone(), got.clone());
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let mut body = Vec::new();
            let _ = std::io::Read::read_to_end(req.as_reader(), &mut body);
            let sig = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("X-Kordon-Signature"))
                .map(|h| h.value.as_str().to_string())
                .unwrap_or_default();
            if n < fail {
                let _ = req.respond(tiny_http::Response::from_string("busy").with_status_code(503));
            } else {
                g.lock().unwrap().push((sig, body));
                let _ = req.respond(tiny_http::Response::from_string("ok"));
            }
        }
    });
    (url, count, got)
}

#[test]
fn webhook_retries_with_backoff_and_signs_each_alert() {
    let s = setup();
    let mut store = Store::open(&s.data).unwrap();
    update(&mut store, &s);
    let mut watch = WatchDb::open(&s.data).unwrap();
    let (url, count, got) = receiver(2);
    let mut hook = WebhookConfig::new(url, "s3cret");
    hook.initial_backoff = Duration::from_millis(20);
    let opts = WatchOptions {
        webhook: Some(hook),
        ..WatchOptions::default()
    };
    import_counterparties(
        &store,
        &mut watch,
        read_file(&customers(), &map()).unwrap(),
        &opts,
    )
    .unwrap();
    list_drone_engine_supplier(&s.served);
    update(&mut store, &s);
    let report = rescreen(&store, &mut watch, &opts).unwrap();
    let delivery = report.delivery.unwrap();
    assert_eq!(report.alerts.len(), 1);
    assert_eq!(delivery.failed, 0);
    // Every alert ever created was delivered; the first needed three tries.
    let all = watch.alerts(None).unwrap();
    assert!(
        all.iter()
            .all(|a| a.delivered_at.is_some() && a.delivery_error.is_none()),
        "{all:?}"
    );
    assert_eq!(all[0].delivery_attempts, 3);
    assert!(all[1..].iter().all(|a| a.delivery_attempts == 1));
    assert_eq!(count.load(Ordering::SeqCst), all.len() + 2);
    let got = got.lock().unwrap();
    for (sig, body) in got.iter() {
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
        mac.update(body);
        assert_eq!(
            sig,
            &format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
        let alert: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert!(alert["entity_id"].is_string());
    }
    assert!(got
        .iter()
        .any(|(_, b)| String::from_utf8_lossy(b).contains("us_ofac_sdn:99001")));
}

#[test]
fn dead_webhook_never_loses_an_alert() {
    let s = setup();
    let mut store = Store::open(&s.data).unwrap();
    update(&mut store, &s);
    let mut watch = WatchDb::open(&s.data).unwrap();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut hook = WebhookConfig::new(format!("http://127.0.0.1:{port}/hook"), "k");
    hook.max_attempts = 3;
    hook.initial_backoff = Duration::from_millis(10);
    let opts = WatchOptions {
        webhook: Some(hook),
        ..WatchOptions::default()
    };
    import_counterparties(
        &store,
        &mut watch,
        read_file(&customers(), &map()).unwrap(),
        &opts,
    )
    .unwrap();
    list_drone_engine_supplier(&s.served);
    update(&mut store, &s);
    let report = rescreen(&store, &mut watch, &opts).unwrap();
    assert_eq!(report.alerts.len(), 1);
    let alert = watch
        .alerts(None)
        .unwrap()
        .into_iter()
        .find(|a| a.alert_id == report.alerts[0])
        .unwrap();
    assert!(alert.delivered_at.is_none());
    assert_eq!(alert.delivery_attempts, 3);
    assert!(
        alert
            .delivery_error
            .as_deref()
            .is_some_and(|e| e.contains("after 3 attempt(s)")),
        "{alert:?}"
    );
    assert_eq!(
        watch.undelivered().unwrap().len(),
        watch.alerts(None).unwrap().len()
    );
}

#[test]
fn column_map_and_jsonl() {
    assert!(
        ColumnMap::parse("country=ctry").is_err(),
        "name is required"
    );
    assert!(ColumnMap::parse("name=a,colour=b").is_err());
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("c.jsonl");
    std::fs::write(
        &p,
        "{\"id\":\"A1\",\"n\":\"Ivan Petrov\",\"c\":[\"RU\",\"BY\"],\"d\":\"1970-05-01\",\"t\":\"person\"}\n\n{\"n\":\"Acme\"}\n",
    )
    .unwrap();
    let got = read_file(
        &p,
        &ColumnMap::parse("name=n,country=c,dob=d,schema=t,key=id").unwrap(),
    )
    .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].key, "A1");
    assert_eq!(got[0].countries, vec!["RU", "BY"]);
    assert_eq!(got[1].key, "line:3", "no key: keyed by line");
    std::fs::write(&p, "{\"n\":\"X\",\"d\":\"not a date\"}\n").unwrap();
    let err = read_file(&p, &ColumnMap::parse("name=n,dob=d").unwrap()).unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
    let err = read_file(&customers(), &ColumnMap::parse("name=nom").unwrap()).unwrap_err();
    assert!(err.to_string().contains("no column \"nom\""), "{err}");
}

#[test]
fn delisting_forgets_the_hit_so_a_relisting_alerts_again() {
    let s = setup();
    let mut store = Store::open(&s.data).unwrap();
    update(&mut store, &s);
    let mut watch = WatchDb::open(&s.data).unwrap();
    let opts = WatchOptions::default();
    import_counterparties(
        &store,
        &mut watch,
        read_file(&customers(), &map()).unwrap(),
        &opts,
    )
    .unwrap();
    let originals: Vec<(PathBuf, Vec<u8>)> = PARTS
        .iter()
        .map(|p| (s.served.join(p), std::fs::read(s.served.join(p)).unwrap()))
        .collect();

    list_drone_engine_supplier(&s.served);
    update(&mut store, &s);
    assert_eq!(rescreen(&store, &mut watch, &opts).unwrap().alerts.len(), 1);

    for (p, bytes) in &originals {
        std::fs::write(p, bytes).unwrap();
    }
    assert_eq!(update(&mut store, &s).status, UpdateStatus::Updated);
    let delisted = rescreen(&store, &mut watch, &opts).unwrap();
    assert_eq!(
        (
            delisted.removed_entities,
            delisted.changed_entities,
            delisted.alerts.len()
        ),
        (1, 0, 0)
    );

    list_drone_engine_supplier(&s.served);
    assert_eq!(update(&mut store, &s).status, UpdateStatus::Updated);
    let relisted = rescreen(&store, &mut watch, &opts).unwrap();
    assert_eq!(relisted.alerts.len(), 1, "a re-listing is news again");
}

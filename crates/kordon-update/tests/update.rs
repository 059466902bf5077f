//! `update_all` against a publisher on 127.0.0.1 serving the real UN and OFAC
//! files from shared/data (and damaged copies of them): first download,
//! conditional no-change refresh, a real diff, and every failure keeping the
//! previous version current with the reason recorded.

mod common;

use common::{Mode, Publisher};
use kordon_store::Store;
use kordon_update::{update_all, UpdateConfig, UpdateOptions, UpdateStatus};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// UN consolidated list (2026-02-27): 730 individuals + 273 entities.
const UN_ENTITIES: u64 = 1003;

fn un_config(p: &Publisher, extra_settings: &str) -> UpdateConfig {
    UpdateConfig::from_toml_str(
        &format!(
            "[settings]\nread_timeout_secs = 2\ntimeout_secs = 60\n{extra_settings}\n\
             [[source]]\nkey = \"un_sc\"\nformat = \"un_xml\"\nallow_http = true\n\
             files = [{{ url = \"{}\", name = \"consolidated.xml\" }}]\n",
            p.url("consolidated.xml")
        ),
        "test",
    )
    .unwrap()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    served: PathBuf,
    data: PathBuf,
    publisher: Publisher,
}

fn un_fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::copy(
        shared("lists/un/consolidated.xml"),
        served.join("consolidated.xml"),
    )
    .unwrap();
    let publisher = Publisher::start(served.clone());
    let data = tmp.path().join("data");
    Fixture {
        _tmp: tmp,
        served,
        data,
        publisher,
    }
}

fn un_xml() -> String {
    std::fs::read_to_string(shared("lists/un/consolidated.xml")).unwrap()
}

/// Rebuild the XML keeping the `<tag>` records for which `keep(i)` is true.
fn filter_records(xml: &str, tag: &str, keep: impl Fn(usize) -> bool) -> String {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = String::new();
    let mut pos = 0;
    let mut i = 0;
    while let Some(start) = xml[pos..].find(&open).map(|s| pos + s) {
        let end = xml[start..]
            .find(&close)
            .map(|e| start + e + close.len())
            .unwrap();
        out.push_str(&xml[pos..start]);
        if keep(i) {
            out.push_str(&xml[start..end]);
        }
        i += 1;
        pos = end;
    }
    out.push_str(&xml[pos..]);
    out
}

fn update(
    store: &mut Store,
    data: &Path,
    cfg: &UpdateConfig,
    force: bool,
) -> kordon_update::UpdateOutcome {
    let mut out = update_all(store, data, cfg, &UpdateOptions { force, only: None });
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn first_update_then_one_conditional_request() {
    let f = un_fixture();
    let cfg = un_config(&f.publisher, "");
    let mut store = Store::open(&f.data).unwrap();

    let first = update(&mut store, &f.data, &cfg, false);
    assert_eq!(first.status, UpdateStatus::Updated, "{first:?}");
    assert_eq!(first.entities, Some(UN_ENTITIES));
    assert_eq!(first.old_version, None);
    assert_eq!(f.publisher.requests(), 1);
    let current = store.current_versions().unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(
        current[0].published.as_deref(),
        Some("2026-02-27T00:00:09.554Z")
    );
    assert!(
        store.entity("un_sc:CDi.001").unwrap().is_some(),
        "Eric Badege stored under his UN reference"
    );

    let again = update(&mut store, &f.data, &cfg, false);
    assert_eq!(again.status, UpdateStatus::NotModified, "{again:?}");
    assert_eq!(
        f.publisher.requests(),
        2,
        "an unchanged list costs exactly one request"
    );
    assert_eq!(f.publisher.not_modified(), 1, "answered 304");
    assert_eq!(again.downloaded_bytes, 0);
    assert_eq!(again.new_version, first.new_version);
    assert_eq!(store.history("un_sc").unwrap().len(), 1);
    assert!(store.last_checked("un_sc").unwrap().is_some());
}

#[test]
fn changed_list_produces_the_right_diff() {
    let f = un_fixture();
    let cfg = un_config(&f.publisher, "");
    let mut store = Store::open(&f.data).unwrap();
    let first = update(&mut store, &f.data, &cfg, false);
    assert_eq!(first.status, UpdateStatus::Updated);

    // Delist Eric Badege (first individual), rename the second individual.
    let xml = filter_records(&un_xml(), "INDIVIDUAL", |i| i != 0);
    let second_name = "<FIRST_NAME>INNOCENT</FIRST_NAME>";
    assert!(xml.contains(second_name));
    let xml = xml.replacen(second_name, "<FIRST_NAME>INNOCENTE</FIRST_NAME>", 1);
    std::fs::write(f.served.join("consolidated.xml"), xml).unwrap();

    let second = update(&mut store, &f.data, &cfg, false);
    assert_eq!(second.status, UpdateStatus::Updated, "{second:?}");
    assert_eq!(second.entities, Some(UN_ENTITIES - 1));
    let diff = store
        .diff(first.new_version.unwrap(), second.new_version.unwrap())
        .unwrap();
    assert!(diff.added.is_empty());
    assert_eq!(diff.removed.len(), 1);
    assert_eq!(diff.removed[0].id, "un_sc:CDi.001");
    assert_eq!(diff.changed.len(), 1, "{:?}", diff.changed);
    let names = diff.changed[0]
        .changes
        .iter()
        .find(|c| c.field == "names")
        .expect("names changed");
    assert!(
        names.added.iter().any(|n| n.contains("INNOCENTE")),
        "{names:?}"
    );
    assert_eq!(diff.unchanged, UN_ENTITIES - 2);
}

/// Each bad download leaves version 1 current and says why in last_failure.
fn assert_kept(store: &Store, good_version: i64, expect_in_reason: &str) {
    let current = store.current_versions().unwrap();
    assert_eq!(current[0].version_id, good_version);
    assert_eq!(current[0].entities, UN_ENTITIES);
    let (_, reason) = store
        .last_failure("un_sc")
        .unwrap()
        .expect("failure recorded");
    assert!(
        reason.contains(expect_in_reason),
        "reason {reason:?} should mention {expect_in_reason:?}"
    );
}

#[test]
fn truncated_file_keeps_previous_version() {
    let f = un_fixture();
    let cfg = un_config(&f.publisher, "");
    let mut store = Store::open(&f.data).unwrap();
    let good = update(&mut store, &f.data, &cfg, false)
        .new_version
        .unwrap();
    let xml = std::fs::read(shared("lists/un/consolidated.xml")).unwrap();
    std::fs::write(f.served.join("consolidated.xml"), &xml[..xml.len() / 2]).unwrap();
    let out = update(&mut store, &f.data, &cfg, false);
    assert_eq!(out.status, UpdateStatus::Failed, "{out:?}");
    assert_kept(&store, good, "consolidated.xml");
    // The failed body was not kept and its validators not saved: once the
    // publisher is fixed, the next run downloads in full and succeeds.
    std::fs::copy(
        shared("lists/un/consolidated.xml"),
        f.served.join("consolidated.xml"),
    )
    .unwrap();
    let fixed = update(&mut store, &f.data, &cfg, false);
    assert_eq!(fixed.status, UpdateStatus::NotModified, "{fixed:?}");
    assert!(
        store.last_failure("un_sc").unwrap().is_some(),
        "still stale until a new version"
    );
}

#[test]
fn html_error_page_with_status_200_keeps_previous_version() {
    let f = un_fixture();
    let cfg = un_config(&f.publisher, "");
    let mut store = Store::open(&f.data).unwrap();
    let good = update(&mut store, &f.data, &cfg, false)
        .new_version
        .unwrap();
    // A changed list is due, but the portal serves its maintenance page.
    let xml = filter_records(&un_xml(), "INDIVIDUAL", |i| i != 3);
    std::fs::write(f.served.join("consolidated.xml"), xml).unwrap();
    f.publisher.set_mode("consolidated.xml", Mode::Html);
    let out = update(&mut store, &f.data, &cfg, false);
    assert_eq!(out.status, UpdateStatus::Failed, "{out:?}");
    assert_kept(&store, good, "HTML page with status 200");
    assert_kept(&store, good, "Service temporarily unavailable");
}

#[test]
fn timeout_keeps_previous_version() {
    let f = un_fixture();
    let cfg = un_config(&f.publisher, "");
    let mut store = Store::open(&f.data).unwrap();
    let good = update(&mut store, &f.data, &cfg, false)
        .new_version
        .unwrap();
    let xml = filter_records(&un_xml(), "INDIVIDUAL", |i| i != 3);
    std::fs::write(f.served.join("consolidated.xml"), xml).unwrap();
    f.publisher
        .set_mode("consolidated.xml", Mode::Stall(Duration::from_secs(6)));
    let started = std::time::Instant::now();
    let out = update(&mut store, &f.data, &cfg, false);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gave up after read_timeout, not the stall"
    );
    assert_eq!(out.status, UpdateStatus::Failed, "{out:?}");
    assert_kept(&store, good, "timed out");
}

#[test]
fn list_shrunk_by_half_is_refused_unless_forced() {
    let f = un_fixture();
    let cfg = un_config(&f.publisher, "");
    let mut store = Store::open(&f.data).unwrap();
    let good = update(&mut store, &f.data, &cfg, false)
        .new_version
        .unwrap();
    let xml = filter_records(&un_xml(), "INDIVIDUAL", |i| i % 2 == 0);
    let xml = filter_records(&xml, "ENTITY", |i| i % 2 == 0);
    std::fs::write(f.served.join("consolidated.xml"), xml).unwrap();
    let out = update(&mut store, &f.data, &cfg, false);
    assert_eq!(out.status, UpdateStatus::Refused, "{out:?}");
    assert_kept(&store, good, "has 502 entities, the current version");
    assert_eq!(
        store.history("un_sc").unwrap().len(),
        1,
        "the refused version was rolled back"
    );

    let forced = update(&mut store, &f.data, &cfg, true);
    assert_eq!(forced.status, UpdateStatus::Updated, "{forced:?}");
    assert_eq!(forced.entities, Some(502));
    assert!(
        store.last_failure("un_sc").unwrap().is_none(),
        "a new version cures the failure"
    );
}

#[test]
fn ofac_csv_set_downloads_all_parts_into_one_version() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    for f in ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"] {
        std::fs::copy(
            shared("lists/ofac/snapshot-2021-07-07").join(f),
            served.join(f),
        )
        .unwrap();
    }
    let p = Publisher::start(served.clone());
    let files: Vec<String> = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
        .iter()
        .map(|n| format!("{{ url = \"{}\", name = \"{n}\" }}", p.url(n)))
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
    let mut store = Store::open(&data).unwrap();
    let first = update(&mut store, &data, &cfg, false);
    assert_eq!(first.status, UpdateStatus::Updated, "{first:?}");
    assert_eq!(p.requests(), 4);
    let sdn_rows = std::fs::read_to_string(served.join("sdn.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count() as u64;
    assert_eq!(first.entities, Some(sdn_rows));
    let v = &store.current_versions().unwrap()[0];
    assert_eq!(v.report.files.len(), 4);

    // Only the comments file changes: three 304s, one download, a new version.
    let mut comments = std::fs::read_to_string(served.join("sdn_comments.csv")).unwrap();
    let first_id = std::fs::read_to_string(served.join("sdn.csv")).unwrap();
    let first_id = first_id.split(',').next().unwrap().trim().to_string();
    comments.push_str(&format!(
        "{first_id},\"Additional remark added for the test.\"\r\n"
    ));
    std::fs::write(served.join("sdn_comments.csv"), comments).unwrap();
    let second = update(&mut store, &data, &cfg, false);
    assert_eq!(second.status, UpdateStatus::Updated, "{second:?}");
    assert_eq!(p.requests(), 8);
    assert_eq!(p.not_modified(), 3);
    let diff = store
        .diff(first.new_version.unwrap(), second.new_version.unwrap())
        .unwrap();
    assert_eq!(diff.changed.len(), 1, "{:?}", diff.changed);
    assert_eq!(diff.changed[0].id, format!("us_ofac_sdn:{first_id}"));
}

#[test]
fn plain_http_needs_allow_http() {
    let err = UpdateConfig::from_toml_str(
        "[[source]]\nkey = \"un_sc\"\nfiles = [{ url = \"http://127.0.0.1:9/x.xml\" }]\n",
        "test",
    )
    .unwrap_err();
    assert!(err.to_string().contains("allow_http"), "{err}");
}

#[test]
fn built_in_sources_are_official_https_urls() {
    let cfg = UpdateConfig::built_in();
    let keys: Vec<&str> = cfg.sources.iter().map(|s| s.key.as_str()).collect();
    for k in [
        "us_ofac_sdn",
        "us_ofac_cons",
        "us_ofac_sdn_advanced",
        "un_sc",
        "eu_fsf",
        "gb_fcdo",
        "us_trade_csl",
        "os_sanctions",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    let sdn = cfg.sources.iter().find(|s| s.key == "us_ofac_sdn").unwrap();
    assert_eq!(sdn.files.len(), 4);
    assert!(cfg
        .sources
        .iter()
        .all(|s| s.files.iter().all(|f| f.url.starts_with("https://"))));
    let os = cfg
        .sources
        .iter()
        .find(|s| s.key == "os_sanctions")
        .unwrap();
    assert!(
        os.non_commercial && !os.enabled,
        "non-commercial data is opt-in"
    );
    assert_eq!(cfg.settings.max_loss_share, 0.05);
}

#[test]
fn user_file_overrides_settings_and_sources_by_key() {
    let tmp = tempfile::tempdir().unwrap();
    let user = tmp.path().join("sources.toml");
    std::fs::write(
        &user,
        "[settings]\nmax_loss_share = 0.2\nproxy = \"http://proxy.internal:3128\"\n\
         [[source]]\nkey = \"un_sc\"\nformat = \"un_xml\"\nfiles = [{ url = \"https://mirror.internal/un.xml\" }]\n\
         [[source]]\nkey = \"gb_fcdo\"\nenabled = false\nfiles = [{ url = \"https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv\" }]\n",
    )
    .unwrap();
    let cfg = UpdateConfig::with_user_file(&user).unwrap();
    assert_eq!(cfg.settings.max_loss_share, 0.2);
    assert_eq!(
        cfg.settings.proxy.as_deref(),
        Some("http://proxy.internal:3128")
    );
    assert_eq!(
        cfg.settings.user_agent,
        UpdateConfig::built_in().settings.user_agent,
        "unset keys keep the default"
    );
    let un = cfg.sources.iter().find(|s| s.key == "un_sc").unwrap();
    assert_eq!(un.files[0].url, "https://mirror.internal/un.xml");
    assert_eq!(
        un.files[0].name, "un.xml",
        "name defaults to the URL's last segment"
    );
    assert!(
        !cfg.sources
            .iter()
            .find(|s| s.key == "gb_fcdo")
            .unwrap()
            .enabled
    );
    assert_eq!(cfg.sources.len(), UpdateConfig::built_in().sources.len());
    std::fs::write(&user, "[settings]\nmax_loss_share = 3\n").unwrap();
    assert!(UpdateConfig::with_user_file(&user)
        .unwrap_err()
        .to_string()
        .contains("max_loss_share"));
    std::fs::write(
        &user,
        "[[source]]\nkey = \"x\"\nformat = \"pdf\"\nfiles = [{ url = \"https://a/b.pdf\" }]\n",
    )
    .unwrap();
    assert!(UpdateConfig::with_user_file(&user)
        .unwrap_err()
        .to_string()
        .contains("unknown format"));
}

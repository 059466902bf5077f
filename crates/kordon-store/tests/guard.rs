//! The sanity guard of `import_guarded` and the updater's per-URL state.

use kordon_sources::{discover, SourceInput};
use kordon_store::{HttpValidators, ImportGuard, Store, StoreError};
use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lists/demo")
}

fn input(dir: &Path) -> SourceInput {
    discover(&[dir.to_path_buf()]).unwrap().remove(0)
}

fn copy_demo(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["sdn.csv", "alt.csv", "add.csv"] {
        std::fs::copy(demo_dir().join(f), to.join(f)).unwrap();
    }
}

#[test]
fn guard_refuses_a_shrunk_list_inside_the_transaction() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    copy_demo(&lists);
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    let guard = ImportGuard::default();
    let good = store
        .import_guarded(&input(&lists), guard, &mut |_| {})
        .unwrap();
    let total = good.version.entities;
    assert!(total >= 4, "demo list has {total} entries");

    // Keep the first half of the rows: cut at a line boundary, so it parses.
    let sdn = std::fs::read_to_string(lists.join("sdn.csv")).unwrap();
    let half: String = sdn
        .lines()
        .take((total / 2) as usize)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(lists.join("sdn.csv"), half).unwrap();
    let err = store
        .import_guarded(&input(&lists), guard, &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    assert!(
        err.to_string().contains(&format!(
            "the current version {} has {total}",
            good.version.version_id
        )),
        "{err}"
    );
    assert_eq!(
        store.current_versions().unwrap()[0].version_id,
        good.version.version_id
    );
    assert_eq!(
        store.history("us_ofac_sdn").unwrap().len(),
        1,
        "nothing of the refused version remains"
    );
    store.check_integrity().unwrap();

    // A plain import (no guard) and a forced one are not refused.
    let forced = store
        .import_guarded(
            &input(&lists),
            ImportGuard {
                force: true,
                ..guard
            },
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(forced.version.entities, total / 2);
}

#[test]
fn failures_belong_to_the_version_they_happened_under() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    copy_demo(&lists);
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    store
        .record_failure("us_ofac_sdn", "before any version")
        .unwrap();
    assert_eq!(
        store.last_failure("us_ofac_sdn").unwrap().unwrap().1,
        "before any version"
    );
    store.import(&input(&lists), &mut |_| {}).unwrap();
    // Same second as the failure: still cured by the new version.
    assert!(store.last_failure("us_ofac_sdn").unwrap().is_none());
    store
        .record_failure("us_ofac_sdn", "download failed")
        .unwrap();
    assert_eq!(
        store.last_failure("us_ofac_sdn").unwrap().unwrap().1,
        "download failed"
    );
}

#[test]
fn http_validators_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path()).unwrap();
    assert!(store
        .http_validators("https://example.org/sdn.csv")
        .unwrap()
        .is_none());
    let mut v = HttpValidators {
        url: "https://example.org/sdn.csv".into(),
        source: "us_ofac_sdn".into(),
        etag: Some("\"abc\"".into()),
        last_modified: None,
        sha256: "00".repeat(32),
        bytes: 10,
        fetched_at: 1,
    };
    store.save_http_validators(&v).unwrap();
    v.etag = Some("\"def\"".into());
    store.save_http_validators(&v).unwrap();
    assert_eq!(store.http_validators(&v.url).unwrap(), Some(v));
    assert!(store.last_checked("us_ofac_sdn").unwrap().is_none());
    store.record_check("us_ofac_sdn").unwrap();
    assert!(store.last_checked("us_ofac_sdn").unwrap().is_some());
}

//! Store behaviour that keeps screening safe: whole-version imports, the
//! previous version surviving a bad file, unchanged re-imports, deduplicated
//! bodies across versions.

use kordon_sources::{discover, SourceInput};
use kordon_store::Store;
use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lists/demo")
}

fn copy_demo(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["sdn.csv", "alt.csv", "add.csv"] {
        std::fs::copy(demo_dir().join(f), to.join(f)).unwrap();
    }
}

fn one_input(dir: &Path) -> SourceInput {
    let mut inputs = discover(&[dir.to_path_buf()]).unwrap();
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    inputs.remove(0)
}

#[test]
fn import_is_whole_and_reimport_is_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    copy_demo(&lists);
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    let input = one_input(&lists);
    let first = store.import(&input, &mut |_| {}).unwrap();
    assert!(!first.unchanged);
    let sdn_rows = std::fs::read_to_string(lists.join("sdn.csv"))
        .unwrap()
        .lines()
        .count() as u64;
    assert_eq!(first.version.entities, sdn_rows);
    assert_eq!(first.new_bodies, sdn_rows);
    let kupol = store
        .entity("us_ofac_sdn:46431")
        .unwrap()
        .expect("Kupol stored");
    assert!(kupol.names.iter().any(|n| n.full == "JSC IEMZ KUPOL"));

    let again = store.import(&input, &mut |_| {}).unwrap();
    assert!(again.unchanged);
    assert_eq!(again.version.version_id, first.version.version_id);
    assert_eq!(store.history("us_ofac_sdn").unwrap().len(), 1);
    store.check_integrity().unwrap();
}

#[test]
fn bad_file_keeps_previous_version_current() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    copy_demo(&lists);
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    let good = store.import(&one_input(&lists), &mut |_| {}).unwrap();

    // Truncate the primary file inside a quoted field, as a cut download would.
    let sdn = std::fs::read(lists.join("sdn.csv")).unwrap();
    let cut = sdn.iter().position(|&b| b == b'"').unwrap() + 10;
    std::fs::write(lists.join("sdn.csv"), &sdn[..cut]).unwrap();
    let err = store.import(&one_input(&lists), &mut |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("sdn.csv"),
        "error names the file: {err}"
    );

    let current = store.current_versions().unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].version_id, good.version.version_id);
    assert_eq!(
        store.current_entities().unwrap().len() as u64,
        good.version.entities
    );
    store
        .record_failure("us_ofac_sdn", &err.to_string())
        .unwrap();
    let (_, msg) = store
        .last_failure("us_ofac_sdn")
        .unwrap()
        .expect("failure recorded");
    assert!(msg.contains("sdn.csv"));
    // Nothing of the failed attempt is visible in the history.
    assert_eq!(store.history("us_ofac_sdn").unwrap().len(), 1);
}

#[test]
fn changed_list_adds_a_version_and_shares_unchanged_bodies() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    copy_demo(&lists);
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    let v1 = store.import(&one_input(&lists), &mut |_| {}).unwrap();

    let mut sdn = std::fs::read_to_string(lists.join("sdn.csv")).unwrap();
    sdn.push_str("90002,\"NEW DRONE ENGINE SUPPLIER LTD\",-0- ,\"RUSSIA-EO14024\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n");
    std::fs::write(lists.join("sdn.csv"), sdn).unwrap();
    let v2 = store.import(&one_input(&lists), &mut |_| {}).unwrap();
    assert!(!v2.unchanged);
    assert_eq!(v2.version.entities, v1.version.entities + 1);
    assert_eq!(v2.new_bodies, 1, "only the added entity is a new body");
    let history = store.history("us_ofac_sdn").unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].current && !history[1].current);
    assert_eq!(
        store.version_entities(v1.version.version_id).unwrap().len() as u64,
        v1.version.entities
    );
    assert!(store.entity("us_ofac_sdn:90002").unwrap().is_some());

    // Reopening sees the same committed state.
    drop(store);
    let store = Store::open(&tmp.path().join("db")).unwrap();
    assert_eq!(
        store.current_versions().unwrap()[0].version_id,
        v2.version.version_id
    );
}

#[test]
fn diff_reports_added_removed_changed_fields_and_prune_bounds_storage() {
    let tmp = tempfile::tempdir().unwrap();
    let lists = tmp.path().join("lists");
    copy_demo(&lists);
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    let v1 = store
        .import(&one_input(&lists), &mut |_| {})
        .unwrap()
        .version
        .version_id;

    // Remove Limbach (51298), add a new entity, and add an alias to Kupol.
    let sdn = std::fs::read_to_string(lists.join("sdn.csv")).unwrap();
    let mut sdn: String = sdn
        .lines()
        .filter(|l| !l.starts_with("51298,"))
        .map(|l| format!("{l}\n"))
        .collect();
    sdn.push_str("90002,\"NEW DRONE ENGINE SUPPLIER LTD\",-0- ,\"RUSSIA-EO14024\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n");
    std::fs::write(lists.join("sdn.csv"), sdn).unwrap();
    let mut alt = std::fs::read_to_string(lists.join("alt.csv")).unwrap();
    alt.push_str("46431,99999,\"aka\",\"KUPOL IEMZ\",-0- \n");
    std::fs::write(lists.join("alt.csv"), alt).unwrap();
    let v2 = store
        .import(&one_input(&lists), &mut |_| {})
        .unwrap()
        .version
        .version_id;

    let d = store.diff(v1, v2).unwrap();
    assert_eq!(
        d.added.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["us_ofac_sdn:90002"]
    );
    assert_eq!(
        d.removed.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["us_ofac_sdn:51298"]
    );
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].id, "us_ofac_sdn:46431");
    let names = d.changed[0]
        .changes
        .iter()
        .find(|c| c.field == "names")
        .expect("names changed");
    assert!(
        names.added.iter().any(|n| n.ends_with("KUPOL IEMZ")),
        "{names:?}"
    );
    assert!(names.removed.is_empty());
    assert_eq!(d.unchanged, 4);

    // Retention: keeping one version deletes v1 and the bodies only v1 used (Limbach's, Kupol's old one).
    let (versions, bodies) = store.prune("us_ofac_sdn", 1).unwrap();
    assert_eq!((versions, bodies), (1, 2));
    assert_eq!(store.history("us_ofac_sdn").unwrap().len(), 1);
    assert_eq!(store.current_entities().unwrap().len(), 6);
    store.check_integrity().unwrap();
}

#[test]
fn ftm_delta_patches_the_current_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("os_demo");
    std::fs::create_dir_all(&dir).unwrap();
    let full = dir.join("entities.ftm.json");
    std::fs::write(
        &full,
        concat!(
            r#"{"id":"a","schema":"Company","properties":{"name":["Alpha Drone Parts LLC"]}}"#,
            "\n",
            r#"{"id":"b","schema":"Company","properties":{"name":["Beta Engines Ltd"]}}"#,
            "\n",
            r#"{"id":"c","schema":"Person","properties":{"name":["Carl Example"]}}"#,
            "\n",
        ),
    )
    .unwrap();
    let mut store = Store::open(&tmp.path().join("db")).unwrap();
    let v1 = store.import(&one_input(&dir), &mut |_| {}).unwrap().version;
    assert_eq!(v1.entities, 3);

    // A delta alone: modify b, delete c, add d. a must survive.
    std::fs::remove_file(&full).unwrap();
    std::fs::write(
        dir.join("entities.delta.json"),
        concat!(
            r#"{"op":"MOD","entity":{"id":"b","schema":"Company","properties":{"name":["Beta Engines Ltd"],"alias":["Beta Motors"]}}}"#, "\n",
            r#"{"op":"DEL","entity":{"id":"c"}}"#, "\n",
            r#"{"op":"ADD","entity":{"id":"d","schema":"Company","properties":{"name":["Delta Avionics"]}}}"#, "\n",
        ),
    )
    .unwrap();
    let input = one_input(&dir);
    let v2 = store.import(&input, &mut |_| {}).unwrap().version;
    let mut ids: Vec<String> = store
        .current_entities()
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    ids.sort();
    let prefix = &input.source;
    assert_eq!(
        ids,
        [
            format!("{prefix}:a"),
            format!("{prefix}:b"),
            format!("{prefix}:d")
        ]
    );
    assert_eq!(v2.entities, 3);
    let d = store.diff(v1.version_id, v2.version_id).unwrap();
    assert_eq!(
        (d.added.len(), d.removed.len(), d.changed.len(), d.unchanged),
        (1, 1, 1, 1)
    );

    // Re-applying the same delta changes nothing: no new version.
    let again = store.import(&input, &mut |_| {}).unwrap();
    assert!(again.unchanged);
    assert_eq!(again.version.version_id, v2.version_id);
    assert_eq!(store.history(prefix).unwrap().len(), 2);
}

#[test]
fn delta_folders_from_empty_count_what_remains() {
    // yente's t2 fixture: four delta files, one of which deletes an entity an
    // earlier one added. The version's count must equal its membership.
    let t2 = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/lists/opensanctions/yente-fixtures/t2");
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(tmp.path()).unwrap();
    let v = store.import(&one_input(&t2), &mut |_| {}).unwrap().version;
    assert_eq!(v.entities, store.current_entities().unwrap().len() as u64);
    assert!(
        store.entity("os_t2:NK-500Poltergeist").unwrap().is_none(),
        "deleted by the third delta"
    );
}

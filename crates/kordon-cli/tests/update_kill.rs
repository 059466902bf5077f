//! `kordon update` killed with SIGKILL in the middle of a download (the
//! publisher trickles the body so the kill lands mid-transfer): the previous
//! version must still be current and intact, and the next update must succeed.

#[path = "../../kordon-update/tests/common/mod.rs"]
mod common;

use common::{Mode, Publisher};
use kordon_store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

fn kordon(data: &Path, config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kordon"));
    c.arg("--data-dir")
        .arg(data)
        .arg("update")
        .arg("--config")
        .arg(config)
        .arg("--json");
    c.env_remove("KORDON_WEBHOOK_URL");
    c
}

#[test]
fn sigkill_mid_update_keeps_previous_version_and_next_update_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let original = std::fs::read_to_string(shared("lists/un/consolidated.xml")).unwrap();
    std::fs::write(served.join("consolidated.xml"), &original).unwrap();
    let publisher = Publisher::start(served.clone());
    let config = tmp.path().join("sources.toml");
    // Only our test source: the built-in sources are switched off so nothing
    // leaves 127.0.0.1.
    let mut toml = String::from("[settings]\nread_timeout_secs = 30\n");
    for s in kordon_update::UpdateConfig::built_in().sources {
        let files: Vec<String> = s
            .files
            .iter()
            .map(|f| format!("{{ url = \"{}\", name = \"{}\" }}", f.url, f.name))
            .collect();
        toml.push_str(&format!(
            "[[source]]\nkey = \"{}\"\nenabled = false\nfiles = [{}]\n",
            s.key,
            files.join(", ")
        ));
    }
    toml.push_str(&format!(
        "[[source]]\nkey = \"un_test\"\nformat = \"un_xml\"\nallow_http = true\nfiles = [{{ url = \"{}\", name = \"consolidated.xml\" }}]\n",
        publisher.url("consolidated.xml")
    ));
    std::fs::write(&config, toml).unwrap();
    let data = tmp.path().join("data");

    let first = kordon(&data, &config).output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let good = {
        let store = Store::open(&data).unwrap();
        let v = store.current_versions().unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].entities, 1003);
        v[0].version_id
    };

    // The publisher delists one individual and serves the new file slowly
    // (about 2 MB in 16 KiB pieces, 40 ms apart: ~5 s).
    let start = original.find("<INDIVIDUAL>").unwrap();
    let end = original[start..].find("</INDIVIDUAL>").unwrap() + start + "</INDIVIDUAL>".len();
    let changed = format!("{}{}", &original[..start], &original[end..]);
    std::fs::write(served.join("consolidated.xml"), &changed).unwrap();
    publisher.set_mode(
        "consolidated.xml",
        Mode::Trickle {
            chunk: 16 * 1024,
            pause: Duration::from_millis(40),
        },
    );

    let mut child = kordon(&data, &config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let part = data.join("updates/staging/un_test/consolidated.xml.part");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let size = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        if size > 256 * 1024 {
            break;
        }
        assert!(Instant::now() < deadline, "the download never got going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "kordon finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no cleanup runs.
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        part.exists(),
        "killed mid-download: the partial file is left behind"
    );

    {
        let store = Store::open(&data).unwrap();
        store.check_integrity().unwrap();
        let v = store.current_versions().unwrap();
        assert_eq!(
            v[0].version_id, good,
            "the previous version is still current"
        );
        assert_eq!(v[0].entities, 1003);
        assert_eq!(
            store.version_entities(good).unwrap().len(),
            1003,
            "and intact"
        );
        assert_eq!(store.history("un_test").unwrap().len(), 1);
    }

    publisher.set_mode("consolidated.xml", Mode::Normal);
    let next = kordon(&data, &config).output().unwrap();
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    let out: serde_json::Value = serde_json::from_slice(&next.stdout).unwrap();
    assert_eq!(out["sources"][0]["status"], "updated", "{out}");
    let store = Store::open(&data).unwrap();
    let v = store.current_versions().unwrap();
    assert_ne!(v[0].version_id, good);
    assert_eq!(v[0].entities, 1002);
    assert!(
        !part.exists(),
        "the next run cleared the killed run's staging folder"
    );
    let diff = store.diff(good, v[0].version_id).unwrap();
    assert_eq!(
        (diff.added.len(), diff.removed.len(), diff.changed.len()),
        (0, 1, 0)
    );
}

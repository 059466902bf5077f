//! Crash safety of the audit trail: SIGKILL the real `kordon serve` in the
//! middle of a load of screening requests, restart it, and check that every
//! request that got an answer is in the audit log and the hash chain is intact.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn kordon(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kordon"));
    c.arg("--data-dir").arg(data_dir);
    for v in [
        "KORDON_MAX_AGE",
        "KORDON_MAX_LIST_AGE",
        "KORDON_DATABASE_URL",
        "KORDON_PORT",
        "KORDON_CONFIG",
    ] {
        c.env_remove(v);
    }
    c
}

/// Start `kordon serve --port 0` and read the address it prints.
fn start(data_dir: &Path) -> (Child, SocketAddr) {
    let mut child = kordon(data_dir)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kordon serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line from kordon serve: {line:?}"))
        .parse()
        .expect("socket address");
    (child, addr)
}

/// One HTTP/1.1 request on a fresh connection; `None` if the server is gone.
fn post(addr: SocketAddr, key: &str, path: &str, body: &str) -> Option<(u16, serde_json::Value)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).ok()?;
    let text = String::from_utf8_lossy(&resp);
    let status: u16 = text.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    Some((status, serde_json::from_str(body).ok()?))
}

fn demo_list() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lists/demo")
}

#[test]
fn sigkill_under_load_loses_no_acknowledged_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = kordon(dir.path())
        .args(["lists", "import"])
        .arg(demo_list())
        .output()
        .expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = {
        let mut store = kordon_audit::open(dir.path(), None).expect("audit");
        store.create_key("load").expect("key").secret
    };

    let (mut server, addr) = start(dir.path());
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (acked, stop, key) = (acknowledged.clone(), stop.clone(), key.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                for n in 0..5000 {
                    if stop.load(Ordering::Relaxed) || started.elapsed() > Duration::from_secs(30) {
                        break;
                    }
                    let (path, body) = if (i + n) % 2 == 0 {
                        ("/v1/screen", format!(r#"{{"parties":[{{"name":"IEMZ Kupol {n}"}},{{"name":"Vladimir Putin"}}]}}"#))
                    } else {
                        ("/match/default", r#"{"queries":{"q":{"schema":"Company","properties":{"name":["Almaz-Antey"]}}}}"#.to_string())
                    };
                    match post(addr, &key, path, &body) {
                        Some((200, b)) => {
                            let id = b["request_id"].as_str().expect("request id").to_string();
                            acked.lock().expect("lock").push(id);
                        }
                        Some((status, b)) => panic!("unexpected {status}: {b}"),
                        // The server was killed: later requests cannot be acknowledged.
                        None => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        })
        .collect();

    // Let the load build up, then kill the server without warning.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().expect("lock").len() < 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reap");
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("client thread");
    }
    let acked = acknowledged.lock().expect("lock").clone();
    assert!(
        acked.len() >= 50,
        "only {} requests were answered before the kill",
        acked.len()
    );
    eprintln!("{} requests acknowledged before SIGKILL", acked.len());

    // The restarted server opens the same log and keeps chaining onto it.
    let (mut server, addr) = start(dir.path());
    let (status, b) = post(
        addr,
        &key,
        "/v1/screen",
        r#"{"parties":[{"name":"IEMZ Kupol"}]}"#,
    )
    .expect("after restart");
    assert_eq!(status, 200, "{b}");
    server.kill().expect("stop");
    server.wait().expect("reap");

    let mut store = kordon_audit::open(dir.path(), None).expect("audit");
    let mut logged = std::collections::HashSet::new();
    store
        .scan(None, &mut |r| {
            logged.insert(r.request_id);
            Ok(())
        })
        .expect("scan");
    let missing: Vec<&String> = acked.iter().filter(|id| !logged.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged requests are not in the audit log: {missing:?}",
        missing.len()
    );
    assert!(logged.contains(b["request_id"].as_str().expect("id")));
    let report = kordon_audit::verify(store.as_mut()).expect("verify");
    assert!(
        report.ok(),
        "audit chain broken after SIGKILL: {:?}",
        report.problems
    );
    assert_eq!(report.rows as usize, logged.len());
}

//! A list publisher on 127.0.0.1 for tests: serves files from a folder with
//! an ETag (the body's SHA-256) and answers conditional requests with 304, or
//! misbehaves on demand (HTML error page with 200, stall, trickled body).
//! Counts every request and every 304.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Mode {
    /// Serve the file with ETag and honour If-None-Match.
    Normal,
    /// A portal's maintenance page, status 200.
    Html,
    /// Say nothing for this long before answering.
    Stall(Duration),
    /// Send the body in `chunk`-byte pieces, sleeping `pause` between them.
    Trickle { chunk: usize, pause: Duration },
}

pub struct Publisher {
    pub base: String,
    pub root: PathBuf,
    pub requests: Arc<AtomicUsize>,
    pub not_modified: Arc<AtomicUsize>,
    /// Per file name; default Normal.
    pub modes: Arc<Mutex<HashMap<String, Mode>>>,
    server: Arc<tiny_http::Server>,
}

impl Publisher {
    pub fn start(root: PathBuf) -> Publisher {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("ip address").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let not_modified = Arc::new(AtomicUsize::new(0));
        let modes: Arc<Mutex<HashMap<String, Mode>>> = Arc::default();
        let p = Publisher {
            base: format!("http://127.0.0.1:{port}"),
            root: root.clone(),
            requests: requests.clone(),
            not_modified: not_modified.clone(),
            modes: modes.clone(),
            server: server.clone(),
        };
        std::thread::spawn(move || {
            for req in server.incoming_requests() {
                let (root, requests, not_modified, modes) = (
                    root.clone(),
                    requests.clone(),
                    not_modified.clone(),
                    modes.clone(),
                );
                // One thread per request, so a stalled one does not block others.
                std::thread::spawn(move || serve(req, &root, &requests, &not_modified, &modes));
            }
        });
        p
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    pub fn set_mode(&self, name: &str, mode: Mode) {
        self.modes.lock().unwrap().insert(name.to_string(), mode);
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn not_modified(&self) -> usize {
        self.not_modified.load(Ordering::SeqCst)
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

struct Trickle {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    pause: Duration,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.data.len() {
            return Ok(0);
        }
        if self.pos > 0 {
            std::thread::sleep(self.pause);
        }
        let n = self.chunk.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn serve(
    req: tiny_http::Request,
    root: &std::path::Path,
    requests: &AtomicUsize,
    not_modified: &AtomicUsize,
    modes: &Mutex<HashMap<String, Mode>>,
) {
    requests.fetch_add(1, Ordering::SeqCst);
    let name = req.url().trim_start_matches('/').to_string();
    let mode = modes
        .lock()
        .unwrap()
        .get(&name)
        .cloned()
        .unwrap_or(Mode::Normal);
    let header =
        |k: &str, v: &str| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap();
    if let Mode::Html = mode {
        let page =
            "<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>\
                    <body><h1>Maintenance</h1><p>Please try again later.</p></body></html>";
        let resp =
            tiny_http::Response::from_string(page).with_header(header("Content-Type", "text/html"));
        let _ = req.respond(resp);
        return;
    }
    if let Mode::Stall(d) = mode {
        std::thread::sleep(d);
    }
    let Ok(data) = std::fs::read(root.join(&name)) else {
        let _ = req.respond(tiny_http::Response::from_string("not found").with_status_code(404));
        return;
    };
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(&data)));
    let inm = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("If-None-Match"))
        .map(|h| h.value.as_str().to_string());
    if inm.as_deref() == Some(etag.as_str()) {
        not_modified.fetch_add(1, Ordering::SeqCst);
        let _ = req.respond(tiny_http::Response::empty(304).with_header(header("ETag", &etag)));
        return;
    }
    match mode {
        Mode::Trickle { chunk, pause } => {
            let len = data.len();
            let resp = tiny_http::Response::new(
                200.into(),
                vec![header("ETag", &etag)],
                Trickle {
                    data,
                    pos: 0,
                    chunk,
                    pause,
                },
                Some(len),
                None,
            );
            let _ = req.respond(resp);
        }
        _ => {
            let resp = tiny_http::Response::from_data(data).with_header(header("ETag", &etag));
            let _ = req.respond(resp);
        }
    }
}

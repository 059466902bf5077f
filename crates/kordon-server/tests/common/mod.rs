//! Shared set-up for the service tests: a data directory with the demo list
//! imported, an API key, and a real server on a loopback port.

#![allow(dead_code)]

use kordon_server::{RunningServer, ServerConfig};
use std::path::{Path, PathBuf};

pub const KUPOL_ID: &str = "us_ofac_sdn:46431";
pub const KUPOL_NAME: &str = "JOINT STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL";
pub const PUTIN_ID: &str = "us_ofac_sdn:35096";

pub fn demo_list() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lists/demo")
}

/// A fresh data directory with the demo list imported through the real store.
pub fn demo_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &demo_list());
    dir
}

pub fn import(data_dir: &Path, list: &Path) {
    let mut store = kordon_store::Store::open(data_dir).expect("open store");
    for input in kordon_sources::discover(&[list.to_path_buf()]).expect("discover") {
        store.import(&input, &mut |_| {}).expect("import");
    }
}

/// Create an API key in the data directory's key table; returns (id, secret).
pub fn create_key(data_dir: &Path, name: &str) -> (String, String) {
    let mut store = kordon_audit::open(data_dir, None).expect("open audit");
    let k = store.create_key(name).expect("create key");
    (k.info.id, k.secret)
}

pub fn config(data_dir: &Path) -> ServerConfig {
    ServerConfig {
        port: 0,
        data_dir: data_dir.to_path_buf(),
        ..ServerConfig::default()
    }
}

pub struct TestServer {
    pub server: RunningServer,
    pub key: String,
    pub key_id: String,
    pub http: reqwest::Client,
}

impl TestServer {
    pub async fn start(data_dir: &Path, tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let (key_id, key) = create_key(data_dir, "tests");
        let mut c = config(data_dir);
        tweak(&mut c);
        let server = kordon_server::start(c).await.expect("start server");
        TestServer {
            server,
            key,
            key_id,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("send");
        decode(r).await
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .expect("send");
        decode(r).await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("send");
        decode(r).await
    }
}

pub async fn decode(r: reqwest::Response) -> (u16, serde_json::Value) {
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {text:?}"));
    (status, json)
}

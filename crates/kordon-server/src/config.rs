//! Service configuration: a TOML file, overridden by environment variables and
//! command-line flags (the CLI does the merging; this is the merged result).

use serde::{Deserialize, Deserializer};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Loopback by default: exposing the service is a decision.
    pub bind: IpAddr,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Where the list store (`kordon.db`) and the SQLite audit log (`audit.db`) live.
    pub data_dir: PathBuf,
    /// Lists imported longer ago than this make the service not ready (503).
    #[serde(deserialize_with = "duration")]
    pub max_list_age: Duration,
    /// Largest accepted request body; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Most parties (or yente queries) in one request; more get 422.
    pub max_batch: usize,
    /// Most results per party a caller may ask for.
    pub max_limit: usize,
    /// Wall-clock limit for the screening work of one request; past it, 503.
    #[serde(deserialize_with = "duration")]
    pub request_timeout: Duration,
    /// `postgres://...` for the audit log and API keys; unset = SQLite in the data dir.
    pub database_url: Option<String>,
    /// Serve without API keys (development only; logged loudly).
    pub no_auth: bool,
    /// How often to look for newly imported list versions and reload.
    #[serde(deserialize_with = "duration")]
    pub reload_interval: Duration,
    /// How often revoked or new API keys take effect.
    #[serde(deserialize_with = "duration")]
    pub key_refresh_interval: Duration,
    /// Requests screened at once; further ones wait (screening is CPU work).
    pub max_concurrent_screens: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        ServerConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8000,
            data_dir: PathBuf::from(".kordon"),
            max_list_age: Duration::from_secs(7 * 86_400),
            max_body_bytes: 1 << 20,
            max_batch: 100,
            max_limit: 500,
            request_timeout: Duration::from_secs(10),
            database_url: None,
            no_auth: false,
            reload_interval: Duration::from_secs(60),
            key_refresh_interval: Duration::from_secs(5),
            max_concurrent_screens: cores * 2,
        }
    }
}

impl ServerConfig {
    /// Read a TOML config file; fields it omits keep their defaults.
    pub fn from_file(path: &Path) -> anyhow::Result<ServerConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.max_body_bytes >= 1024,
            "max_body_bytes must be at least 1024"
        );
        anyhow::ensure!(self.max_batch >= 1, "max_batch must be at least 1");
        anyhow::ensure!(self.max_limit >= 1, "max_limit must be at least 1");
        anyhow::ensure!(
            !self.request_timeout.is_zero(),
            "request_timeout must be positive"
        );
        anyhow::ensure!(
            self.max_concurrent_screens >= 1,
            "max_concurrent_screens must be at least 1"
        );
        Ok(())
    }
}

/// Durations as humans write them: "7d", "90s", "6h 30m".
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s)
        .map_err(|e| serde::de::Error::custom(format!("{s:?}: {e} (use 7d, 6h, 90s)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_keeps_loopback() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("kordon-serve.example.toml");
        let c = ServerConfig::from_file(&path).expect("example config");
        assert_eq!(c.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(c.max_list_age, Duration::from_secs(7 * 86_400));
        assert_eq!(c.request_timeout, Duration::from_secs(10));
        assert_eq!(c.max_concurrent_screens, 4);
        c.validate().expect("valid");
    }

    #[test]
    fn unknown_keys_and_bad_durations_are_rejected() {
        let e = toml::from_str::<ServerConfig>("prot = 80").expect_err("typo");
        assert!(e.to_string().contains("prot"), "{e}");
        let e =
            toml::from_str::<ServerConfig>("max_list_age = \"a week\"").expect_err("bad duration");
        assert!(e.to_string().contains("a week"), "{e}");
        let c: ServerConfig = toml::from_str("port = 9000").expect("partial file");
        assert_eq!((c.port, c.max_batch), (9000, 100));
        assert!(ServerConfig {
            max_batch: 0,
            ..ServerConfig::default()
        }
        .validate()
        .is_err());
    }
}

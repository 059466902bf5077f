//! Which lists to fetch from where, and how: the built-in `data/sources.toml`
//! (official URLs) merged with an optional user file. See that file's header
//! for the meaning of each key.

use crate::UpdateError;
use kordon_sources::Format;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

const BUILT_IN: &str = include_str!("../data/sources.toml");

/// Every format a source may declare, so a config names them by the same
/// strings `kordon lists` prints.
const FORMATS: [Format; 13] = [
    Format::OfacSdnCsv,
    Format::OfacConsCsv,
    Format::OfacAdvancedXml,
    Format::UnXml,
    Format::EuFsfXml,
    Format::EuJournalCsv,
    Format::UkCsv,
    Format::UkXml,
    Format::UkTables,
    Format::UsCslCsv,
    Format::FtmJson,
    Format::UsBisDpl,
    Format::UsDod1260h,
];

#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub proxy: Option<String>,
    pub max_loss_share: f64,
    pub user_agent: String,
    pub max_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct FileSpec {
    pub url: String,
    /// File name inside the staging folder.
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub key: String,
    pub format: Option<Format>,
    pub enabled: bool,
    pub files: Vec<FileSpec>,
    pub licence: String,
    pub non_commercial: bool,
    pub allow_http: bool,
}

#[derive(Debug, Clone)]
pub struct UpdateConfig {
    pub settings: Settings,
    pub sources: Vec<SourceConfig>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: RawSettings,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    timeout_secs: Option<f64>,
    connect_timeout_secs: Option<f64>,
    read_timeout_secs: Option<f64>,
    proxy: Option<String>,
    max_loss_share: Option<f64>,
    user_agent: Option<String>,
    max_bytes: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    key: String,
    format: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
    files: Vec<RawFile>,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    non_commercial: bool,
    #[serde(default)]
    allow_http: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    url: String,
    name: Option<String>,
}

fn yes() -> bool {
    true
}

impl UpdateConfig {
    /// The built-in official sources.
    pub fn built_in() -> UpdateConfig {
        // The built-in file is part of the binary and covered by a test.
        Self::from_toml_str(BUILT_IN, "built-in sources.toml")
            .unwrap_or_else(|e| panic!("built-in sources.toml is invalid: {e}"))
    }

    /// The built-in sources overridden by `path`.
    pub fn with_user_file(path: &Path) -> Result<UpdateConfig, UpdateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UpdateError::Config(format!("{}: {e}", path.display())))?;
        Self::built_in().merged(&text, &path.display().to_string())
    }

    /// Only the sources and settings of `text` (with defaults for missing
    /// settings): what tests and air-gapped mirrors use.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<UpdateConfig, UpdateError> {
        let base = UpdateConfig {
            settings: Settings {
                timeout: Duration::from_secs(900),
                connect_timeout: Duration::from_secs(30),
                read_timeout: Duration::from_secs(120),
                proxy: None,
                max_loss_share: 0.05,
                user_agent: "kordon-list-updater/0.1".into(),
                max_bytes: 2 << 30,
            },
            sources: vec![],
        };
        base.merged(text, origin)
    }

    /// Apply a TOML document on top of this config.
    pub fn merged(mut self, text: &str, origin: &str) -> Result<UpdateConfig, UpdateError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| UpdateError::Config(format!("{origin}: {e}")))?;
        let s = &mut self.settings;
        let secs = |v: f64, what: &str| -> Result<Duration, UpdateError> {
            Duration::try_from_secs_f64(v).map_err(|_| {
                UpdateError::Config(format!(
                    "{origin}: {what} must be a positive number of seconds"
                ))
            })
        };
        if let Some(v) = raw.settings.timeout_secs {
            s.timeout = secs(v, "timeout_secs")?;
        }
        if let Some(v) = raw.settings.connect_timeout_secs {
            s.connect_timeout = secs(v, "connect_timeout_secs")?;
        }
        if let Some(v) = raw.settings.read_timeout_secs {
            s.read_timeout = secs(v, "read_timeout_secs")?;
        }
        if let Some(v) = raw.settings.proxy {
            s.proxy = Some(v).filter(|p| !p.trim().is_empty());
        }
        if let Some(v) = raw.settings.max_loss_share {
            if !(0.0..=1.0).contains(&v) {
                return Err(UpdateError::Config(format!(
                    "{origin}: max_loss_share must be between 0 and 1, got {v}"
                )));
            }
            s.max_loss_share = v;
        }
        if let Some(v) = raw.settings.user_agent {
            s.user_agent = v;
        }
        if let Some(v) = raw.settings.max_bytes {
            s.max_bytes = v;
        }
        for rs in raw.sources {
            let src = convert_source(rs, origin)?;
            match self.sources.iter_mut().find(|s| s.key == src.key) {
                Some(existing) => *existing = src,
                None => self.sources.push(src),
            }
        }
        Ok(self)
    }
}

fn convert_source(rs: RawSource, origin: &str) -> Result<SourceConfig, UpdateError> {
    let bad = |msg: String| UpdateError::Config(format!("{origin}: source {:?}: {msg}", rs.key));
    if rs.key.is_empty()
        || !rs
            .key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad("key must be letters, digits, '_' or '-'".into()));
    }
    let format = match &rs.format {
        None => None,
        Some(f) => Some(
            FORMATS
                .into_iter()
                .find(|x| x.as_str() == f)
                .ok_or_else(|| {
                    bad(format!(
                        "unknown format {f:?} (known: {})",
                        FORMATS.map(|x| x.as_str()).join(", ")
                    ))
                })?,
        ),
    };
    if rs.files.is_empty() {
        return Err(bad("needs at least one file".into()));
    }
    let mut files = Vec::new();
    for f in &rs.files {
        let scheme = f.url.split("://").next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "https" => {}
            "http" if rs.allow_http => {}
            "http" => {
                return Err(bad(format!(
                    "{} is plain http; set allow_http = true to permit it",
                    f.url
                )))
            }
            _ => return Err(bad(format!("{} is not an http(s) URL", f.url))),
        }
        let name = match &f.name {
            Some(n) => n.clone(),
            None => f
                .url
                .split(['?', '#'])
                .next()
                .and_then(|u| u.rsplit('/').next())
                .unwrap_or("")
                .to_string(),
        };
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(bad(format!(
                "file name {name:?} for {} is not a plain file name; set `name`",
                f.url
            )));
        }
        if files.iter().any(|x: &FileSpec| x.name == name) {
            return Err(bad(format!("two files are named {name:?}")));
        }
        files.push(FileSpec {
            url: f.url.clone(),
            name,
        });
    }
    Ok(SourceConfig {
        key: rs.key,
        format,
        enabled: rs.enabled,
        files,
        licence: rs.licence,
        non_commercial: rs.non_commercial,
        allow_http: rs.allow_http,
    })
}

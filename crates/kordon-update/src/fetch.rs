//! One HTTP(S) download: a conditional GET when we hold a verified copy of the
//! last body, streamed to a temp file with its SHA-256, fsynced, then renamed
//! into the staging folder. Bodies that are HTML pages (a portal's error or
//! maintenance page served with status 200) are rejected here, before any
//! parser sees them.

use crate::config::{FileSpec, Settings};
use crate::UpdateError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What the server said about one file.
#[derive(Debug, Clone)]
pub(crate) enum Fetched {
    /// 304: our kept copy (linked into staging) is still current.
    NotModified,
    Downloaded {
        etag: Option<String>,
        last_modified: Option<String>,
        sha256: String,
        bytes: u64,
    },
}

/// The validators to send: only when the kept copy still hashes to what we
/// recorded, so a damaged or deleted copy is fetched again in full.
pub(crate) struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

pub(crate) fn agent(settings: &Settings, https_only: bool) -> Result<ureq::Agent, UpdateError> {
    let proxy = match &settings.proxy {
        Some(p) => Some(
            ureq::Proxy::new(p).map_err(|e| UpdateError::Config(format!("proxy {p:?}: {e}")))?,
        ),
        None => ureq::Proxy::try_from_env(),
    };
    let config = ureq::Agent::config_builder()
        .https_only(https_only)
        // Status codes are handled per case (304, HTML error pages, 5xx).
        .http_status_as_error(false)
        .proxy(proxy)
        .user_agent(settings.user_agent.as_str())
        .timeout_global(Some(settings.timeout))
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_recv_response(Some(settings.read_timeout))
        .timeout_per_read(Some(settings.read_timeout))
        .build();
    Ok(config.into())
}

pub(crate) fn fetch(
    agent: &ureq::Agent,
    settings: &Settings,
    spec: &FileSpec,
    conditional: Option<&Conditional>,
    dest: &Path,
) -> Result<Fetched, UpdateError> {
    let mut req = agent.get(&spec.url);
    if let Some(c) = conditional {
        if let Some(etag) = &c.etag {
            req = req.header("If-None-Match", etag);
        }
        if let Some(lm) = &c.last_modified {
            req = req.header("If-Modified-Since", lm);
        }
    }
    let http = |e: ureq::Error| UpdateError::Http {
        url: spec.url.clone(),
        message: describe(&e),
    };
    let mut resp = req.call().map_err(http)?;
    let status = resp.status().as_u16();
    if status == 304 {
        if conditional.is_none() {
            return Err(UpdateError::Http {
                url: spec.url.clone(),
                message: "server answered 304 Not Modified to an unconditional request".into(),
            });
        }
        return Ok(Fetched::NotModified);
    }
    if status != 200 {
        return Err(UpdateError::Http {
            url: spec.url.clone(),
            message: format!("HTTP status {status}"),
        });
    }
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header("etag");
    let last_modified = header("last-modified");
    let content_type = header("content-type").unwrap_or_default();

    let part = part_path(dest);
    let io = |p: &Path, e: std::io::Error| UpdateError::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let mut out = File::create(&part).map_err(|e| io(&part, e))?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut head: Vec<u8> = Vec::with_capacity(1024);
    let mut reader = resp.body_mut().as_reader();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        // A cut connection (Content-Length not reached), a stall past
        // read_timeout or the global timeout all surface here as errors.
        let n = reader.read(&mut buf).map_err(|e| UpdateError::Http {
            url: spec.url.clone(),
            message: format!("download interrupted after {bytes} bytes: {e}"),
        })?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        if bytes > settings.max_bytes {
            drop(out);
            let _ = std::fs::remove_file(&part);
            return Err(UpdateError::Http {
                url: spec.url.clone(),
                message: format!("body exceeds max_bytes ({})", settings.max_bytes),
            });
        }
        if head.len() < 1024 {
            let take = (1024 - head.len()).min(n);
            head.extend_from_slice(&buf[..take]);
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| io(&part, e))?;
    }
    out.sync_all().map_err(|e| io(&part, e))?;
    drop(out);
    if bytes == 0 {
        let _ = std::fs::remove_file(&part);
        return Err(UpdateError::Invalid {
            url: spec.url.clone(),
            message: "the server sent an empty body with status 200".into(),
        });
    }
    if let Some(title) = html_page(&head) {
        let _ = std::fs::remove_file(&part);
        return Err(UpdateError::Invalid {
            url: spec.url.clone(),
            message: format!(
                "the server sent an HTML page with status 200 (content-type {content_type:?}, title {title:?}), not a list file"
            ),
        });
    }
    std::fs::rename(&part, dest).map_err(|e| io(dest, e))?;
    Ok(Fetched::Downloaded {
        etag,
        last_modified,
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}

fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

/// If the first bytes are an HTML document, its `<title>` (possibly empty).
/// XML lists start with `<?xml` or their root element, never `<html`.
pub(crate) fn html_page(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let lower = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    let is_html = lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || (lower.starts_with('<') && !lower.starts_with("<?xml") && lower.contains("<html"));
    if !is_html {
        return None;
    }
    let title = lower
        .find("<title")
        .and_then(|i| lower[i..].find('>').map(|j| i + j + 1))
        .map(|start| {
            let end = lower[start..]
                .find("</title")
                .map(|e| start + e)
                .unwrap_or(lower.len());
            text.trim_start_matches('\u{feff}').trim_start()[start..end]
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    Some(title)
}

/// SHA-256 of a kept file, or None when it cannot be read.
pub(crate) fn sha256_file(path: &Path) -> Option<String> {
    let mut f = File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(hex::encode(h.finalize()))
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::html_page;

    #[test]
    fn html_pages_are_told_from_xml_lists() {
        assert_eq!(
            html_page(b"\n<!DOCTYPE html><html><head><title> Down for maintenance </title>")
                .as_deref(),
            Some("Down for maintenance")
        );
        assert_eq!(html_page(b"<HTML><BODY>oops").as_deref(), Some(""));
        assert_eq!(
            html_page(b"<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>"),
            None
        );
        assert_eq!(
            html_page(
                b"<?xml version=\"1.0\"?><export xmlns=\"http://eu.europa.ec/fpi/fsd/export\">"
            ),
            None
        );
        assert_eq!(
            html_page(b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\""),
            None
        );
    }
}

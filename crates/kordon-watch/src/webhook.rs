//! Delivering alerts to a webhook: each undelivered alert is POSTed as JSON,
//! signed with HMAC-SHA256 over the exact body (`X-Kordon-Signature:
//! sha256=<hex>`), so the receiver can check it came from us and was not
//! altered. Failed posts are retried with exponential backoff (bounded in
//! attempts and delay); after the last attempt the error is recorded on the
//! alert and the alert stays undelivered, to be retried by the next pass.
//! Alerts are committed before any delivery is tried: a dead webhook never
//! loses one.

use crate::{Alert, WatchDb, WatchError};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// Shared secret for the signature.
    pub secret: String,
    /// Attempts per alert per pass (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled each time up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub timeout: Duration,
}

impl WebhookConfig {
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> WebhookConfig {
        WebhookConfig {
            url: url.into(),
            secret: secret.into(),
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryReport {
    pub delivered: u64,
    pub failed: u64,
    pub attempts: u64,
}

/// `sha256=<hex HMAC-SHA256 of body under secret>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Try to deliver every undelivered alert, oldest first.
pub fn deliver_pending(watch: &WatchDb, cfg: &WebhookConfig) -> Result<DeliveryReport, WatchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(cfg.timeout))
        .build()
        .into();
    let mut report = DeliveryReport::default();
    for alert in watch.undelivered()? {
        let (attempts, error) = post_with_retries(&agent, cfg, &alert);
        report.attempts += attempts as u64;
        if error.is_none() {
            report.delivered += 1;
        } else {
            report.failed += 1;
        }
        watch.record_delivery(alert.alert_id, attempts, error.as_deref())?;
    }
    Ok(report)
}

fn post_with_retries(
    agent: &ureq::Agent,
    cfg: &WebhookConfig,
    alert: &Alert,
) -> (u32, Option<String>) {
    let body = match serde_json::to_vec(alert) {
        Ok(b) => b,
        Err(e) => return (0, Some(format!("encoding alert: {e}"))),
    };
    let sig = signature(&cfg.secret, &body);
    let mut delay = cfg.initial_backoff;
    let mut last = String::new();
    let attempts = cfg.max_attempts.max(1);
    for attempt in 1..=attempts {
        let result = agent
            .post(&cfg.url)
            .header("Content-Type", "application/json")
            .header("X-Kordon-Signature", &sig)
            .header("X-Kordon-Alert-Id", alert.alert_id.to_string())
            .send(&body[..]);
        match result {
            Ok(resp) if resp.status().is_success() => return (attempt, None),
            Ok(resp) => last = format!("HTTP status {}", resp.status().as_u16()),
            Err(e) => last = e.to_string(),
        }
        if attempt < attempts {
            std::thread::sleep(delay);
            delay = (delay * 2).min(cfg.max_backoff);
        }
    }
    (
        attempts,
        Some(format!("{} after {attempts} attempt(s): {last}", cfg.url)),
    )
}

//! API-key authentication. Keys are looked up by their SHA-256 in an
//! in-memory copy of the key table, refreshed every few seconds, so a request
//! never waits on the database to be authenticated and a revoked key stops
//! working within one refresh interval.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Who made the request: the API key id, or `None` under `--no-auth`.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<String>);

#[derive(Default)]
pub struct KeyCache {
    by_hash: RwLock<HashMap<String, String>>,
}

impl KeyCache {
    pub fn replace(&self, keys: Vec<(String, String)>) {
        if let Ok(mut m) = self.by_hash.write() {
            *m = keys.into_iter().collect();
        }
    }

    pub fn lookup(&self, secret: &str) -> Option<String> {
        let h = kordon_audit::hash_key(secret);
        self.by_hash.read().ok().and_then(|m| m.get(&h).cloned())
    }
}

/// The key from `Authorization: Bearer KEY`, `Authorization: ApiKey KEY` (what
/// yente clients send) or `X-API-Key: KEY`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, key) = v.trim().split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("apikey") {
            return Some(key.trim()).filter(|k| !k.is_empty());
        }
        return None;
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

pub async fn require_key(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    if state.config.no_auth {
        req.extensions_mut().insert(Caller(None));
        return next.run(req).await;
    }
    let err = match presented_key(req.headers()) {
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing API key: send `Authorization: Bearer KEY` or `X-API-Key: KEY` (create one with `kordon keys create NAME`)",
        ),
        Some(key) => match state.keys.lookup(key) {
            Some(id) => {
                req.extensions_mut().insert(Caller(Some(id)));
                return next.run(req).await;
            }
            None => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "invalid or revoked API key"),
        },
    };
    let mut resp = err.into_response();
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

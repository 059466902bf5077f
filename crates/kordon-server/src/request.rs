//! What every screening handler shares: strict JSON bodies whose errors name
//! the field, request ids, running the CPU-bound screening off the async
//! executor under a time limit, and writing the audit record before answering.

use crate::auth::Caller;
use crate::engine::Engine;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use kordon_audit::AuditRecord;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Instant;

/// A JSON body parsed with errors that say where: `400 bad_json` for broken
/// JSON, `422 invalid_field` with the field path for well-formed JSON of the
/// wrong shape, `413 body_too_large` past the configured size.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "request body is larger than the configured limit (max_body_bytes)",
                )
            } else {
                ApiError::bad_request("bad_body", rej.body_text())
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." {
                        "body".to_string()
                    } else {
                        path
                    };
                    Err(ApiError::invalid(
                        field.clone(),
                        format!("{field}: {inner}"),
                    ))
                }
                _ => Err(ApiError::bad_request(
                    "bad_json",
                    format!("the body is not valid JSON: {inner}"),
                )),
            }
        }
    }
}

pub fn new_request_id() -> String {
    let mut buf = [0u8; 8];
    if getrandom::fill(&mut buf).is_err() {
        // Without system randomness, time still gives a unique-enough id.
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("req_{n:x}");
    }
    format!("req_{}", hex::encode(buf))
}

/// Run `work` on the blocking pool with the engine, within the per-request
/// time limit. `work` gets the deadline so batches can stop early.
pub async fn screen_off_executor<T, F>(
    state: &Arc<AppState>,
    engine: Arc<Engine>,
    work: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Engine, Instant) -> Result<T, ApiError> + Send + 'static,
{
    let limit = state.config.request_timeout;
    let deadline = Instant::now() + limit;
    let permits = state.screen_permits.clone();
    let run = async move {
        let permit = permits.acquire_owned().await.map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the service is shutting down",
            )
        })?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&engine, deadline)
        })
        .await
        .map_err(|e| ApiError::internal(format!("screening failed: {e}")))?
    };
    match tokio::time::timeout(limit, run).await {
        Ok(r) => r,
        Err(_) => Err(time_limit_error(limit)),
    }
}

pub fn time_limit_error(limit: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "time_limit",
        format!(
            "screening did not finish within the request time limit of {}",
            humantime::format_duration(limit)
        ),
    )
}

/// The list versions a response was computed against, for the audit log.
pub fn lists_json(engine: &Engine) -> serde_json::Value {
    serde_json::Value::Array(
        engine
            .versions
            .iter()
            .map(|v| serde_json::json!({"source": v.source, "version": v.version_id, "content_hash": v.content_hash}))
            .collect(),
    )
}

/// What a screening endpoint answered, for the audit log.
pub struct Answered {
    pub endpoint: String,
    pub query: serde_json::Value,
    pub lists: serde_json::Value,
    pub results: serde_json::Value,
    pub threshold: Option<f64>,
    pub status: StatusCode,
}

/// Write the audit record and wait for its commit. A response whose record
/// could not be committed is withheld: the caller gets 500, not results.
pub async fn audit(
    state: &AppState,
    caller: &Caller,
    request_id: &str,
    answered: Answered,
) -> Result<(), ApiError> {
    let record = AuditRecord {
        request_id: request_id.to_string(),
        at: kordon_audit::now_timestamp(),
        api_key_id: caller.0.clone(),
        endpoint: answered.endpoint,
        query: answered.query,
        lists: answered.lists,
        results: answered.results,
        threshold: answered.threshold,
        status: answered.status.as_u16(),
    };
    state.audit.record(record).await.map(|_| ()).map_err(|e| {
        ApiError::internal(format!(
            "the audit log could not be written, so the results are withheld: {e}"
        ))
    })
}

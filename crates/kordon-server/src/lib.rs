//! The kordon screening service: an HTTP API over the imported lists.
//!
//! - kordon's own API: `POST /v1/screen`, `GET /v1/lists`;
//! - a yente-compatible API: `POST /match/{dataset}`, `GET /search/{dataset}`,
//!   `GET /entities/{id}`, `GET /algorithms`, `GET /catalog`;
//! - operations: `/healthz`, `/readyz`, `/metrics` (Prometheus), `/openapi.json`.
//!
//! Readiness fails closed: with no lists, or lists older than the configured
//! maximum age, screening answers 503 with the reason, never "no match". Every
//! screening request is written to the hash-chained audit log (kordon-audit)
//! and committed before its response is sent. Callers authenticate with API
//! keys. Screening is CPU work and runs on the blocking pool under a
//! per-request time limit.

pub mod auth;
pub mod config;
pub mod engine;
pub mod error;
pub mod ftm;
pub mod metrics;
pub mod request;
pub mod v1;
pub mod yente;

pub use config::ServerConfig;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use kordon_audit::{AuditStore, AuditWriter};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Semaphore;
use utoipa::OpenApi;

/// Shared by every request.
pub struct AppState {
    pub config: ServerConfig,
    pub engine: engine::EngineSlot,
    pub keys: auth::KeyCache,
    pub audit: AuditWriter,
    pub metrics: metrics::Metrics,
    pub screen_permits: Arc<Semaphore>,
    /// A second connection for reading keys; `None` only while being dropped.
    key_store: Mutex<Option<Box<dyn AuditStore>>>,
}

impl Drop for AppState {
    fn drop(&mut self) {
        // The PostgreSQL client blocks on its own runtime when it closes, which
        // panics on an async worker thread: close it on a plain thread.
        if let Some(store) = self.key_store.get_mut().ok().and_then(Option::take) {
            let _ = std::thread::spawn(move || drop(store)).join();
        }
    }
}

/// Group commit batch size: how many audit records share one transaction.
const AUDIT_BATCH: usize = 256;

impl AppState {
    /// Open the audit log and key table, load the lists, start the audit
    /// writer. Blocking: run it on the blocking pool or before a runtime exists.
    pub fn open(config: ServerConfig) -> anyhow::Result<AppState> {
        config.validate()?;
        let open_store = || {
            kordon_audit::open(&config.data_dir, config.database_url.as_deref())
                .context("opening the audit log")
        };
        let (audit, _writer_thread) = AuditWriter::spawn(open_store()?, AUDIT_BATCH)?;
        let mut key_store = open_store()?;
        let keys = auth::KeyCache::default();
        keys.replace(key_store.active_key_hashes()?);
        let engine = engine::EngineSlot::default();
        engine.refresh(&config.data_dir);
        Ok(AppState {
            screen_permits: Arc::new(Semaphore::new(config.max_concurrent_screens)),
            config,
            engine,
            keys,
            audit,
            metrics: metrics::Metrics::default(),
            key_store: Mutex::new(Some(key_store)),
        })
    }

    fn refresh_keys(&self) -> anyhow::Result<()> {
        let mut guard = self
            .key_store
            .lock()
            .map_err(|_| anyhow::anyhow!("key store lock poisoned"))?;
        if let Some(store) = guard.as_mut() {
            self.keys.replace(store.active_key_hashes()?);
        }
        Ok(())
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kordon screening service", description = "Sanctions and export-control screening. See YENTE_COMPAT.md for the yente-compatible endpoints."),
    paths(v1::screen, v1::lists, yente::match_entities, yente::search, yente::entity, yente::algorithms, yente::catalog, healthz, readyz),
    components(schemas(error::ErrorBody, StatusBody)),
    modifiers(&SecurityScheme)
)]
pub struct ApiDoc;

struct SecurityScheme;

impl utoipa::Modify for SecurityScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme as S};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", S::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StatusBody {
    /// `ok`, or `not_ready`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Alive", body = StatusBody)))]
async fn healthz() -> Json<StatusBody> {
    Json(StatusBody {
        status: "ok".into(),
        code: None,
        detail: None,
    })
}

/// Readiness: lists loaded and within the maximum age.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready to screen", body = StatusBody),
    (status = 503, description = "Not ready, with the reason", body = StatusBody)))]
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.engine.ready(state.config.max_list_age) {
        Ok(_) => Json(StatusBody {
            status: "ok".into(),
            code: None,
            detail: None,
        })
        .into_response(),
        Err(nr) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(StatusBody {
                status: "not_ready".into(),
                code: Some(nr.code.into()),
                detail: Some(nr.reason),
            }),
        )
            .into_response(),
    }
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(&state),
    )
        .into_response()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> error::ApiError {
    error::ApiError::not_found("no such endpoint; see /openapi.json")
}

async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method; see /openapi.json",
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    error::ApiError::internal("internal error while handling the request").into_response()
}

/// The service's routes over `state`; usable directly from tests.
pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .route("/v1/screen", post(v1::screen))
        .route("/v1/lists", get(v1::lists))
        .route("/match/{dataset}", post(yente::match_entities))
        .route("/search/{dataset}", get(yente::search))
        .route("/entities/{entity_id}", get(yente::entity))
        .route("/algorithms", get(yente::algorithms))
        .route("/catalog", get(yente::catalog))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi_json))
        .merge(protected)
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(state)
}

/// Reload lists and API keys in the background until the state is dropped.
fn spawn_background(state: &Arc<AppState>) {
    fn every(state: Weak<AppState>, period: Duration, work: fn(&AppState)) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(s) = state.upgrade() else { break };
                if tokio::task::spawn_blocking(move || work(&s)).await.is_err() {
                    eprintln!("kordon serve: a background refresh panicked");
                }
            }
        });
    }
    every(Arc::downgrade(state), state.config.reload_interval, |s| {
        s.engine.refresh(&s.config.data_dir)
    });
    every(
        Arc::downgrade(state),
        state.config.key_refresh_interval,
        |s| {
            if let Err(e) = s.refresh_keys() {
                eprintln!(
                    "kordon serve: refreshing API keys failed (keeping the previous set): {e:#}"
                );
            }
        },
    );
}

/// A server running in the background (tests, embedding).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, finish in-flight requests, and return.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        Ok(())
    }
}

/// Open everything, bind `config.bind:config.port` and serve in the background.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let addr = SocketAddr::new(config.bind, config.port);
    let state = Arc::new(tokio::task::spawn_blocking(move || AppState::open(config)).await??);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let addr = listener.local_addr()?;
    spawn_background(&state);
    let app = router(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// Run the service until Ctrl-C or SIGTERM.
pub async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    if config.no_auth {
        eprintln!("WARNING: kordon serve is running WITHOUT AUTHENTICATION (--no-auth): anyone who can reach {}:{} can screen and read the lists. Use this for local development only.", config.bind, config.port);
    }
    let server = start(config).await?;
    match server.state.engine.ready(server.state.config.max_list_age) {
        Ok(e) => eprintln!(
            "kordon serve: ready, {} entities from {}",
            e.screener.entities().len(),
            e.sources().collect::<Vec<_>>().join(", ")
        ),
        Err(nr) => eprintln!(
            "kordon serve: NOT READY (screening answers 503): {}",
            nr.reason
        ),
    }
    // Tests and scripts read the bound address from this line.
    println!("listening on {}", server.url());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    shutdown_signal().await;
    eprintln!("kordon serve: shutting down");
    server.shutdown().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

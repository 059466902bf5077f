//! kordon's own API: `POST /v1/screen` (one or many parties, ranked and
//! explained matches with entity summaries and the list versions used) and
//! `GET /v1/lists` (loaded versions and their freshness).

use crate::auth::Caller;
use crate::engine::{age, Engine};
use crate::error::{ApiError, ErrorBody};
use crate::request::{
    audit, lists_json, new_request_id, screen_off_executor, time_limit_error, Answered, JsonBody,
};
use crate::AppState;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::Json;
use kordon_model::{Entity, PartialDate, Schema};
use kordon_screen::{PartyMatch, PartyQuery, ScreenOptions};
use kordon_store::SourceVersion;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;
use utoipa::ToSchema;

/// The engine's calibrated default score for a match.
pub fn default_threshold() -> f64 {
    ScreenOptions::default().threshold
}
const DEFAULT_LIMIT: usize = 10;
/// Names shown per entity summary; the full entity is at `/entities/{id}`.
const SUMMARY_NAMES: usize = 20;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenRequest {
    /// The parties to screen (at least one, at most the configured batch size).
    pub parties: Vec<PartyInput>,
    /// Minimum score in [0, 1] for a result to be returned. Default: the engine's calibrated threshold.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Most results per party. Default 10.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Only screen against these sources (dataset keys from `/v1/lists`).
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    /// Your reference for this party, echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name, in any script.
    pub name: String,
    /// person, organization (company), vessel or aircraft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// ISO codes or country names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// Date of birth or incorporation: 1952, 1952-10 or 1952-10-07.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Identifier values (passport, IMO, INN...), any format.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreenResponse {
    pub request_id: String,
    pub threshold: f64,
    pub limit: usize,
    /// One entry per party, in request order.
    pub results: Vec<PartyResult>,
    /// The list versions screened against.
    pub lists: Vec<ListInfo>,
    pub entities_screened: usize,
    pub took_ms: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyResult {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub query: PartyInput,
    /// Ranked, best first; empty when nothing reached the threshold.
    pub matches: Vec<MatchOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchOut {
    pub entity_id: String,
    pub caption: String,
    pub source: String,
    pub schema: String,
    /// Calibrated score in [0, 1].
    pub score: f64,
    pub is_match: bool,
    /// The list name that matched best, as the list writes it.
    pub matched_name: String,
    /// Why: which names and features matched.
    pub explanation: Vec<String>,
    pub entity: EntitySummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntitySummary {
    pub names: Vec<String>,
    pub countries: Vec<String>,
    pub birth_dates: Vec<String>,
    pub identifiers: Vec<String>,
    pub programs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_name: Option<String>,
    pub topics: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListInfo {
    pub source: String,
    pub version_id: i64,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// RFC 3339 UTC.
    pub imported_at: String,
    pub age_seconds: i64,
    /// Whether the list is within the configured maximum age.
    pub fresh: bool,
    pub content_hash: String,
    pub entities: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListsResponse {
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_ready_reason: Option<String>,
    pub max_age_seconds: u64,
    pub lists: Vec<ListInfo>,
    pub entities_loaded: usize,
}

pub fn summary(e: &Entity) -> EntitySummary {
    EntitySummary {
        names: e
            .names
            .iter()
            .take(SUMMARY_NAMES)
            .map(|n| n.full.clone())
            .collect(),
        countries: e.country_codes().into_iter().map(str::to_string).collect(),
        birth_dates: e.birth_dates().map(|d| d.to_string()).collect(),
        identifiers: e
            .identifiers
            .iter()
            .map(|i| format!("{}: {}", i.kind.as_str(), i.value))
            .collect(),
        programs: e.programs.iter().map(|p| p.code.clone()).collect(),
        authority: e.authority.clone(),
        list_name: e.list_name.clone(),
        topics: e.topics.clone(),
        listed_on: e.listed_on.as_ref().map(|d| d.to_string()),
    }
}

pub fn list_info(v: &SourceVersion, max_age: std::time::Duration) -> ListInfo {
    let now = kordon_store::now_unix();
    let a = age(now, v.imported_at);
    ListInfo {
        source: v.source.clone(),
        version_id: v.version_id,
        format: v.format.clone(),
        published: v.published.clone(),
        imported_at: time::OffsetDateTime::from_unix_timestamp(v.imported_at)
            .map(kordon_audit::format_timestamp)
            .unwrap_or_else(|_| v.imported_at.to_string()),
        age_seconds: a.as_secs() as i64,
        fresh: a <= max_age,
        content_hash: v.content_hash.clone(),
        entities: v.entities,
    }
}

pub fn parse_schema(field: &str, s: &str) -> Result<Schema, ApiError> {
    Schema::parse(s).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!("{field}: unknown schema {s:?}: use person, organization, vessel or aircraft"),
        )
    })
}

/// Check a party and turn it into the engine's query.
fn to_query(i: usize, p: &PartyInput) -> Result<PartyQuery, ApiError> {
    let field = |f: &str| format!("parties[{i}].{f}");
    if p.name.trim().is_empty() {
        return Err(ApiError::invalid(
            field("name"),
            format!("{}: the name is empty", field("name")),
        ));
    }
    let schema = p
        .schema
        .as_deref()
        .map(|s| parse_schema(&field("schema"), s))
        .transpose()?;
    let birth_date = p
        .birth_date
        .as_deref()
        .map(|d| {
            PartialDate::parse(d).map_err(|e| {
                ApiError::invalid(field("birth_date"), format!("{}: {e}", field("birth_date")))
            })
        })
        .transpose()?;
    Ok(PartyQuery {
        name: p.name.clone(),
        schema,
        countries: p.countries.clone(),
        birth_date,
        identifiers: p.identifiers.clone(),
    })
}

pub fn check_threshold(field: &str, t: f64) -> Result<f64, ApiError> {
    if t.is_finite() && (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(ApiError::invalid(
            field,
            format!("{field} must be between 0 and 1, got {t}"),
        ))
    }
}

fn match_out(engine: &Engine, m: PartyMatch) -> MatchOut {
    let entity = engine
        .screener
        .entity(&m.entity_id)
        .map(summary)
        .unwrap_or(EntitySummary {
            names: vec![m.caption.clone()],
            countries: vec![],
            birth_dates: vec![],
            identifiers: vec![],
            programs: vec![],
            authority: None,
            list_name: None,
            topics: vec![],
            listed_on: None,
        });
    MatchOut {
        entity_id: m.entity_id,
        caption: m.caption,
        source: m.source,
        schema: m.schema.as_str().to_string(),
        score: m.score,
        is_match: m.is_match,
        matched_name: m.matched_name,
        explanation: m.explanation,
        entity,
    }
}

/// Screen one or many parties.
#[utoipa::path(
    post, path = "/v1/screen", request_body = ScreenRequest,
    responses(
        (status = 200, description = "Ranked matches per party", body = ScreenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody),
        (status = 503, description = "Lists missing or stale, or the time limit was exceeded", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn screen(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    JsonBody(req): JsonBody<ScreenRequest>,
) -> Result<Json<ScreenResponse>, ApiError> {
    let started = Instant::now();
    if req.parties.is_empty() {
        return Err(ApiError::invalid(
            "parties",
            "parties: give at least one party",
        ));
    }
    if req.parties.len() > state.config.max_batch {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_queries",
            format!(
                "parties: {} parties, the limit is {} per request",
                req.parties.len(),
                state.config.max_batch
            ),
        )
        .field("parties"));
    }
    let threshold = check_threshold("threshold", req.threshold.unwrap_or_else(default_threshold))?;
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > state.config.max_limit {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must be between 1 and {}", state.config.max_limit),
        ));
    }
    let queries: Vec<PartyQuery> = req
        .parties
        .iter()
        .enumerate()
        .map(|(i, p)| to_query(i, p))
        .collect::<Result<_, _>>()?;
    let request_id = new_request_id();
    let query_json = serde_json::json!({
        "parties": req.parties, "threshold": threshold, "limit": limit, "sources": req.sources,
    });
    let engine = match state.engine.ready(state.config.max_list_age) {
        Ok(e) => e,
        Err(nr) => {
            let err = ApiError::from(nr);
            audit(
                &state,
                &caller,
                &request_id,
                Answered {
                    endpoint: "POST /v1/screen".into(),
                    query: query_json,
                    lists: serde_json::Value::Null,
                    results: serde_json::json!({"error": err.body.code}),
                    threshold: Some(threshold),
                    status: err.status,
                },
            )
            .await?;
            return Err(err);
        }
    };
    if let Some(sources) = &req.sources {
        for (i, s) in sources.iter().enumerate() {
            if !engine.has_source(s) {
                return Err(ApiError::invalid(
                    format!("sources[{i}]"),
                    format!(
                        "sources[{i}]: {s:?} is not loaded; loaded: {}",
                        engine.sources().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    let opts = ScreenOptions {
        threshold,
        limit,
        sources: req.sources.clone(),
    };
    let timeout = state.config.request_timeout;
    let (per_party, engine) =
        screen_off_executor(&state, engine.clone(), move |engine, deadline| {
            let mut out = Vec::with_capacity(queries.len());
            for q in &queries {
                if Instant::now() > deadline {
                    return Err(time_limit_error(timeout));
                }
                out.push(
                    engine
                        .screener
                        .screen(q, &opts)
                        .into_iter()
                        .map(|m| match_out(engine, m))
                        .collect::<Vec<_>>(),
                );
            }
            Ok(out)
        })
        .await
        .map(|r| (r, engine))?;
    let audit_results = serde_json::Value::Array(
        per_party
            .iter()
            .map(|ms| {
                serde_json::Value::Array(
                    ms.iter()
                        .map(|m| serde_json::json!({"id": m.entity_id, "score": m.score}))
                        .collect(),
                )
            })
            .collect(),
    );
    audit(
        &state,
        &caller,
        &request_id,
        Answered {
            endpoint: "POST /v1/screen".into(),
            query: query_json,
            lists: lists_json(&engine),
            results: audit_results,
            threshold: Some(threshold),
            status: StatusCode::OK,
        },
    )
    .await?;
    let results = req
        .parties
        .into_iter()
        .zip(per_party)
        .enumerate()
        .map(|(index, (p, ms))| PartyResult {
            index,
            id: p.id.clone(),
            query: p,
            matches: ms,
        })
        .collect();
    Ok(Json(ScreenResponse {
        request_id,
        threshold,
        limit,
        results,
        lists: engine
            .versions
            .iter()
            .map(|v| list_info(v, state.config.max_list_age))
            .collect(),
        entities_screened: engine.screener.entities().len(),
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    }))
}

/// Loaded list versions and their freshness.
#[utoipa::path(
    get, path = "/v1/lists",
    responses((status = 200, description = "Loaded lists", body = ListsResponse),
              (status = 401, description = "Missing or invalid API key", body = ErrorBody)),
    security(("api_key" = []))
)]
pub async fn lists(State(state): State<Arc<AppState>>) -> Json<ListsResponse> {
    let max_age = state.config.max_list_age;
    let ready = state.engine.ready(max_age);
    let engine = state.engine.current();
    Json(ListsResponse {
        ready: ready.is_ok(),
        not_ready_reason: ready.err().map(|n| n.reason),
        max_age_seconds: max_age.as_secs(),
        lists: engine
            .as_ref()
            .map(|e| e.versions.iter().map(|v| list_info(v, max_age)).collect())
            .unwrap_or_default(),
        entities_loaded: engine.map(|e| e.screener.entities().len()).unwrap_or(0),
    })
}

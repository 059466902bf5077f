//! A yente-compatible API, so clients written for OpenSanctions' yente (e.g.
//! the `yente-client` Python package) can screen against kordon unchanged:
//! `POST /match/{dataset}`, `GET /search/{dataset}`, `GET /entities/{id}`,
//! `GET /algorithms`, `GET /catalog`. Datasets are kordon sources; `default`
//! (or `all`) is every loaded source. Differences are listed in YENTE_COMPAT.md.

use crate::auth::Caller;
use crate::engine::Engine;
use crate::error::{ApiError, ErrorBody};
use crate::ftm::{entity_json, query_mapping, schema_name};
use crate::request::{
    audit, lists_json, new_request_id, screen_off_executor, time_limit_error, Answered, JsonBody,
};
use crate::v1::{check_threshold, list_info};
use crate::AppState;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use kordon_model::{PartialDate, Schema};
use kordon_screen::{PartyMatch, PartyQuery, ScreenOptions};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use utoipa::{IntoParams, ToSchema};

/// kordon's single matcher, under the names yente clients may ask for.
const ALGORITHM: &str = "kordon";
const ALGORITHM_ALIASES: [&str; 3] = ["kordon", "best", "default"];
const DEFAULT_MATCH_LIMIT: usize = 5;
const DEFAULT_CUTOFF: f64 = 0.5;
/// Relevance floor for `/search`, which has no threshold parameter.
const SEARCH_FLOOR: f64 = 0.5;

#[derive(Debug, Deserialize, ToSchema)]
pub struct MatchRequest {
    /// Query entities keyed by the client's own ids.
    pub queries: BTreeMap<String, EntityQuery>,
    /// Accepted for compatibility; kordon's matcher has no tunable weights.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub weights: serde_json::Value,
    /// Accepted for compatibility and ignored.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// FollowTheMoney schema: Person, Company, Organization, LegalEntity, Vessel, Airplane, Thing...
    pub schema: String,
    /// FtM properties: each a string or a list of strings (`name`, `birthDate`, `country`, `passportNumber`...).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// Query parameters of `/match/{dataset}` (repeatable ones may be given many times).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Score at or above which `match` is true. Default: the engine's calibrated threshold.
    pub threshold: Option<f64>,
    /// Results scoring below this are left out. Default 0.5.
    pub cutoff: Option<f64>,
    /// Results per query. Default 5.
    pub limit: Option<usize>,
    /// `kordon` (also accepted: `best`, `default`).
    pub algorithm: Option<String>,
    /// Restrict to these datasets (sources). Repeatable.
    pub include_dataset: Vec<String>,
    /// Leave out these datasets. Repeatable.
    pub exclude_dataset: Vec<String>,
    /// Only entities with one of these topics (`sanction`, `export.control`...). Repeatable.
    pub topics: Vec<String>,
    /// Leave out these entity ids. Repeatable.
    pub exclude_entity_ids: Vec<String>,
    /// Leave out entities of these FtM schemata. Repeatable.
    pub exclude_schema: Vec<String>,
}

/// Query parameters of `/search/{dataset}`.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The name to search for.
    pub q: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// FtM schema to restrict to.
    pub schema: Option<String>,
    /// Repeatable.
    pub countries: Vec<String>,
    /// Repeatable.
    pub topics: Vec<String>,
    /// Repeatable.
    pub include_dataset: Vec<String>,
    /// Repeatable.
    pub exclude_dataset: Vec<String>,
}

fn parse_number<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::invalid(name, format!("{name}: {v:?} is not a valid number")))
}

fn query_pairs(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

impl MatchParams {
    fn parse(raw: &Option<String>) -> Result<MatchParams, ApiError> {
        let mut p = MatchParams::default();
        for (k, v) in query_pairs(raw) {
            match k.as_str() {
                "threshold" => p.threshold = Some(parse_number(&k, &v)?),
                "cutoff" => p.cutoff = Some(parse_number(&k, &v)?),
                "limit" => p.limit = Some(parse_number(&k, &v)?),
                "algorithm" => p.algorithm = Some(v),
                "include_dataset" => p.include_dataset.push(v),
                "exclude_dataset" => p.exclude_dataset.push(v),
                "topics" => p.topics.push(v),
                "exclude_entity_ids" => p.exclude_entity_ids.push(v),
                "exclude_schema" => p.exclude_schema.push(v),
                // yente parameters kordon has no use for (changed_since, fuzzy...) are ignored.
                _ => {}
            }
        }
        Ok(p)
    }
}

impl SearchParams {
    fn parse(raw: &Option<String>) -> Result<SearchParams, ApiError> {
        let mut p = SearchParams::default();
        for (k, v) in query_pairs(raw) {
            match k.as_str() {
                "q" => p.q = Some(v),
                "limit" => p.limit = Some(parse_number(&k, &v)?),
                "offset" => p.offset = Some(parse_number(&k, &v)?),
                "schema" => p.schema = Some(v),
                "countries" => p.countries.push(v),
                "topics" => p.topics.push(v),
                "include_dataset" => p.include_dataset.push(v),
                "exclude_dataset" => p.exclude_dataset.push(v),
                _ => {}
            }
        }
        Ok(p)
    }
}

/// The sources a dataset path plus include/exclude parameters select.
fn scope(
    engine: &Engine,
    dataset: &str,
    include: &[String],
    exclude: &[String],
) -> Result<Vec<String>, ApiError> {
    let all: Vec<String> = engine.sources().map(str::to_string).collect();
    let mut sources: Vec<String> = match dataset {
        "default" | "all" => all.clone(),
        d if engine.has_source(d) => vec![d.to_string()],
        d => {
            return Err(ApiError::not_found(format!(
                "dataset {d:?} is not loaded; use `default` or one of: {}",
                all.join(", ")
            )))
        }
    };
    for (i, d) in include.iter().enumerate() {
        if !engine.has_source(d) {
            return Err(ApiError::invalid(
                format!("include_dataset[{i}]"),
                format!("include_dataset: {d:?} is not loaded"),
            ));
        }
    }
    if !include.is_empty() {
        sources.retain(|s| include.contains(s));
    }
    sources.retain(|s| !exclude.contains(s));
    Ok(sources)
}

fn prop_values(field: &str, v: &serde_json::Value) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::invalid(
            field,
            format!("{field}: a property value must be a string or a list of strings"),
        )
    };
    match v {
        serde_json::Value::String(s) => Ok(vec![s.clone()]),
        serde_json::Value::Null => Ok(vec![]),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                serde_json::Value::String(s) => Ok(s.clone()),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                _ => Err(bad()),
            })
            .collect(),
        serde_json::Value::Number(n) => Ok(vec![n.to_string()]),
        _ => Err(bad()),
    }
}

/// One yente query entity as kordon party queries: one per name, sharing
/// the other features.
fn to_party_queries(
    key: &str,
    q: &EntityQuery,
) -> Result<(Option<Schema>, Vec<PartyQuery>), ApiError> {
    let base = format!("queries.{key}");
    let schema = Schema::parse(&q.schema).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_schema",
            format!("{base}.schema: {:?} is not a schema kordon can match (use Person, Company, Organization, LegalEntity, Vessel, Airplane or Thing)", q.schema),
        )
        .field(format!("{base}.schema"))
    })?;
    let m = query_mapping();
    let mut props: HashMap<&str, Vec<String>> = HashMap::new();
    for (k, v) in &q.properties {
        props.insert(
            k.as_str(),
            prop_values(&format!("{base}.properties.{k}"), v)?,
        );
    }
    let get = |names: &[String]| -> Vec<String> {
        names
            .iter()
            .flat_map(|n| props.get(n.as_str()).cloned().unwrap_or_default())
            .filter(|v| !v.trim().is_empty())
            .collect()
    };
    let mut names = get(&m.names);
    let parts: Vec<String> = m
        .name_parts
        .iter()
        .filter_map(|p| props.get(p.as_str()).and_then(|v| v.first()).cloned())
        .filter(|v| !v.trim().is_empty())
        .collect();
    if !parts.is_empty() {
        names.push(parts.join(" "));
    }
    names.dedup();
    if names.is_empty() {
        return Err(ApiError::invalid(
            format!("{base}.properties.name"),
            format!("{base}.properties.name: give at least one name (name, alias, or firstName/lastName): kordon matches by name"),
        ));
    }
    let birth_date = get(&m.dates)
        .iter()
        .find_map(|d| PartialDate::parse(d).ok());
    let countries = get(&m.countries);
    let identifiers = get(&m.identifiers);
    let schema = (schema != Schema::Unknown).then_some(schema);
    let queries = names
        .into_iter()
        .map(|name| PartyQuery {
            name,
            schema,
            countries: countries.clone(),
            birth_date: birth_date.clone(),
            identifiers: identifiers.clone(),
        })
        .collect();
    Ok((schema, queries))
}

/// Filters applied after scoring (the engine only filters by source).
struct PostFilter {
    topics: Vec<String>,
    exclude_ids: HashSet<String>,
    exclude_schemata: Vec<String>,
    countries: Vec<String>,
}

impl PostFilter {
    fn keep(&self, engine: &Engine, m: &PartyMatch) -> bool {
        if self.exclude_ids.contains(&m.entity_id) {
            return false;
        }
        if self
            .exclude_schemata
            .iter()
            .any(|s| s.eq_ignore_ascii_case(schema_name(m.schema)))
        {
            return false;
        }
        if self.topics.is_empty() && self.countries.is_empty() {
            return true;
        }
        let Some(e) = engine.screener.entity(&m.entity_id) else {
            return false;
        };
        (self.topics.is_empty() || e.topics.iter().any(|t| self.topics.contains(t)))
            && (self.countries.is_empty()
                || e.country_codes()
                    .iter()
                    .any(|c| self.countries.iter().any(|q| q.eq_ignore_ascii_case(c))))
    }
}

/// Screen several name variants of one query and keep each entity's best score.
fn run_queries(
    engine: &Engine,
    queries: &[PartyQuery],
    opts: &ScreenOptions,
    filter: &PostFilter,
) -> Vec<PartyMatch> {
    let mut best: HashMap<String, PartyMatch> = HashMap::new();
    for q in queries {
        for m in engine.screener.screen(q, opts) {
            if !filter.keep(engine, &m) {
                continue;
            }
            match best.get(&m.entity_id) {
                Some(b) if b.score >= m.score => {}
                _ => {
                    best.insert(m.entity_id.clone(), m);
                }
            }
        }
    }
    let mut out: Vec<PartyMatch> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entity_id.cmp(&b.entity_id))
    });
    out
}

fn scored_json(
    engine: &Engine,
    m: &PartyMatch,
    threshold: f64,
    query_name: &str,
) -> serde_json::Value {
    let mut v = match engine.screener.entity(&m.entity_id) {
        Some(e) => entity_json(e),
        None => {
            serde_json::json!({"id": m.entity_id, "caption": m.caption, "schema": schema_name(m.schema),
            "properties": {}, "datasets": [m.source], "referents": [], "target": true})
        }
    };
    if let Some(obj) = v.as_object_mut() {
        obj.insert("score".into(), m.score.into());
        obj.insert("match".into(), (m.score >= threshold).into());
        obj.insert(
            "features".into(),
            serde_json::json!({"name_match": m.score}),
        );
        obj.insert(
            "explanations".into(),
            serde_json::json!({"name_match": {
                "score": m.score,
                "detail": m.explanation.join("; "),
                "query": query_name,
                "candidate": m.matched_name,
            }}),
        );
    }
    v
}

/// Match entities by example (yente-compatible).
#[utoipa::path(
    post, path = "/match/{dataset}", request_body = MatchRequest,
    params(("dataset" = String, Path, description = "`default` (every loaded source) or a source key"), MatchParams),
    responses(
        (status = 200, description = "`responses` keyed by query id, each with ranked `results`", body = Object),
        (status = 400, description = "Malformed JSON, unknown schema or algorithm", body = ErrorBody),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "Unknown dataset", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Invalid field (named in `field`)", body = ErrorBody),
        (status = 503, description = "Lists missing or stale, or the time limit was exceeded", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn match_entities(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
    JsonBody(req): JsonBody<MatchRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let params = MatchParams::parse(&raw)?;
    let threshold = check_threshold(
        "threshold",
        params
            .threshold
            .unwrap_or_else(crate::v1::default_threshold),
    )?;
    let cutoff = check_threshold("cutoff", params.cutoff.unwrap_or(DEFAULT_CUTOFF))?;
    let limit = params.limit.unwrap_or(DEFAULT_MATCH_LIMIT);
    if limit == 0 || limit > state.config.max_limit {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must be between 1 and {}", state.config.max_limit),
        ));
    }
    if let Some(a) = &params.algorithm {
        if !ALGORITHM_ALIASES.contains(&a.as_str()) {
            return Err(ApiError::bad_request(
                "invalid_algorithm",
                format!("algorithm: {a:?} is not available; kordon has one matcher: {ALGORITHM}"),
            )
            .field("algorithm"));
        }
    }
    if req.queries.is_empty() {
        return Err(ApiError::invalid(
            "queries",
            "queries: give at least one query",
        ));
    }
    if req.queries.len() > state.config.max_batch {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_queries",
            format!(
                "queries: {} queries, the limit is {} per request",
                req.queries.len(),
                state.config.max_batch
            ),
        )
        .field("queries"));
    }
    let mut parsed = Vec::with_capacity(req.queries.len());
    for (key, q) in &req.queries {
        let (_, pqs) = to_party_queries(key, q)?;
        parsed.push((key.clone(), q.clone(), pqs));
    }
    let request_id = new_request_id();
    let endpoint = format!("POST /match/{dataset}");
    let query_json = serde_json::json!({"queries": req.queries, "params": raw});
    let engine = match state.engine.ready(state.config.max_list_age) {
        Ok(e) => e,
        Err(nr) => {
            let err = ApiError::from(nr);
            audit(
                &state,
                &caller,
                &request_id,
                Answered {
                    endpoint,
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
    let sources = scope(
        &engine,
        &dataset,
        &params.include_dataset,
        &params.exclude_dataset,
    )?;
    let filter = PostFilter {
        topics: params.topics.clone(),
        exclude_ids: params.exclude_entity_ids.iter().cloned().collect(),
        exclude_schemata: params.exclude_schema.clone(),
        countries: vec![],
    };
    // Ask the engine for more than `limit` so post-filtering still fills the page.
    let opts = ScreenOptions {
        threshold: cutoff,
        limit: limit * 2 + filter.exclude_ids.len() + 10,
        sources: Some(sources),
    };
    let timeout = state.config.request_timeout;
    let (responses, audit_results) = screen_off_executor(&state, engine.clone(), move |engine, deadline| {
        let mut responses = serde_json::Map::new();
        let mut audit_results = serde_json::Map::new();
        for (key, q, pqs) in parsed {
            if Instant::now() > deadline {
                return Err(time_limit_error(timeout));
            }
            let matches = run_queries(engine, &pqs, &opts, &filter);
            let total = matches.len();
            let shown = &matches[..total.min(limit)];
            let first_name = pqs.first().map(|p| p.name.as_str()).unwrap_or_default();
            audit_results.insert(
                key.clone(),
                shown.iter().map(|m| serde_json::json!({"id": m.entity_id, "score": m.score})).collect(),
            );
            responses.insert(
                key,
                serde_json::json!({
                    "status": 200,
                    "results": shown.iter().map(|m| scored_json(engine, m, threshold, first_name)).collect::<Vec<_>>(),
                    "total": {"value": total, "relation": "eq"},
                    "query": q,
                }),
            );
        }
        Ok((responses, audit_results))
    })
    .await?;
    audit(
        &state,
        &caller,
        &request_id,
        Answered {
            endpoint,
            query: query_json,
            lists: lists_json(&engine),
            results: serde_json::Value::Object(audit_results),
            threshold: Some(threshold),
            status: StatusCode::OK,
        },
    )
    .await?;
    Ok(Json(serde_json::json!({
        "responses": responses,
        "matcher": {"name": ALGORITHM, "threshold": threshold, "cutoff": cutoff},
        "limit": limit,
        "request_id": request_id,
    })))
}

/// Search entities by name (yente-compatible shape).
#[utoipa::path(
    get, path = "/search/{dataset}",
    params(("dataset" = String, Path, description = "`default` or a source key"), SearchParams),
    responses(
        (status = 200, description = "Entities whose names match `q`", body = Object),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "Unknown dataset", body = ErrorBody),
        (status = 422, description = "Invalid parameter", body = ErrorBody),
        (status = 503, description = "Lists missing or stale", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn search(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(dataset): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = SearchParams::parse(&raw)?;
    let q = p.q.clone().unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::invalid("q", "q: give a name to search for"));
    }
    let limit = p.limit.unwrap_or(10);
    if limit == 0 || limit > state.config.max_limit {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must be between 1 and {}", state.config.max_limit),
        ));
    }
    let offset = p.offset.unwrap_or(0);
    if offset > 10_000 {
        return Err(ApiError::invalid("offset", "offset must be at most 10000"));
    }
    let schema =
        match p.schema.as_deref() {
            Some(s) => Some(Schema::parse(s).ok_or_else(|| {
                ApiError::invalid("schema", format!("schema: unknown schema {s:?}"))
            })?),
            None => None,
        };
    let request_id = new_request_id();
    let endpoint = format!("GET /search/{dataset}");
    let query_json = serde_json::json!({"params": raw});
    let engine = match state.engine.ready(state.config.max_list_age) {
        Ok(e) => e,
        Err(nr) => {
            let err = ApiError::from(nr);
            audit(
                &state,
                &caller,
                &request_id,
                Answered {
                    endpoint,
                    query: query_json,
                    lists: serde_json::Value::Null,
                    results: serde_json::json!({"error": err.body.code}),
                    threshold: None,
                    status: err.status,
                },
            )
            .await?;
            return Err(err);
        }
    };
    let sources = scope(&engine, &dataset, &p.include_dataset, &p.exclude_dataset)?;
    let filter = PostFilter {
        topics: p.topics,
        exclude_ids: HashSet::new(),
        exclude_schemata: vec![],
        countries: p.countries,
    };
    let opts = ScreenOptions {
        threshold: SEARCH_FLOOR,
        limit: offset + limit + 10,
        sources: Some(sources),
    };
    let query = PartyQuery {
        name: q,
        schema: schema.filter(|s| *s != Schema::Unknown),
        ..PartyQuery::default()
    };
    let (results, ids, total) = screen_off_executor(&state, engine.clone(), move |engine, _| {
        let matches = run_queries(engine, std::slice::from_ref(&query), &opts, &filter);
        let total = matches.len();
        let page: Vec<&PartyMatch> = matches.iter().skip(offset).take(limit).collect();
        let ids: Vec<serde_json::Value> = page
            .iter()
            .map(|m| serde_json::json!({"id": m.entity_id, "score": m.score}))
            .collect();
        let results: Vec<serde_json::Value> = page
            .iter()
            .filter_map(|m| engine.screener.entity(&m.entity_id).map(entity_json))
            .collect();
        Ok((results, ids, total))
    })
    .await?;
    audit(
        &state,
        &caller,
        &request_id,
        Answered {
            endpoint,
            query: query_json,
            lists: lists_json(&engine),
            results: serde_json::Value::Array(ids),
            threshold: Some(SEARCH_FLOOR),
            status: StatusCode::OK,
        },
    )
    .await?;
    Ok(Json(serde_json::json!({
        "results": results,
        "facets": {},
        "total": {"value": total, "relation": "eq"},
        "limit": limit,
        "offset": offset,
    })))
}

/// One entity by id (`us_ofac_sdn:46431`), as FtM.
#[utoipa::path(
    get, path = "/entities/{entity_id}",
    params(("entity_id" = String, Path, description = "kordon entity id, `source:source_id`")),
    responses(
        (status = 200, description = "The entity", body = Object),
        (status = 401, description = "Missing or invalid API key", body = ErrorBody),
        (status = 404, description = "No such entity", body = ErrorBody),
        (status = 503, description = "Lists missing or stale", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn entity(
    State(state): State<Arc<AppState>>,
    Path(entity_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let engine = state.engine.ready(state.config.max_list_age)?;
    let found = screen_off_executor(&state, engine, move |engine, _| {
        Ok(engine
            .screener
            .entity(&entity_id)
            .map(entity_json)
            .ok_or(entity_id))
    })
    .await?;
    found
        .map(Json)
        .map_err(|id| ApiError::not_found(format!("no entity {id:?} in the loaded lists")))
}

#[derive(Serialize, ToSchema)]
pub struct AlgorithmInfo {
    pub name: String,
    pub description: String,
    #[schema(value_type = Object)]
    pub docs: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct AlgorithmsResponse {
    pub algorithms: Vec<AlgorithmInfo>,
    pub default: String,
    pub best: String,
}

/// The matching algorithms (kordon has one).
#[utoipa::path(get, path = "/algorithms",
    responses((status = 200, description = "Algorithms", body = AlgorithmsResponse),
              (status = 401, description = "Missing or invalid API key", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn algorithms() -> Json<AlgorithmsResponse> {
    Json(AlgorithmsResponse {
        algorithms: vec![AlgorithmInfo {
            name: ALGORITHM.into(),
            description: "kordon's name matcher: transliteration-aware name comparison with country, date and identifier evidence; scores are calibrated to [0, 1]".into(),
            docs: serde_json::json!({"name_match": {"description": "Best score over the query's names against the entity's names, with supporting features"}}),
        }],
        default: ALGORITHM.into(),
        best: ALGORITHM.into(),
    })
}

/// The datasets (kordon sources) and their versions.
#[utoipa::path(get, path = "/catalog",
    responses((status = 200, description = "Datasets", body = Object),
              (status = 401, description = "Missing or invalid API key", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn catalog(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let max_age = state.config.max_list_age;
    let Some(engine) = state.engine.current() else {
        return Json(
            serde_json::json!({"datasets": [], "current": [], "outdated": [], "index_stale": true}),
        );
    };
    let mut datasets = Vec::new();
    let mut current = Vec::new();
    let mut outdated = Vec::new();
    let infos: Vec<_> = engine
        .versions
        .iter()
        .map(|v| list_info(v, max_age))
        .collect();
    for i in &infos {
        if i.fresh {
            current.push(i.source.clone())
        } else {
            outdated.push(i.source.clone())
        }
        datasets.push(serde_json::json!({
            "name": i.source, "title": i.source, "load": true, "entity_count": i.entities,
            "version": i.content_hash.get(..12).unwrap_or(&i.content_hash),
            "index_version": i.version_id.to_string(), "index_current": i.fresh,
            "updated_at": i.imported_at, "children": [],
        }));
    }
    datasets.insert(
        0,
        serde_json::json!({
            "name": "default", "title": "All loaded lists", "load": true,
            "entity_count": engine.screener.entities().len(), "index_current": outdated.is_empty(),
            "children": infos.iter().map(|i| i.source.clone()).collect::<Vec<_>>(),
        }),
    );
    Json(
        serde_json::json!({"datasets": datasets, "current": current, "outdated": outdated, "index_stale": !outdated.is_empty()}),
    )
}

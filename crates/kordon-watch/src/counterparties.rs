//! Reading a customer (counterparty) file: CSV with a header row, or JSON
//! lines, with a column map saying which column holds the name, country, date
//! of birth, identifier, schema and (optionally) a stable key. Rows without a
//! mapped key are keyed by line number, so re-importing the same file upserts
//! the same rows.

use crate::{Counterparty, WatchError};
use kordon_model::{PartialDate, Schema};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// Which input column feeds which counterparty field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub name: String,
    pub key: Option<String>,
    pub country: Option<String>,
    pub dob: Option<String>,
    pub id: Option<String>,
    pub schema: Option<String>,
}

impl Default for ColumnMap {
    /// Columns named like the fields themselves.
    fn default() -> Self {
        ColumnMap {
            name: "name".into(),
            key: None,
            country: Some("country".into()),
            dob: Some("dob".into()),
            id: Some("id".into()),
            schema: Some("schema".into()),
        }
    }
}

impl ColumnMap {
    /// Parse `name=col,country=col,dob=col,id=col,schema=col,key=col`.
    /// Fields not named keep no column (except `name`, which is required).
    pub fn parse(spec: &str) -> Result<ColumnMap, WatchError> {
        let mut map = ColumnMap {
            name: String::new(),
            key: None,
            country: None,
            dob: None,
            id: None,
            schema: None,
        };
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, col) = pair.split_once('=').ok_or_else(|| {
                WatchError::Invalid(format!("--map: {pair:?} is not FIELD=COLUMN"))
            })?;
            let col = col.trim().to_string();
            match field.trim() {
                "name" => map.name = col,
                "key" => map.key = Some(col),
                "country" | "countries" => map.country = Some(col),
                "dob" | "birth_date" => map.dob = Some(col),
                "id" | "identifier" | "identifiers" => map.id = Some(col),
                "schema" | "type" => map.schema = Some(col),
                other => {
                    return Err(WatchError::Invalid(format!(
                    "--map: unknown field {other:?} (fields: name, key, country, dob, id, schema)"
                )))
                }
            }
        }
        if map.name.is_empty() {
            return Err(WatchError::Invalid(
                "--map must name the name column (name=COLUMN)".into(),
            ));
        }
        Ok(map)
    }
}

/// Read every counterparty of a CSV or JSON-lines file (told apart by the
/// first non-blank character: `{` starts JSON lines).
pub fn read_file(path: &Path, map: &ColumnMap) -> Result<Vec<Counterparty>, WatchError> {
    let io = |e: std::io::Error| WatchError::Invalid(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = std::io::BufReader::new(file);
    let starts_json = {
        let buf = reader.fill_buf().map_err(io)?;
        let text = String::from_utf8_lossy(&buf[..buf.len().min(4096)]).to_string();
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
    };
    if starts_json {
        read_jsonl(path, reader, map)
    } else {
        read_csv(path, reader, map)
    }
}

fn read_csv(
    path: &Path,
    reader: impl std::io::Read,
    map: &ColumnMap,
) -> Result<Vec<Counterparty>, WatchError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| WatchError::Invalid(format!("{}: header: {e}", path.display())))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |name: &Option<String>| -> Result<Option<usize>, WatchError> {
        match name {
            None => Ok(None),
            Some(n) => headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(n))
                .map(Some)
                .ok_or_else(|| {
                    WatchError::Invalid(format!(
                        "{}: no column {n:?} (columns: {})",
                        path.display(),
                        headers.join(", ")
                    ))
                }),
        }
    };
    // The default map names optional columns that a file may not have.
    let optional = |name: &Option<String>| -> Option<usize> {
        name.as_ref()
            .and_then(|n| headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
    };
    let strict = *map != ColumnMap::default();
    let pick = |name: &Option<String>| {
        if strict {
            col(name)
        } else {
            Ok(optional(name))
        }
    };
    let name_col = col(&Some(map.name.clone()))?.unwrap_or(0);
    let (key_col, country_col, dob_col, id_col, schema_col) = (
        pick(&map.key)?,
        pick(&map.country)?,
        pick(&map.dob)?,
        pick(&map.id)?,
        pick(&map.schema)?,
    );
    let mut out = Vec::new();
    for (i, rec) in csv.records().enumerate() {
        let line = rec
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line())
            .unwrap_or(i as u64 + 2);
        let rec =
            rec.map_err(|e| WatchError::Invalid(format!("{}: line {line}: {e}", path.display())))?;
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let mut fields = BTreeMap::new();
        for (field, c) in [
            ("country", country_col),
            ("dob", dob_col),
            ("id", id_col),
            ("schema", schema_col),
        ] {
            if let Some(v) = get(c) {
                fields.insert(field, v.to_string());
            }
        }
        let key = get(key_col)
            .map(str::to_string)
            .unwrap_or_else(|| format!("line:{line}"));
        if let Some(cp) = build(path, line, key, get(Some(name_col)), &fields)? {
            out.push(cp);
        }
    }
    Ok(out)
}

fn read_jsonl(
    path: &Path,
    reader: impl BufRead,
    map: &ColumnMap,
) -> Result<Vec<Counterparty>, WatchError> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let n = i as u64 + 1;
        let line =
            line.map_err(|e| WatchError::Invalid(format!("{}: line {n}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&line).map_err(|e| {
                WatchError::Invalid(format!(
                    "{}: line {n}: not a JSON object: {e}",
                    path.display()
                ))
            })?;
        let get = |k: &Option<String>| -> Option<String> {
            let v = obj.get(k.as_deref()?)?;
            match v {
                serde_json::Value::String(s) => Some(s.trim().to_string()),
                serde_json::Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|x| {
                            x.as_str()
                                .map(str::to_string)
                                .or_else(|| Some(x.to_string()))
                        })
                        .collect::<Vec<_>>()
                        .join(";"),
                ),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            }
            .filter(|s| !s.is_empty())
        };
        let mut fields = BTreeMap::new();
        for (field, k) in [
            ("country", &map.country),
            ("dob", &map.dob),
            ("id", &map.id),
            ("schema", &map.schema),
        ] {
            if let Some(v) = get(k) {
                fields.insert(field, v);
            }
        }
        let key = get(&map.key).unwrap_or_else(|| format!("line:{n}"));
        let name = get(&Some(map.name.clone()));
        if let Some(cp) = build(path, n, key, name.as_deref(), &fields)? {
            out.push(cp);
        }
    }
    Ok(out)
}

/// One counterparty from its fields; rows without a name are skipped (a
/// blank spreadsheet row), bad dates and schemas are errors naming the line.
fn build(
    path: &Path,
    line: u64,
    key: String,
    name: Option<&str>,
    fields: &BTreeMap<&str, String>,
) -> Result<Option<Counterparty>, WatchError> {
    let Some(name) = name else { return Ok(None) };
    let at = || format!("{}: line {line}", path.display());
    let schema = match fields.get("schema") {
        None => None,
        Some(s) => Some(
            Schema::parse(s)
                .ok_or_else(|| WatchError::Invalid(format!("{}: unknown schema {s:?}", at())))?,
        ),
    };
    let birth_date = match fields.get("dob") {
        None => None,
        Some(d) => {
            PartialDate::parse(d).map_err(|_| {
                WatchError::Invalid(format!("{}: unreadable date of birth {d:?}", at()))
            })?;
            Some(d.clone())
        }
    };
    let split = |k: &str| -> Vec<String> {
        fields
            .get(k)
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Some(Counterparty {
        key,
        name: name.to_string(),
        schema,
        countries: split("country"),
        birth_date,
        identifiers: split("id"),
    }))
}

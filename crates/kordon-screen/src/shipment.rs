//! Shipment screening: one export / trade record (its parties, route, HS codes
//! and goods text) checked against the party lists, the goods lists and a set of
//! red-flag rules, giving a decision BLOCK / REVIEW / CLEAR with every reason.
//!
//! The rules are data: `data/shipment-rules.toml` is compiled in as the default
//! and a user file can replace it ([`RuleSet::from_toml`]). Each rule names one
//! condition from a fixed vocabulary ([`Condition`]), a decision and a message;
//! the places (sanctioned countries, occupied regions, diversion hubs) and the
//! freight-forwarder keywords the conditions use live in the same file.
//!
//! Input is JSON lines or CSV ([`read_jsonl`], [`read_csv`]). A bad record
//! (unknown HS format, missing field, empty party) becomes a [`RecordError`]
//! with its line number and the batch goes on.

use crate::goods::{GoodsHit, GoodsScreener};
use crate::party::{PartyMatch, PartyQuery, PartyScreener, ScreenOptions};
use crate::scan::fold::fold;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, Read};

const DEFAULT_RULES: &str = include_str!("../data/shipment-rules.toml");

// ---------------------------------------------------------------- input

/// The role a party plays in a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Shipper,
    Consignee,
    NotifyParty,
    EndUser,
    Intermediary,
    Bank,
}

impl PartyRole {
    pub const ALL: [PartyRole; 6] = [
        PartyRole::Shipper,
        PartyRole::Consignee,
        PartyRole::NotifyParty,
        PartyRole::EndUser,
        PartyRole::Intermediary,
        PartyRole::Bank,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Shipper => "shipper",
            PartyRole::Consignee => "consignee",
            PartyRole::NotifyParty => "notify_party",
            PartyRole::EndUser => "end_user",
            PartyRole::Intermediary => "intermediary",
            PartyRole::Bank => "bank",
        }
    }
}

impl fmt::Display for PartyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A party as the input gives it: `{"name": "...", "country": "CN"}` or just a name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PartyInput {
    Full {
        #[serde(default)]
        name: String,
        #[serde(default)]
        country: Option<String>,
    },
    Name(String),
}

impl PartyInput {
    fn parts(&self) -> (&str, Option<&str>) {
        match self {
            PartyInput::Full { name, country } => (name.as_str(), country.as_deref()),
            PartyInput::Name(n) => (n.as_str(), None),
        }
    }
}

/// One shipment record as read (JSON object or CSV row), before validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShipmentRecord {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub shipper: Option<PartyInput>,
    #[serde(default)]
    pub consignee: Option<PartyInput>,
    #[serde(default)]
    pub notify_party: Option<PartyInput>,
    #[serde(default)]
    pub end_user: Option<PartyInput>,
    #[serde(default)]
    pub intermediary: Option<PartyInput>,
    #[serde(default)]
    pub bank: Option<PartyInput>,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub transit: Vec<String>,
    #[serde(default)]
    pub hs_codes: Vec<String>,
    #[serde(default)]
    pub goods_description: Option<String>,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub currency: Option<String>,
}

impl ShipmentRecord {
    fn party(&self, role: PartyRole) -> Option<&PartyInput> {
        match role {
            PartyRole::Shipper => self.shipper.as_ref(),
            PartyRole::Consignee => self.consignee.as_ref(),
            PartyRole::NotifyParty => self.notify_party.as_ref(),
            PartyRole::EndUser => self.end_user.as_ref(),
            PartyRole::Intermediary => self.intermediary.as_ref(),
            PartyRole::Bank => self.bank.as_ref(),
        }
    }
}

/// A record with the line it starts on (1-based; for CSV the header is line 1).
#[derive(Debug, Clone, PartialEq)]
pub struct NumberedRecord {
    pub line: u64,
    pub record: ShipmentRecord,
}

/// A record that could not be screened, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    pub line: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub errors: Vec<String>,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(id) = &self.id {
            write!(f, " (record {id})")?;
        }
        write!(f, ": {}", self.errors.join("; "))
    }
}

/// Records from JSON lines, one object per line; blank lines and lines starting
/// with `#` are skipped. A line that is not a valid record becomes an error.
pub fn read_jsonl<R: BufRead>(
    reader: R,
) -> impl Iterator<Item = Result<NumberedRecord, RecordError>> {
    reader.lines().enumerate().filter_map(|(i, line)| {
        let line_no = i as u64 + 1;
        let text = match line {
            Ok(t) => t,
            Err(e) => {
                return Some(Err(RecordError {
                    line: line_no,
                    id: None,
                    errors: vec![format!("cannot read line: {e}")],
                }))
            }
        };
        let t = text.trim();
        if t.is_empty() || t.starts_with('#') {
            return None;
        }
        Some(
            serde_json::from_str::<ShipmentRecord>(t)
                .map(|record| NumberedRecord {
                    line: line_no,
                    record,
                })
                .map_err(|e| RecordError {
                    line: line_no,
                    id: None,
                    errors: vec![format!("invalid JSON record: {e}")],
                }),
        )
    })
}

/// The CSV columns a shipment file may have. Lists (`transit`, `hs_codes`) are
/// separated by `;` or `|` inside their cell.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "shipper",
    "shipper_country",
    "consignee",
    "consignee_country",
    "notify_party",
    "notify_party_country",
    "end_user",
    "end_user_country",
    "intermediary",
    "intermediary_country",
    "bank",
    "bank_country",
    "origin",
    "destination",
    "transit",
    "hs_codes",
    "goods_description",
    "value",
    "currency",
];

/// Columns without which no record of the file can be screened.
pub const CSV_REQUIRED_COLUMNS: &[&str] = &["consignee", "destination", "hs_codes"];

/// Records from a CSV file with a header row naming [`CSV_COLUMNS`] (any order,
/// unknown columns are an error so a typo does not silently drop data). A
/// missing required column makes every row an error naming it.
pub fn read_csv<'r, R: Read + 'r>(
    reader: R,
) -> Box<dyn Iterator<Item = Result<NumberedRecord, RecordError>> + 'r> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Box::new(std::iter::once(Err(RecordError {
                line: 1,
                id: None,
                errors: vec![format!("cannot read CSV header: {e}")],
            })))
        }
    };
    let mut header_errors = Vec::new();
    for h in headers.iter() {
        if !CSV_COLUMNS.contains(&h) {
            header_errors.push(format!(
                "unknown column {h:?} (known: {})",
                CSV_COLUMNS.join(", ")
            ));
        }
    }
    for req in CSV_REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == *req) {
            header_errors.push(format!("missing required column {req:?}"));
        }
    }
    let n_cols = headers.len();
    Box::new(rdr.into_records().map(move |row| {
        let row = row.map_err(|e| RecordError {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            id: None,
            errors: vec![format!("unreadable CSV row: {e}")],
        })?;
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let get = |col: &str| -> Option<String> {
            headers
                .iter()
                .position(|h| h == col)
                .and_then(|i| row.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let id = get("id");
        let mut errors = header_errors.clone();
        if row.len() != n_cols {
            errors.push(format!("row has {} fields, header has {n_cols}", row.len()));
        }
        let party = |role: &str| -> Option<PartyInput> {
            let name = get(role);
            let country = get(&format!("{role}_country"));
            if name.is_none() && country.is_none() {
                return None;
            }
            Some(PartyInput::Full {
                name: name.unwrap_or_default(),
                country,
            })
        };
        let split_list = |v: Option<String>| -> Vec<String> {
            v.map(|s| {
                s.split([';', '|'])
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
        };
        let value = match get("value") {
            None => None,
            Some(v) => match v.replace(',', "").parse::<f64>() {
                Ok(x) => Some(x),
                Err(_) => {
                    errors.push(format!("value {v:?} is not a number"));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(RecordError { line, id, errors });
        }
        let record = ShipmentRecord {
            id: id.clone(),
            shipper: party("shipper"),
            consignee: party("consignee"),
            notify_party: party("notify_party"),
            end_user: party("end_user"),
            intermediary: party("intermediary"),
            bank: party("bank"),
            origin: get("origin"),
            destination: get("destination"),
            transit: split_list(get("transit")),
            hs_codes: split_list(get("hs_codes")),
            goods_description: get("goods_description"),
            value,
            currency: get("currency"),
        };
        Ok(NumberedRecord { line, record })
    }))
}

// ---------------------------------------------------------------- rules

/// What a rule tests. The vocabulary is fixed; the rule file picks from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    PartyMatch,
    DestinationSanctioned,
    PartyInSanctionedCountry,
    TransitSanctioned,
    GoodsListed,
    DestinationIsHub,
    TransitViaHub,
    ConsigneeNotEndUser,
    EndUserIsForwarder,
    DescriptionNamesOtherPlace,
}

/// What a rule does when it fires. `Info` records evidence only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RuleDecision {
    Info,
    Review,
    Block,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub when: Condition,
    pub decision: RuleDecision,
    pub message: String,
    /// Party roles the condition looks at (party conditions; empty = the condition's default).
    #[serde(default)]
    pub roles: Vec<PartyRole>,
    /// Fire only when an HS code is on a goods list.
    #[serde(default)]
    pub only_listed_goods: bool,
    /// Restrict goods conditions to these tiers (empty = any tier).
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Minimum party score for `party_match` (default: the screener's threshold).
    #[serde(default)]
    pub min_score: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Places {
    #[serde(default)]
    pub sanctioned_countries: Vec<String>,
    #[serde(default)]
    pub occupied_regions: Vec<String>,
    #[serde(default)]
    pub diversion_hubs: Vec<String>,
    /// Country code → place names, for reading goods descriptions.
    #[serde(default)]
    pub names: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyKeywords {
    #[serde(default)]
    pub forwarder_keywords: Vec<String>,
}

/// The rules and the place / keyword data they use.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    #[serde(default)]
    pub places: Places,
    #[serde(default)]
    pub parties: PartyKeywords,
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
    /// Folded forms, prepared once.
    #[serde(skip)]
    prepared: Prepared,
}

#[derive(Debug, Clone, Default)]
struct Prepared {
    regions: Vec<(String, String)>,
    forwarder: Vec<(String, String)>,
    place_names: Vec<(String, String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule file: {0}")]
    Toml(String),
    #[error("rule file: {0}")]
    Invalid(String),
    #[error("rule file {path}: {error}")]
    Io { path: String, error: std::io::Error },
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::from_toml(DEFAULT_RULES).expect("built-in shipment rules are valid")
    }
}

impl RuleSet {
    pub fn from_toml(text: &str) -> Result<RuleSet, RuleError> {
        let mut set: RuleSet = toml::from_str(text).map_err(|e| RuleError::Toml(e.to_string()))?;
        set.validate()?;
        set.prepare();
        Ok(set)
    }

    pub fn from_path(path: &std::path::Path) -> Result<RuleSet, RuleError> {
        let text = std::fs::read_to_string(path).map_err(|error| RuleError::Io {
            path: path.display().to_string(),
            error,
        })?;
        RuleSet::from_toml(&text)
    }

    /// The default rule file's text, e.g. for `kordon rules --print`.
    pub fn default_toml() -> &'static str {
        DEFAULT_RULES
    }

    fn validate(&mut self) -> Result<(), RuleError> {
        let mut seen = std::collections::HashSet::new();
        for r in &self.rules {
            if r.id.trim().is_empty() {
                return Err(RuleError::Invalid("a rule has an empty id".into()));
            }
            if !seen.insert(r.id.as_str()) {
                return Err(RuleError::Invalid(format!("duplicate rule id {:?}", r.id)));
            }
        }
        let check_codes = |what: &str, codes: &mut Vec<String>| -> Result<(), RuleError> {
            for c in codes.iter_mut() {
                *c = kordon_model::country_code(c)
                    .ok_or_else(|| RuleError::Invalid(format!("{what}: unknown country {c:?}")))?
                    .to_string();
            }
            Ok(())
        };
        check_codes(
            "places.sanctioned_countries",
            &mut self.places.sanctioned_countries,
        )?;
        check_codes("places.diversion_hubs", &mut self.places.diversion_hubs)?;
        let mut names = BTreeMap::new();
        for (code, list) in std::mem::take(&mut self.places.names) {
            let c = kordon_model::country_code(&code).ok_or_else(|| {
                RuleError::Invalid(format!("places.names: unknown country {code:?}"))
            })?;
            names.insert(c.to_string(), list);
        }
        self.places.names = names;
        Ok(())
    }

    fn prepare(&mut self) {
        let folded = |v: &[String]| {
            v.iter()
                .map(|s| (fold(s), s.clone()))
                .filter(|(f, _)| f.trim() != "")
                .collect()
        };
        self.prepared.regions = folded(&self.places.occupied_regions);
        self.prepared.forwarder = folded(&self.parties.forwarder_keywords);
        self.prepared.place_names = self
            .places
            .names
            .iter()
            .flat_map(|(code, names)| {
                names
                    .iter()
                    .map(move |n| (fold(n), n.clone(), code.clone()))
            })
            .collect();
    }

    fn occupied_region(&self, folded_text: &str) -> Option<&str> {
        self.prepared
            .regions
            .iter()
            .find(|(f, _)| folded_text.contains(f.as_str()))
            .map(|(_, r)| r.as_str())
    }

    fn is_sanctioned(&self, loc: &Location) -> bool {
        loc.region.is_some()
            || loc
                .code
                .as_ref()
                .is_some_and(|c| self.places.sanctioned_countries.contains(c))
    }

    fn is_hub(&self, loc: &Location) -> bool {
        loc.code
            .as_ref()
            .is_some_and(|c| self.places.diversion_hubs.contains(c))
    }
}

// ---------------------------------------------------------------- validated shipment

/// A country or region, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// As the input wrote it.
    pub text: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The occupied region named, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        match (&self.code, &self.region) {
            (Some(c), Some(r)) if c != &self.text => write!(f, " ({c}, {r})"),
            (Some(c), None) if c != &self.text => write!(f, " ({c})"),
            _ => Ok(()),
        }
    }
}

/// Resolve a country / region text. Tries the whole text, then its comma- or
/// semicolon-separated parts from the last ("Almaty, Kazakhstan"), and looks
/// for occupied-region names anywhere in it.
fn resolve_location(text: &str, rules: &RuleSet) -> Result<Location, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty country".into());
    }
    let region = rules.occupied_region(&fold(t)).map(str::to_string);
    let code = kordon_model::country_code(t)
        .or_else(|| {
            t.rsplit([',', ';'])
                .find_map(|p| kordon_model::country_code(p.trim()))
        })
        .map(str::to_string)
        // Every listed occupied region is in Ukraine's internationally recognised territory.
        .or_else(|| region.as_ref().map(|_| "UA".to_string()));
    if code.is_none() {
        return Err(format!("unknown country or region {t:?}"));
    }
    Ok(Location {
        text: t.to_string(),
        code,
        region,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentParty {
    pub role: PartyRole,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A record that passed validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub line: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub parties: Vec<ShipmentParty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Location>,
    pub destination: Location,
    pub transit: Vec<Location>,
    pub goods: Vec<GoodsHit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl Shipment {
    pub fn party(&self, role: PartyRole) -> Option<&ShipmentParty> {
        self.parties.iter().find(|p| p.role == role)
    }
}

// ---------------------------------------------------------------- output

/// The shipment's overall decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Decision {
    Clear,
    Review,
    Block,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Clear => "CLEAR",
            Decision::Review => "REVIEW",
            Decision::Block => "BLOCK",
        })
    }
}

/// One rule that fired, with what made it fire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reason {
    pub rule_id: String,
    pub decision: RuleDecision,
    pub message: String,
    pub evidence: Vec<String>,
    /// For party rules: the matches behind the evidence, with explanations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub party_matches: Vec<RoleMatch>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleMatch {
    pub role: PartyRole,
    pub party_name: String,
    #[serde(rename = "match")]
    pub matched: PartyMatch,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShipmentResult {
    pub line: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub goods: Vec<GoodsHit>,
}

impl ShipmentResult {
    /// Ids of the rules that fired, in rule-file order.
    pub fn fired(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.rule_id.as_str()).collect()
    }
}

/// What screening one input record gave.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RecordOutcome {
    Screened(ShipmentResult),
    Error(RecordError),
}

// ---------------------------------------------------------------- screener

/// Screens shipments against parties, goods and rules. Build once, screen many.
pub struct ShipmentScreener<'a> {
    parties: &'a PartyScreener,
    goods: GoodsScreener,
    rules: RuleSet,
    party_options: ScreenOptions,
}

impl<'a> ShipmentScreener<'a> {
    pub fn new(
        parties: &'a PartyScreener,
        goods: GoodsScreener,
        rules: RuleSet,
    ) -> ShipmentScreener<'a> {
        ShipmentScreener {
            parties,
            goods,
            rules,
            party_options: ScreenOptions::default(),
        }
    }

    /// Default goods lists (CHPL) and default rules.
    pub fn with_defaults(parties: &'a PartyScreener) -> ShipmentScreener<'a> {
        ShipmentScreener::new(parties, GoodsScreener::default(), RuleSet::default())
    }

    pub fn with_party_options(mut self, opts: ScreenOptions) -> Self {
        self.party_options = opts;
        self
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Check a record's fields and resolve its codes, collecting every problem.
    pub fn validate(&self, numbered: &NumberedRecord) -> Result<Shipment, RecordError> {
        let r = &numbered.record;
        let mut errors = Vec::new();
        let mut parties = Vec::new();
        for role in PartyRole::ALL {
            let Some(p) = r.party(role) else { continue };
            let (name, country) = p.parts();
            if name.trim().is_empty() {
                errors.push(format!("{role}: empty party name"));
                continue;
            }
            let location = match country.filter(|c| !c.trim().is_empty()) {
                None => None,
                Some(c) => match resolve_location(c, &self.rules) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        errors.push(format!("{role} country: {e}"));
                        None
                    }
                },
            };
            parties.push(ShipmentParty {
                role,
                name: name.trim().to_string(),
                location,
            });
        }
        if !parties.iter().any(|p| p.role == PartyRole::Consignee) && r.consignee.is_none() {
            errors.push("missing required field \"consignee\"".into());
        }
        let mut loc = |field: &str, v: Option<&String>| -> Option<Location> {
            let v = v?;
            resolve_location(v, &self.rules)
                .map_err(|e| errors.push(format!("{field}: {e}")))
                .ok()
        };
        let origin = loc("origin", r.origin.as_ref());
        let destination = loc(
            "destination",
            r.destination.as_ref().filter(|d| !d.trim().is_empty()),
        );
        let transit: Vec<Location> = r
            .transit
            .iter()
            .filter_map(|t| loc("transit", Some(t)))
            .collect();
        if r.destination.as_ref().is_none_or(|d| d.trim().is_empty()) {
            errors.push("missing required field \"destination\"".into());
        }
        if r.hs_codes.is_empty() {
            errors.push("missing required field \"hs_codes\" (at least one HS code)".into());
        }
        let mut goods = Vec::new();
        for code in &r.hs_codes {
            match self.goods.lookup(code) {
                Ok(hit) => goods.push(hit),
                Err(e) => errors.push(e.to_string()),
            }
        }
        if let Some(v) = r.value {
            if !v.is_finite() || v < 0.0 {
                errors.push(format!("value {v} is not a non-negative amount"));
            }
        }
        match (errors.is_empty(), destination) {
            (true, Some(destination)) => Ok(Shipment {
                line: numbered.line,
                id: r.id.clone(),
                parties,
                origin,
                destination,
                transit,
                goods,
                goods_description: r.goods_description.clone(),
                value: r.value,
                currency: r.currency.clone(),
            }),
            _ => Err(RecordError {
                line: numbered.line,
                id: r.id.clone(),
                errors,
            }),
        }
    }

    /// Validate and screen one record.
    pub fn screen_record(&self, numbered: &NumberedRecord) -> RecordOutcome {
        match self.validate(numbered) {
            Ok(s) => RecordOutcome::Screened(self.screen(&s)),
            Err(e) => RecordOutcome::Error(e),
        }
    }

    /// Screen a stream of records (from [`read_jsonl`] / [`read_csv`]); errors
    /// pass through as [`RecordOutcome::Error`] and the stream goes on.
    pub fn screen_all<'s, I>(&'s self, records: I) -> impl Iterator<Item = RecordOutcome> + 's
    where
        I: IntoIterator<Item = Result<NumberedRecord, RecordError>>,
        I::IntoIter: 's,
    {
        records.into_iter().map(move |r| match r {
            Ok(rec) => self.screen_record(&rec),
            Err(e) => RecordOutcome::Error(e),
        })
    }

    /// Apply every rule to a validated shipment.
    pub fn screen(&self, s: &Shipment) -> ShipmentResult {
        let matches = self.party_matches(s);
        let mut reasons = Vec::new();
        for rule in &self.rules.rules {
            if rule.only_listed_goods && listed_goods(s, &rule.tiers).next().is_none() {
                continue;
            }
            let mut reason = Reason {
                rule_id: rule.id.clone(),
                decision: rule.decision,
                message: rule.message.clone(),
                evidence: Vec::new(),
                party_matches: Vec::new(),
            };
            self.evaluate(rule, s, &matches, &mut reason);
            if !reason.evidence.is_empty() {
                if rule.only_listed_goods {
                    for g in listed_goods(s, &rule.tiers) {
                        reason.evidence.push(goods_evidence(g));
                    }
                }
                reasons.push(reason);
            }
        }
        let decision = reasons
            .iter()
            .map(|r| match r.decision {
                RuleDecision::Block => Decision::Block,
                RuleDecision::Review => Decision::Review,
                RuleDecision::Info => Decision::Clear,
            })
            .max()
            .unwrap_or(Decision::Clear);
        ShipmentResult {
            line: s.line,
            id: s.id.clone(),
            decision,
            reasons,
            goods: s.goods.clone(),
        }
    }

    fn party_matches(&self, s: &Shipment) -> Vec<RoleMatch> {
        let lowest = self
            .rules
            .rules
            .iter()
            .filter(|r| r.when == Condition::PartyMatch)
            .map(|r| r.min_score.unwrap_or(self.party_options.threshold))
            .reduce(f64::min);
        let Some(threshold) = lowest else {
            return Vec::new();
        };
        let opts = ScreenOptions {
            threshold,
            ..self.party_options.clone()
        };
        let mut out = Vec::new();
        // The consignee is often also the end user or notify party: screen each
        // distinct (name, country) once.
        let mut seen: HashMap<(String, Vec<String>), Vec<PartyMatch>> = HashMap::new();
        for p in &s.parties {
            let countries: Vec<String> = p.location.iter().filter_map(|l| l.code.clone()).collect();
            let matches = seen
                .entry((p.name.clone(), countries.clone()))
                .or_insert_with(|| {
                    let query = PartyQuery {
                        name: p.name.clone(),
                        countries,
                        ..PartyQuery::default()
                    };
                    self.parties.screen(&query, &opts)
                });
            for m in matches.iter() {
                out.push(RoleMatch {
                    role: p.role,
                    party_name: p.name.clone(),
                    matched: m.clone(),
                });
            }
        }
        out
    }

    fn evaluate(&self, rule: &Rule, s: &Shipment, matches: &[RoleMatch], reason: &mut Reason) {
        let rules = &self.rules;
        let in_roles = |role: PartyRole, default: &[PartyRole]| {
            if rule.roles.is_empty() {
                default.contains(&role)
            } else {
                rule.roles.contains(&role)
            }
        };
        match rule.when {
            Condition::PartyMatch => {
                let min = rule.min_score.unwrap_or(self.party_options.threshold);
                for m in matches
                    .iter()
                    .filter(|m| in_roles(m.role, &PartyRole::ALL) && m.matched.score >= min)
                {
                    reason.evidence.push(format!(
                        "{} {:?} matches {} {:?} on {} (score {:.2}, listed name {:?})",
                        m.role,
                        m.party_name,
                        m.matched.entity_id,
                        m.matched.caption,
                        m.matched.source,
                        m.matched.score,
                        m.matched.matched_name
                    ));
                    reason.party_matches.push(m.clone());
                }
            }
            Condition::DestinationSanctioned => {
                if rules.is_sanctioned(&s.destination) {
                    reason
                        .evidence
                        .push(format!("destination {}", s.destination));
                }
            }
            Condition::PartyInSanctionedCountry => {
                for p in s
                    .parties
                    .iter()
                    .filter(|p| in_roles(p.role, &PartyRole::ALL))
                {
                    if let Some(l) = p.location.as_ref().filter(|l| rules.is_sanctioned(l)) {
                        reason
                            .evidence
                            .push(format!("{} {:?} located in {l}", p.role, p.name));
                    }
                }
            }
            Condition::TransitSanctioned => {
                for t in s.transit.iter().filter(|t| rules.is_sanctioned(t)) {
                    reason.evidence.push(format!("transit via {t}"));
                }
            }
            Condition::GoodsListed => {
                for g in listed_goods(s, &rule.tiers) {
                    reason.evidence.push(goods_evidence(g));
                }
            }
            Condition::DestinationIsHub => {
                if rules.is_hub(&s.destination) {
                    reason
                        .evidence
                        .push(format!("destination {} is a diversion hub", s.destination));
                }
                let defaults = [PartyRole::Consignee, PartyRole::EndUser];
                for p in s.parties.iter().filter(|p| in_roles(p.role, &defaults)) {
                    if let Some(l) = p.location.as_ref().filter(|l| rules.is_hub(l)) {
                        reason
                            .evidence
                            .push(format!("{} {:?} is in diversion hub {l}", p.role, p.name));
                    }
                }
            }
            Condition::TransitViaHub => {
                for t in s.transit.iter().filter(|t| rules.is_hub(t)) {
                    reason
                        .evidence
                        .push(format!("transit via diversion hub {t}"));
                }
            }
            Condition::ConsigneeNotEndUser => {
                if let (Some(c), Some(e)) =
                    (s.party(PartyRole::Consignee), s.party(PartyRole::EndUser))
                {
                    let c_country = c.location.as_ref().and_then(|l| l.code.as_deref());
                    let e_country = e.location.as_ref().and_then(|l| l.code.as_deref());
                    if fold(&c.name) != fold(&e.name)
                        || (c_country.is_some() && e_country.is_some() && c_country != e_country)
                    {
                        reason.evidence.push(format!(
                            "consignee {:?} ({}) vs end user {:?} ({})",
                            c.name,
                            c_country.unwrap_or("?"),
                            e.name,
                            e_country.unwrap_or("?")
                        ));
                    }
                }
            }
            Condition::EndUserIsForwarder => {
                let party = s
                    .party(PartyRole::EndUser)
                    .or_else(|| s.party(PartyRole::Consignee));
                if let Some(p) = party {
                    let folded = fold(&p.name);
                    for (f, kw) in &rules.prepared.forwarder {
                        if folded.contains(f.as_str()) {
                            reason
                                .evidence
                                .push(format!("{} {:?} contains {kw:?}", p.role, p.name));
                            break;
                        }
                    }
                }
            }
            Condition::DescriptionNamesOtherPlace => {
                if let Some(d) = &s.goods_description {
                    let folded = fold(d);
                    let dest = s.destination.code.as_deref();
                    for (f, name, code) in &rules.prepared.place_names {
                        if Some(code.as_str()) != dest && folded.contains(f.as_str()) {
                            reason.evidence.push(format!(
                                "description names {name:?} ({code}) but destination is {}",
                                s.destination
                            ));
                        }
                    }
                }
            }
        }
    }
}

fn listed_goods<'s>(
    s: &'s Shipment,
    tiers: &'s [String],
) -> impl Iterator<Item = &'s GoodsHit> + 's {
    s.goods.iter().filter(move |g| {
        g.listings
            .iter()
            .any(|l| tiers.is_empty() || tiers.contains(&l.tier))
    })
}

fn goods_evidence(g: &GoodsHit) -> String {
    let lists: Vec<String> = g
        .listings
        .iter()
        .map(|l| match &l.tier_title {
            Some(t) => format!("{} tier {} ({t})", l.list, l.tier),
            None => format!("{} tier {}", l.list, l.tier),
        })
        .collect();
    format!(
        "HS {} {}: {}",
        g.code,
        g.description.as_deref().unwrap_or(""),
        lists.join(", ")
    )
}

//! The entity model every sanctions or restricted-party list maps into.
//!
//! An [`Entity`] is one listed party (person, organisation, vessel, aircraft) as a
//! single list states it. Parsers in `kordon-sources` fill it without loss: every
//! name, alias, address, identifier and remark the list gives has a place here, and
//! whatever has no structured place lands in [`Entity::remarks`] rather than being
//! dropped. The model is plain data with serde, so the store can persist it and the
//! CLI can print it as JSON.

mod date;

pub use date::{DateError, PartialDate};

use serde::{Deserialize, Serialize};

/// What kind of party an entity is. Screening never matches across incompatible
/// schemas (a person never matches a vessel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Schema {
    Person,
    Organization,
    Vessel,
    Aircraft,
    /// The list does not say (many OFAC entries have an empty type).
    Unknown,
}

impl Schema {
    pub const ALL: [Schema; 5] = [
        Schema::Person,
        Schema::Organization,
        Schema::Vessel,
        Schema::Aircraft,
        Schema::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Schema::Person => "Person",
            Schema::Organization => "Organization",
            Schema::Vessel => "Vessel",
            Schema::Aircraft => "Aircraft",
            Schema::Unknown => "Unknown",
        }
    }

    /// Parse the schema names used by users and by FollowTheMoney
    /// (`Company`, `LegalEntity`, `Organization`, `Person`, `Vessel`, `Airplane`...).
    pub fn parse(s: &str) -> Option<Schema> {
        match s.trim().to_ascii_lowercase().as_str() {
            "person" | "individual" => Some(Schema::Person),
            "organization" | "organisation" | "company" | "entity" | "legalentity"
            | "publicbody" | "legal entity" => Some(Schema::Organization),
            "vessel" | "ship" => Some(Schema::Vessel),
            "aircraft" | "airplane" => Some(Schema::Aircraft),
            "unknown" | "thing" | "" => Some(Schema::Unknown),
            _ => None,
        }
    }

    /// Whether a query of schema `self` may match a listed entity of `other`.
    /// `Unknown` is compatible with everything: lists often omit the type.
    pub fn compatible(self, other: Schema) -> bool {
        self == other || self == Schema::Unknown || other == Schema::Unknown
    }
}

impl std::fmt::Display for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a list qualifies a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NameKind {
    /// The list's main name for the entity.
    Primary,
    /// A strong alias ("a.k.a.", "also known as").
    Alias,
    /// OFAC "weak a.k.a.": low-quality alias that should not match alone.
    WeakAlias,
    /// Formerly known as.
    Former,
    /// Now known as.
    NowKnownAs,
    /// A spelling variant of the primary name given by the list.
    Variant,
}

impl NameKind {
    /// Weak aliases carry less evidence; screening down-weights them.
    pub fn is_weak(self) -> bool {
        matches!(self, NameKind::WeakAlias)
    }
}

/// Name parts, where a list gives them separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameParts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl NameParts {
    pub fn is_empty(&self) -> bool {
        self.given.is_none()
            && self.middle.is_none()
            && self.family.is_none()
            && self.patronymic.is_none()
            && self.title.is_none()
    }
}

/// One name of an entity, exactly as the list spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    /// The full name as the list writes it (any script).
    pub full: String,
    pub kind: NameKind,
    /// ISO 15924 script code if the list says so or the text is non-Latin
    /// (e.g. "Cyrl", "Hani"); `None` for plain Latin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// Language tag if the list gives one (EU/UK lists often do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "NameParts::is_empty")]
    pub parts: NameParts,
    /// The list's own comment on this name (e.g. "Low quality alias").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl Name {
    pub fn new(full: impl Into<String>, kind: NameKind) -> Name {
        Name {
            full: full.into(),
            kind,
            script: None,
            lang: None,
            parts: NameParts::default(),
            remark: None,
        }
    }
}

/// What a date is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateKind {
    Birth,
    Death,
    Incorporation,
    Listing,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityDate {
    pub kind: DateKind,
    pub date: PartialDate,
}

/// What a country is to the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CountryRole {
    Nationality,
    Citizenship,
    Residence,
    Address,
    Registration,
    BirthPlace,
    /// A vessel's or aircraft's flag.
    Flag,
    /// The list says "country" without saying how.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityCountry {
    pub role: CountryRole,
    /// ISO 3166-1 alpha-2, upper case; `None` when the list's text could not be mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The list's own text ("Russia", "RU", "Korea, North").
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 of `country`, if it maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// The whole address as one line, when the list gives it unstructured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// Kinds of identifier. An exact identifier match is decisive in scoring, so the
/// kind matters: an IMO number only compares with an IMO number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    Passport,
    NationalId,
    TaxId,
    /// Russian taxpayer number (ИНН).
    Inn,
    /// Russian state registration number (ОГРН).
    Ogrn,
    RegistrationNumber,
    Imo,
    Mmsi,
    CallSign,
    SwiftBic,
    CryptoAddress,
    AircraftSerial,
    AircraftTail,
    Email,
    Website,
    Phone,
    /// Anything else; the list's own label is kept in [`Identifier::label`].
    Other,
}

impl IdentifierKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            IdentifierKind::Passport => "passport",
            IdentifierKind::NationalId => "national_id",
            IdentifierKind::TaxId => "tax_id",
            IdentifierKind::Inn => "inn",
            IdentifierKind::Ogrn => "ogrn",
            IdentifierKind::RegistrationNumber => "registration_number",
            IdentifierKind::Imo => "imo",
            IdentifierKind::Mmsi => "mmsi",
            IdentifierKind::CallSign => "call_sign",
            IdentifierKind::SwiftBic => "swift_bic",
            IdentifierKind::CryptoAddress => "crypto_address",
            IdentifierKind::AircraftSerial => "aircraft_serial",
            IdentifierKind::AircraftTail => "aircraft_tail",
            IdentifierKind::Email => "email",
            IdentifierKind::Website => "website",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<IdentifierKind> {
        let k = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Some(match k.as_str() {
            "passport" => IdentifierKind::Passport,
            "national_id" | "nationalid" | "id" => IdentifierKind::NationalId,
            "tax_id" | "taxid" | "tax" => IdentifierKind::TaxId,
            "inn" => IdentifierKind::Inn,
            "ogrn" => IdentifierKind::Ogrn,
            "registration_number" | "registration" | "reg" => IdentifierKind::RegistrationNumber,
            "imo" => IdentifierKind::Imo,
            "mmsi" => IdentifierKind::Mmsi,
            "call_sign" | "callsign" => IdentifierKind::CallSign,
            "swift_bic" | "swift" | "bic" => IdentifierKind::SwiftBic,
            "crypto_address" | "crypto" => IdentifierKind::CryptoAddress,
            "aircraft_serial" => IdentifierKind::AircraftSerial,
            "aircraft_tail" | "tail" => IdentifierKind::AircraftTail,
            "email" => IdentifierKind::Email,
            "website" => IdentifierKind::Website,
            "phone" => IdentifierKind::Phone,
            "other" => IdentifierKind::Other,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    pub kind: IdentifierKind,
    /// The value as the list writes it.
    pub value: String,
    /// The list's own label for the identifier ("Passport", "Tax ID No.", "Digital Currency Address - XBT").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// ISO 3166-1 alpha-2 of the issuing country, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl Identifier {
    /// The value reduced to letters and digits, upper case: the form identifiers
    /// are compared in ("IMO 9137674" and "9137674" differ only in the label).
    pub fn normalized_value(&self) -> String {
        normalize_identifier(&self.value)
    }
}

/// Reduce an identifier value to upper-case letters and digits.
pub fn normalize_identifier(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// How two entities relate, where a list states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    OwnedBy,
    Owns,
    SubsidiaryOf,
    DirectorOf,
    HasDirector,
    FamilyOf,
    AssociateOf,
    LinkedTo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    /// The other entity's id if the list identifies it, else `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The other party's name as the list writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// A sanctions program or regime the entity is listed under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// The list's code ("RUSSIA-EO14024", "SDGT", "2014/269 (UA)").
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A vessel's particulars (OFAC gives them as columns, others in remarks).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VesselInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessel_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tonnage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_tonnage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_sign: Option<String>,
}

impl VesselInfo {
    pub fn is_empty(&self) -> bool {
        *self == VesselInfo::default()
    }
}

/// One listed party as one list states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Stable id: `source:source_id`, e.g. `us_ofac_sdn:46431`.
    pub id: String,
    /// The source (dataset) key, e.g. `us_ofac_sdn`, `un_sc`, `eu_fsf`.
    pub source: String,
    /// The list's own id for the entry.
    pub source_id: String,
    pub schema: Schema,
    /// All names; the first `Primary` one is the caption.
    pub names: Vec<Name>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<EntityDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places_of_birth: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<EntityCountry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<Program>,
    /// Who lists it: "OFAC", "UN Security Council", "EU", "UK FCDO", "BIS"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// The list the entry comes from inside a combined file (CSL's "Entity List").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "VesselInfo::is_empty")]
    pub vessel: VesselInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<String>,
    /// Free-text remarks exactly as the list gives them, plus anything a parser
    /// could not place in a structured field. Never dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<String>,
    /// Topics in the FollowTheMoney sense ("sanction", "export.control", "poi").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_urls: Vec<String>,
}

impl Entity {
    /// A new entity with no names yet. `id` is derived as `source:source_id`.
    pub fn new(source: &str, source_id: &str, schema: Schema) -> Entity {
        Entity {
            id: format!("{source}:{source_id}"),
            source: source.to_string(),
            source_id: source_id.to_string(),
            schema,
            names: Vec::new(),
            dates: Vec::new(),
            places_of_birth: Vec::new(),
            countries: Vec::new(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            programs: Vec::new(),
            authority: None,
            list_name: None,
            listed_on: None,
            links: Vec::new(),
            vessel: VesselInfo::default(),
            gender: None,
            titles: Vec::new(),
            positions: Vec::new(),
            remarks: Vec::new(),
            topics: Vec::new(),
            source_urls: Vec::new(),
        }
    }

    /// The display name: the first primary name, else the first name, else the id.
    pub fn caption(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.full.as_str())
            .unwrap_or(self.id.as_str())
    }

    /// Add a name unless the same text with the same kind is already there.
    pub fn push_name(&mut self, name: Name) {
        if name.full.trim().is_empty() {
            return;
        }
        if !self
            .names
            .iter()
            .any(|n| n.full == name.full && n.kind == name.kind)
        {
            self.names.push(name);
        }
    }

    /// Add a country unless the same (role, code, text) is already there.
    pub fn push_country(&mut self, role: CountryRole, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let code = country_code(text).map(str::to_string);
        let c = EntityCountry {
            role,
            code,
            text: text.to_string(),
        };
        if !self.countries.contains(&c) {
            self.countries.push(c);
        }
    }

    pub fn push_identifier(&mut self, id: Identifier) {
        if id.value.trim().is_empty() {
            return;
        }
        if !self.identifiers.contains(&id) {
            self.identifiers.push(id);
        }
    }

    pub fn push_date(&mut self, kind: DateKind, date: PartialDate) {
        let d = EntityDate { kind, date };
        if !self.dates.contains(&d) {
            self.dates.push(d);
        }
    }

    pub fn push_remark(&mut self, remark: &str) {
        let r = remark.trim();
        if !r.is_empty() && !self.remarks.iter().any(|x| x == r) {
            self.remarks.push(r.to_string());
        }
    }

    /// Distinct ISO country codes of every role.
    pub fn country_codes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .countries
            .iter()
            .filter_map(|c| c.code.as_deref())
            .chain(
                self.addresses
                    .iter()
                    .filter_map(|a| a.country_code.as_deref()),
            )
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn birth_dates(&self) -> impl Iterator<Item = &PartialDate> {
        self.dates
            .iter()
            .filter(|d| matches!(d.kind, DateKind::Birth | DateKind::Incorporation))
            .map(|d| &d.date)
    }
}

mod countries;
pub use countries::{country_code, country_name};

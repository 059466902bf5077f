//! EU Financial Sanctions Files (FSF) consolidated list, XML schema 1.1
//! (`<export xmlns="http://eu.europa.ec/fpi/fsd/export">`).
//!
//! The list's own semantics: each `<sanctionEntity>` is one listed party.
//! `euReferenceNumber` (`EU.7464.43`) is the public reference, used as
//! `source_id` (falling back to `logicalId`, the database id, kept as a remark);
//! `unitedNationId` is the UN reference for UN-derived entries. `<subjectType
//! code>` is `person` or `enterprise`. Each `<nameAlias>` is one name: the first
//! is the primary name, the others aliases, `strong="false"` marking a weak one;
//! it may give name parts, a `function` (position), `title`, `gender` and
//! `nameLanguage`. `<regulation>` elements are the acts the entry was listed or
//! amended by (`programme` is the regime, `numberTitle` the act);
//! `<regulationSummary>` children repeat them per detail and are not imported.
//! `<citizenship>`, `<birthdate>` (`birthdate` or day/month/year, `circa`),
//! `<identification>` (typed by `identificationTypeCode`) and `<address>`
//! carry ISO alpha-2 codes where known (`00` = unknown). Unknown elements and
//! attributes are reported as warnings with their XML path and kept in remarks.
//! The root's `generationDate` is the publication date; `globalFileId` (the
//! file's serial number) is not imported.

use crate::code_table::CodeTable;
use crate::name_script::script_of;
use crate::xml_records::{Node, XmlRecords};
use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    Address, CountryRole, DateKind, Entity, EntityCountry, Identifier, IdentifierKind, Name,
    NameKind, NameParts, PartialDate, Program, Schema,
};
use std::path::Path;
use std::sync::OnceLock;

pub const SOURCE_AUTHORITY: &str = "EU";

fn identification_types() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_fsf_identification_types.tsv")))
}

fn subject_types() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_fsf_subject_types.tsv")))
}

fn contact_keys() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/eu_fsf_contact_keys.tsv")))
}

pub fn parse(
    input: &SourceInput,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    for path in &input.files {
        parse_file(path, &input.source, report, sink)?;
    }
    Ok(())
}

fn parse_file(
    path: &Path,
    source: &str,
    report: &mut ParseReport,
    sink: &mut dyn FnMut(Entity) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    let mut records = XmlRecords::new(input::open(path)?, path, "export", &[], &["sanctionEntity"]);
    records.for_each_record(report, "sanctionEntity", |xml_path, node, report| {
        let entity = map_entity(path, source, xml_path, node, report)?;
        report.count_entity(&entity);
        sink(entity)
    })?;
    report.published = records
        .root()
        .and_then(|r| r.attr("generationDate"))
        .map(str::to_string);
    Ok(())
}

/// Reports attributes and children a mapper did not expect, keeping their text.
struct Context<'a> {
    file: &'a Path,
    report: &'a mut ParseReport,
}

impl Context<'_> {
    fn unknown_attrs(&mut self, e: &mut Entity, path: &str, node: &Node, known: &[&str]) {
        for (k, v) in &node.attrs {
            if known.contains(&k.as_str()) || v.trim().is_empty() {
                continue;
            }
            self.report.warn(
                Warning::new(
                    self.file,
                    Location::Xml {
                        path: format!("{path}/@{k}"),
                        byte: node.byte,
                    },
                    format!(
                        "unknown attribute `{k}` of <{}>, value kept in remarks",
                        node.name
                    ),
                )
                .with_field(k),
            );
            e.push_remark(&format!("{}/@{k}: {}", node.name, v.trim()));
        }
    }

    fn unknown_child(&mut self, e: &mut Entity, path: &str, seg: &str, child: &Node) {
        self.report.warn(
            Warning::new(
                self.file,
                Location::Xml {
                    path: format!("{path}/{seg}"),
                    byte: child.byte,
                },
                format!("unknown element <{}>, text kept in remarks", child.name),
            )
            .with_field(&child.name),
        );
        let text = child.flat_text();
        if !text.is_empty() {
            e.push_remark(&format!("{}: {text}", child.name));
        }
    }
}

fn map_entity(
    file: &Path,
    source: &str,
    xml_path: &str,
    node: &Node,
    report: &mut ParseReport,
) -> Result<Entity, SourceError> {
    let mut cx = Context { file, report };
    let source_id = node
        .attr("euReferenceNumber")
        .or_else(|| node.attr("logicalId"))
        .ok_or_else(|| {
            SourceError::new(
                file,
                Location::Xml {
                    path: xml_path.to_string(),
                    byte: node.byte,
                },
                "sanctionEntity has neither euReferenceNumber nor logicalId",
            )
            .with_field("euReferenceNumber")
        })?;

    let subject = node.children.iter().find(|c| c.name == "subjectType");
    let schema = match subject.and_then(|s| s.attr("code")) {
        Some(code) => match subject_types().first(code).and_then(Schema::parse) {
            Some(s) => s,
            None => {
                cx.report.warn(
                    Warning::new(
                        file,
                        Location::Xml {
                            path: format!("{xml_path}/subjectType/@code"),
                            byte: node.byte,
                        },
                        format!("unknown subject type {code:?}, imported as Unknown"),
                    )
                    .with_field("subjectType"),
                );
                Schema::Unknown
            }
        },
        None => Schema::Unknown,
    };
    let mut e = Entity::new(source, source_id, schema);
    e.authority = Some(SOURCE_AUTHORITY.to_string());
    e.topics.push("sanction".to_string());
    cx.unknown_attrs(
        &mut e,
        xml_path,
        node,
        &[
            "euReferenceNumber",
            "logicalId",
            "unitedNationId",
            "designationDetails",
            "designationDate",
        ],
    );
    if let Some(id) = node.attr("logicalId") {
        e.push_remark(&format!("EU FSF logicalId: {id}"));
    }
    if let Some(un) = node.attr("unitedNationId") {
        e.push_remark(&format!("UN reference number: {un}"));
    }
    if let Some(details) = node.attr("designationDetails") {
        e.push_remark(details);
    }
    if let Some(d) = node.attr("designationDate") {
        match PartialDate::parse(d) {
            Ok(d) => e.listed_on = Some(d),
            Err(_) => e.push_remark(&format!("Designation date: {d}")),
        }
    }

    let mut first_name = true;
    for (seg, child) in node.indexed_children() {
        let path = format!("{xml_path}/{seg}");
        match child.name.as_str() {
            "remark" => e.push_remark(child.value()),
            "regulation" => map_regulation(&mut cx, &mut e, &path, child),
            "subjectType" => {
                cx.unknown_attrs(&mut e, &path, child, &["code", "classificationCode"])
            }
            "nameAlias" => {
                map_name(&mut cx, &mut e, &path, child, first_name);
                first_name = false;
            }
            "citizenship" => {
                cx.unknown_attrs(
                    &mut e,
                    &path,
                    child,
                    &[
                        "countryIso2Code",
                        "countryDescription",
                        "region",
                        "regulationLanguage",
                        "logicalId",
                    ],
                );
                // For an enterprise the list's "citizenship" is its country of registration.
                let role = if schema == Schema::Person {
                    CountryRole::Citizenship
                } else {
                    CountryRole::Registration
                };
                push_country(&mut e, role, child);
                for (cseg, c) in child.indexed_children() {
                    match c.name.as_str() {
                        "regulationSummary" => {}
                        "remark" => e.push_remark(&format!("Citizenship: {}", c.value())),
                        _ => cx.unknown_child(&mut e, &path, &cseg, c),
                    }
                }
            }
            "birthdate" => map_birthdate(&mut cx, &mut e, &path, child),
            "identification" => map_identification(&mut cx, &mut e, &path, child),
            "address" => map_address(&mut cx, &mut e, &path, child),
            _ => cx.unknown_child(&mut e, xml_path, &seg, child),
        }
    }
    if e.names.is_empty() {
        return Err(SourceError::new(
            file,
            Location::Xml {
                path: xml_path.to_string(),
                byte: node.byte,
            },
            "sanctionEntity has no name (no nameAlias with a wholeName or name parts)",
        )
        .with_field("nameAlias"));
    }
    Ok(e)
}

/// An ISO code the list actually knows (`00` stands for unknown).
fn iso2(node: &Node) -> Option<String> {
    node.attr("countryIso2Code")
        .filter(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// The country description, unless it is the list's "UNKNOWN" placeholder.
fn country_text(node: &Node) -> Option<&str> {
    node.attr("countryDescription")
        .filter(|d| !d.eq_ignore_ascii_case("unknown"))
}

fn push_country(e: &mut Entity, role: CountryRole, node: &Node) {
    let code = iso2(node);
    let Some(text) = country_text(node)
        .map(str::to_string)
        .or_else(|| code.clone())
    else {
        return;
    };
    let c = EntityCountry { role, code, text };
    if !e.countries.contains(&c) {
        e.countries.push(c);
    }
}

fn map_regulation(cx: &mut Context<'_>, e: &mut Entity, path: &str, node: &Node) {
    cx.unknown_attrs(
        e,
        path,
        node,
        &[
            "regulationType",
            "organisationType",
            "publicationDate",
            "entryIntoForceDate",
            "numberTitle",
            "programme",
            "logicalId",
        ],
    );
    let program = Program {
        code: node.attr("programme").unwrap_or("").to_string(),
        name: node.attr("numberTitle").map(str::to_string),
    };
    if (!program.code.is_empty() || program.name.is_some()) && !e.programs.contains(&program) {
        e.programs.push(program);
    }
    for (seg, c) in node.indexed_children() {
        match c.name.as_str() {
            "publicationUrl" => {
                let url = c.value();
                if !url.is_empty() && !e.source_urls.iter().any(|u| u == url) {
                    e.source_urls.push(url.to_string());
                }
            }
            _ => cx.unknown_child(e, path, &seg, c),
        }
    }
}

fn map_name(cx: &mut Context<'_>, e: &mut Entity, path: &str, node: &Node, first: bool) {
    cx.unknown_attrs(
        e,
        path,
        node,
        &[
            "firstName",
            "middleName",
            "lastName",
            "wholeName",
            "function",
            "gender",
            "title",
            "nameLanguage",
            "strong",
            "regulationLanguage",
            "logicalId",
        ],
    );
    let parts = NameParts {
        given: node.attr("firstName").map(str::to_string),
        middle: node.attr("middleName").map(str::to_string),
        family: node.attr("lastName").map(str::to_string),
        patronymic: None,
        title: node.attr("title").map(str::to_string),
    };
    let whole = node
        .attr("wholeName")
        .map(str::to_string)
        .unwrap_or_else(|| {
            [&parts.given, &parts.middle, &parts.family]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        });
    let mut remarks: Vec<String> = Vec::new();
    for (seg, c) in node.indexed_children() {
        match c.name.as_str() {
            "regulationSummary" => {}
            "remark" => {
                if !c.value().is_empty() {
                    remarks.push(c.value().to_string());
                }
            }
            _ => cx.unknown_child(e, path, &seg, c),
        }
    }
    if let Some(function) = node.attr("function") {
        if !e.positions.iter().any(|p| p == function) {
            e.positions.push(function.to_string());
        }
    }
    if let Some(title) = node.attr("title") {
        if !e.titles.iter().any(|t| t == title) {
            e.titles.push(title.to_string());
        }
    }
    if e.gender.is_none() {
        e.gender = node.attr("gender").map(str::to_string);
    }
    if whole.is_empty() {
        return;
    }
    let kind = if first {
        NameKind::Primary
    } else if node.attr("strong") == Some("false") {
        cx.report.bump("weak_aliases", 1);
        NameKind::WeakAlias
    } else {
        cx.report.bump("aliases", 1);
        NameKind::Alias
    };
    let mut n = Name::new(whole.as_str(), kind);
    n.script = script_of(&whole);
    n.lang = node.attr("nameLanguage").map(str::to_ascii_lowercase);
    n.parts = parts;
    n.remark = (!remarks.is_empty()).then(|| remarks.join("; "));
    e.push_name(n);
}

fn map_birthdate(cx: &mut Context<'_>, e: &mut Entity, path: &str, node: &Node) {
    cx.unknown_attrs(
        e,
        path,
        node,
        &[
            "birthdate",
            "dayOfMonth",
            "monthOfYear",
            "year",
            "yearRangeFrom",
            "yearRangeTo",
            "circa",
            "calendarType",
            "city",
            "zipCode",
            "region",
            "place",
            "countryIso2Code",
            "countryDescription",
            "regulationLanguage",
            "logicalId",
        ],
    );
    let number = |k: &str| node.attr(k).and_then(|v| v.parse::<u32>().ok());
    let date = if let Some(full) = node.attr("birthdate") {
        PartialDate::parse(full).ok()
    } else if let (Some(from), Some(to)) = (number("yearRangeFrom"), number("yearRangeTo")) {
        PartialDate::parse(&format!("{from} to {to}")).ok()
    } else {
        number("year").and_then(|y| {
            let written = match (number("monthOfYear"), number("dayOfMonth")) {
                (Some(m), Some(d)) => format!("{y}-{m}-{d}"),
                (Some(m), None) => format!("{y}-{m}"),
                _ => y.to_string(),
            };
            PartialDate::parse(&written).ok()
        })
    };
    match date {
        Some(mut d) => {
            if node.attr("circa") == Some("true") {
                d.approximate = true;
            }
            e.push_date(DateKind::Birth, d);
        }
        None => {
            let written: Vec<String> = ["birthdate", "year", "monthOfYear", "dayOfMonth"]
                .iter()
                .filter_map(|k| node.attr(k).map(|v| format!("{k}={v}")))
                .collect();
            if !written.is_empty() {
                cx.report.warn(
                    Warning::new(
                        cx.file,
                        Location::Xml {
                            path: path.to_string(),
                            byte: node.byte,
                        },
                        format!(
                            "unparseable birth date ({}), kept in remarks",
                            written.join(", ")
                        ),
                    )
                    .with_field("birthdate"),
                );
                e.push_remark(&format!("Date of birth: {}", written.join(", ")));
            }
        }
    }
    if let Some(cal) = node
        .attr("calendarType")
        .filter(|c| !c.eq_ignore_ascii_case("GREGORIAN"))
    {
        e.push_remark(&format!("Date of birth calendar: {cal}"));
    }
    let place: Vec<&str> = [
        node.attr("place"),
        node.attr("city"),
        node.attr("region"),
        node.attr("zipCode"),
        country_text(node),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !place.is_empty() {
        let place = place.join(", ");
        if !e.places_of_birth.contains(&place) {
            e.places_of_birth.push(place);
        }
    }
    push_country(e, CountryRole::BirthPlace, node);
    for (seg, c) in node.indexed_children() {
        match c.name.as_str() {
            "regulationSummary" => {}
            "remark" => e.push_remark(&format!("Date of birth: {}", c.value())),
            _ => cx.unknown_child(e, path, &seg, c),
        }
    }
}

fn map_identification(cx: &mut Context<'_>, e: &mut Entity, path: &str, node: &Node) {
    cx.unknown_attrs(
        e,
        path,
        node,
        &[
            "identificationTypeCode",
            "identificationTypeDescription",
            "number",
            "latinNumber",
            "countryIso2Code",
            "countryDescription",
            "region",
            "diplomatic",
            "knownExpired",
            "knownFalse",
            "reportedLost",
            "revokedByIssuer",
            "issuedBy",
            "issuedDate",
            "validFrom",
            "validTo",
            "nameOnDocument",
            "regulationLanguage",
            "logicalId",
        ],
    );
    let code = node.attr("identificationTypeCode").unwrap_or("");
    // "Tax Identification Number (INN)": the description can name a more
    // specific system than the type code.
    let kind = node
        .attr("identificationTypeDescription")
        .and_then(crate::eu_journal::refined_kind)
        .or_else(|| {
            identification_types()
                .first(code)
                .and_then(IdentifierKind::parse)
        })
        .unwrap_or(IdentifierKind::Other);
    let mut remark: Vec<String> = Vec::new();
    for (flag, text) in [
        ("diplomatic", "diplomatic"),
        ("knownExpired", "known expired"),
        ("knownFalse", "known false"),
        ("reportedLost", "reported lost"),
        ("revokedByIssuer", "revoked by issuer"),
    ] {
        if node.attr(flag) == Some("true") {
            remark.push(text.to_string());
        }
    }
    for (attr, text) in [
        ("issuedBy", "issued by"),
        ("issuedDate", "issued"),
        ("validFrom", "valid from"),
        ("validTo", "valid to"),
        ("nameOnDocument", "name on document"),
        ("latinNumber", "latin number"),
        ("region", "region"),
    ] {
        if let Some(v) = node.attr(attr) {
            remark.push(format!("{text} {v}"));
        }
    }
    let country = iso2(node);
    if country.is_none() {
        if let Some(text) = country_text(node) {
            remark.push(format!("country {text}"));
        }
    }
    for (seg, c) in node.indexed_children() {
        match c.name.as_str() {
            "regulationSummary" => {}
            "remark" => {
                if !c.value().is_empty() {
                    remark.push(c.value().to_string());
                }
            }
            _ => cx.unknown_child(e, path, &seg, c),
        }
    }
    let label = node
        .attr("identificationTypeDescription")
        .or((!code.is_empty()).then_some(code))
        .map(str::to_string);
    let Some(number) = node.attr("number").or(node.attr("latinNumber")) else {
        if !remark.is_empty() || label.is_some() {
            let mut text: Vec<String> = label.into_iter().collect();
            text.extend(remark);
            e.push_remark(&format!(
                "Identification without number: {}",
                text.join(", ")
            ));
        }
        return;
    };
    e.push_identifier(Identifier {
        kind,
        value: number.to_string(),
        label,
        country,
        remark: (!remark.is_empty()).then(|| remark.join("; ")),
    });
}

fn map_address(cx: &mut Context<'_>, e: &mut Entity, path: &str, node: &Node) {
    cx.unknown_attrs(
        e,
        path,
        node,
        &[
            "street",
            "city",
            "zipCode",
            "region",
            "place",
            "poBox",
            "countryIso2Code",
            "countryDescription",
            "asAtListingTime",
            "regulationLanguage",
            "logicalId",
        ],
    );
    let own = |k: &str| node.attr(k).map(str::to_string);
    let mut remark: Vec<String> = Vec::new();
    if let Some(p) = node.attr("place") {
        remark.push(format!("place {p}"));
    }
    if let Some(p) = node.attr("poBox") {
        remark.push(format!("PO box {p}"));
    }
    if node.attr("asAtListingTime") == Some("true") {
        remark.push("as at listing time".to_string());
    }
    for (seg, c) in node.indexed_children() {
        match c.name.as_str() {
            "regulationSummary" => {}
            "remark" => {
                if !c.value().is_empty() {
                    remark.push(c.value().to_string());
                }
            }
            "contactInfo" => {
                let (Some(key), Some(value)) = (c.attr("key"), c.attr("value")) else {
                    cx.unknown_child(e, path, &seg, c);
                    continue;
                };
                let kind = contact_keys().first(key).and_then(IdentifierKind::parse);
                match kind {
                    Some(kind) => e.push_identifier(Identifier {
                        kind,
                        value: value.to_string(),
                        label: Some(key.to_string()),
                        country: None,
                        remark: None,
                    }),
                    None => e.push_remark(&format!("{key}: {value}")),
                }
            }
            _ => cx.unknown_child(e, path, &seg, c),
        }
    }
    let a = Address {
        street: own("street"),
        city: own("city"),
        region: own("region"),
        postal_code: own("zipCode"),
        country: country_text(node).map(str::to_string),
        country_code: iso2(node),
        full: None,
        remark: (!remark.is_empty()).then(|| remark.join("; ")),
    };
    if a != Address::default() && !e.addresses.contains(&a) {
        e.addresses.push(a);
    }
}

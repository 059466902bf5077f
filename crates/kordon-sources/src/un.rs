//! UN Security Council consolidated list (XML, `CONSOLIDATED_LIST`).
//!
//! The list's own semantics: `<INDIVIDUALS>` holds persons, `<ENTITIES>`
//! organisations. A record's stable key is `REFERENCE_NUMBER` (`CDi.001`,
//! `QDe.004`: regime prefix, `i`/`e` for individual/entity, sequence), used as
//! `source_id`; `DATAID` is the UN database row id (kept as a remark).
//! `FIRST_NAME`..`FOURTH_NAME` are name components in written order (for an
//! entity `FIRST_NAME` is the whole name); `NAME_ORIGINAL_SCRIPT` is the name in
//! its own script. Aliases carry a `QUALITY`: `Good`/`a.k.a.` strong, `Low` weak,
//! `f.k.a.` former; some aliases carry their own date/place of birth and a note.
//! Dates of birth are typed (`EXACT`, `APPROXIMATELY`, `BETWEEN` with
//! `FROM_YEAR`/`TO_YEAR`). `UN_LIST_TYPE` is the sanctions regime (program).
//! `VERSIONNUM`, `SORT_KEY` and `SORT_KEY_LAST_MOD` are database bookkeeping
//! and deliberately not imported. Any element not described here is reported as
//! a warning with its XML path and its text kept in the entity's remarks.

use crate::code_table::CodeTable;
use crate::name_script::script_of;
use crate::xml_records::{Node, XmlRecords};
use crate::{input, Location, ParseReport, SourceError, SourceInput, Warning};
use kordon_model::{
    country_code, Address, DateKind, Entity, Identifier, IdentifierKind, Name, NameKind, NameParts,
    PartialDate, Program, Schema,
};
use std::path::Path;
use std::sync::OnceLock;

pub const SOURCE_AUTHORITY: &str = "UN Security Council";

fn alias_qualities() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/un_alias_quality.tsv")))
}

fn document_types() -> &'static CodeTable {
    static T: OnceLock<CodeTable> = OnceLock::new();
    T.get_or_init(|| CodeTable::parse(include_str!("../data/un_document_types.tsv")))
}

/// The NameKind a data table names (`alias`, `weak_alias`, `former`...).
pub(crate) fn name_kind(code: &str) -> Option<NameKind> {
    Some(match code {
        "primary" => NameKind::Primary,
        "alias" => NameKind::Alias,
        "weak_alias" => NameKind::WeakAlias,
        "former" => NameKind::Former,
        "now_known_as" => NameKind::NowKnownAs,
        "variant" => NameKind::Variant,
        _ => return None,
    })
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
    let mut records = XmlRecords::new(
        input::open(path)?,
        path,
        "CONSOLIDATED_LIST",
        &["INDIVIDUALS", "ENTITIES"],
        &["INDIVIDUAL", "ENTITY"],
    );
    records.for_each_record(report, "record", |xml_path, node, report| {
        let entity = map_record(path, source, xml_path, node, report)?;
        report.count_entity(&entity);
        sink(entity)
    })?;
    report.published = records
        .root()
        .and_then(|r| r.attr("dateGenerated"))
        .map(str::to_string);
    Ok(())
}

/// Turn one `<INDIVIDUAL>` or `<ENTITY>` into an entity.
fn map_record(
    file: &Path,
    source: &str,
    xml_path: &str,
    node: &Node,
    report: &mut ParseReport,
) -> Result<Entity, SourceError> {
    let person = node.name == "INDIVIDUAL";
    let schema = if person {
        Schema::Person
    } else {
        Schema::Organization
    };
    let child_value = |name: &str| {
        node.children
            .iter()
            .find(|c| c.name == name)
            .map(Node::value)
            .filter(|v| !v.is_empty())
    };
    let source_id = child_value("REFERENCE_NUMBER")
        .or_else(|| child_value("DATAID"))
        .ok_or_else(|| {
            SourceError::new(
                file,
                Location::Xml {
                    path: xml_path.to_string(),
                    byte: node.byte,
                },
                "record has neither REFERENCE_NUMBER nor DATAID",
            )
            .with_field("REFERENCE_NUMBER")
        })?;
    let mut e = Entity::new(source, source_id, schema);
    e.authority = Some(SOURCE_AUTHORITY.to_string());
    e.topics.push("sanction".to_string());

    let mut parts: [Option<&str>; 4] = [None; 4];
    for (seg, child) in node.indexed_children() {
        let child_path = format!("{xml_path}/{seg}");
        let v = child.value();
        match child.name.as_str() {
            "DATAID" => {
                if !v.is_empty() {
                    e.push_remark(&format!("UN DATAID: {v}"));
                }
            }
            "VERSIONNUM" | "SORT_KEY" | "SORT_KEY_LAST_MOD" | "REFERENCE_NUMBER" => {}
            "FIRST_NAME" => parts[0] = Some(v),
            "SECOND_NAME" => parts[1] = Some(v),
            "THIRD_NAME" => parts[2] = Some(v),
            "FOURTH_NAME" => parts[3] = Some(v),
            "NAME_ORIGINAL_SCRIPT" => {
                if !v.is_empty() {
                    let mut n = Name::new(v, NameKind::Variant);
                    n.script = script_of(v);
                    e.push_name(n);
                }
            }
            "UN_LIST_TYPE" => {
                if !v.is_empty() {
                    e.programs.push(Program {
                        code: v.to_string(),
                        name: None,
                    });
                }
            }
            "LISTED_ON" => {
                if !v.is_empty() {
                    match PartialDate::parse(v) {
                        Ok(d) => e.listed_on = Some(d),
                        Err(_) => e.push_remark(&format!("Listed on: {v}")),
                    }
                }
            }
            "GENDER" => {
                if !v.is_empty() {
                    e.gender = Some(v.to_string());
                }
            }
            "COMMENTS1" => e.push_remark(v),
            "DESIGNATION" => {
                for val in values(child) {
                    if !e.positions.iter().any(|p| p == val) {
                        e.positions.push(val.to_string());
                    }
                }
            }
            "TITLE" => {
                for val in values(child) {
                    if !e.titles.iter().any(|p| p == val) {
                        e.titles.push(val.to_string());
                    }
                }
            }
            "NATIONALITY" => {
                for val in values(child) {
                    e.push_country(kordon_model::CountryRole::Nationality, val);
                }
            }
            "LIST_TYPE" => {
                let lists: Vec<&str> = values(child).collect();
                if !lists.is_empty() {
                    e.list_name = Some(lists.join("; "));
                }
            }
            "LAST_DAY_UPDATED" => {
                let days: Vec<&str> = values(child).collect();
                if !days.is_empty() {
                    e.push_remark(&format!("Last updated: {}", days.join(", ")));
                }
            }
            "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" => {
                map_alias(file, &child_path, child, &mut e, report);
            }
            "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS" => {
                map_address(file, &child_path, child, &mut e, report);
            }
            "INDIVIDUAL_DATE_OF_BIRTH" => map_birth_date(file, &child_path, child, &mut e, report),
            "INDIVIDUAL_PLACE_OF_BIRTH" => {
                map_birth_place(file, &child_path, child, &mut e, report)
            }
            "INDIVIDUAL_DOCUMENT" => map_document(file, &child_path, child, &mut e, report),
            _ => warn_child(file, xml_path, child, &seg, &mut e, report),
        }
    }

    let given: Vec<&str> = parts
        .iter()
        .flatten()
        .copied()
        .filter(|p| !p.is_empty())
        .collect();
    if given.is_empty() {
        return Err(SourceError::new(
            file,
            Location::Xml {
                path: format!("{xml_path}/FIRST_NAME"),
                byte: node.byte,
            },
            "record has no name",
        )
        .with_field("FIRST_NAME"));
    }
    let mut primary = Name::new(given.join(" "), NameKind::Primary);
    primary.script = script_of(&primary.full);
    if person {
        primary.parts = name_parts(&parts);
        primary.parts.title = e.titles.first().cloned();
    }
    // The primary name goes first: it is the caption.
    e.names.insert(0, primary);
    Ok(e)
}

/// Name parts in written order: first is the given name, the last of several
/// the family name, anything between is middle (UN gives father's and
/// grandfather's names there for Arabic names).
fn name_parts(parts: &[Option<&str>; 4]) -> NameParts {
    let present: Vec<&str> = parts
        .iter()
        .flatten()
        .copied()
        .filter(|p| !p.is_empty())
        .collect();
    let mut np = NameParts::default();
    match present.as_slice() {
        [] => {}
        [only] => np.given = Some(only.to_string()),
        [first, rest @ .., last] => {
            np.given = Some(first.to_string());
            if !rest.is_empty() {
                np.middle = Some(rest.join(" "));
            }
            np.family = Some(last.to_string());
        }
    }
    np
}

/// Non-empty `<VALUE>` children.
fn values(node: &Node) -> impl Iterator<Item = &str> {
    node.children
        .iter()
        .filter(|c| c.name == "VALUE")
        .map(Node::value)
        .filter(|v| !v.is_empty())
}

fn warn_child(
    file: &Path,
    parent_path: &str,
    child: &Node,
    seg: &str,
    e: &mut Entity,
    report: &mut ParseReport,
) {
    report.warn(
        Warning::new(
            file,
            Location::Xml {
                path: format!("{parent_path}/{seg}"),
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

fn map_alias(file: &Path, path: &str, node: &Node, e: &mut Entity, report: &mut ParseReport) {
    let mut quality = "";
    let mut name = "";
    let mut notes: Vec<String> = Vec::new();
    let mut birth_place: Vec<&str> = Vec::new();
    for (seg, c) in node.indexed_children() {
        let v = c.value();
        match c.name.as_str() {
            "QUALITY" => quality = v,
            "ALIAS_NAME" => name = v,
            "NOTE" => {
                if !v.is_empty() {
                    notes.push(v.to_string());
                }
            }
            "DATE_OF_BIRTH" => {
                if !v.is_empty() {
                    notes.push(format!("date of birth {v}"));
                    match PartialDate::parse(v) {
                        Ok(d) => e.push_date(DateKind::Birth, d),
                        Err(_) => e.push_remark(&format!("Date of birth (alias {name}): {v}")),
                    }
                }
            }
            "CITY_OF_BIRTH" => {
                if !v.is_empty() {
                    birth_place.push(v);
                }
            }
            "COUNTRY_OF_BIRTH" => {
                if !v.is_empty() {
                    birth_place.push(v);
                    e.push_country(kordon_model::CountryRole::BirthPlace, v);
                }
            }
            _ => warn_child(file, path, c, &seg, e, report),
        }
    }
    if !birth_place.is_empty() {
        let place = birth_place.join(", ");
        notes.push(format!("place of birth {place}"));
        if !e.places_of_birth.contains(&place) {
            e.places_of_birth.push(place);
        }
    }
    if name.is_empty() {
        if !notes.is_empty() {
            e.push_remark(&format!("Alias note: {}", notes.join("; ")));
        }
        return;
    }
    let kind = match alias_qualities().first(quality).and_then(name_kind) {
        Some(k) => k,
        None => {
            if !quality.is_empty() {
                report.warn(
                    Warning::new(
                        file,
                        Location::Xml {
                            path: format!("{path}/QUALITY"),
                            byte: node.byte,
                        },
                        format!("unknown alias quality {quality:?}, treated as a strong alias"),
                    )
                    .with_field("QUALITY"),
                );
            }
            NameKind::Alias
        }
    };
    match kind {
        NameKind::WeakAlias => report.bump("weak_aliases", 1),
        _ => report.bump("aliases", 1),
    }
    let mut n = Name::new(name, kind);
    n.script = script_of(name);
    if !notes.is_empty() {
        n.remark = Some(notes.join("; "));
    }
    e.push_name(n);
}

fn map_address(file: &Path, path: &str, node: &Node, e: &mut Entity, report: &mut ParseReport) {
    let mut a = Address::default();
    let set = |slot: &mut Option<String>, v: &str| {
        if !v.is_empty() {
            *slot = Some(v.to_string());
        }
    };
    for (seg, c) in node.indexed_children() {
        let v = c.value();
        match c.name.as_str() {
            "STREET" => set(&mut a.street, v),
            "CITY" => set(&mut a.city, v),
            "STATE_PROVINCE" => set(&mut a.region, v),
            "ZIP_CODE" => set(&mut a.postal_code, v),
            "COUNTRY" => {
                set(&mut a.country, v);
                a.country_code = country_code(v).map(str::to_string);
            }
            "NOTE" => set(&mut a.remark, v),
            _ => warn_child(file, path, c, &seg, e, report),
        }
    }
    if a != Address::default() && !e.addresses.contains(&a) {
        e.addresses.push(a);
    }
}

fn map_birth_date(file: &Path, path: &str, node: &Node, e: &mut Entity, report: &mut ParseReport) {
    let mut kind = "";
    let mut date = "";
    let mut year = "";
    let mut from = "";
    let mut to = "";
    let mut note = "";
    for (seg, c) in node.indexed_children() {
        let v = c.value();
        match c.name.as_str() {
            "TYPE_OF_DATE" => kind = v,
            "DATE" => date = v,
            "YEAR" => year = v,
            "FROM_YEAR" => from = v,
            "TO_YEAR" => to = v,
            "NOTE" => note = v,
            _ => warn_child(file, path, c, &seg, e, report),
        }
    }
    let written = if !date.is_empty() {
        date.to_string()
    } else if !year.is_empty() {
        year.to_string()
    } else if !from.is_empty() && !to.is_empty() {
        format!("{from} to {to}")
    } else {
        from.to_string()
    };
    if !written.is_empty() {
        match PartialDate::parse(&written) {
            Ok(mut d) => {
                if kind.eq_ignore_ascii_case("APPROXIMATELY") {
                    d.approximate = true;
                }
                e.push_date(DateKind::Birth, d);
            }
            Err(_) => {
                report.warn(
                    Warning::new(
                        file,
                        Location::Xml {
                            path: path.to_string(),
                            byte: node.byte,
                        },
                        format!("unparseable date of birth {written:?}, kept in remarks"),
                    )
                    .with_field("INDIVIDUAL_DATE_OF_BIRTH"),
                );
                e.push_remark(&format!("Date of birth: {written}"));
            }
        }
    }
    if !note.is_empty() {
        e.push_remark(&format!("Date of birth: {note}"));
    }
}

fn map_birth_place(file: &Path, path: &str, node: &Node, e: &mut Entity, report: &mut ParseReport) {
    let mut parts: Vec<&str> = Vec::new();
    let mut note = "";
    for (seg, c) in node.indexed_children() {
        let v = c.value();
        match c.name.as_str() {
            "STREET" | "CITY" | "STATE_PROVINCE" => {
                if !v.is_empty() {
                    parts.push(v);
                }
            }
            "COUNTRY" => {
                if !v.is_empty() {
                    parts.push(v);
                    e.push_country(kordon_model::CountryRole::BirthPlace, v);
                }
            }
            "NOTE" => note = v,
            _ => warn_child(file, path, c, &seg, e, report),
        }
    }
    // The list sometimes states the place only as a note ("possibly Sabratha").
    if parts.is_empty() && !note.is_empty() {
        parts.push(note);
    } else if !note.is_empty() {
        e.push_remark(&format!("Place of birth: {note}"));
    }
    if !parts.is_empty() {
        let place = parts.join(", ");
        if !e.places_of_birth.contains(&place) {
            e.places_of_birth.push(place);
        }
    }
}

fn map_document(file: &Path, path: &str, node: &Node, e: &mut Entity, report: &mut ParseReport) {
    let mut doc_type = "";
    let mut doc_type2 = "";
    let mut number = "";
    let mut issuing = "";
    let mut details: Vec<String> = Vec::new();
    for (seg, c) in node.indexed_children() {
        let v = c.value();
        match c.name.as_str() {
            "TYPE_OF_DOCUMENT" => doc_type = v,
            "TYPE_OF_DOCUMENT2" => doc_type2 = v,
            "NUMBER" => number = v,
            "ISSUING_COUNTRY" => issuing = v,
            "COUNTRY_OF_ISSUE" => {
                if !v.is_empty() {
                    if issuing.is_empty() {
                        issuing = v;
                    }
                    details.push(format!("country of issue {v}"));
                }
            }
            "DATE_OF_ISSUE" => {
                if !v.is_empty() {
                    details.push(format!("issued {v}"));
                }
            }
            "CITY_OF_ISSUE" => {
                if !v.is_empty() {
                    details.push(format!("issued in {v}"));
                }
            }
            "NOTE" => {
                if !v.is_empty() {
                    details.push(v.to_string());
                }
            }
            _ => warn_child(file, path, c, &seg, e, report),
        }
    }
    let label = match (doc_type.is_empty(), doc_type2.is_empty()) {
        (false, false) => Some(format!("{doc_type} ({doc_type2})")),
        (false, true) => Some(doc_type.to_string()),
        (true, false) => Some(doc_type2.to_string()),
        (true, true) => None,
    };
    if number.is_empty() {
        // A document described without a number still says something.
        let mut text: Vec<String> = label.into_iter().collect();
        if !issuing.is_empty() {
            text.push(issuing.to_string());
        }
        text.extend(details);
        if !text.is_empty() {
            e.push_remark(&format!("Document: {}", text.join(", ")));
        }
        return;
    }
    let kind = document_types()
        .first(doc_type)
        .or_else(|| document_types().first(doc_type2))
        .and_then(IdentifierKind::parse)
        .unwrap_or(IdentifierKind::Other);
    let mut remark: Vec<String> = Vec::new();
    let country = if issuing.is_empty() {
        None
    } else {
        let code = country_code(issuing).map(str::to_string);
        if code.is_none() {
            remark.push(format!("issuing country {issuing}"));
        }
        code
    };
    remark.extend(details);
    e.push_identifier(Identifier {
        kind,
        value: number.to_string(),
        label,
        country,
        remark: (!remark.is_empty()).then(|| remark.join("; ")),
    });
}

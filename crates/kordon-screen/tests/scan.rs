//! Free-text screening on the real OFAC SDN list (2024-05-03 legacy CSV set).

mod common;
use common::ofac;
use kordon_screen::scan::{imo_check_digit_valid, ScanReport, Scanner};
use std::sync::OnceLock;

fn scanner() -> &'static Scanner<'static> {
    static S: OnceLock<Scanner<'static>> = OnceLock::new();
    S.get_or_init(|| Scanner::build(ofac()).expect("build scanner"))
}

fn parties(r: &ScanReport) -> Vec<(&str, &str)> {
    r.parties
        .iter()
        .map(|m| (m.entity_id.as_str(), m.text.as_str()))
        .collect()
}

const KUPOL: &str = "us_ofac_sdn:46431";
const PUTIN: &str = "us_ofac_sdn:35096";

/// The mention of `entity` whose text starts at byte `at`, checking that the span
/// cuts exactly `expected` out of the original text, in bytes and in chars.
fn assert_mention(text: &str, r: &ScanReport, entity: &str, expected: &str, nth: usize) {
    let at = text
        .match_indices(expected)
        .nth(nth)
        .unwrap_or_else(|| panic!("{expected:?} not in text"))
        .0;
    let m = r
        .parties
        .iter()
        .find(|m| m.entity_id == entity && m.span.byte_start == at)
        .unwrap_or_else(|| panic!("no {entity} mention at byte {at}; got {:?}", parties(r)));
    assert_eq!(&text[m.span.byte_start..m.span.byte_end], expected);
    assert_eq!(m.text, expected);
    let by_chars: String = text
        .chars()
        .skip(m.span.char_start)
        .take(m.span.char_end - m.span.char_start)
        .collect();
    assert_eq!(by_chars, expected);
    assert!(m.score >= 0.7, "{m:?}");
    assert_eq!(m.source, "us_ofac_sdn");
}

#[test]
fn names_a_defence_maker_and_a_head_of_state_in_two_scripts() {
    let text = "Óne report: components reached IEMZ Kupol via Bishkek. «Владимир Путин» visited the plant; \
                later Vladimir Putin said the JSC IEMZ\nKUPOL drones performed well.";
    let r = scanner().scan(text);
    assert_mention(text, &r, KUPOL, "IEMZ Kupol", 0);
    assert_mention(text, &r, KUPOL, "JSC IEMZ\nKUPOL", 0);
    assert_mention(text, &r, PUTIN, "Владимир Путин", 0);
    assert_mention(text, &r, PUTIN, "Vladimir Putin", 0);
    let ids: std::collections::BTreeSet<&str> =
        r.parties.iter().map(|m| m.entity_id.as_str()).collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        vec![PUTIN, KUPOL],
        "{:?}",
        parties(&r)
    );
    assert_eq!(r.parties.len(), 4, "{:?}", parties(&r));
}

#[test]
fn ordinary_business_prose_flags_nothing() {
    let text = "Dear Ms. Hartmann,\n\nPlease find attached invoice no. 2024-0815 for the delivery of 1,200 units of \
        industrial fasteners, shipped FCA Hamburg on 14 March under our framework agreement. Payment is due within \
        thirty days net; a two percent discount applies to payment received within ten days. The total amount of \
        EUR 18,450.00 includes packaging and insurance to the named place. Partial shipments are allowed, and the \
        goods remain our property until paid in full. Our bank details are unchanged.\n\n\
        Notes from Tuesday's meeting: the logistics team reviewed the delivery schedule for the second quarter, \
        agreed to move the spring order from sea freight to rail to save a week, and will ask the carrier for a \
        revised rate of USD 1250.00 per container. Purchasing will confirm the new supplier for corrugated cartons \
        by Friday; quality control reported no defects in the last three lots. Next review on 2024.04.02 with \
        the finance director, the warehouse manager and a representative of Atlas Freight Services.";
    let r = scanner().scan(text);
    assert!(
        r.is_empty(),
        "false positives: {:?} {:?} {:?}",
        parties(&r),
        r.hs_codes,
        r.imo_numbers
    );
}

#[test]
fn common_words_and_short_aliases_do_not_fire_alone() {
    // Listed single-word names that are ordinary words (vessel GRACEFUL, others) and a bare surname.
    let text =
        "A graceful exit. The GRACEFUL closing of the account. Mr Putin's policy. Olympia Street.";
    let r = scanner().scan(text);
    assert!(r.parties.is_empty(), "{:?}", parties(&r));
}

#[test]
fn hs_codes_are_found_with_keywords_or_in_dotted_form() {
    let text = "Goods: microcontrollers, HS code 8542.31, GNSS modules (tariff 852691), and bearings 8482.10.10. \
                Price USD 1250.00, shipped 2024.03.15, ref 12345.67.";
    let r = scanner().scan(text);
    let codes: Vec<(&str, &str, Option<&str>)> = r
        .hs_codes
        .iter()
        .map(|h| {
            (
                h.text.as_str(),
                h.goods.code.hs6.as_str(),
                h.goods.highest_tier(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("HS code 8542.31", "854231", Some("1")),
            ("tariff 852691", "852691", Some("2")),
            ("8482.10.10", "848210", Some("3.B"))
        ]
    );
    for h in &r.hs_codes {
        assert_eq!(&text[h.span.byte_start..h.span.byte_end], h.text);
    }
}

#[test]
fn imo_numbers_need_a_valid_check_digit_and_link_to_listed_vessels() {
    assert!(imo_check_digit_valid("9137674"));
    assert!(!imo_check_digit_valid("9137675"));
    assert!(!imo_check_digit_valid("913767"));
    // 1011551 is the yacht GRACEFUL on the SDN list (ent_num 37444).
    let text =
        "Tanker IMO 9137674 met the yacht (IMO No. 1011551) off Sochi; a typo gave IMO 9137675.";
    let r = scanner().scan(text);
    let found: Vec<(&str, &str)> = r
        .imo_numbers
        .iter()
        .map(|m| (m.imo.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![("9137674", "IMO 9137674"), ("1011551", "IMO No. 1011551")]
    );
    assert!(r.imo_numbers[0].entity_ids.is_empty());
    assert_eq!(
        r.imo_numbers[1].entity_ids,
        vec!["us_ofac_sdn:37444".to_string()]
    );
}

#[test]
fn demo_article_names_kupol_putin_an_hs_code_and_an_imo_number() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/article.txt"
    ))
    .expect("article");
    let r = scanner().scan(&text);
    let ids: std::collections::BTreeSet<&str> =
        r.parties.iter().map(|m| m.entity_id.as_str()).collect();
    assert!(
        ids.contains(KUPOL) && ids.contains(PUTIN),
        "{:?}",
        parties(&r)
    );
    assert_mention(&text, &r, PUTIN, "Владимир Путин", 0);
    assert_mention(&text, &r, KUPOL, "IEMZ Kupol", 0);
    assert_eq!(
        r.hs_codes
            .iter()
            .map(|h| h.goods.code.hs6.as_str())
            .collect::<Vec<_>>(),
        vec!["854231"]
    );
    assert_eq!(
        r.imo_numbers
            .iter()
            .map(|m| m.imo.as_str())
            .collect::<Vec<_>>(),
        vec!["9137674"]
    );
}

#[test]
fn swift_free_text_fields_with_slashes_and_upper_case() {
    let text = ":50K:/40702810000000001234\nSHENZHEN HONGYUAN TRADING\n:59:/BNF/JSC IEMZ KUPOL//IZHEVSK RU\n:70:/INV/8542.31 MCU";
    let r = scanner().scan(text);
    assert_mention(text, &r, KUPOL, "JSC IEMZ KUPOL", 0);
    assert_eq!(r.parties.len(), 1, "{:?}", parties(&r));
    assert_eq!(r.hs_codes.len(), 1);
    // The report is plain data for the CLI's JSON output.
    let json = serde_json::to_value(&r).expect("serialise");
    assert_eq!(json["parties"][0]["entity_id"], KUPOL);
    assert_eq!(
        json["parties"][0]["span"]["byte_start"],
        text.find("JSC IEMZ KUPOL").unwrap()
    );
}

//! Shipment screening on the real OFAC SDN list: decisions, the rules behind
//! them, per-record errors and rule-file overrides.

mod common;
use common::ofac;
use kordon_screen::shipment::{
    read_csv, read_jsonl, Decision, NumberedRecord, PartyInput, RecordOutcome, RuleSet,
    ShipmentRecord, ShipmentResult, ShipmentScreener,
};

fn party(name: &str, country: &str) -> Option<PartyInput> {
    Some(PartyInput::Full {
        name: name.to_string(),
        country: Some(country.to_string()),
    })
}

fn chip_shipment(consignee: (&str, &str), destination: &str) -> ShipmentRecord {
    ShipmentRecord {
        id: Some("T".into()),
        shipper: party("Shenzhen Hongyuan Electronic Trading Co., Ltd.", "CN"),
        consignee: party(consignee.0, consignee.1),
        origin: Some("CN".into()),
        destination: Some(destination.into()),
        hs_codes: vec!["8542.31".into()],
        goods_description: Some("Microcontrollers, 2,000 pcs".into()),
        value: Some(48000.0),
        currency: Some("USD".into()),
        ..ShipmentRecord::default()
    }
}

fn screen(s: &ShipmentScreener<'_>, record: ShipmentRecord) -> ShipmentResult {
    match s.screen_record(&NumberedRecord { line: 1, record }) {
        RecordOutcome::Screened(r) => r,
        RecordOutcome::Error(e) => panic!("unexpected record error: {e}"),
    }
}

#[test]
fn chips_to_a_russian_consignee_are_blocked() {
    let s = ShipmentScreener::with_defaults(ofac());
    let r = screen(
        &s,
        chip_shipment(("OOO Radiotekhnika Snab", "Russia"), "RU"),
    );
    assert_eq!(r.decision, Decision::Block);
    let fired = r.fired();
    assert!(fired.contains(&"DEST-SANCTIONED"), "{fired:?}");
    assert!(fired.contains(&"PARTY-IN-SANCTIONED-COUNTRY"), "{fired:?}");
    assert!(fired.contains(&"GOODS-CHPL"), "{fired:?}");
    let goods = r
        .reasons
        .iter()
        .find(|x| x.rule_id == "GOODS-CHPL")
        .unwrap();
    assert!(
        goods.evidence[0].contains("8542.31") && goods.evidence[0].contains("tier 1"),
        "{:?}",
        goods.evidence
    );
    let dest = r
        .reasons
        .iter()
        .find(|x| x.rule_id == "DEST-SANCTIONED")
        .unwrap();
    assert_eq!(dest.evidence, vec!["destination RU".to_string()]);
}

#[test]
fn chips_to_a_diversion_hub_need_review() {
    let s = ShipmentScreener::with_defaults(ofac());
    for (consignee, country) in [
        ("Ala-Too Tech Trade LLC", "KG"),
        ("Ararat Components CJSC", "Armenia"),
    ] {
        let r = screen(&s, chip_shipment((consignee, country), country));
        assert_eq!(r.decision, Decision::Review, "{consignee}: {:?}", r.reasons);
        assert!(r.fired().contains(&"CHPL-TO-HUB"), "{:?}", r.fired());
        assert!(!r.fired().contains(&"DEST-SANCTIONED"));
    }
}

#[test]
fn bearings_to_a_german_end_user_are_clear() {
    let s = ShipmentScreener::with_defaults(ofac());
    let record = ShipmentRecord {
        shipper: party("Svenska Kullager Distribution AB", "SE"),
        consignee: party("Maschinenbau Kessler GmbH", "DE"),
        end_user: party("Maschinenbau Kessler GmbH", "Germany"),
        origin: Some("SE".into()),
        destination: Some("DE".into()),
        hs_codes: vec!["8482.10".into()],
        goods_description: Some("Deep groove ball bearings for conveyor drives".into()),
        ..ShipmentRecord::default()
    };
    let r = screen(&s, record);
    assert_eq!(r.decision, Decision::Clear, "{:?}", r.reasons);
    // Bearings are CHPL tier 3.B: recorded, but not a reason to stop a German sale.
    assert_eq!(r.fired(), vec!["GOODS-CHPL"]);
    assert_eq!(r.goods[0].highest_tier(), Some("3.B"));
}

#[test]
fn listed_party_blocks_with_an_explained_match() {
    let s = ShipmentScreener::with_defaults(ofac());
    let mut record = chip_shipment(("Ala-Too Tech Trade LLC", "KG"), "KG");
    record.end_user = party("JSC IEMZ KUPOL", "RU");
    let r = screen(&s, record);
    assert_eq!(r.decision, Decision::Block);
    let reason = r
        .reasons
        .iter()
        .find(|x| x.rule_id == "PARTY-LISTED")
        .expect("party rule fired");
    let m = reason
        .party_matches
        .iter()
        .find(|m| m.matched.entity_id == "us_ofac_sdn:46431")
        .expect("KUPOL matched");
    assert!(m.matched.is_match);
    assert!(
        reason
            .evidence
            .iter()
            .any(|e| e.contains("end_user") && e.contains("us_ofac_sdn:46431")),
        "{:?}",
        reason.evidence
    );
}

#[test]
fn red_flags_from_the_data() {
    let s = ShipmentScreener::with_defaults(ofac());
    // Forwarder as end user, consignee unlike the end user, description naming Moscow for a Kazakh destination.
    let mut record = chip_shipment(("Steppe Components TOO", "KZ"), "Almaty, Kazakhstan");
    record.end_user = party("Eurasia Freight Forwarding LLP", "KZ");
    record.goods_description = Some("Microcontrollers for onward delivery to Moscow".into());
    let r = screen(&s, record);
    assert_eq!(r.decision, Decision::Review);
    for id in [
        "CHPL-TO-HUB",
        "CONSIGNEE-NOT-END-USER",
        "FORWARDER-END-USER",
        "DESCRIPTION-CONTRADICTS-DEST",
    ] {
        assert!(r.fired().contains(&id), "{id} not in {:?}", r.fired());
    }
    let d = r
        .reasons
        .iter()
        .find(|x| x.rule_id == "DESCRIPTION-CONTRADICTS-DEST")
        .unwrap();
    assert!(
        d.evidence[0].contains("Moscow") && d.evidence[0].contains("RU"),
        "{:?}",
        d.evidence
    );

    // An occupied region by name, without a country code.
    let r = screen(
        &s,
        chip_shipment(("Tavria Trade", "Sevastopol, Crimea"), "Sevastopol, Crimea"),
    );
    assert_eq!(r.decision, Decision::Block);
    assert!(r.fired().contains(&"DEST-SANCTIONED"));

    // Transit through a hub with a CHPL item; transit through Russia.
    let mut record = chip_shipment(("Maschinenbau Kessler GmbH", "DE"), "DE");
    record.transit = vec!["AE".into()];
    assert_eq!(
        screen(&s, record.clone()).fired(),
        vec!["GOODS-CHPL", "CHPL-VIA-HUB"]
    );
    record.transit = vec!["Belarus".into()];
    let r = screen(&s, record);
    assert!(
        r.fired().contains(&"TRANSIT-SANCTIONED") && r.decision == Decision::Review,
        "{:?}",
        r.fired()
    );
}

#[test]
fn bad_records_get_line_numbered_errors_and_the_batch_goes_on() {
    let s = ShipmentScreener::with_defaults(ofac());
    let jsonl = r#"{"id":"ok","consignee":{"name":"Maschinenbau Kessler GmbH","country":"DE"},"destination":"DE","hs_codes":["8482.10"]}
{"id":"bad-hs","consignee":{"name":"A GmbH","country":"DE"},"destination":"DE","hs_codes":["85x2.31"]}

{"id":"no-dest","consignee":{"name":"A GmbH","country":"DE"},"hs_codes":["8482.10"]}
{"id":"empty-party","consignee":{"name":"  "},"shipper":{"name":""},"destination":"DE","hs_codes":["8482.10"]}
{"id":"no-consignee","destination":"Atlantis","hs_codes":[]}
{"id": "broken json"
{"id":"ok2","consignee":"Maschinenbau Kessler GmbH","destination":"Germany","hs_codes":["848210"]}
"#;
    let out: Vec<RecordOutcome> = s.screen_all(read_jsonl(jsonl.as_bytes())).collect();
    assert_eq!(out.len(), 7);
    let errors: Vec<(u64, String)> = out
        .iter()
        .filter_map(|o| match o {
            RecordOutcome::Error(e) => Some((e.line, e.errors.join("; "))),
            _ => None,
        })
        .collect();
    let lines: Vec<u64> = errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![2, 4, 5, 6, 7]);
    assert!(
        errors[0].1.contains("invalid HS code \"85x2.31\""),
        "{}",
        errors[0].1
    );
    assert!(
        errors[1]
            .1
            .contains("missing required field \"destination\""),
        "{}",
        errors[1].1
    );
    assert!(
        errors[2].1.contains("consignee: empty party name")
            && errors[2].1.contains("shipper: empty party name"),
        "{}",
        errors[2].1
    );
    assert!(
        errors[3].1.contains("missing required field \"consignee\"")
            && errors[3].1.contains("\"Atlantis\"")
            && errors[3].1.contains("hs_codes"),
        "{}",
        errors[3].1
    );
    assert!(errors[4].1.contains("invalid JSON"), "{}", errors[4].1);
    let screened: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            RecordOutcome::Screened(r) => r.id.as_deref(),
            _ => None,
        })
        .collect();
    assert_eq!(screened, vec!["ok", "ok2"]);
}

#[test]
fn csv_input_and_its_errors() {
    let s = ShipmentScreener::with_defaults(ofac());
    let good = "id,shipper,shipper_country,consignee,consignee_country,destination,transit,hs_codes,value,currency\n\
                a,Shenzhen Hongyuan,CN,OOO Vektor,RU,RU,KZ;KG,8542.31.0000|8526.91,1000,USD\n\
                b,Svenska Kullager AB,SE,Kessler GmbH,DE,DE,,8482.10,\"3,900.50\",EUR\n\
                c,X,CN,Y,KG,KG,,8542.31,lots,USD\n\
                d,X,CN\n";
    let out: Vec<RecordOutcome> = s.screen_all(read_csv(good.as_bytes())).collect();
    assert_eq!(out.len(), 4);
    match &out[0] {
        RecordOutcome::Screened(r) => {
            assert_eq!(r.decision, Decision::Block);
            assert_eq!(r.goods.len(), 2);
        }
        RecordOutcome::Error(e) => panic!("{e}"),
    }
    assert!(matches!(&out[1], RecordOutcome::Screened(r) if r.decision == Decision::Clear));
    assert!(
        matches!(&out[2], RecordOutcome::Error(e) if e.line == 4 && e.errors[0].contains("\"lots\" is not a number"))
    );
    assert!(
        matches!(&out[3], RecordOutcome::Error(e) if e.line == 5 && e.errors.iter().any(|x| x.contains("row has 3 fields")))
    );

    let missing = "id,consignee,hs_codes\nx,Kessler GmbH,8482.10\ny,Vektor,8542.31\n";
    let out: Vec<RecordOutcome> = s.screen_all(read_csv(missing.as_bytes())).collect();
    assert_eq!(out.len(), 2);
    for (o, line) in out.iter().zip([2, 3]) {
        match o {
            RecordOutcome::Error(e) => {
                assert_eq!(e.line, line);
                assert!(
                    e.errors
                        .iter()
                        .any(|x| x.contains("missing required column \"destination\"")),
                    "{e}"
                );
            }
            RecordOutcome::Screened(_) => panic!("screened a record without destination"),
        }
    }
}

#[test]
fn demo_file_gives_one_block_one_review_one_clear() {
    let s = ShipmentScreener::with_defaults(ofac());
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/shipments.jsonl"
    );
    let f = std::io::BufReader::new(std::fs::File::open(path).expect("examples/shipments.jsonl"));
    let decisions: Vec<(String, Decision, Vec<String>)> = s
        .screen_all(read_jsonl(f))
        .map(|o| match o {
            RecordOutcome::Screened(r) => (
                r.id.clone().unwrap_or_default(),
                r.decision,
                r.fired().iter().map(|x| x.to_string()).collect(),
            ),
            RecordOutcome::Error(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(decisions.len(), 3);
    assert_eq!(
        (decisions[0].0.as_str(), decisions[0].1),
        ("DEMO-BLOCK", Decision::Block)
    );
    assert!(
        decisions[0].2.contains(&"PARTY-LISTED".to_string()),
        "{:?}",
        decisions[0].2
    );
    assert_eq!(
        (decisions[1].0.as_str(), decisions[1].1),
        ("DEMO-REVIEW", Decision::Review)
    );
    assert_eq!(
        (decisions[2].0.as_str(), decisions[2].1),
        ("DEMO-CLEAR", Decision::Clear)
    );
}

#[test]
fn user_rule_file_replaces_the_default() {
    let toml = r#"
[places]
sanctioned_countries = ["IR"]

[[rule]]
id = "IRAN"
when = "destination_sanctioned"
decision = "BLOCK"
message = "Iran"
"#;
    let rules = RuleSet::from_toml(toml).unwrap();
    let s = ShipmentScreener::new(ofac(), Default::default(), rules);
    assert_eq!(
        screen(&s, chip_shipment(("Vektor", "RU"), "RU")).decision,
        Decision::Clear
    );
    let r = screen(&s, chip_shipment(("Pars", "Iran"), "Iran"));
    assert_eq!((r.decision, r.fired()), (Decision::Block, vec!["IRAN"]));

    let unknown = RuleSet::from_toml(
        "[[rule]]\nid = \"X\"\nwhen = \"moon_phase\"\ndecision = \"BLOCK\"\nmessage = \"m\"\n",
    )
    .unwrap_err();
    assert!(unknown.to_string().contains("moon_phase"), "{unknown}");
    let dup = RuleSet::from_toml("[[rule]]\nid = \"X\"\nwhen = \"goods_listed\"\ndecision = \"INFO\"\nmessage = \"m\"\n[[rule]]\nid = \"X\"\nwhen = \"goods_listed\"\ndecision = \"INFO\"\nmessage = \"m\"\n").unwrap_err();
    assert!(dup.to_string().contains("duplicate rule id"), "{dup}");
    let bad_country = RuleSet::from_toml("[places]\ndiversion_hubs = [\"Narnia\"]\n").unwrap_err();
    assert!(bad_country.to_string().contains("Narnia"), "{bad_country}");
    // The default file parses and carries every condition kind it documents.
    assert_eq!(RuleSet::default().rules.len(), 10);
}

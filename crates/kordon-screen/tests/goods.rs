//! HS code normalisation and CHPL lookups.

mod common;
use common::shared;
use kordon_screen::goods::{GoodsList, GoodsScreener, HsCode, HsNomenclature, CHPL_NAME};
use proptest::prelude::*;

#[test]
fn common_spellings_normalise_to_hs6() {
    for input in [
        "8542.31.0000",
        "854231",
        "8542 31",
        "8542.31",
        "85423100",
        "8542310000",
        "85.42.31",
        "HS 8542.31",
        "hts: 8542.31.00.00",
        " 8542-31 ",
    ] {
        let c = HsCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(c.hs6, "854231", "{input}");
        assert_eq!(c.dotted(), "8542.31");
    }
    assert_eq!(
        HsCode::parse("8542.31.0000").unwrap().national.as_deref(),
        Some("8542310000")
    );
    assert_eq!(HsCode::parse("854231").unwrap().national, None);
}

#[test]
fn garbage_is_rejected_with_the_input_named() {
    for (input, reason) in [
        ("", "empty"),
        ("8542", "4-digit heading"),
        ("85423", "5 digits"),
        ("8542.3A", "unexpected character 'A'"),
        ("8542..31", "misplaced separator"),
        ("8542.31.", "ends with a separator"),
        ("9999.99", "chapter 99"),
        ("0042.31", "chapter 00"),
        ("7701.10", "chapter 77"),
        ("85423100000", "11 digits"),
        ("microchips", "unexpected character"),
    ] {
        let err = HsCode::parse(input).expect_err(input);
        let msg = err.to_string();
        assert!(msg.contains(&format!("{input:?}")), "{msg}");
        assert!(msg.contains(reason), "{input}: {msg}");
    }
}

#[test]
fn shipped_chpl_matches_the_shared_compilation() {
    let builtin = GoodsList::chpl();
    assert_eq!(builtin.len(), 50);
    let counts = builtin.tier_counts();
    let expected: Vec<(&str, usize)> = vec![
        ("1", 4),
        ("2", 5),
        ("3.A", 16),
        ("3.B", 9),
        ("4.A", 11),
        ("4.B", 5),
    ];
    assert_eq!(
        counts
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
        expected
    );
    // The shipped file must carry exactly the codes, tiers and descriptions of the shared compilation.
    let shared_list =
        GoodsList::from_csv_path("shared", &shared("goods/chpl.csv")).expect("shared chpl.csv");
    assert_eq!(shared_list.len(), 50);
    for e in shared_list.entries() {
        let b = builtin
            .get(&e.hs6)
            .unwrap_or_else(|| panic!("{} missing", e.hs6));
        assert_eq!((&b.tier, &b.description), (&e.tier, &e.description));
    }
    for tier in counts.keys() {
        assert!(
            builtin.tier_guidance(tier).is_some(),
            "no guidance for tier {tier}"
        );
    }
}

#[test]
fn lookup_gives_tier_description_and_guidance() {
    let g = GoodsScreener::default();
    let hit = g.lookup("8542.31.0000").unwrap();
    assert_eq!(hit.code.hs6, "854231");
    assert_eq!(hit.highest_tier(), Some("1"));
    assert!(hit
        .description
        .as_deref()
        .unwrap()
        .starts_with("Electronic integrated circuits; processors and controllers"));
    let l = &hit.listings[0];
    assert_eq!(l.list, CHPL_NAME);
    assert!(l
        .guidance
        .as_deref()
        .unwrap()
        .contains("integrated circuits"));

    let gnss = g.lookup("8526 91").unwrap();
    assert_eq!(gnss.highest_tier(), Some("2"));
    let bearings = g.lookup("8482.10.10").unwrap();
    assert_eq!(bearings.highest_tier(), Some("3.B"));

    // Not on the CHPL, and no nomenclature given: known code, nothing listed, no description.
    let coffee = g.lookup("0901.21").unwrap();
    assert!(!coffee.is_listed());
    assert_eq!(coffee.description, None);
    assert!(g.lookup("8542").is_err());
}

#[test]
fn user_nomenclature_describes_codes_outside_the_lists() {
    let nom = HsNomenclature::from_csv_path(&shared("goods/harmonized-system-2022.csv"))
        .expect("HS 2022 file");
    // 6,940 rows: 6,939 numeric codes and the "TOTAL" root, which is not a code.
    assert_eq!(nom.len(), 6939);
    let g = GoodsScreener::default().with_nomenclature(nom);
    let coffee = g.lookup("0901.21.00").unwrap();
    assert_eq!(
        coffee.description.as_deref(),
        Some("Coffee; roasted, not decaffeinated")
    );
    assert!(!coffee.is_listed());
    // CHPL codes keep the shipped description.
    assert_eq!(
        g.lookup("854232").unwrap().description.as_deref(),
        Some("Electronic integrated circuits; memories")
    );
}

#[test]
fn national_annex_in_the_same_format_is_reported_under_its_name() {
    let annex = "# test annex\ntier,hs6,description,source\nA,8471.30,Portable computers,Test annex\nB,854231,Processors,Test annex\n";
    let list = GoodsList::from_csv_reader("Test annex", annex.as_bytes()).unwrap();
    let g = GoodsScreener::default().with_list(list);
    let laptop = g.lookup("847130").unwrap();
    assert_eq!(laptop.listings.len(), 1);
    assert_eq!(
        (
            laptop.listings[0].list.as_str(),
            laptop.listings[0].tier.as_str()
        ),
        ("Test annex", "A")
    );
    let cpu = g.lookup("85423100").unwrap();
    assert_eq!(
        cpu.listings
            .iter()
            .map(|l| l.list.as_str())
            .collect::<Vec<_>>(),
        vec![CHPL_NAME, "Test annex"]
    );

    let bad = "tier,hs6,description,source\n1,8542.3X,Bad,Test\n";
    let err = GoodsList::from_csv_reader("Bad annex", bad.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Bad annex") && err.contains("line 2") && err.contains("8542.3X"),
        "{err}"
    );
}

fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(".".to_string()),
        Just(" ".to_string()),
        Just("-".to_string())
    ]
}

proptest! {
    /// Any formatting of a valid code (separators between any digit groups, a
    /// national extension, a label, surrounding space) normalises to the same HS-6.
    #[test]
    fn any_formatting_normalises_to_the_same_hs6(
        chapter in 1u32..=97,
        rest in 0u32..10_000,
        ext in prop_oneof![Just(None), (0u32..100).prop_map(|x| Some(format!("{x:02}"))), (0u32..10_000).prop_map(|x| Some(format!("{x:04}")))],
        seps in proptest::collection::vec(separator(), 5),
        label in prop_oneof![Just(""), Just("HS "), Just("hts: "), Just("CN ")],
        pad in prop_oneof![Just(""), Just("  ")],
    ) {
        prop_assume!(chapter != 77);
        let hs6 = format!("{chapter:02}{rest:04}");
        let digits = format!("{hs6}{}", ext.clone().unwrap_or_default());
        // Put separator i after digit 2*(i+1), where there are digits left.
        let mut text = String::new();
        for (i, c) in digits.chars().enumerate() {
            text.push(c);
            let k = i + 1;
            if k % 2 == 0 && k < digits.len() && k / 2 - 1 < seps.len() {
                text.push_str(&seps[k / 2 - 1]);
            }
        }
        let input = format!("{pad}{label}{text}{pad}");
        let code = HsCode::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&code.hs6, &hs6);
        prop_assert_eq!(code.national.is_some(), ext.is_some());
        prop_assert_eq!(HsCode::parse(&code.dotted()).map(|c| c.hs6).ok(), Some(hs6));
    }
}

//! Behaviour of the name-pair API on cases that exercise each mechanism.

use kordon_model::Schema;
use kordon_score::{compare, DEFAULT_THRESHOLD};

fn score(a: &str, b: &str, s: Schema) -> f64 {
    compare(a, b, s).0
}

/// Two organisation names that must stay apart.
fn apart(a: &str, b: &str) {
    all_below_as(Schema::Organization, &[(a, b)]);
}

/// Every pair of names of `schema` scores under the threshold.
fn all_below_as(schema: Schema, pairs: &[(&str, &str)]) {
    for (a, b) in pairs {
        let s = score(a, b, schema);
        assert!(s < DEFAULT_THRESHOLD, "{a} / {b}: {s}");
    }
}

/// Every pair of organisation names scores at least `least`.
fn all_at_least(pairs: &[(&str, &str)], least: f64) {
    all_at_least_as(Schema::Organization, pairs, least);
}

/// Every pair of names of `schema` scores at least `least`.
fn all_at_least_as(schema: Schema, pairs: &[(&str, &str)], least: f64) {
    for (a, b) in pairs {
        let s = score(a, b, schema);
        assert!(s >= least, "{a} / {b}: {s}");
    }
}

#[test]
fn acronym_matches_the_words_it_abbreviates() {
    let s = score(
        "IEMZ Kupol JSC",
        "Aktsionernoe Obshchestvo Izhevski Elektromekhanicheski Zavod Kupol",
        Schema::Organization,
    );
    assert!(s >= DEFAULT_THRESHOLD, "{s}");
}

#[test]
fn translation_of_generic_words_matches() {
    let s = score(
        "Izhevsk Electromechanical Plant Kupol",
        "Izhevski Elektromekhanicheski Zavod Kupol",
        Schema::Organization,
    );
    assert!(s >= DEFAULT_THRESHOLD, "{s}");
}

#[test]
fn numbers_must_agree() {
    assert!(
        score(
            "Seraphine Navigation II S.A.",
            "Seraphine Navigation 2 S.A.",
            Schema::Organization
        ) >= DEFAULT_THRESHOLD
    );
    assert!(
        score(
            "Seraphine Navigation II S.A.",
            "Seraphine Navigation IX S.A.",
            Schema::Organization
        ) < DEFAULT_THRESHOLD
    );
}

#[test]
fn person_never_matches_vessel_and_reorder_is_free() {
    assert!(score("Vladimir Putin", "PUTIN, Vladimir", Schema::Person) > 0.95);
    let q = kordon_score::PreparedQuery::new("GRACEFUL", Some(Schema::Person), &[], None, &[]);
    let e = kordon_model::Entity {
        names: vec![kordon_model::Name::new(
            "GRACEFUL",
            kordon_model::NameKind::Primary,
        )],
        ..kordon_model::Entity::new("t", "1", Schema::Vessel)
    };
    let ex = kordon_score::score_entity(
        &q,
        &kordon_score::PreparedEntity::new(&e),
        &kordon_score::UniformWeights,
    );
    assert_eq!(ex.score, 0.0);
    assert!(ex.features.iter().any(|f| f.feature == "schema"));
}

#[test]
fn weak_alias_alone_stays_below_threshold() {
    let mut e = kordon_model::Entity::new("t", "1", Schema::Person);
    e.push_name(kordon_model::Name::new(
        "Sergei Ivanovich Petrov",
        kordon_model::NameKind::Primary,
    ));
    e.push_name(kordon_model::Name::new(
        "Hammer",
        kordon_model::NameKind::WeakAlias,
    ));
    let prepared = kordon_score::PreparedEntity::new(&e);
    let q = kordon_score::PreparedQuery::new("Hammer", None, &[], None, &[]);
    let ex = kordon_score::score_entity(&q, &prepared, &kordon_score::UniformWeights);
    assert!(
        ex.name_score >= 0.99 && ex.score < DEFAULT_THRESHOLD,
        "{ex:?}"
    );
    assert!(ex.features.iter().any(|f| f.feature == "weak_alias"));
}

#[test]
fn identifier_match_is_decisive() {
    let mut e = kordon_model::Entity::new("t", "1", Schema::Vessel);
    e.push_name(kordon_model::Name::new(
        "OCEAN STAR",
        kordon_model::NameKind::Primary,
    ));
    e.push_identifier(kordon_model::Identifier {
        kind: kordon_model::IdentifierKind::Imo,
        value: "IMO 9137674".into(),
        label: None,
        country: None,
        remark: None,
    });
    let q = kordon_score::PreparedQuery::new(
        "Something Else",
        None,
        &[],
        None,
        &["9137674".to_string(), "IMO9137674".into()],
    );
    let ex = kordon_score::score_entity(
        &q,
        &kordon_score::PreparedEntity::new(&e),
        &kordon_score::UniformWeights,
    );
    assert!(ex.score >= 0.95, "{ex:?}");
}

#[test]
fn cross_script_hebrew_and_cyrillic() {
    assert!(score("Владимир Путин", "Vladimir Putin", Schema::Person) >= DEFAULT_THRESHOLD);
    assert!(score("Владимир Путин", "Vladimir Potanin", Schema::Person) < DEFAULT_THRESHOLD);
}

#[test]
fn explanation_names_the_matched_tokens() {
    let (_, ex) = compare(
        "IEMZ Kupol JSC",
        "JSC Izhevsk Elektromekhanicheski Zavod Kupol",
        Schema::Organization,
    );
    let text = ex.lines().join("\n");
    assert!(text.contains("acronym"), "{text}");
    assert!(text.contains("kupol=kupol"), "{text}");
}

/// A name-level rule that holds a name below what its alignment scored says
/// so in the explanation, and the feature deltas still add up to the score.
#[test]
fn a_capped_name_is_explained() {
    let (score, ex) = compare(
        "Harrowgate Trust (Jersey) Limited",
        "Harrowgate Trust (Guernsey) Limited",
        Schema::Organization,
    );
    assert!(score < DEFAULT_THRESHOLD, "{score}");
    let rule = ex
        .features
        .iter()
        .find(|f| f.feature == "name_rule")
        .expect("a name_rule feature");
    assert!(
        rule.delta < 0.0 && rule.detail.contains("qualifiers"),
        "{rule:?}"
    );
    let sum: f64 = ex.features.iter().map(|f| f.delta).sum();
    assert!((sum - score).abs() < 1e-9, "{sum} vs {score}");
    assert!(ex.lines().iter().any(|l| l.contains("name_rule")));
}

/// Chinese firms write "Co., Ltd." for 有限公司, 股份有限公司 (limited by
/// shares) and 有限责任公司 (limited liability) alike, and lists give one for
/// another. The name is from the EU list (Regulation 269/2014, entry 692).
#[test]
fn chinese_legal_forms_limited_by_shares_or_not_are_one_form() {
    let listed = "扬州扬杰电子科技股份有限公司";
    for query in [
        "扬州扬杰电子科技有限公司",
        "扬州扬杰电子科技有限责任公司",
        "Yangzhou Yangjie Electronic Technology Co., Ltd.",
        "Yangzhou Yangjie Electronic Technology",
    ] {
        let s = score(query, listed, Schema::Organization);
        assert!(s >= 0.9, "{query}: {s}");
    }
    let (_, ex) = compare(
        "Yangzhou Yangjie Electronic Technology Co., Ltd.",
        listed,
        Schema::Organization,
    );
    assert!(
        ex.name.unmatched_candidate.is_empty(),
        "gufen is part of the legal form: {:?}",
        ex.lines()
    );
    // The legal form alone does not make two firms one.
    apart(listed, "浙江大华技术股份有限公司");
}

/// Chinese names are compared on their own characters too: a name in
/// traditional characters is the same name in simplified ones, and two firms
/// whose trade names differ in one character are two firms, however alike
/// their pinyin runs ("shenzhenhuaqiang", "shenzhenhuawei").
#[test]
fn chinese_names_compare_character_by_character() {
    // On the EU list in simplified characters; Hong Kong and Taiwan write
    // the traditional ones.
    all_at_least(
        &[
            (
                "通用技術集團大連機床有限責任公司",
                "通用技术集团大连机床有限责任公司",
            ),
            ("華為技術有限公司", "华为技术有限公司"),
        ],
        0.95,
    );
    all_at_least_as(Schema::Person, &[("習近平", "习近平")], 0.95);
    // One character apart.
    apart("深圳华强电子有限公司", "深圳华为电子有限公司");
    apart("扬州扬杰电子科技有限公司", "扬州扬光电子科技有限公司");
    apart("華為技術有限公司", "华强技术有限公司");
    all_below_as(Schema::Person, &[("王伟", "王玮")]);
    // Characters added in order ("city") keep the name.
    all_at_least(&[("深圳市华强电子有限公司", "深圳华强电子有限公司")], 0.85);
}

/// "Le", "Do", "Im" and "An" are particles in some names and surnames in
/// Vietnamese and Korean ones: where a surname stands, first or last in a
/// person's name, they count; inside it ("da Silva") they are still dropped.
#[test]
fn surnames_that_are_also_particles_count_at_either_end_of_a_persons_name() {
    all_below_as(
        Schema::Person,
        &[
            ("Le Thanh Hai", "Do Thanh Hai"),
            ("Thanh Hai Le", "Thanh Hai Do"),
            ("Im Chol Ho", "Kim Chol Ho"),
            ("Son Jong Hyok", "An Jong Hyok"),
        ],
    );
    all_at_least_as(
        Schema::Person,
        &[
            ("LE, Thanh Hai", "Le Thanh Hai"),
            ("Luiz Inacio Lula da Silva", "Luiz Inacio Lula Silva"),
            ("Maria do Carmo Silva", "Maria Carmo Silva"),
            ("Juan de la Cruz", "Juan Cruz"),
        ],
        0.95,
    );
}

/// Russian plants and institutes named after a person: lists keep or drop
/// "named after" / "imeni" / "имени" at will. Russian state forms written
/// out in full meet their abbreviations. Names as the EU and OFAC lists
/// write them.
#[test]
fn named_after_and_russian_state_forms_written_out() {
    all_at_least(
        &[
        ("Plant named after V.A. Degtyarev", "Zavod imeni V.A. Degtyareva"),
        ("Degtyarev Plant", "Завод имени В.А. Дегтярева"),
        (
            "Федеральное Государственное Бюджетное Учреждение «27 Центральный Научно-Исследовательский Институт»",
            "FGBU 27 Central Scientific Research Institute",
        ),
        (
            "Federal State Budgetary Institution 27 Central Scientific Research Institute",
            "FGBU 27 Central Scientific Research Institute",
        ),
        (
            "Федеральное Казенное Предприятие «Пермский Пороховой Завод»",
            "FKP Permskiy Porokhovoy Zavod",
        ),
        ],
        0.85,
    );
    // The connector is not the name.
    apart(
        "Plant named after V.A. Degtyarev",
        "Plant named after A.M. Gorky",
    );
    // The state's gunpowder plants, translated or transliterated.
    all_at_least(
        &[
            (
                "Perm Powder Plant",
                "Федеральное Казенное Предприятие «Пермский Пороховой Завод»",
            ),
            (
                "Federal State Enterprise Kazan State Gunpowder Plant",
                "FKP 'Kazan State Government Powder Plant'",
            ),
        ],
        0.8,
    );
    apart("Kazan Gunpowder Plant", "Tambov Gunpowder Plant");
}

/// The namesake stands in the genitive after "imeni" ("Gorkogo" for
/// "Gorky"), and often carries the honorific "Academician" ("Akademika").
/// Names from the OFAC and EU lists.
#[test]
fn namesakes_in_the_genitive_and_their_honorific() {
    all_at_least(
        &[
            (
                "AO Zelenodolskiy Zavod Imeni A.M. Gorkogo",
                "Zelenodolsk Plant named after A.M. Gorky",
            ),
            (
                "Uralvagonzavod imeni F.E. Dzerzhinskogo",
                "Uralvagonzavod named after F.E. Dzerzhinsky",
            ),
            (
                "Public Joint Stock Company Scientific and Production Association Almaz named after Academician A.A. Raspletin",
                "Otkrytoe Aktsionernoe Obshchestvo Nauchno Proizvodstvennoe Obedinenie Almaz imeni Akademika A.A. Raspletina",
            ),
        ],
        0.85,
    );
    // The same stem, another ending: another name.
    apart(
        "Plant named after A.M. Gorky",
        "Plant named after A.M. Gorbachev",
    );
}

/// Lists romanise the Russian legal forms written out in several ways (щ as
/// shch, sch or sh; й as y, i or j); every way is the form, and the form is
/// its abbreviation. Spellings from the OFAC list.
#[test]
fn russian_legal_forms_in_every_romanisation() {
    all_at_least(
        &[
            (
                "Obshchestvo s Ogranichennoi Otvetstvennostyu Tekhnopark",
                "OOO Tekhnopark",
            ),
            (
                "Obschestvo s Ogranichennoy Otvetstvennostyu Tekhnopark",
                "Tekhnopark LLC",
            ),
            ("Publichnoe Aktsionernoe Obshchestvo Zvezda", "PAO Zvezda"),
            (
                "Aktsionernoe Obschestvo Tekhnodinamika",
                "AO Tekhnodinamika",
            ),
            ("Otkrytoe Aktsionernoe Obschestvo Tupolev", "Tupolev JSC"),
        ],
        0.95,
    );
    // A recognised form leaves the names to tell two firms apart.
    apart(
        "Obshchestvo s Ogranichennoi Otvetstvennostyu Proekt",
        "Obshchestvo s Ogranichennoi Otvetstvennostyu Yuzhny Proekt",
    );
}

/// Persian and Arabic "company" (شرکت, شركة) is the legal form "Company":
/// the UAV maker Paravar Pars as the EU list writes it in Persian and in
/// English.
#[test]
fn persian_and_arabic_company_is_the_legal_form() {
    all_at_least(
        &[
            ("شرکت پراور پارس", "Paravar Pars Company"),
            ("شرکت پراور پارس", "Paravar Pars"),
            ("شركة ايران خودرو", "Iran Khodro Company"),
        ],
        0.8,
    );
}

/// Russian firm names join a head to a business word ("Stroy" + "tekhnologiya",
/// "Avia" + "trade"): two such words with different heads name two firms,
/// however much of their spelling the business word makes up. Names from the
/// OFAC, EU and UK lists.
#[test]
fn compounds_of_one_business_word_with_different_heads_are_two_names() {
    apart(
        "Limited Liability Company Stroytekhnologiya",
        "LLC Promtekhnologiya",
    );
    apart("Stroitekhnologiya", "Promtekhnologia");
    apart("Aviatrade LLC", "Ofitrade");
    // The same head in another spelling is the same name.
    all_at_least(
        &[
            ("OOO Promtekhnologiya", "OOO Promtehnologiya"),
            ("Elektrotekhnologiya", "Electrotekhnologiya"),
        ],
        0.85,
    );
}

/// Chinese personal names met in Han characters from a list that spells
/// them in Wade-Giles (Taiwan, older lists) or in Cantonese (Hong Kong):
/// pinyin differs from both. Two different syllables stay apart, however
/// alike they are spelt: before, "xiang" met "shusheng" on consonant
/// skeletons, and "cheng" met "chen" at 0.88.
#[test]
fn han_names_meet_their_wade_giles_and_cantonese_spellings() {
    all_at_least_as(
        Schema::Person,
        &[
            ("毛泽东", "Mao Tse-tung"),
            ("周恩来", "Chou En-lai"),
            ("邓小平", "Teng Hsiao-ping"),
            ("张学良", "Chang Hsueh-liang"),
            ("孔祥熙", "Kung Hsiang-hsi"),
            ("李登辉", "Lee Teng-hui"),
            ("蔡英文", "Tsai Ing-wen"),
            ("李小龙", "Lee Siu Lung"),
            ("陈港生", "Chan Kong-sang"),
            ("梁朝伟", "Leung Chiu-wai"),
            ("黄飞鸿", "Wong Fei-hung"),
            ("许家印", "Hui Ka Yan"),
            // A foreign name transcribed in Han keeps its spelling readings.
            ("贝拉克·奥巴马", "Barack Obama"),
        ],
        DEFAULT_THRESHOLD,
    );
    all_below_as(
        Schema::Person,
        &[
            ("陈想", "CHEN Shusheng"),
            ("明黄", "MING CHUNG"),
            ("秀英 苏", "Sung Su Kim"),
            ("成朱", "CHEN Zhu"),
            ("英 樊", "FAN Yang"),
            ("陈志", "CHANG Chi Fu"),
        ],
    );
}

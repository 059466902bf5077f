//! Transliteration to Latin: known renderings per script, and how many
//! cross-script true pairs of the shared benchmark files become reachable by
//! token equality.

use std::collections::HashSet;

use kordon_text::translit::{detect_script, latin_variants, name_spelling_variants, Script};
use proptest::prelude::*;

fn has(input: &str, expected: &str) -> bool {
    latin_variants(input).iter().any(|v| v == expected)
}

#[track_caller]
fn assert_has(input: &str, expected: &str) {
    let variants = latin_variants(input);
    assert!(
        variants.iter().any(|v| v == expected),
        "{input:?}: {expected:?} not in {variants:?}"
    );
}

#[test]
fn russian_names_in_list_passport_and_press_spellings() {
    // OFAC and UK lists spell Russian names BGN/PCGN: it comes first.
    assert_eq!(latin_variants("Евгений Пригожин")[0], "yevgeniy prigozhin");
    assert_has("Владимир Путин", "vladimir putin");
    for expected in ["yevgeniy", "evgeniy", "yevgeny", "evgenii"] {
        assert_has("Евгений", expected);
    }
    assert_has("Дмитрий", "dmitry");
    assert_has("Дмитрий", "dmitriy");
    assert_has("Юрий", "yuri");
    assert_has("Юрий", "yuriy");
    assert_has("Александр", "aleksandr");
    assert_has("Александр", "alexander");
    assert_has("Жуков", "zhukov");
    assert_has("Достоевский", "dostoyevskiy");
    assert_has("Достоевский", "dostoyevsky");
    assert_has("Достоевский", "dostoyevski");
    // ye after a vowel in BGN, plain e in passports.
    assert_has("Гончаренко Андреев", "goncharenko andreyev");
    assert_has("Андреев", "andreev");
    assert_has("ИЭМЗ Купол", "iemz kupol");
    assert_has("Ротенберг Аркадий", "rotenberg arkadii");
}

#[test]
fn ukrainian_and_ambiguous_east_slavic_names() {
    assert_has("Янукович", "yanukovych");
    assert_has("Янукович", "yanukovich");
    assert_eq!(latin_variants("Віктор Янукович")[0], "viktor yanukovych");
    assert_has("Володимир Зеленський", "volodymyr zelenskyy");
    assert_has("Харків", "kharkiv");
    assert_has("Олександр", "oleksandr");
}

#[test]
fn other_cyrillic_languages_are_told_apart_by_their_letters() {
    assert_has("Жаўнерчык", "zhawnerchyk");
    assert_has("Аляксандр Лукашэнка", "alyaksandr lukashenka");
    assert_eq!(
        latin_variants("Слободан Милошевић")[0],
        "slobodan milosevic"
    );
    assert_has("Ђоковић", "djokovic");
    assert_has("България", "bulgaria");
    assert_eq!(
        latin_variants("Бойко Борисов Българ")[0],
        "boyko borisov balgar"
    );
}

#[test]
fn greek_armenian_georgian() {
    assert_eq!(
        latin_variants("Κυριάκος Μητσοτάκης")[0],
        "kyriakos mitsotakis"
    );
    assert_has("Χρήστος", "christos");
    assert_has("Χρήστος", "hristos");
    assert_has("Σερζ Σαργκσιάν", "serz sargksian");
    assert_eq!(latin_variants("Սերժ Սարգսյան")[0], "serzh sargsyan");
    assert_has("Սարգսյան", "sargsian");
    assert_eq!(
        latin_variants("მიხეილ სააკაშვილი")[0],
        "mikheil saakashvili"
    );
    assert_has("ჯუღაშვილი", "djugashvili");
}

#[test]
fn han_gives_pinyin_joined_and_by_syllable() {
    assert_has("北京", "beijing");
    assert_has("北京", "bei jing");
    // Traditional characters and the personal-name layout.
    assert_has("習近平", "xi jinping");
    assert_has("习近平", "xi jinping");
}

#[test]
fn hangul_names_in_revised_popular_and_north_korean_forms() {
    let variants = latin_variants("김정은");
    for expected in [
        "kim jong un",
        "kim jeong eun",
        "kim jeongeun",
        "gimjeongeun",
    ] {
        assert!(
            variants.iter().any(|v| v == expected),
            "{expected} not in {variants:?}"
        );
    }
    assert_eq!(latin_variants("이재명")[0], "lee jaemyeong");
    assert_has("이재명", "rhee jae myeong");
    assert_has("박근혜", "park geun hye");
    // Four plain syllables are a company word, not a person.
    assert_eq!(latin_variants("주식회사")[0], "jusikhoesa");
}

#[test]
fn kana_hepburn() {
    assert_has("シモツキ", "shimotsuki");
    assert_has("しもつき", "simotuki");
    assert_has("ホッカイドウ", "hokkaidou");
}

#[test]
fn arabic_and_persian_names_come_from_the_name_table() {
    let variants = latin_variants("محمد علي");
    assert_eq!(variants[0], "muhammad ali");
    assert!(variants.iter().any(|v| v == "mohammed ali"));
    assert_has("بشار الأسد", "bashar al-assad");
    assert_has("عبد الله", "abdullah");
    assert_has("حسن نصرالله", "hassan nasrallah");
    assert_has("حسین موسوی", "hossein mousavi");
    // The zero-width non-joiner inside a Persian word does not split it.
    assert_has("علی خامنه‌ای", "ali khamenei");
    assert_has("محمد بن سلمان آل سعود", "mohammed bin salman al-saud");
    // Names outside the table still get a vowelled letter-level rendering.
    assert_has("فرناندو", "farnandu");
}

#[test]
fn hebrew_with_inserted_vowels() {
    assert_has("שחר הגליל", "shachar hagalil");
    assert_has("רוח קדים", "rukh qadim");
    assert_has("בע״מ", "bam");
    assert_has("ג׳מיל", "jamil");
    assert!(latin_variants("ג׳ורג׳")
        .iter()
        .all(|v| v.starts_with('j') && v.ends_with('j')));
}

#[test]
fn latin_is_folded_and_german_umlauts_get_a_second_form() {
    assert_eq!(latin_variants("Diakité"), vec!["diakite"]);
    assert_eq!(latin_variants("Müller"), vec!["muller", "mueller"]);
    assert_eq!(
        latin_variants("Øresund Shipping A/S")[0],
        "oresund shipping a/s"
    );
    assert_eq!(latin_variants("Sberбанк"), vec!["sberbank"]);
}

#[test]
fn spelling_variants_of_latin_name_tokens() {
    let mohammed = name_spelling_variants("Mohammed");
    assert_eq!(mohammed.first().map(String::as_str), Some("muhammad"));
    assert!(mohammed.iter().any(|v| v == "mohamed"));
    assert!(!mohammed.iter().any(|v| v == "mohammed"));
    assert!(name_spelling_variants("osama").iter().any(|v| v == "usama"));
    assert!(name_spelling_variants("husayn")
        .iter()
        .any(|v| v == "hussein"));
    assert!(name_spelling_variants("abdul").iter().any(|v| v == "abdel"));
    assert!(name_spelling_variants("bin").iter().any(|v| v == "ibn"));
    assert!(name_spelling_variants("alexander")
        .iter()
        .any(|v| v == "aleksandr"));
    assert!(name_spelling_variants("lee").iter().any(|v| v == "rhee"));
    assert!(name_spelling_variants("smith").is_empty());
}

#[test]
fn dominant_script_is_detected() {
    assert_eq!(detect_script("Владимир Путин"), Script::Cyrillic);
    assert_eq!(detect_script("ООО Ромашка LLC"), Script::Cyrillic);
    assert_eq!(detect_script("Diakité"), Script::Latin);
    assert_eq!(detect_script("محمد"), Script::Arabic);
    assert_eq!(detect_script("בע״מ"), Script::Hebrew);
    assert_eq!(detect_script("北京"), Script::Han);
    assert_eq!(detect_script("株式会社霜月水産"), Script::Han);
    assert_eq!(detect_script("星ノ浦物産株式会社"), Script::Kana);
    assert_eq!(detect_script("김정은"), Script::Hangul);
    assert_eq!(detect_script("Κυριάκος"), Script::Greek);
    assert_eq!(detect_script("ရတနာ"), Script::Myanmar);
    assert_eq!(detect_script("12 / 3"), Script::Other);
}

/// Lower-cased alphanumeric tokens, as a matcher would compare them.
fn tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(folded_token)
        .collect()
}

fn folded_token(t: &str) -> String {
    latin_variants(t).into_iter().next().unwrap_or_default()
}

#[derive(Default, Debug, PartialEq)]
struct Reach {
    /// Per native script: (pairs, tokens, tokens reached).
    by_script: std::collections::BTreeMap<Script, (usize, usize, usize)>,
    pairs: usize,
    pairs_fully_reached: usize,
    pairs_partly_reached: usize,
    tokens: usize,
    tokens_reached: usize,
}

/// For every true pair with a Latin side and a non-Latin side, how many
/// Latin-side tokens equal a token of some variant of the other side.
fn reach(file: &str) -> Reach {
    let path = format!(
        "{}/../../../shared/data/pairs/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut reach = Reach::default();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{path}: {e}"));
        let (Some(a), Some(b), Some("true")) = (record.get(2), record.get(3), record.get(4)) else {
            continue;
        };
        let (latin, native) = match (detect_script(a), detect_script(b)) {
            (Script::Latin, Script::Latin) => continue,
            (Script::Latin, _) => (a, b),
            (_, Script::Latin) => (b, a),
            _ => continue,
        };
        let offered: HashSet<String> = latin_variants(native)
            .iter()
            .flat_map(|v| tokens(v))
            .collect();
        let wanted = tokens(latin);
        let found = wanted.iter().filter(|t| offered.contains(*t)).count();
        let per_script = reach.by_script.entry(detect_script(native)).or_default();
        per_script.0 += 1;
        per_script.1 += wanted.len();
        per_script.2 += found;
        reach.pairs += 1;
        reach.tokens += wanted.len();
        reach.tokens_reached += found;
        reach.pairs_fully_reached += usize::from(found == wanted.len());
        reach.pairs_partly_reached += usize::from(found > 0);
        if std::env::var_os("TRANSLIT_SHOW_MISSES").is_some() {
            let missed: Vec<&String> = wanted.iter().filter(|t| !offered.contains(*t)).collect();
            println!(
                "  {native} | {latin} | missed {missed:?} | offered {:?}",
                latin_variants(native)
            );
        }
    }
    println!("{file}: {reach:?}");
    reach
}

#[test]
fn cross_script_true_pairs_reachable_by_token_equality() {
    // Counts of cross-script true pairs are facts of the files; reached
    // counts are floors measured when this was written (not tuned per
    // pair), so a regression fails and an improvement does not.
    let cascade2 = reach("cascade-name-pairs-2.shared.csv");
    assert_eq!(cascade2.pairs, 51);
    assert_eq!(
        cascade2.by_script.get(&Script::Hebrew).map(|s| s.0),
        Some(27)
    );
    assert_eq!(
        cascade2.by_script.get(&Script::Myanmar).map(|s| s.0),
        Some(24)
    );
    assert!(cascade2.pairs_fully_reached >= 5, "{cascade2:?}");
    assert!(cascade2.pairs_partly_reached >= 41, "{cascade2:?}");
    assert!(cascade2.tokens_reached >= 75, "{cascade2:?}");
    assert!(
        cascade2
            .by_script
            .get(&Script::Hebrew)
            .is_some_and(|s| s.2 >= 30),
        "{cascade2:?}"
    );
    assert!(
        cascade2
            .by_script
            .get(&Script::Myanmar)
            .is_some_and(|s| s.2 >= 45),
        "{cascade2:?}"
    );
    let cascade = reach("cascade-name-pairs.shared.csv");
    assert_eq!(cascade.pairs, 11);
    assert!(cascade.pairs_partly_reached >= 6, "{cascade:?}");
    assert!(cascade.tokens_reached >= 9, "{cascade:?}");
    let bench = reach("nomenklatura/name_bench_cases.csv");
    assert_eq!(bench.pairs, 6);
    assert!(bench.pairs_fully_reached >= 1, "{bench:?}");
    assert!(bench.pairs_partly_reached >= 4, "{bench:?}");
    assert!(bench.tokens_reached >= 7, "{bench:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn variants_are_never_empty_and_always_lowercase_ascii(s in "\\PC{1,40}") {
        let variants = latin_variants(&s);
        prop_assert!(!variants.is_empty());
        for v in &variants {
            prop_assert!(v.is_ascii(), "{:?} -> {:?}", s, v);
            prop_assert_eq!(v.to_ascii_lowercase(), v.clone());
        }
        let unique: HashSet<&String> = variants.iter().collect();
        prop_assert_eq!(unique.len(), variants.len());
    }

    #[test]
    fn mixed_scripts_never_panic(s in "[a-zA-Zа-яёА-ЯЁіїєґўђћ αβγ א-ת ا-ي 가-힣 一-龥 ア-ン'״-]{0,30}") {
        let variants = latin_variants(&s);
        prop_assert!(!variants.is_empty());
        prop_assert!(variants.iter().all(|v| v.is_ascii() && *v == v.to_ascii_lowercase()));
    }
}

#[test]
fn burmese_syllable_by_syllable() {
    assert_eq!(latin_variants("ကျော်မြတ်နိုင်")[0], "kyaw myat naing");
    assert_eq!(latin_variants("အောင်လင်းထက်")[0], "aung lin htet");
    assert_has("တောင်ကြီး", "taung gyi");
    assert_has("ဖြိုးပြည့်စုံ", "phyo pyae sone");
    assert_has("သီရိ", "thi ri");
    assert_has("ငွေဟင်္သာ ၁၂", "ngwehintha 12");
    assert_has("မေတ္တာ", "myit ta");
    assert_has("သေတ္တာ", "thit ta");
}

#[test]
fn scripts_without_tables_fall_back_to_any_ascii() {
    assert!(!latin_variants("สมชาย")[0].is_empty());
    assert!(!latin_variants("ប៉ុល ពត")[0].is_empty());
    assert!(has("Ελλάδα", "ellada"));
}

#[test]
fn hebrew_article_before_yod_reads_ha_y() {
    assert_has("הים", "hayam");
    assert!(!latin_variants("הים").contains(&"haim".to_string()));
}

#[test]
fn hebrew_conjunction_before_a_labial_reads_u() {
    assert_has("ומיזוג", "umizug");
    assert!(latin_variants("ובנייה").iter().all(|v| v.starts_with("uv")));
}

#[test]
fn khmer_reads_with_its_table() {
    assert_eq!(detect_script("ហ៊ុន សែន"), Script::Khmer);
    assert_eq!(latin_variants("ប៉ុល ពត")[0], "pol pot");
    assert_eq!(latin_variants("ហ៊ុន សែន")[0], "hun sen");
}

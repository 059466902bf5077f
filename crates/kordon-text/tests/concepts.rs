//! The generic business vocabulary of `data/concepts.txt`: words of one
//! concept in different scripts and romanisations share its canonical form.

use kordon_text::lexicon::lexicon;

fn canonical(word: &str) -> Option<String> {
    let normalised = kordon_text::normalize::normalize_basic(word);
    lexicon().concept(&normalised).map(|c| c.canonical.clone())
}

#[test]
fn hebrew_business_words_and_their_romanisations_share_a_concept() {
    for (hebrew, latin, english) in [
        ("ביטוח", "bituach", "insurance"),
        ("ייעוץ", "yeutz", "consulting"),
        ("השקעות", "hashkaot", "investments"),
        ("קבלנות", "kablanut", "contracting"),
        ("ימית", "yamit", "marine"),
        ("אחזקות", "achzakot", "holdings"),
        ("הפצה", "hafatza", "distribution"),
    ] {
        let concept = canonical(english);
        assert!(concept.is_some(), "{english}");
        assert_eq!(canonical(hebrew), concept, "{hebrew}");
        assert_eq!(canonical(latin), concept, "{latin}");
    }
}

#[test]
fn burmese_business_words_share_a_concept_with_english() {
    for (burmese, english) in [
        ("ဆီစက်", "mill"),
        ("စက်ရုံ", "factory"),
        ("အာမခံ", "insurance"),
        ("ကျောက်မျက်", "gems"),
    ] {
        assert!(canonical(english).is_some(), "{english}");
        assert_eq!(canonical(burmese), canonical(english), "{burmese}");
    }
}

#[test]
fn every_word_belongs_to_one_concept_only() {
    // A word listed under two concepts silently belongs to the first one.
    let text = include_str!("../data/concepts.txt");
    let mut owner = std::collections::HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (head, words) = line.split_once(':').expect("concept line has a colon");
        let canonical = head.split('/').next().unwrap_or(head).trim();
        for word in words.split_whitespace() {
            let key = kordon_text::normalize::normalize_basic(word);
            if let Some(first) = owner.insert(key.clone(), canonical) {
                // "works" names the works concept and is also a plant word.
                assert!(
                    first == canonical || key == "works",
                    "{word} is under {first} and {canonical}"
                );
            }
        }
    }
}

#[test]
fn a_common_word_inside_a_compound_is_no_concept() {
    // "בית מרקחת" (pharmacy) is written as one compound so that "בית"
    // (house, as in Beit Shemesh) stays a name word.
    assert_eq!(canonical("בית"), None);
}

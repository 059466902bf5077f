//! Property tests: normalisation is idempotent, and case, whitespace,
//! invisible-character and homoglyph noise all normalise away.

use kordon_model::Schema;
use kordon_text::{analyze_name, normalize_text};
use proptest::prelude::*;

/// Latin look-alikes the homoglyph table folds back (Latin, Cyrillic).
const LOOKALIKES: [(char, char); 8] = [
    ('a', 'а'),
    ('e', 'е'),
    ('o', 'о'),
    ('p', 'р'),
    ('c', 'с'),
    ('x', 'х'),
    ('y', 'у'),
    ('k', 'к'),
];

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z]{2,9}", 1..5).prop_map(|w| w.join(" "))
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,40}") {
        let once = normalize_text(&s);
        prop_assert_eq!(normalize_text(&once), once.clone());
    }

    #[test]
    fn case_and_whitespace_do_not_matter(n in name(), upper in any::<bool>(), pad in " {0,3}") {
        let noisy: String = n
            .split(' ')
            .map(|w| if upper { w.to_uppercase() } else { w.to_string() })
            .collect::<Vec<_>>()
            .join(&format!(" {pad}"));
        let noisy = format!("{pad}{noisy}\t{pad}");
        prop_assert_eq!(normalize_text(&noisy), normalize_text(&n));
    }

    #[test]
    fn invisible_characters_do_not_matter(n in name(), at in 0usize..40, which in 0usize..5) {
        let invisible = ['\u{200B}', '\u{200D}', '\u{00AD}', '\u{FEFF}', '\u{200E}'][which];
        let mut chars: Vec<char> = n.chars().collect();
        let pos = at % (chars.len() + 1);
        chars.insert(pos, invisible);
        let noisy: String = chars.into_iter().collect();
        prop_assert_eq!(normalize_text(&noisy), normalize_text(&n));
    }

    #[test]
    fn homoglyphs_inside_latin_words_fold(n in name(), at in 0usize..40) {
        // Replace one foldable letter of a word that keeps a Latin majority.
        let chars: Vec<char> = n.chars().collect();
        let candidates: Vec<usize> = chars.iter().enumerate()
            .filter(|(_, c)| LOOKALIKES.iter().any(|(l, _)| l == *c))
            .map(|(i, _)| i)
            .collect();
        prop_assume!(!candidates.is_empty());
        let i = candidates[at % candidates.len()];
        // The word must keep more Latin than Cyrillic letters.
        let word_len = n[..].split(' ').find(|w| {
            let start = w.as_ptr() as usize - n.as_ptr() as usize;
            (start..start + w.len()).contains(&i)
        }).map(str::len).unwrap_or(0);
        prop_assume!(word_len >= 3);
        let mut noisy = chars.clone();
        noisy[i] = LOOKALIKES.iter().find(|(l, _)| *l == chars[i]).map(|(_, c)| *c).unwrap_or(chars[i]);
        let noisy: String = noisy.into_iter().collect();
        prop_assert_eq!(normalize_text(&noisy), normalize_text(&n));
    }

    #[test]
    fn analysis_never_panics_and_is_stable(s in "\\PC{0,60}") {
        let a = analyze_name(&s, Schema::Unknown);
        let b = analyze_name(&s, Schema::Unknown);
        prop_assert_eq!(a, b);
    }
}

#[test]
fn pure_cyrillic_words_are_not_folded() {
    // "сор" is Cyrillic throughout: a Russian word, not a disguised "cop".
    assert_eq!(normalize_text("СОР"), "сор");
}

/// Found by the idempotence property: a Latin "c" inside a Greek word folds to
/// the lunate sigma, a compatibility form that NFKC rewrites on the next pass.
#[test]
fn homoglyph_folding_into_greek_is_stable() {
    let once = normalize_text("CῠὈ®");
    assert_eq!(normalize_text(&once), once);
}

/// Khmer vowel signs are combining marks: they stay inside the word instead of
/// splitting it ("ប៉ុល" is one word, Pol).
#[test]
fn khmer_vowel_signs_stay_in_their_word() {
    assert_eq!(normalize_text("ប៉ុល ពត").split(' ').count(), 2);
    assert!(analyze_name("ប៉ុល ពត", Schema::Person)
        .variants
        .iter()
        .any(|v| v.text() == "pol pot"));
}

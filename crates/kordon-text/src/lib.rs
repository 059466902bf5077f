//! The name text pipeline: normalisation, transliteration to Latin, and the
//! linguistic knowledge (legal forms, titles, stopwords, generic-word concepts)
//! screening relies on.
//!
//! The entry point is [`analyze_name`]: one name string in any script becomes an
//! [`AnalyzedName`] holding every [`NameVariant`] worth comparing: one per name
//! found in the string (main, former, alias) and per transliteration scheme,
//! each a list of classified Latin [`Token`]s with phonetic keys.

pub mod edits;
pub mod lexicon;
pub mod normalize;
pub mod phonetic;
pub mod segments;
pub mod tokens;
pub mod translit;

pub use normalize::{dominant_script, normalize_text, Script};
pub use segments::SegmentKind;
pub use tokens::{Token, TokenClass, TokenText};

use kordon_model::Schema;

/// Most transliteration schemes kept per name; more adds cost, not recall.
const MAX_SCHEMES: usize = 3;

/// Schemes kept for a name: a Chinese personal name keeps its Wade-Giles
/// and Cantonese spellings besides the three pinyin layouts.
fn schemes_kept(chinese_personal_name: bool) -> usize {
    if chinese_personal_name {
        MAX_SCHEMES + translit::PERSONAL_NAME_SPELLINGS
    } else {
        MAX_SCHEMES
    }
}

/// One Latin rendering of one name found in the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NameVariant {
    pub segment: SegmentKind,
    /// Index of the transliteration scheme (0 = most common); 0 for Latin input.
    pub scheme: usize,
    /// Whether the source text was written in a non-Latin script.
    pub transliterated: bool,
    pub tokens: Vec<Token>,
}

impl NameVariant {
    /// The tokens joined by spaces.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for t in &self.tokens {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&t.text);
        }
        s
    }

    /// Identifying tokens: words, generic words and numbers.
    pub fn core_tokens(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| {
            matches!(
                t.class,
                TokenClass::Word | TokenClass::Generic | TokenClass::Number
            )
        })
    }

    /// Initials of the core words, in order ("izhevsk electromechanical plant kupol" → "iepk").
    pub fn initials(&self) -> String {
        self.tokens
            .iter()
            .filter(|t| matches!(t.class, TokenClass::Word | TokenClass::Generic))
            .filter_map(|t| t.acronym_readings().next())
            .collect()
    }
}

/// Everything screening needs to know about one name string.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnalyzedName {
    pub original: String,
    pub normalized: String,
    /// ISO 15924 code of the dominant script of the input.
    pub script: &'static str,
    pub variants: Vec<NameVariant>,
}

impl AnalyzedName {
    pub fn is_empty(&self) -> bool {
        self.variants.iter().all(|v| v.tokens.is_empty())
    }
}

/// A token's class, key and acronym letters when the lexicon knew its native form.
type KnownClass = (TokenClass, Option<String>, String);

/// Analyse one name: split it into the names it contains, classify tokens,
/// transliterate to Latin under each scheme, compute keys.
pub fn analyze_name(text: &str, schema: Schema) -> AnalyzedName {
    let normalized = normalize_text(text);
    let script = dominant_script(&normalized);
    let chinese_personal_name = translit::is_chinese_personal_name(text);
    let mut variants: Vec<NameVariant> = Vec::new();
    for seg in segments::split_segments(text, schema) {
        let words = tokens::split_words(&seg.text);
        let raw = tokens::classify(&words, schema);
        let transliterated = raw.iter().any(|r| tokens::is_native(&r.text));
        // Per raw token, its Latin renderings (one per scheme).
        let renderings: Vec<Vec<String>> = raw
            .iter()
            .map(|r| {
                if r.text.is_ascii() {
                    vec![r.text.clone()]
                } else {
                    let mut v = translit::latin_variants_in(&r.text, chinese_personal_name);
                    v.retain(|s| !s.trim().is_empty());
                    if v.is_empty() {
                        v.push(r.text.clone());
                    }
                    v.truncate(schemes_kept(chinese_personal_name));
                    v
                }
            })
            .collect();
        let schemes = renderings.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for scheme in 0..schemes {
            let mut latin_words: Vec<(String, Option<KnownClass>)> = Vec::new();
            for (r, options) in raw.iter().zip(&renderings) {
                let chosen = &options[scheme.min(options.len() - 1)];
                let pieces: Vec<&str> = chosen.split_whitespace().collect();
                match &r.class {
                    Some(class) => {
                        let text: String = if class.0 == TokenClass::LegalForm {
                            r.text.clone()
                        } else {
                            pieces.concat()
                        };
                        let text = if text.is_ascii() {
                            text
                        } else {
                            any_ascii::any_ascii(&text).to_lowercase()
                        };
                        latin_words.push((squash_latin(&text), Some(class.clone())));
                    }
                    None => {
                        for p in pieces {
                            latin_words.push((squash_latin(p), None));
                        }
                    }
                }
            }
            latin_words.retain(|(t, _)| !t.is_empty());
            // Words rendered from another script get a second classification
            // pass in Latin ("youxian gongsi", "ooo").
            let unknown: Vec<String> = latin_words.iter().map(|(t, _)| t.clone()).collect();
            let latin_classes = tokens::classify(&unknown, schema);
            let tokens: Vec<Token> = if latin_classes.len() == latin_words.len() {
                latin_words
                    .into_iter()
                    .zip(latin_classes)
                    .map(|((text, known), lc)| tokens::finish(text, known.or(lc.class)))
                    .collect()
            } else {
                // The Latin pass merged tokens into a multi-word legal form;
                // take its result, keeping native classes where it did not merge.
                latin_classes
                    .into_iter()
                    .map(|lc| tokens::finish(lc.text, lc.class))
                    .collect()
            };
            let v = NameVariant {
                segment: seg.kind,
                scheme,
                transliterated,
                tokens,
            };
            if !v.tokens.is_empty() && !variants.iter().any(|o| o.tokens == v.tokens) {
                variants.push(v);
            }
        }
    }
    AnalyzedName {
        original: text.to_string(),
        normalized,
        script: script.as_str(),
        variants,
    }
}

/// Keep only ASCII letters and digits of a transliterated word.
fn squash_latin(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str, schema: Schema) -> Vec<(String, TokenClass)> {
        analyze_name(text, schema).variants[0]
            .tokens
            .iter()
            .map(|t| (t.text.to_string(), t.class))
            .collect()
    }

    #[test]
    fn legal_forms_are_recognised_in_many_spellings() {
        let c = classes(
            "Kaszubska Wytwórnia Pierogów Bielawa Sp. z o.o.",
            Schema::Organization,
        );
        assert_eq!(c.last().map(|x| x.1), Some(TokenClass::LegalForm));
        assert_eq!(c.len(), 5);
        let c = classes(
            "Rancho Vercel Importadora S.A. de C.V.",
            Schema::Organization,
        );
        assert_eq!(c.last().map(|x| x.1), Some(TokenClass::LegalForm));
        let a = analyze_name("ООО Ромашка", Schema::Organization);
        assert_eq!(a.variants[0].tokens[0].class, TokenClass::LegalForm);
        assert_eq!(a.variants[0].tokens[0].key.as_deref(), Some("llc"));
        let b = analyze_name("Romashka LLC", Schema::Organization);
        assert_eq!(b.variants[0].tokens[1].key.as_deref(), Some("llc"));
    }

    #[test]
    fn numbers_in_words_and_roman_numerals_agree() {
        let a = analyze_name("Seraphine Navigation II S.A.", Schema::Organization);
        let n: Vec<_> = a.variants[0]
            .tokens
            .iter()
            .filter(|t| t.class == TokenClass::Number)
            .collect();
        assert_eq!(n[0].key.as_deref(), Some("2"));
        let b = analyze_name("Brasskey Shipping Three Inc.", Schema::Organization);
        assert!(b.variants[0]
            .tokens
            .iter()
            .any(|t| t.key.as_deref() == Some("3")));
    }

    #[test]
    fn concepts_give_acronym_letters() {
        let a = analyze_name(
            "Izhevsk Elektromekhanichesky Zavod Kupol",
            Schema::Organization,
        );
        assert_eq!(a.variants[0].initials(), "iemzk");
        let b = analyze_name(
            "Izhevsk Electromechanical Plant Kupol",
            Schema::Organization,
        );
        assert_eq!(b.variants[0].initials(), "iempk");
    }

    #[test]
    fn cyrillic_names_get_latin_variants() {
        let a = analyze_name("АО ИЭМЗ Купол", Schema::Organization);
        assert!(
            a.variants.iter().any(|v| v.text().contains("kupol")),
            "{a:?}"
        );
        assert_eq!(a.script, "Cyrl");
    }

    #[test]
    fn mixed_script_tokens_are_folded() {
        // Cyrillic "о" and "а" inside a Latin word.
        assert_eq!(normalize_text("Rоsnеft"), "rosneft");
        assert_eq!(normalize_text("Gаzprom\u{200B} Neft"), "gazprom neft");
    }
}

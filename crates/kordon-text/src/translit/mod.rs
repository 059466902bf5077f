//! Transliteration of names in any script to Latin (placeholder: any_ascii only).

/// Lower-case Latin renderings of `s`, one per transliteration scheme that
/// applies, deduplicated, most common first. Latin input comes back folded to
/// ASCII. Never empty for non-empty input.
pub fn latin_variants(s: &str) -> Vec<String> {
    vec![any_ascii::any_ascii(s).to_lowercase()]
}

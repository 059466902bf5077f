//! Han characters to toneless Hanyu Pinyin via the `pinyin` crate (its
//! tables cover Simplified and Traditional characters; each character gets
//! its most frequent reading, so heteronyms in names can be wrong).

use pinyin::ToPinyin;

use super::rules::{fold_char, fold_str};

/// Renderings of a run of Han characters: syllables joined ("beijing"),
/// separated ("bei jing"), and for two to four characters the Chinese
/// personal-name layout, surname apart and given name joined ("xi jinping").
pub(crate) fn word_renderings(word: &[char]) -> Vec<String> {
    let syllables: Vec<String> = word
        .iter()
        .map(|&c| match c.to_pinyin() {
            // The crate writes ü as "ü"; passports and lists write "u" or "v".
            Some(reading) => fold_str(reading.plain()),
            None => fold_char(c),
        })
        .collect();
    let mut out = vec![syllables.concat(), syllables.join(" ")];
    if (3..=4).contains(&syllables.len()) {
        out.push(format!("{} {}", syllables[0], syllables[1..].concat()));
    }
    out
}

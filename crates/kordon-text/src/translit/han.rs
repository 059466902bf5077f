//! Han characters to toneless Hanyu Pinyin via the `pinyin` crate (its
//! tables cover Simplified and Traditional characters; each character gets
//! its most frequent reading, so heteronyms in names can be wrong), and
//! foreign names transcribed in Han characters back to the spelling they
//! transcribe (`data/translit/han-transcription.tsv`).

use std::collections::HashMap;
use std::sync::OnceLock;

use pinyin::ToPinyin;

use super::rules::{fold_char, fold_str};

/// How one transcription character is spelt in the foreign name.
struct TranscriptionSpelling {
    /// The spelling with l ("la" for 拉).
    with_l: String,
    /// The spelling with r ("ra" for 拉); the same as `with_l` for most.
    with_r: String,
    /// The character can stand for a bare consonant (克 = k, 斯 = s).
    vowel_optional: bool,
}

fn transcription_table() -> &'static HashMap<char, TranscriptionSpelling> {
    static TABLE: OnceLock<HashMap<char, TranscriptionSpelling>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../../data/translit/han-transcription.tsv")
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let character = fields.next()?.chars().next()?;
                let with_l = fields.next()?.trim();
                let with_r = fields.next().map(str::trim).unwrap_or(with_l);
                let vowel_optional = with_l.ends_with('*');
                Some((
                    character,
                    TranscriptionSpelling {
                        with_l: with_l.trim_end_matches('*').to_string(),
                        with_r: with_r.trim_end_matches('*').to_string(),
                        vowel_optional,
                    },
                ))
            })
            .collect()
    })
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The foreign spelling a word of transcription characters stands for, with
/// l or r for the characters that write both; `None` when some character of
/// the word is not a transcription character. A character that may be a bare
/// consonant loses its vowels at the end of the word or before a consonant.
fn transcription(word: &[char], with_r: bool) -> Option<String> {
    let table = transcription_table();
    let spellings: Vec<&TranscriptionSpelling> =
        word.iter().map(|c| table.get(c)).collect::<Option<_>>()?;
    let mut out = String::new();
    for (index, spelling) in spellings.iter().enumerate() {
        let text = if with_r {
            &spelling.with_r
        } else {
            &spelling.with_l
        };
        let next_opens_with_vowel = spellings
            .get(index + 1)
            .and_then(|next| next.with_l.chars().next())
            .is_some_and(is_vowel);
        if spelling.vowel_optional && !next_opens_with_vowel {
            out.extend(text.chars().filter(|&c| !is_vowel(c)));
        } else {
            out.push_str(text);
        }
    }
    Some(out)
}

/// Renderings of a run of Han characters: syllables joined ("beijing"),
/// separated ("bei jing"), and for two to four characters the Chinese
/// personal-name layout, surname apart and given name joined ("xi jinping").
/// A word of three or more characters that are all transcription characters
/// is probably a foreign name ("奥巴马"): after the joined pinyin come its
/// transcribed spellings, with r and with l ("obama"), in place of the
/// separated and personal-name layouts.
pub(crate) fn word_renderings(word: &[char]) -> Vec<String> {
    let syllables: Vec<String> = word
        .iter()
        .map(|&c| match c.to_pinyin() {
            // The crate writes ü as "ü"; passports and lists write "u" or "v".
            Some(reading) => fold_str(reading.plain()),
            None => fold_char(c),
        })
        .collect();
    let joined = syllables.concat();
    if word.len() >= 3 {
        if let (Some(with_r), Some(with_l)) =
            (transcription(word, true), transcription(word, false))
        {
            return vec![joined, with_r, with_l];
        }
    }
    let mut out = vec![joined, syllables.join(" ")];
    if (3..=4).contains(&syllables.len()) {
        out.push(format!("{} {}", syllables[0], syllables[1..].concat()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn foreign_names_in_han_read_as_their_transcription() {
        assert_eq!(word_renderings(&chars("奥巴马"))[1], "obama");
        assert_eq!(word_renderings(&chars("贝拉克"))[1], "berak");
        assert_eq!(word_renderings(&chars("贝拉克"))[2], "belak");
        // 尔 is a bare r before a consonant.
        assert_eq!(word_renderings(&chars("费尔南多"))[1], "fernando");
    }

    #[test]
    fn chinese_names_keep_their_pinyin_layouts() {
        assert_eq!(
            word_renderings(&chars("习近平")),
            ["xijinping", "xi jin ping", "xi jinping"]
        );
        // Two characters are too short to tell a transcription from a name.
        assert_eq!(word_renderings(&chars("马丁")), ["mading", "ma ding"]);
    }
}

//! Han characters to toneless Hanyu Pinyin via the `pinyin` crate (its
//! tables cover Simplified and Traditional characters; each character gets
//! its most frequent reading, so heteronyms in names can be wrong); Chinese
//! personal names also in Wade-Giles (`data/translit/han-wade-giles.tsv`)
//! and in Cantonese as Hong Kong spells it (`han-cantonese.tsv`,
//! `han-cantonese-spelling.tsv`); and foreign names transcribed in Han
//! characters back to the spelling they transcribe
//! (`data/translit/han-transcription.tsv`).

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

/// How one romanisation spells the syllables of another: whole syllables
/// first, then initial + final (`han-wade-giles.tsv` spells pinyin,
/// `han-cantonese-spelling.tsv` spells Jyutping).
struct SyllableSpelling {
    syllables: HashMap<&'static str, &'static str>,
    /// Longest first, so that "zh" is tried before "z".
    initials: Vec<(&'static str, &'static str)>,
    finals: HashMap<&'static str, &'static str>,
}

impl SyllableSpelling {
    fn parse(table: &'static str) -> SyllableSpelling {
        let mut spelling = SyllableSpelling {
            syllables: HashMap::new(),
            initials: Vec::new(),
            finals: HashMap::new(),
        };
        let rows = table
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'));
        for row in rows {
            let mut fields = row.split('\t').map(str::trim);
            let (Some(kind), Some(from), Some(to)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            match kind {
                "syllable" => {
                    spelling.syllables.insert(from, to);
                }
                "initial" => spelling.initials.push((from, to)),
                "final" => {
                    spelling.finals.insert(from, to);
                }
                _ => {}
            }
        }
        spelling
            .initials
            .sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        spelling
    }

    /// `syllable` respelt; what the tables do not know, as it is.
    fn spell(&self, syllable: &str) -> String {
        if let Some(whole) = self.syllables.get(syllable) {
            return (*whole).to_string();
        }
        let (initial, rest) = self
            .initials
            .iter()
            .find_map(|&(from, to)| syllable.strip_prefix(from).map(|rest| (to, rest)))
            .unwrap_or(("", syllable));
        let last = self.finals.get(rest).copied().unwrap_or(rest);
        format!("{initial}{last}")
    }
}

fn wade_giles() -> &'static SyllableSpelling {
    static TABLE: OnceLock<SyllableSpelling> = OnceLock::new();
    TABLE.get_or_init(|| {
        SyllableSpelling::parse(include_str!("../../data/translit/han-wade-giles.tsv"))
    })
}

fn cantonese_spelling() -> &'static SyllableSpelling {
    static TABLE: OnceLock<SyllableSpelling> = OnceLock::new();
    TABLE.get_or_init(|| {
        SyllableSpelling::parse(include_str!(
            "../../data/translit/han-cantonese-spelling.tsv"
        ))
    })
}

/// Each character's Cantonese reading (Jyutping without tone), under its
/// traditional and its simplified form. A simplified character reads as
/// the traditional one it stands for (the first in the table's order), even
/// where it is a rare character of its own: in a name, 叶 is 葉 "yip".
fn cantonese_readings() -> &'static HashMap<char, &'static str> {
    static TABLE: OnceLock<HashMap<char, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let rows: Vec<(char, &'static str)> = include_str!("../../data/translit/han-cantonese.tsv")
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .filter_map(|row| {
                let mut fields = row.split('\t');
                let character = fields.next()?.chars().next()?;
                Some((character, fields.next()?.trim()))
            })
            .collect();
        let mut table: HashMap<char, &'static str> = rows.iter().copied().collect();
        let mut simplified: HashMap<char, &'static str> = HashMap::new();
        for &(character, reading) in &rows {
            let folded = fast2s::convert(&character.to_string());
            let mut chars = folded.chars();
            if let (Some(s), None) = (chars.next(), chars.next()) {
                if s != character {
                    simplified.entry(s).or_insert(reading);
                }
            }
        }
        table.extend(simplified);
        table
    })
}

/// Renderings a personal name has beyond the pinyin layouts: Wade-Giles and
/// Cantonese.
pub(crate) const PERSONAL_NAME_SPELLINGS: usize = 2;

/// Renderings of a run of Han characters, in columns shared by every Han
/// word of a name: syllables joined ("beijing"), separated ("bei jing"),
/// for three or four characters the Chinese personal-name layout, surname
/// apart and given name joined ("xi jinping"), and in a personal name (where
/// a word of other lengths repeats its joined pinyin in the third column)
/// the syllables in Wade-Giles ("mao tse tung"), as
/// older lists and Taiwan write them, and in Cantonese as Hong Kong writes
/// them ("chan kong sang").
/// A word of three or more characters that are all transcription characters
/// is probably a foreign name ("奥巴马"): after the joined pinyin come its
/// transcribed spellings, with r and with l ("obama"), in place of the
/// other layouts.
pub(crate) fn word_renderings(word: &[char], personal_name: bool) -> Vec<String> {
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
    if !personal_name {
        return out;
    }
    // The columns of the spellings below are shared by every word of the
    // name: one without a personal layout repeats its joined pinyin there,
    // as the words of other names do in a column they lack.
    if out.len() == 2 {
        out.push(out[0].clone());
    }
    let wade_giles: Vec<String> = syllables.iter().map(|s| wade_giles().spell(s)).collect();
    let cantonese: Vec<String> = word
        .iter()
        .zip(&syllables)
        .map(|(c, pinyin)| match cantonese_readings().get(c) {
            Some(reading) => cantonese_spelling().spell(reading),
            None => pinyin.clone(),
        })
        .collect();
    out.push(wade_giles.join(" "));
    out.push(cantonese.join(" "));
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
        let read = |word: &str| word_renderings(&chars(word), true);
        assert_eq!(read("奥巴马")[1], "obama");
        assert_eq!(read("贝拉克")[1], "berak");
        assert_eq!(read("贝拉克")[2], "belak");
        // 尔 is a bare r before a consonant.
        assert_eq!(read("费尔南多")[1], "fernando");
    }

    #[test]
    fn chinese_names_keep_their_pinyin_layouts() {
        assert_eq!(
            word_renderings(&chars("习近平"), false),
            ["xijinping", "xi jin ping", "xi jinping"]
        );
        // Two characters are too short to tell a transcription from a name.
        assert_eq!(
            word_renderings(&chars("马丁"), false),
            ["mading", "ma ding"]
        );
        assert_eq!(
            word_renderings(&chars("马丁"), true),
            ["mading", "ma ding", "mading", "ma ting", "ma ting"]
        );
    }

    #[test]
    fn personal_names_read_in_wade_giles() {
        let read = |word: &str| word_renderings(&chars(word), true)[3].clone();
        assert_eq!(read("毛泽东"), "mao tse tung");
        assert_eq!(read("张学良"), "chang hsueh liang");
        assert_eq!(read("蒋经国"), "chiang ching kuo");
        assert_eq!(read("周恩来"), "chou en lai");
        assert_eq!(read("孔祥熙"), "kung hsiang hsi");
        assert_eq!(read("邓小平"), "teng hsiao ping");
        // Whole syllables whose finals read otherwise.
        assert_eq!(read("四川"), "ssu chuan");
        assert_eq!(read("日知"), "jih chih");
        assert_eq!(read("郭贵"), "kuo kuei");
        assert_eq!(read("叶永"), "yeh yung");
        assert_eq!(read("罗月"), "lo yueh");
    }

    #[test]
    fn personal_names_read_in_cantonese() {
        let read = |word: &str| word_renderings(&chars(word), true)[4].clone();
        assert_eq!(read("陳港生"), "chan kong sang");
        assert_eq!(read("张学友"), "cheung hok yau");
        assert_eq!(read("梁朝偉"), "leung chiu wai");
        assert_eq!(read("吴"), "ng");
        assert_eq!(read("叶问"), "yip man");
        assert_eq!(read("阮"), "yuen");
    }
}

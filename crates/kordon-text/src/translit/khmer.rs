//! Khmer names in the popular romanisation ("Pol Pot" for ប៉ុល ពត, "Hun
//! Sen" for ហ៊ុន សែន). Khmer is an abugida with two consonant series: a
//! syllable is an onset (a consonant, maybe with subscript consonants), a
//! vowel (written, or the inherent vowel of the onset's series) and maybe a
//! final consonant. Letters and their spellings are in
//! `data/translit/khmer.tsv`.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Series {
    First,
    Second,
}

enum Letter {
    Consonant(String, Series),
    /// A vowel sign: its spelling after a first- and a second-series onset,
    /// and whether it also closes the syllable.
    Vowel(String, String, bool),
    Independent(String),
    SeriesSign(Series),
    Coeng,
    Silent,
}

struct Table {
    letters: HashMap<String, Letter>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut letters = HashMap::new();
        for line in include_str!("../../data/translit/khmer.tsv").lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let field = |i: usize| fields.get(i).copied().unwrap_or("").to_string();
            let letter = match fields.get(1).copied() {
                Some("c1") => Letter::Consonant(field(2), Series::First),
                Some("c2") => Letter::Consonant(field(2), Series::Second),
                Some("v") => Letter::Vowel(field(2), field(3), false),
                Some("n") => Letter::Vowel(field(2), field(3), true),
                Some("i") => Letter::Independent(field(2)),
                Some("s1") => Letter::SeriesSign(Series::First),
                Some("s2") => Letter::SeriesSign(Series::Second),
                Some("coeng") => Letter::Coeng,
                _ => Letter::Silent,
            };
            letters.insert(field(0), letter);
        }
        Table { letters }
    })
}

/// The letter at `word[at..]`, longest key first (ប៉ before ប), and its length.
fn letter_at<'t>(table: &'t Table, word: &[char], at: usize) -> Option<(&'t Letter, usize)> {
    (1..=2).rev().find_map(|len| {
        let key: String = word.get(at..at + len)?.iter().collect();
        table.letters.get(&key).map(|letter| (letter, len))
    })
}

/// One syllable being built.
#[derive(Default)]
struct Syllable {
    onset: String,
    series: Option<Series>,
    vowel: Option<String>,
    closed: bool,
    coda: String,
}

impl Syllable {
    /// Whether the syllable has an onset or an independent vowel yet.
    fn started(&self) -> bool {
        self.series.is_some() || self.vowel.is_some()
    }

    fn finish(&mut self, out: &mut String) {
        if self.started() {
            out.push_str(&self.onset);
            match (&self.vowel, self.series) {
                (Some(vowel), _) => out.push_str(vowel),
                (None, Some(Series::Second)) => out.push('o'),
                (None, _) => out.push('a'),
            }
            out.push_str(&self.coda);
        }
        *self = Syllable::default();
    }
}

/// The popular romanisation of one Khmer word.
pub(crate) fn word_rendering(word: &[char]) -> String {
    let table = table();
    let mut out = String::new();
    let mut syllable = Syllable::default();
    let mut at = 0;
    // After a coeng the next consonant is written below: it joins the onset
    // of a syllable that has no vowel yet, else it opens the next syllable.
    let mut subscript = false;
    while at < word.len() {
        let Some((letter, len)) = letter_at(table, word, at) else {
            at += 1;
            continue;
        };
        match letter {
            Letter::Consonant(latin, series) => {
                let next = letter_at(table, word, at + len).map(|(next, _)| next);
                let takes_vowel = matches!(next, Some(Letter::Vowel(..) | Letter::SeriesSign(_)));
                if subscript
                    && syllable.coda.is_empty()
                    && syllable.vowel.is_none()
                    && syllable.started()
                {
                    // ស្រី: the subscript joins the onset.
                    syllable.onset.push_str(latin);
                } else if !subscript
                    && !takes_vowel
                    && syllable.started()
                    && !syllable.closed
                    && syllable.coda.is_empty()
                {
                    // A bare consonant after an onset ends its syllable (ពត is pot).
                    syllable.coda.push_str(latin);
                } else {
                    syllable.finish(&mut out);
                    syllable.onset.push_str(latin);
                    syllable.series = Some(*series);
                }
                subscript = false;
            }
            Letter::Vowel(first, second, closes) => {
                let spelling = match syllable.series {
                    Some(Series::Second) => second,
                    _ => first,
                };
                syllable
                    .vowel
                    .get_or_insert_with(String::new)
                    .push_str(spelling);
                syllable.closed |= *closes;
                subscript = false;
            }
            Letter::Independent(latin) => {
                syllable.finish(&mut out);
                syllable.vowel = Some(latin.clone());
            }
            Letter::SeriesSign(series) => {
                if syllable.series.is_some() {
                    syllable.series = Some(*series);
                }
            }
            Letter::Coeng => subscript = true,
            Letter::Silent => {}
        }
        at += len;
    }
    syllable.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::word_rendering;

    fn render(word: &str) -> String {
        word_rendering(&word.chars().collect::<Vec<_>>())
    }

    #[test]
    fn khmer_syllables_read_with_series_vowels_and_finals() {
        assert_eq!(render("ប៉ុល"), "pol");
        assert_eq!(render("ពត"), "pot");
        assert_eq!(render("ហ៊ុន"), "hun");
        assert_eq!(render("សែន"), "sen");
        assert_eq!(render("អៀង"), "ieng");
        assert_eq!(render("សារី"), "sari");
        assert_eq!(render("សំផន"), "samphan");
        assert_eq!(render("កម្ពុជា"), "kampuchea");
    }
}

//! Whole-word name tables: customary Latin spellings of common Arabic,
//! Persian, Cyrillic and Korean names, which letter-level schemes cannot
//! produce (an abjad omits vowels; "Alexander" is not a transliteration of
//! "Александр" but is how the name is usually written).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Spellings of one name, most common first.
pub(crate) type Spellings = Vec<String>;

#[derive(Debug, Default)]
pub(crate) struct NameTable {
    /// Native-script form (normalised) → Latin spellings.
    by_native: HashMap<String, Spellings>,
    /// Latin spelling → indexes into `groups` of every group it belongs to.
    by_latin: HashMap<String, Vec<usize>>,
    groups: Vec<Spellings>,
}

impl NameTable {
    /// Parses `native|native2 latin latin2 ...` lines; `-` as the native
    /// field makes a Latin-only group. `_` in a native form stands for a
    /// space between two words.
    pub(crate) fn parse(text: &str, normalise: fn(&str) -> String) -> Result<Self, String> {
        let mut table = NameTable::default();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let native = fields.next().unwrap_or_default();
            let spellings: Spellings = fields.map(str::to_string).collect();
            if spellings.is_empty() {
                return Err(format!("line {}: no Latin spelling: {line:?}", index + 1));
            }
            if let Some(bad) = spellings.iter().find(|s| {
                !s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'\'')
            }) {
                return Err(format!(
                    "line {}: spelling {bad:?} is not lower-case ASCII",
                    index + 1
                ));
            }
            let group = table.groups.len();
            for spelling in &spellings {
                let groups = table.by_latin.entry(spelling.clone()).or_default();
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
            if native != "-" {
                for form in native.split('|') {
                    // A form listed twice keeps its first spellings.
                    table
                        .by_native
                        .entry(normalise(form))
                        .or_insert_with(|| spellings.clone());
                }
            }
            table.groups.push(spellings);
        }
        Ok(table)
    }

    pub(crate) fn native(&self, normalised: &str) -> Option<&Spellings> {
        self.by_native.get(normalised)
    }

    /// Other spellings of a Latin token, most common first, without the
    /// token itself.
    pub(crate) fn latin_alternatives(&self, token: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for &group in self.by_latin.get(token).into_iter().flatten() {
            for spelling in &self.groups[group] {
                if spelling != token && !out.contains(spelling) {
                    out.push(spelling.clone());
                }
            }
        }
        out
    }
}

/// Folds the letter variants Arabic-script text uses for the same name
/// (hamza seats, alef maqsura, Persian kaf/yeh, ta marbuta) and drops
/// harakat and tatweel, so table lookups ignore them.
pub(crate) fn normalise_arabic(word: &str) -> String {
    word.chars()
        .filter_map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ى' | 'ی' | 'ې' => Some('ي'),
            'ک' => Some('ك'),
            'ة' | 'ۀ' | 'ہ' => Some('ه'),
            '_' => Some(' '),
            'ـ' | '\u{200c}' => None,
            c if unicode_normalization::char::is_combining_mark(c) => None,
            c => Some(c),
        })
        .collect()
}

fn normalise_lowercase(word: &str) -> String {
    word.replace('_', " ").to_lowercase()
}

pub(crate) fn arabic() -> &'static NameTable {
    static TABLE: OnceLock<NameTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        NameTable::parse(
            include_str!("../../data/translit/arabic-names.tsv"),
            normalise_arabic,
        )
        .unwrap_or_else(|e| panic!("data/translit/arabic-names.tsv: {e}"))
    })
}

pub(crate) fn cyrillic() -> &'static NameTable {
    static TABLE: OnceLock<NameTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        NameTable::parse(
            include_str!("../../data/translit/cyrillic-names.tsv"),
            normalise_lowercase,
        )
        .unwrap_or_else(|e| panic!("data/translit/cyrillic-names.tsv: {e}"))
    })
}

pub(crate) fn korean_surnames() -> &'static NameTable {
    static TABLE: OnceLock<NameTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        NameTable::parse(
            include_str!("../../data/translit/korean-surnames.tsv"),
            normalise_lowercase,
        )
        .unwrap_or_else(|e| panic!("data/translit/korean-surnames.tsv: {e}"))
    })
}

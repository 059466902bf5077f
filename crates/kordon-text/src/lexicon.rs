//! The linguistic tables compiled in from `data/`: legal forms, stopwords,
//! titles, vessel prefixes, number words, name markers, generic-word concepts
//! and look-alike letters. Parsed once, on first use.

use crate::normalize::{normalize_basic as normalize_text, Script};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The lexicon's tables are asked about every word of every name, and
/// their keys are its own: a fast hash, not one that resists crafted keys.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type FastSet<K> = HashSet<K, foldhash::fast::FixedState>;

const LEGAL_FORMS: &str = include_str!("../data/legal_forms.txt");
const STOPWORDS: &str = include_str!("../data/stopwords.txt");
const STOPWORD_SURNAMES: &str = include_str!("../data/stopword_surnames.txt");
const DECLENSIONS: &str = include_str!("../data/declensions.txt");
const TITLES: &str = include_str!("../data/titles.txt");
const LABELS: &str = include_str!("../data/labels.txt");
const VESSEL_PREFIXES: &str = include_str!("../data/vessel_prefixes.txt");
const NUMBERS: &str = include_str!("../data/numbers.txt");
const CONCEPTS: &str = include_str!("../data/concepts.txt");
const HOMOGLYPHS: &str = include_str!("../data/homoglyphs.txt");
const NAME_MARKERS: &str = include_str!("../data/name_markers.txt");
const PERSON_NAMES: &str = include_str!("../data/person_names.txt");
const LETTER_VARIANTS: &str = include_str!("../data/letter_variants.txt");
const LINEAGE_CONNECTORS: &str = include_str!("../data/lineage_connectors.txt");
const GROUP_ROLES: &str = include_str!("../data/group_roles.txt");

/// What a name marker phrase introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Former,
    Alias,
    Drop,
}

/// A generic word's concept: its canonical English form and the letters it
/// contributes to acronyms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    pub id: u16,
    pub canonical: String,
    pub initials: String,
}

/// Forms searched for inside words of scripts written without spaces, in
/// order of preference (longest first): one automaton finds all of them in
/// one pass over a word.
pub struct SubstringForms {
    forms: Vec<String>,
    finder: aho_corasick::AhoCorasick,
}

impl SubstringForms {
    fn new(forms: Vec<String>) -> SubstringForms {
        let finder = aho_corasick::AhoCorasick::new(&forms)
            .expect("the compiled-in forms are few and short");
        SubstringForms { forms, finder }
    }

    /// The most preferred form that occurs in `text`, with where it first
    /// occurs (byte offset).
    pub fn first_in(&self, text: &str) -> Option<(&str, usize)> {
        // Every occurrence of every form is reported: keep the earliest form
        // in the list, at its leftmost place.
        self.finder
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .min()
            .map(|(form, start)| (self.forms[form].as_str(), start))
    }

    /// Whether `text` is one of the forms.
    pub fn contains(&self, text: &str) -> bool {
        self.forms.iter().any(|f| f == text)
    }

    /// The forms, most preferred first.
    pub fn forms(&self) -> &[String] {
        &self.forms
    }
}

pub struct Lexicon {
    /// Squashed legal form (no spaces, no dots) → generic type.
    pub legal_forms: FastMap<String, String>,
    /// Longest legal form in tokens, to bound the multi-token scan.
    pub legal_form_max_tokens: usize,
    /// Every beginning of a squashed legal form (the empty one and whole
    /// forms included): the scan stops adding words once none can follow.
    legal_form_openings: FastSet<String>,
    /// Squashed legal forms of several words and [`MIN_MISSPELT_FORM_LETTERS`]
    /// or more, each less one of its letters, and the form: see
    /// [`Lexicon::misspelt_legal_form`]. Spellings that two forms share are
    /// left out.
    legal_form_deletions: FastMap<String, String>,
    /// Legal forms in unspaced scripts, searched as substrings.
    pub unspaced_legal_forms: SubstringForms,
    /// Squashed legal form spelling (also romanised) → its form's first spelling.
    pub legal_form_spellings: FastMap<String, String>,
    /// Groups of legal form types one English rendering serves ("ltd" for
    /// a GmbH as for a plc).
    pub legal_kin: Vec<Vec<String>>,
    /// Squashed legal forms that are English/international renderings.
    pub international_forms: FastMap<String, ()>,
    /// Generic words in unspaced scripts, searched as substrings.
    pub unspaced_concepts: SubstringForms,
    pub stopwords: FastMap<String, ()>,
    /// Stopwords that open or close a person's name as a surname ("Le", "Im").
    pub stopword_surnames: FastMap<String, ()>,
    /// Honorifics of people ("mr", "sheikh").
    pub titles: FastMap<String, ()>,
    /// Labels before any party's name ("beneficiary", "messrs").
    pub labels: FastMap<String, ()>,
    pub vessel_prefixes: FastMap<String, ()>,
    /// Concepts giving a company its role in a group ("holding").
    pub group_roles: FastMap<String, ()>,
    /// Words joining a person's name to a parent's ("bin", "ibn", "bint").
    pub lineage_connectors: FastMap<String, ()>,
    pub numbers: FastMap<String, u32>,
    /// Number words that also open brand names ("Premier", "Erste"): numbers
    /// only after a name's first token.
    pub numbers_not_first: FastMap<String, ()>,
    pub concepts: Vec<Concept>,
    /// Personal name spelling → the name of its variant group.
    pub person_name_group: FastMap<String, String>,
    /// Every concept variant (squashed) to its concept: the scorer asks
    /// about every run of words of every name it aligns.
    pub concept_of: FastMap<String, u16>,
    /// Inflected endings and the base endings of the same words
    /// (`data/declensions.txt`; "" is the bare stem).
    pub declensions: Vec<(Vec<String>, Vec<String>)>,
    /// Multi-word markers as squashed token sequences.
    pub markers: Vec<(Vec<String>, MarkerKind)>,
    homoglyph_to_latin: FastMap<char, char>,
    /// Letter → the canonical letter of its spelling-variant group.
    letter_variant: FastMap<char, char>,
    latin_to_cyrillic: FastMap<char, char>,
    latin_to_greek: FastMap<char, char>,
}

/// Shortest stem [`Lexicon::declined`] reads endings from: shorter words
/// are too often two words.
pub const MIN_DECLINED_STEM: usize = 4;

/// Shortest concept spelling [`Lexicon::compound_heads`] reads as the end
/// of a compound word: shorter endings are too often only endings.
pub const MIN_COMPOUND_ENDING: usize = 5;

/// Legal forms shorter than this (squashed) are not read as misspelt.
pub const MIN_MISSPELT_FORM_LETTERS: usize = 12;

/// Each of `forms` (squashed, several words each) of
/// [`MIN_MISSPELT_FORM_LETTERS`] or more less each of its letters, and the
/// form, but for spellings two forms share.
fn legal_form_deletions(forms: Vec<String>) -> FastMap<String, String> {
    let mut filed: FastMap<String, Option<String>> = FastMap::default();
    let mut buf = String::new();
    for form in (forms.iter()).filter(|f| f.chars().count() >= MIN_MISSPELT_FORM_LETTERS) {
        crate::edits::each_deletion(form, &mut buf, |d| {
            filed
                .entry(d.to_string())
                .and_modify(|known| {
                    if known.as_ref() != Some(form) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some(form.clone()));
        });
    }
    filed
        .into_iter()
        .filter_map(|(d, form)| Some((d, form?)))
        .collect()
}

/// Remove spaces, dots and slashes: the key legal forms and markers are compared by.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '.' | '/' | '&'))
        .collect()
}

/// Marker phrases compare with dots removed but slashes kept ("c/o" is not "co").
pub fn marker_key(s: &str) -> String {
    s.chars().filter(|&c| c != '.').collect()
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every spelling a form written with alternatives stands for:
/// "{obshchestvo,obschestvo} s x" gives "obshchestvo s x" and
/// "obschestvo s x". Without braces, the form itself.
fn alternatives(form: &str) -> Vec<String> {
    let Some((head, rest)) = form.split_once('{') else {
        return vec![form.to_string()];
    };
    let Some((choices, tail)) = rest.split_once('}') else {
        return vec![form.to_string()];
    };
    let tails = alternatives(tail);
    choices
        .split(',')
        .flat_map(|c| tails.iter().map(move |t| format!("{head}{}{t}", c.trim())))
        .collect()
}

fn word_set(text: &str) -> FastMap<String, ()> {
    data_lines(text)
        .flat_map(str::split_whitespace)
        .map(|w| (normalize_text(w), ()))
        .collect()
}

fn build() -> Lexicon {
    let mut legal_forms = FastMap::default();
    let mut legal_form_max_tokens = 1;
    let mut unspaced_legal_forms = Vec::new();
    let mut international_forms = FastMap::default();
    let mut legal_form_spellings = FastMap::default();
    let mut legal_kin: Vec<Vec<String>> = Vec::new();
    let mut misspelt_forms = Vec::new();
    for line in data_lines(LEGAL_FORMS) {
        let Some((kind, forms)) = line.split_once(':') else {
            continue;
        };
        if kind.trim() == "kin" {
            legal_kin.push(forms.split_whitespace().map(str::to_string).collect());
            continue;
        }
        for (form, canonical) in forms.split('|').flat_map(|group| {
            let first = group.split('=').next().unwrap_or("");
            let canonical = squash(&normalize_text(&alternatives(first)[0]));
            group
                .split('=')
                .flat_map(alternatives)
                .map(move |f| (f, canonical.clone()))
        }) {
            let norm = normalize_text(&form);
            if norm.is_empty() {
                continue;
            }
            if kind.trim() == "international" {
                international_forms.insert(squash(&norm), ());
                continue;
            }
            // Legal form tokens from other scripts reach the scorer romanised,
            // letters and digits only (as `analyze_name` writes them).
            let romanised: String = any_ascii::any_ascii(&norm)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let squashed = squash(&norm);
            legal_form_spellings.insert(romanised, canonical.clone());
            legal_form_spellings.insert(squashed.clone(), canonical);
            let words = (norm.split([' ', '.', '/']))
                .filter(|t| !t.is_empty())
                .count();
            legal_form_max_tokens = legal_form_max_tokens.max(words);
            if crate::normalize::dominant_script(&norm).is_unspaced()
                || crate::normalize::dominant_script(&norm) == Script::Hangul
                || crate::normalize::dominant_script(&norm) == Script::Myanmar
            {
                unspaced_legal_forms.push(norm.clone());
            }
            if words > 1 {
                misspelt_forms.push(squashed.clone());
            }
            legal_forms.insert(squashed, kind.trim().to_string());
        }
    }
    let legal_form_deletions = legal_form_deletions(misspelt_forms);
    // Longest first, so "株式会社" is cut before "会社".
    unspaced_legal_forms.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
    unspaced_legal_forms.dedup();

    let mut numbers = FastMap::default();
    let mut numbers_not_first = FastMap::default();
    for line in data_lines(NUMBERS) {
        let Some((value, words)) = line.split_once(':') else {
            continue;
        };
        let Ok(value) = value.trim().parse::<u32>() else {
            continue;
        };
        for w in words.split_whitespace() {
            let word = normalize_text(w.trim_end_matches('*'));
            if w.ends_with('*') {
                numbers_not_first.insert(word.clone(), ());
            }
            numbers.insert(word, value);
        }
    }

    let mut concepts = Vec::new();
    let mut concept_of: FastMap<String, u16> = FastMap::default();
    let mut unspaced_concepts = Vec::new();
    for line in data_lines(CONCEPTS) {
        let Some((head, words)) = line.split_once(':') else {
            continue;
        };
        let (canonical, initials) = match head.split_once('/') {
            Some((c, i)) => (c.trim().to_string(), i.trim().to_string()),
            None => (head.trim().to_string(), String::new()),
        };
        let id = concepts.len() as u16;
        for w in words
            .split_whitespace()
            .chain(std::iter::once(canonical.as_str()))
        {
            let norm = normalize_text(w);
            let sc = crate::normalize::dominant_script(&norm);
            if (sc.is_unspaced() || matches!(sc, Script::Hangul | Script::Myanmar))
                && norm.chars().count() >= 2
            {
                unspaced_concepts.push(norm.clone());
            }
            concept_of.entry(squash(&norm)).or_insert(id);
        }
        concepts.push(Concept {
            id,
            canonical,
            initials,
        });
    }

    let mut markers = Vec::new();
    for line in data_lines(NAME_MARKERS) {
        let Some((kind, phrases)) = line.split_once(':') else {
            continue;
        };
        let kind = match kind.trim() {
            "former" => MarkerKind::Former,
            "alias" => MarkerKind::Alias,
            _ => MarkerKind::Drop,
        };
        for p in phrases.split('|') {
            let toks: Vec<String> = normalize_text(p)
                .split_whitespace()
                .map(marker_key)
                .filter(|t| !t.is_empty())
                .collect();
            if !toks.is_empty() {
                markers.push((toks, kind));
            }
        }
    }
    unspaced_concepts.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
    unspaced_concepts.dedup();
    markers.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));

    let mut homoglyph_to_latin = FastMap::default();
    let mut latin_to_cyrillic = FastMap::default();
    let mut latin_to_greek = FastMap::default();
    for line in data_lines(HOMOGLYPHS) {
        let mut chars = line.split_whitespace().filter_map(|w| w.chars().next());
        let Some(latin) = chars.next() else { continue };
        for other in chars {
            homoglyph_to_latin.insert(other, latin);
            match crate::normalize::char_script(other) {
                Some(Script::Cyrillic) => {
                    latin_to_cyrillic.entry(latin).or_insert(other);
                }
                Some(Script::Greek) => {
                    latin_to_greek.entry(latin).or_insert(other);
                }
                _ => {}
            }
        }
    }

    let mut letter_variant = FastMap::default();
    for line in data_lines(LETTER_VARIANTS) {
        let mut letters = line.split_whitespace().filter_map(|w| w.chars().next());
        let Some(canonical) = letters.next() else {
            continue;
        };
        for other in letters {
            letter_variant.insert(other, canonical);
        }
    }

    let mut person_name_group = FastMap::default();
    for line in data_lines(PERSON_NAMES) {
        let mut words = line.split_whitespace();
        let Some(head) = words.next() else { continue };
        let head = normalize_text(head);
        person_name_group
            .entry(head.clone())
            .or_insert(head.clone());
        for w in words {
            person_name_group
                .entry(normalize_text(w))
                .or_insert(head.clone());
        }
    }

    let legal_form_openings = legal_forms
        .keys()
        .flat_map(|form: &String| {
            (0..=form.len())
                .filter(|&end| form.is_char_boundary(end))
                .map(|end| form[..end].to_string())
        })
        .collect();
    Lexicon {
        person_name_group,
        legal_form_openings,
        legal_form_deletions,
        legal_forms,
        legal_form_max_tokens,
        legal_form_spellings,
        unspaced_legal_forms: SubstringForms::new(unspaced_legal_forms),
        international_forms,
        legal_kin,
        unspaced_concepts: SubstringForms::new(unspaced_concepts),
        stopwords: word_set(STOPWORDS),
        stopword_surnames: word_set(STOPWORD_SURNAMES),
        declensions: data_lines(DECLENSIONS)
            .filter_map(|line| line.split_once(':'))
            .map(|(inflected, base)| {
                let endings = |s: &str| -> Vec<String> {
                    s.split_whitespace()
                        .map(|e| {
                            if e == "-" {
                                String::new()
                            } else {
                                normalize_text(e)
                            }
                        })
                        .collect()
                };
                (endings(inflected), endings(base))
            })
            .collect(),
        titles: word_set(TITLES),
        labels: word_set(LABELS),
        vessel_prefixes: word_set(VESSEL_PREFIXES),
        lineage_connectors: word_set(LINEAGE_CONNECTORS),
        group_roles: word_set(GROUP_ROLES),
        numbers,
        numbers_not_first,
        concepts,
        concept_of,
        markers,
        homoglyph_to_latin,
        letter_variant,
        latin_to_cyrillic,
        latin_to_greek,
    }
}

/// The shared, lazily built lexicon.
pub fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(build)
}

/// The look-alike of `c` in script `target`, if the table has one.
pub fn homoglyph(c: char, target: Script) -> Option<char> {
    let lex = lexicon();
    let latin = if crate::normalize::char_script(c) == Some(Script::Latin) {
        c
    } else {
        *lex.homoglyph_to_latin.get(&c)?
    };
    match target {
        Script::Latin => Some(latin),
        Script::Cyrillic => lex.latin_to_cyrillic.get(&latin).copied(),
        Script::Greek => lex.latin_to_greek.get(&latin).copied(),
        _ => None,
    }
}

impl Lexicon {
    /// The canonical letter of `c`'s spelling-variant group (`c` itself if none).
    pub fn letter_variant(&self, c: char) -> char {
        self.letter_variant.get(&c).copied().unwrap_or(c)
    }
    pub fn legal_form(&self, squashed: &str) -> Option<&str> {
        self.legal_forms.get(squashed).map(String::as_str)
    }
    /// The legal form that `squashed` (a run of several words) misspells by
    /// one edit: a letter left out, added or changed, or two swapped
    /// ("jointstockcomany"). Only forms of [`MIN_MISSPELT_FORM_LETTERS`] or
    /// more are read so, and only those of several words but where the run
    /// has a letter too many: one edit in fewer letters may be another phrase.
    pub fn misspelt_legal_form(&self, squashed: &str) -> Option<&str> {
        let letters = squashed.chars().count();
        if letters + 1 < MIN_MISSPELT_FORM_LETTERS {
            return None;
        }
        if let Some(form) = self.legal_form_deletions.get(squashed) {
            return Some(form);
        }
        let mut found = None;
        crate::edits::each_deletion(squashed, &mut String::new(), |shorter| {
            if found.is_some() {
                return;
            }
            found = match self.legal_forms.get_key_value(shorter) {
                Some((form, _)) if letters > MIN_MISSPELT_FORM_LETTERS => Some(form),
                _ => self.legal_form_deletions.get(shorter),
            };
        });
        found.map(String::as_str)
    }
    /// Whether some squashed legal form begins with `squashed`.
    pub fn opens_legal_form(&self, squashed: &str) -> bool {
        self.legal_form_openings.contains(squashed)
    }
    /// Whether two squashed legal forms are spellings of one form ("ag" and
    /// "aktiengesellschaft").
    pub fn same_legal_form(&self, a: &str, b: &str) -> bool {
        match (
            self.legal_form_spellings.get(a),
            self.legal_form_spellings.get(b),
        ) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }
    /// Whether two legal form types are the same or kin (`kin:` in legal_forms.txt).
    pub fn kin_legal_types(&self, a: &str, b: &str) -> bool {
        a == b
            || self
                .legal_kin
                .iter()
                .any(|g| g.iter().any(|t| t == a) && g.iter().any(|t| t == b))
    }
    /// Whether a squashed legal form is an English/international rendering.
    pub fn is_international(&self, squashed: &str) -> bool {
        self.international_forms.contains_key(squashed)
    }
    /// Whether `a` and `b` are one word in two cases: one has an inflected
    /// ending, the other the same stem of four letters or more with a base
    /// ending ("gorkogo", "gorky"; `data/declensions.txt`). The scorer, which
    /// asks about most word pairs, first checks that the two share the
    /// stem's first [`MIN_DECLINED_STEM`] bytes.
    pub fn declined(&self, a: &str, b: &str) -> bool {
        self.declined_from(a, b) || self.declined_from(b, a)
    }

    fn declined_from(&self, inflected: &str, base: &str) -> bool {
        self.declensions.iter().any(|(endings, bases)| {
            endings.iter().any(|e| {
                inflected.strip_suffix(e.as_str()).is_some_and(|stem| {
                    stem.chars().count() >= MIN_DECLINED_STEM
                        && base
                            .strip_prefix(stem)
                            .is_some_and(|rest| bases.iter().any(|b| b == rest))
                })
            })
        })
    }

    /// Two words that each end in a spelling of one concept after a head
    /// ("stroytekhnologiya", "promtekhnologia": "technology"), as the two
    /// heads; `None` unless both words are such compounds.
    pub fn compound_heads<'a>(&self, a: &'a str, b: &'a str) -> Option<(&'a str, &'a str)> {
        let (ha, ca) = self.compound(a)?;
        let (hb, cb) = self.compound(b)?;
        (ca == cb).then_some((ha, hb))
    }

    /// A word that ends in a spelling of a concept of five letters or more
    /// after a head of at least one letter, as the head and the concept's id;
    /// the longest such ending is taken.
    fn compound<'a>(&self, word: &'a str) -> Option<(&'a str, u16)> {
        word.char_indices()
            .skip(1)
            .map(|(cut, _)| cut)
            .filter(|&cut| word.len() - cut >= MIN_COMPOUND_ENDING)
            .find_map(|cut| Some((&word[..cut], *self.concept_of.get(&word[cut..])?)))
    }

    pub fn concept(&self, token: &str) -> Option<&Concept> {
        // Tokens are already squashed: the scorer asks about every run of
        // words, so the common case must not allocate.
        let id = if token.contains([' ', '.', '/', '&']) {
            self.concept_of.get(&squash(token))
        } else {
            self.concept_of.get(token)
        };
        id.map(|&id| &self.concepts[id as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn declensions_read_genitives_and_keep_to_short_endings() {
        let lex = lexicon();
        assert!(lex.declined("gorkogo", "gorky"));
        assert!(lex.declined("dzerzhinsky", "dzerzhinskogo"));
        assert!(lex.declined("zelenodolskogo", "zelenodolsk"));
        assert!(!lex.declined("gorkogo", "gorsky"));
        // Stems under four letters are left alone ("Diego", "Di").
        assert!(!lex.declined("diego", "di"));
        // The scorer's bounds take two words whose endings differ by three
        // letters or fewer to be comparable.
        for (inflected, base) in &lex.declensions {
            for e in inflected.iter().chain(base) {
                assert!(e.chars().count() <= 3, "{e}");
            }
        }
    }

    #[test]
    fn forms_with_alternatives_stand_for_every_spelling() {
        assert_eq!(
            alternatives("{a,b} s {c, d}"),
            ["a s c", "a s d", "b s c", "b s d"]
        );
        assert_eq!(alternatives("ooo"), ["ooo"]);
        let lex = lexicon();
        for spelling in [
            "obshchestvosogranichennoyotvetstvennostyu",
            "obshchestvosogranichennoiotvetstvennostyu",
            "obschestvosogranichennojotvetstvennostju",
            "publichnoeaktsionernoeobshchestvo",
            "otkrytoyeaktsionernoyeobschestvo",
        ] {
            assert!(lex.legal_form(spelling).is_some(), "{spelling}");
        }
        assert!(lex.same_legal_form("obshchestvosogranichennoiotvetstvennostyu", "ooo"));
        assert!(lex.same_legal_form("publichnoeaktsionernoeobshchestvo", "pao"));
        // No form is written with a brace left over.
        assert!(lex.legal_forms.keys().all(|f| !f.contains(['{', '}', ','])));
    }

    #[test]
    fn compound_words_are_read_as_head_and_concept() {
        let lex = lexicon();
        assert_eq!(
            lex.compound_heads("stroytekhnologiya", "promtekhnologiya"),
            Some(("stroy", "prom"))
        );
        // A concept alone, or no concept at the end, is no compound.
        assert_eq!(
            lex.compound_heads("aviatrade", "ofitrade"),
            Some(("avia", "ofi"))
        );
        assert_eq!(
            lex.compound_heads("stroytekhnologiya", "promtekhnologia"),
            Some(("stroy", "prom"))
        );
        assert_eq!(lex.compound_heads("tekhnologiya", "promtekhnologiya"), None);
        assert_eq!(lex.compound_heads("kalashnikov", "kalashnikova"), None);
    }

    #[test]
    fn stopword_surnames_are_stopwords() {
        let lex = lexicon();
        for w in lex.stopword_surnames.keys() {
            assert!(lex.stopwords.contains_key(w), "{w} is not a stopword");
        }
    }

    /// What [`SubstringForms::first_in`] must find: the first form in order
    /// that occurs, where it first occurs.
    fn first_by_scan<'f>(forms: &'f [String], text: &str) -> Option<(&'f str, usize)> {
        forms
            .iter()
            .find_map(|f| text.find(f.as_str()).map(|pos| (f.as_str(), pos)))
    }

    /// Strings built from pieces of the forms themselves, so that forms
    /// overlap, nest and repeat in them.
    fn text_of(forms: &'static SubstringForms) -> impl Strategy<Value = String> {
        let pieces: Vec<String> = forms
            .forms()
            .iter()
            .flat_map(|f| {
                let chars: Vec<char> = f.chars().collect();
                let half = chars.len() / 2;
                [
                    f.clone(),
                    chars[..half].iter().collect(),
                    chars[half..].iter().collect(),
                ]
            })
            .chain(["x".to_string(), "的".to_string()])
            .collect();
        proptest::collection::vec(proptest::sample::select(pieces), 0..8).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn legal_forms_found_as_a_scan_finds_them(text in text_of(&lexicon().unspaced_legal_forms)) {
            let forms = &lexicon().unspaced_legal_forms;
            prop_assert_eq!(forms.first_in(&text), first_by_scan(forms.forms(), &text));
        }

        #[test]
        fn concepts_found_as_a_scan_finds_them(text in text_of(&lexicon().unspaced_concepts)) {
            let forms = &lexicon().unspaced_concepts;
            prop_assert_eq!(forms.first_in(&text), first_by_scan(forms.forms(), &text));
        }
    }

    #[test]
    fn unspaced_forms_are_loaded() {
        let lex = lexicon();
        assert!(lex.unspaced_legal_forms.contains("株式会社"));
        assert_eq!(
            lex.unspaced_legal_forms.first_in("霜月水産株式会社"),
            Some(("株式会社", "霜月水産".len()))
        );
        assert!(lex.unspaced_concepts.forms().len() > 10);
    }
}

//! Tokens of one name: splitting normalised text into words, recognising legal
//! forms (also multi-word and dotted ones: "Sp. z o.o.", "S.A. de C.V."),
//! stopwords, titles, vessel prefixes and numbers, and attaching to each word
//! its concept (for generic business words), acronym letters and phonetic keys.

use crate::lexicon::{lexicon, squash, SubstringForms};
use crate::normalize::{char_script, dominant_script, Script};
use crate::phonetic;
use kordon_model::Schema;

/// What a token is to the name. The class decides its weight in scoring:
/// legal forms, stopwords, titles and prefixes count little but are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TokenClass {
    /// A distinctive name word.
    Word,
    /// A generic business word with a known concept ("trading", "zavod").
    Generic,
    LegalForm,
    Stopword,
    Title,
    /// A vessel type prefix ("MV", "M/T").
    Prefix,
    Number,
}

impl TokenClass {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenClass::Word => "word",
            TokenClass::Generic => "generic",
            TokenClass::LegalForm => "legal_form",
            TokenClass::Stopword => "stopword",
            TokenClass::Title => "title",
            TokenClass::Prefix => "prefix",
            TokenClass::Number => "number",
        }
    }
}

/// One token in Latin form with its class and match keys.
///
/// The strings are [`TokenText`]: a million parties hold tens of millions of
/// these short strings, and keeping them inline instead of in five heap
/// allocations per token halves the memory of a prepared party.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Token {
    /// Lower-case ASCII Latin form.
    pub text: TokenText,
    pub class: TokenClass,
    /// Generic type for legal forms ("llc", "jsc"), concept name for generic
    /// words, decimal value for numbers.
    pub key: Option<TokenText>,
    /// Letters the token contributes to an acronym; several readings are
    /// separated by `|`, the first being the usual one (see
    /// [`Token::acronym_readings`]).
    pub initials: TokenText,
    /// Double Metaphone primary code (words only).
    pub phonetic: TokenText,
    /// Consonant skeleton for cross-script comparison.
    pub skeleton: TokenText,
    /// Spelling with romanisation-scheme differences folded ("khotintsev" and
    /// "hotincev" both give "hotincev").
    pub roman: TokenText,
}

impl Token {
    /// Each string of letters the token may give an acronym, the usual one
    /// first.
    #[inline]
    pub fn acronym_readings(&self) -> AcronymReadings<'_> {
        AcronymReadings {
            rest: Some(&self.initials),
        }
    }

    /// Whether one of the token's acronym readings opens with `letter`.
    #[inline]
    pub fn acronym_opens_with(&self, letter: u8) -> bool {
        // Asked of most token pairs the acronym pass meets: bytes, not a
        // split, and a word of one reading is done with its first byte.
        let b = self.initials.as_bytes();
        match b.first() {
            Some(&first) if first == letter => true,
            _ => b.len() > 2 && b.windows(2).any(|w| w == [b'|', letter]),
        }
    }
}

/// The readings of a token's initials, split at `|` ([`Token::acronym_readings`]).
/// A byte scan rather than `str::split`: the acronym walks ask this of
/// every word they meet, and nearly every word has one reading of one
/// letter, for which a searcher costs more than the scan.
#[derive(Debug, Clone)]
pub struct AcronymReadings<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for AcronymReadings<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match s.bytes().position(|b| b == b'|') {
            Some(i) => {
                self.rest = Some(&s[i + 1..]);
                Some(&s[..i])
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

/// A token's string: up to 24 bytes stored inline, longer ones on the heap.
pub type TokenText = compact_str::CompactString;

/// A raw token before transliteration: native text and, if the native form
/// was recognised, its class and key.
#[derive(Debug, Clone)]
pub(crate) struct RawToken {
    pub text: String,
    pub class: Option<(TokenClass, Option<String>, String)>,
}

/// Split normalised text into raw tokens. Dotted initials ("g.i.e.") join into
/// one token; "&" stands alone; unspaced scripts have legal forms cut out.
pub(crate) fn split_words(norm: &str) -> Vec<String> {
    let lex = lexicon();
    let mut out = Vec::new();
    for chunk in norm.split_whitespace() {
        let script = dominant_script(chunk);
        let pieces: Vec<String> = if matches!(
            script,
            Script::Han | Script::Kana | Script::Hangul | Script::Myanmar | Script::Thai
        ) {
            cut_unspaced(chunk, &lex.unspaced_legal_forms)
                .into_iter()
                .flat_map(|p| {
                    if lex.unspaced_legal_forms.contains(&p) {
                        vec![p]
                    } else {
                        cut_unspaced(&p, &lex.unspaced_concepts)
                    }
                })
                .collect()
        } else {
            vec![chunk.to_string()]
        };
        for piece in pieces {
            // "M/V", "A/S", "S.A." stay whole when the lexicon knows them as one word.
            if lex.vessel_prefixes.contains_key(&piece)
                || lex.legal_form(&squash(&piece)).is_some()
                || lex.concept(&piece).is_some()
            {
                out.push(piece.trim_matches('.').to_string());
                continue;
            }
            for part in piece.split('/') {
                let mut rest = part;
                while let Some(pos) = rest.find('&') {
                    push_dotted(&rest[..pos], &mut out);
                    out.push("&".to_string());
                    rest = &rest[pos + 1..];
                }
                push_dotted(rest, &mut out);
            }
        }
    }
    out
}

fn push_dotted(s: &str, out: &mut Vec<String>) {
    let parts: Vec<&str> = s.split('.').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return;
    }
    if parts.len() > 1 && parts.iter().all(|p| p.chars().count() == 1) {
        out.push(parts.concat());
    } else {
        out.extend(parts.iter().map(|p| p.to_string()));
    }
}

/// `chunk` cut around the forms it contains, most preferred form first.
fn cut_unspaced(chunk: &str, forms: &SubstringForms) -> Vec<String> {
    let Some((form, pos)) = forms.first_in(chunk) else {
        return vec![chunk.to_string()];
    };
    let mut out = Vec::new();
    let (before, after) = (&chunk[..pos], &chunk[pos + form.len()..]);
    if !before.is_empty() {
        out.extend(cut_unspaced(before, forms));
    }
    out.push(form.to_string());
    if !after.is_empty() {
        out.extend(cut_unspaced(after, forms));
    }
    out
}

/// Classify raw tokens in their own script (legal forms incl. multi-token,
/// stopwords, titles, prefixes, numbers, concepts).
pub(crate) fn classify(words: &[String], schema: Schema) -> Vec<RawToken> {
    let lex = lexicon();
    let person = schema == Schema::Person;
    let mut out: Vec<RawToken> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if !person {
            // The longest run of words from here that squashes to a legal
            // form, found by adding words while the squashed run can still
            // begin one (squashing a run squashes each word alone).
            let max = lex.legal_form_max_tokens.min(words.len() - i);
            let mut found = None;
            let mut sq = String::new();
            for len in 1..=max {
                sq.push_str(&squash(&words[i + len - 1]));
                if !lex.opens_legal_form(&sq) {
                    break;
                }
                if let Some(kind) = lex.legal_form(&sq) {
                    found = Some((len, kind.to_string(), sq.clone()));
                }
            }
            // A form of several words mistyped ("Joint Stock Comany"), read
            // as the form when it opens with the first word as spelt (a word
            // before a form is not a letter too many): the longest run of
            // words one edit from one.
            let opening = found.is_none().then(|| squash(&words[i]));
            if let Some(opening) = opening.filter(|o| lex.opens_legal_form(o)) {
                sq.clone_from(&opening);
                for len in 2..=max {
                    sq.push_str(&squash(&words[i + len - 1]));
                    let misspelt = lex.misspelt_legal_form(&sq);
                    if let Some(form) = misspelt.filter(|f| f.starts_with(&opening)) {
                        let kind = lex.legal_form(form).unwrap_or_default();
                        found = Some((len, kind.to_string(), form.to_string()));
                    }
                }
            }
            if let Some((len, kind, sq)) = found {
                out.push(RawToken {
                    text: sq,
                    class: Some((TokenClass::LegalForm, Some(kind), String::new())),
                });
                i += len;
                continue;
            }
        }
        let position = out.len();
        if let Some(v) = compound_number(words, i, schema, position) {
            out.push(RawToken {
                text: words[i..i + 2].concat(),
                class: Some((TokenClass::Number, Some(v.to_string()), String::new())),
            });
            i += 2;
            continue;
        }
        let w = &words[i];
        let is_last = i + 1 == words.len();
        out.push(RawToken {
            text: w.clone(),
            class: classify_word(w, schema, position, is_last),
        });
        i += 1;
    }
    out
}

fn classify_word(
    w: &str,
    schema: Schema,
    position: usize,
    is_last: bool,
) -> Option<(TokenClass, Option<String>, String)> {
    let lex = lexicon();
    let person = schema == Schema::Person;
    if w == "&" {
        return Some((TokenClass::Stopword, None, String::new()));
    }
    if let Some(v) = number_value(w, schema, position, is_last) {
        return Some((TokenClass::Number, Some(v), String::new()));
    }
    if !person && position == 0 && lex.vessel_prefixes.contains_key(w) && !is_last {
        return Some((TokenClass::Prefix, None, String::new()));
    }
    // A surname that is also a particle is the surname at either end of a
    // person's name (`data/stopword_surnames.txt`).
    let surname = person && (position == 0 || is_last) && lex.stopword_surnames.contains_key(w);
    if lex.stopwords.contains_key(w) && !surname {
        return Some((TokenClass::Stopword, None, String::new()));
    }
    // Titles precede personal names; inside a company's or a vessel's name
    // the same letters are a word or an abbreviation ("MS" for a register number).
    let title = lex.titles.contains_key(w) && matches!(schema, Schema::Person | Schema::Unknown);
    if (title || lex.labels.contains_key(w)) && !is_last {
        return Some((TokenClass::Title, None, String::new()));
    }
    if let Some(group) = lex.person_name_group.get(w) {
        if person || dominant_script(w) != Script::Latin || !lex.concept_of.contains_key(w) {
            return Some((
                TokenClass::Word,
                Some(format!("name:{group}")),
                String::new(),
            ));
        }
    }
    if !person {
        if let Some(c) = lex
            .concept(w)
            .or_else(|| lex.concept(strip_hebrew_prefix(w)?))
        {
            return Some((
                TokenClass::Generic,
                Some(c.canonical.clone()),
                c.initials.clone(),
            ));
        }
    }
    None
}

/// The decimal value of a word read as a number at this place in a name:
/// digits ("007" = 7), digits with an English ordinal ending ("1st", "44th"),
/// and in names other than persons' the number words and Roman numerals of
/// `data/numbers.txt`. Roman numerals and words that also open brand names
/// ("Premier") are numbers only after the first token, a single letter ("V")
/// only as the last.
fn number_value(w: &str, schema: Schema, position: usize, is_last: bool) -> Option<String> {
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|end| w.strip_suffix(end))
        .filter(|d| !d.is_empty())
        .unwrap_or(w);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        let v = digits.trim_start_matches('0');
        return Some(if v.is_empty() { "0".into() } else { v.into() });
    }
    if schema == Schema::Person {
        return None;
    }
    let lex = lexicon();
    let v = lex.numbers.get(w)?;
    let single = w.chars().count() == 1;
    let roman = w.chars().all(|c| "ivxlcdm".contains(c));
    let name_word = lex.numbers_not_first.contains_key(w);
    let placed = if position == 0 {
        !single && !roman && !name_word
    } else {
        !single || is_last
    };
    placed.then(|| v.to_string())
}

/// "forty four", "forty-four" and "forty 4" are one number: a tens word
/// followed by a unit. The value when `words[i]` opens such a pair.
fn compound_number(words: &[String], i: usize, schema: Schema, position: usize) -> Option<u32> {
    let next = words.get(i + 1)?;
    let tens: u32 = number_value(&words[i], schema, position, false)?
        .parse()
        .ok()?;
    let unit: u32 = number_value(next, schema, position + 1, i + 2 == words.len())?
        .parse()
        .ok()?;
    let is_tens = (20..=90).contains(&tens)
        && tens.is_multiple_of(10)
        && !words[i].chars().any(|c| c.is_ascii_digit());
    let roman_unit = next.chars().all(|c| "ivxlcdm".contains(c));
    (is_tens && (1..=9).contains(&unit) && !roman_unit).then_some(tens + unit)
}

/// Hebrew writes "and" (ו) and "the" (ה) as a prefix letter of the next word:
/// "והובלה" is "and transport". The bare word, if long enough to be one.
fn strip_hebrew_prefix(w: &str) -> Option<&str> {
    let rest = w.strip_prefix('ו').or_else(|| w.strip_prefix('ה'))?;
    (rest.chars().count() >= 3).then_some(rest)
}

/// The letters a word gives an acronym (see [`Token::initials`]): those its
/// concept sets ("electromechanical/em"), else its first letter. A concept
/// that lists several readings with `|` ("plant/p|z": "Plant" in English
/// acronyms, "Zavod" in Russian ones) gives the word's own first letter, then
/// each listed reading.
fn acronym_letters(text: &str, class: TokenClass, explicit: &str) -> String {
    if !matches!(class, TokenClass::Word | TokenClass::Generic) {
        return explicit.to_string();
    }
    let own: String = text.chars().take(1).collect();
    if explicit.is_empty() {
        return own;
    }
    if !explicit.contains('|') {
        return explicit.to_string();
    }
    let mut readings = vec![own.as_str()];
    for r in explicit.split('|').map(str::trim) {
        if !r.is_empty() && !readings.contains(&r) {
            readings.push(r);
        }
    }
    readings.join("|")
}

/// Build a finished token from Latin text and an optional known class.
pub(crate) fn finish(text: String, class: Option<(TokenClass, Option<String>, String)>) -> Token {
    let (class, key, initials) = match class {
        Some((c, k, i)) => (c, k, i),
        None => (TokenClass::Word, None, String::new()),
    };
    let initials = acronym_letters(&text, class, &initials);
    let (phonetic, skeleton, roman) = match class {
        TokenClass::Word | TokenClass::Generic if text.len() > 1 => (
            phonetic::metaphone(&text),
            phonetic::skeleton(&text),
            phonetic::romanisation_fold(&text),
        ),
        _ => (String::new(), String::new(), String::new()),
    };
    Token {
        text: text.into(),
        class,
        key: key.map(Into::into),
        initials: initials.into(),
        phonetic: phonetic.into(),
        skeleton: skeleton.into(),
        roman: roman.into(),
    }
}

/// The tokens of a name in its own script, not transliterated: two names
/// written in the same script compare best on their own letters, since any
/// romanisation can only lose distinctions (one Korean scheme writes both
/// "종" and "정" as "jong"). Optional vowel points are dropped and spelling
/// variants of one letter folded (`data/letter_variants.txt`), and
/// traditional Chinese characters to simplified ones; tokens carry no
/// phonetic keys.
pub fn native_tokens(text: &str, schema: Schema) -> Vec<Token> {
    let lex = lexicon();
    let mut folded: String = crate::normalize_text(text)
        .chars()
        .filter(|c| !crate::normalize::is_optional_vowel_point(*c))
        .map(|c| lex.letter_variant(c))
        .collect();
    // Lists from Taiwan and Hong Kong write "華為技術" where mainland ones
    // write "华为技术": the same name in two character sets. Han letters
    // start at U+2E80, which spares other scripts the Unicode lookup (this
    // runs for every name in Arabic script compared).
    if folded
        .chars()
        .any(|c| c as u32 >= 0x2E80 && char_script(c) == Some(Script::Han))
    {
        folded = fast2s::convert(&folded);
    }
    // Words as written; unspaced scripts only have their legal forms cut out
    // ("株式会社"), which is all the comparison needs and cheap.
    let words: Vec<String> = folded
        .split_whitespace()
        .flat_map(|chunk| {
            if matches!(
                dominant_script(chunk),
                Script::Han | Script::Kana | Script::Hangul | Script::Myanmar | Script::Thai
            ) {
                cut_unspaced(chunk, &lex.unspaced_legal_forms)
            } else {
                vec![chunk.to_string()]
            }
        })
        .collect();
    classify(&words, schema)
        .into_iter()
        .map(|r| {
            let (class, key, initials) = r.class.unwrap_or((TokenClass::Word, None, String::new()));
            let initials = acronym_letters(&r.text, class, &initials);
            Token {
                text: r.text.into(),
                class,
                key: key.map(Into::into),
                initials: initials.into(),
                phonetic: TokenText::default(),
                skeleton: TokenText::default(),
                roman: TokenText::default(),
            }
        })
        .collect()
}

/// Whether a token's text contains letters of a script other than Latin.
pub(crate) fn is_native(s: &str) -> bool {
    s.chars()
        .filter_map(char_script)
        .any(|sc| sc != Script::Latin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The byte scan reads the initials as splitting them at `|` does,
        /// empty readings and letters outside ASCII included.
        #[test]
        fn acronym_readings_split_at_bars(initials in "[a-zé|]{0,8}") {
            let t = Token {
                text: "x".into(),
                class: TokenClass::Word,
                key: None,
                initials: initials.as_str().into(),
                phonetic: TokenText::default(),
                skeleton: TokenText::default(),
                roman: TokenText::default(),
            };
            let split: Vec<&str> = initials.split('|').collect();
            prop_assert_eq!(t.acronym_readings().collect::<Vec<_>>(), split);
        }

        /// The scan adds words while a legal form can still follow, and
        /// takes the longest run that squashes to one: what trying every
        /// length, longest first, finds. Without one, it takes the longest
        /// run of several words one edit from a form that opens with the
        /// first word.
        #[test]
        fn legal_form_scan_takes_the_longest_form(words in proptest::collection::vec(
            proptest::sample::select(vec![
                "sp.", "z", "o.o.", "o", "co.", "co", "ltd", "ltd.", "s.a.", "sa", "de", "c.v.",
                "cv", "joint", "stock", "company", "limited", "liability", "public", "pvt",
                "private", "&", ".", "kupol", "izhevsk", "gmbh", "co.,", "youxian", "gongsi",
                "comany", "liabilty", "compny",
            ]),
            1..7,
        )) {
            let words: Vec<String> = words.into_iter().map(String::from).collect();
            let lex = lexicon();
            let max = lex.legal_form_max_tokens.min(words.len());
            let longest = (1..=max)
                .rev()
                .map(|len| squash(&words[..len].concat()))
                .find(|sq| lex.legal_form(sq).is_some());
            let first = &classify(&words, Schema::Organization)[0];
            let is_form = first.class.as_ref().map(|c| c.0) == Some(TokenClass::LegalForm);
            let opening = squash(&words[0]);
            let misspelt = (2..=max)
                .rev()
                .filter_map(|len| lex.misspelt_legal_form(&squash(&words[..len].concat())))
                .find(|form| form.starts_with(&opening) && lex.opens_legal_form(&opening));
            match longest.as_deref().or(misspelt) {
                Some(sq) => prop_assert!(is_form && first.text == sq, "{:?}: {:?}", words, first.text),
                None => prop_assert!(!is_form, "{:?}", words),
            }
        }
    }

    /// The tokens of an organisation's name and whether each is a legal form.
    fn forms(text: &str) -> Vec<(String, bool)> {
        classify(
            &split_words(&crate::normalize_text(text)),
            Schema::Organization,
        )
        .into_iter()
        .map(|r| {
            (
                r.text,
                r.class.is_some_and(|c| c.0 == TokenClass::LegalForm),
            )
        })
        .collect()
    }

    #[test]
    fn a_legal_form_of_several_words_is_read_through_one_typo() {
        let form = |s: &str| (s.to_string(), true);
        let word = |s: &str| (s.to_string(), false);
        assert_eq!(
            forms("Joint Stock Comany Eleron"),
            [form("jointstockcompany"), word("eleron")]
        );
        assert_eq!(
            forms("Obshchestvo s Ogranichennoi Otvetstvnnostyu Valma"),
            [
                form("obshchestvosogranichennoiotvetstvennostyu"),
                word("valma")
            ]
        );
        assert_eq!(
            forms("Public Jiont Stock Company Rostec"),
            [form("publicjointstockcompany"), word("rostec")]
        );
        // A word before a form is not a letter too many, and two typos are
        // not one.
        assert_eq!(
            forms("Z Joint Stock Company"),
            [word("z"), form("jointstockcompany")]
        );
        assert_eq!(forms("Joint Stok Comany")[0], word("joint"));
        // Short forms are not read through typos: one edit in a few letters
        // is another phrase.
        assert_eq!(forms("Sdn Bhad Harrowgate")[0], word("sdn"));
    }

    fn numbers(text: &str, schema: Schema) -> Vec<String> {
        let words = split_words(&crate::normalize_text(text));
        classify(&words, schema)
            .into_iter()
            .filter_map(|r| match r.class {
                Some((TokenClass::Number, Some(v), _)) => Some(v),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn ordinals_and_compound_numbers_have_one_value() {
        let org = Schema::Organization;
        assert_eq!(numbers("Regiment 21st", org), ["21"]);
        assert_eq!(numbers("First Harbour Bank", org), ["1"]);
        assert_eq!(numbers("Harbour Bank One", org), ["1"]);
        assert_eq!(numbers("Company Fifty-Two", org), ["52"]);
        assert_eq!(numbers("Company fifty two", org), ["52"]);
        assert_eq!(numbers("Company Fifty 2", org), ["52"]);
        // A tens digit and a unit are two numbers, a tens word and a year too.
        assert_eq!(numbers("Unit 50 2", org), ["50", "2"]);
        assert_eq!(numbers("Fund Twenty 2004", org), ["20", "2004"]);
        assert_eq!(numbers("Seven Percent Club", org), ["7"]);
        assert_eq!(numbers("7% Club", org), ["7"]);
    }

    fn class_of_first(text: &str, schema: Schema) -> Option<TokenClass> {
        let words = split_words(&crate::normalize_text(text));
        classify(&words, schema)[0].class.as_ref().map(|c| c.0)
    }

    #[test]
    fn titles_belong_to_people_and_labels_to_anyone() {
        assert_eq!(
            class_of_first("Dr Anna Kowal", Schema::Person),
            Some(TokenClass::Title)
        );
        assert_eq!(
            class_of_first("Dr Kowal Pharma", Schema::Organization),
            None
        );
        let label = class_of_first("Messrs Kowal Pharma", Schema::Organization);
        assert_eq!(label, Some(TokenClass::Title));
    }

    #[test]
    fn brand_words_and_roman_letters_open_names_as_words() {
        let org = Schema::Organization;
        assert!(numbers("Premier Cargo Lines", org).is_empty());
        assert!(numbers("Vi Trading", org).is_empty());
        assert_eq!(numbers("Cargo Lines Premier", org), ["1"]);
        // People's names have no number words, only digits.
        assert!(numbers("Ten Li", Schema::Person).is_empty());
        assert_eq!(numbers("Ten Li 3rd", Schema::Person), ["3"]);
    }
}

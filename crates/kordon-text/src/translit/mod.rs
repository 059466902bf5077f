//! Offline transliteration of names in any script to lower-case ASCII Latin,
//! one rendering per transliteration scheme in use, so a screening matcher
//! can compare "Евгений Пригожин" with "Yevgeniy Prigozhin" or "Evgenii
//! Prigozhin" by plain token equality.
//!
//! Letter-level schemes live in `data/translit/*.rules` (see `rules.rs` for
//! the format); whole-name spellings (Arabic/Persian, Cyrillic, Korean
//! surnames) in `data/translit/*.tsv`. Han goes through the `pinyin` crate
//! (Chinese personal names also through Wade-Giles and Cantonese tables),
//! Hangul is computed from its syllable decomposition, Burmese is rendered
//! syllable by syllable, as is Khmer, and scripts without tables (Thai,
//! ...) fall back to `any_ascii`.
//!
//! A text is cut into words of one script each. Every word yields renderings
//! aligned across words by scheme (column k of every Cyrillic word is the
//! same scheme): the k-th variant of the text joins each word's k-th
//! rendering, or its first when it has fewer. Spellings from name tables are
//! not tied to a scheme, so they come after, substituted one word at a time
//! into the first variant.

mod han;
pub(crate) use han::PERSONAL_NAME_SPELLINGS;
mod hangul;
mod khmer;
mod myanmar;
mod names;
mod rules;
mod script;

use std::sync::OnceLock;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use rules::{fold_str, Scheme, SchemeSet};
pub use script::{detect_script, script_of, Script};

/// Upper bound on variants per text, so a long multi-word name cannot
/// multiply into an unbounded list.
const MAX_VARIANTS: usize = 16;

/// Punctuation that belongs inside a word when letters surround it:
/// apostrophes (Ukrainian м'ясо, O'Brien), Hebrew geresh and gershayim
/// (בע״מ, ג׳), and the zero-width (non-)joiner inside Persian words
/// (خامنه‌ای).
const INTRA_WORD: &[char] = &['\'', '’', 'ʼ', '׳', '״', '"', '\u{200c}', '\u{200d}'];

/// Hebrew geresh also ends a word: ג׳ at the end of ג׳ורג׳ is "j".
const WORD_FINAL_HEBREW: &[char] = &['׳', '\''];

/// Lower-case Latin renderings of `s`, one per transliteration scheme that
/// applies, deduplicated, most common first. Latin input comes back folded to
/// ASCII ("Diakité" → "diakite"; "Müller" → "muller", then "mueller").
/// Mixed-script text is handled word by word.
///
/// Never empty for non-empty input: the list always has at least one
/// element (an empty string only if nothing in `s` has an ASCII rendering).
pub fn latin_variants(s: &str) -> Vec<String> {
    latin_variants_in(s, is_chinese_personal_name(s))
}

/// Han characters of a Chinese personal name at most; longer names are
/// firms and places, which lists write in pinyin or in English.
const PERSONAL_NAME_HAN_CHARS: usize = 4;

/// Whether `name` reads as a Chinese personal name: one to four Han
/// characters. Such names are also spelt in Wade-Giles and Cantonese.
/// Firms are not: their common syllables ("kung", "kwok") would bring in
/// every such name on the lists as a candidate.
pub(crate) fn is_chinese_personal_name(name: &str) -> bool {
    if name.is_ascii() {
        return false;
    }
    let han = name
        .chars()
        .filter(|&c| script_of(c) == Some(Script::Han))
        .count();
    (1..=PERSONAL_NAME_HAN_CHARS).contains(&han)
}

/// [`latin_variants`] of `s`, a part of a name that is (or is not) a
/// Chinese personal name as a whole.
pub(crate) fn latin_variants_in(s: &str, chinese_personal_name: bool) -> Vec<String> {
    // Most list names are plain ASCII already.
    if s.is_ascii() {
        return vec![s
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join(" ")];
    }
    let text: String = s.nfc().collect::<String>().to_lowercase();
    let context = TextContext::of(&text, chinese_personal_name);
    let segments = segment(&text);
    let mut rendered: Vec<Rendered> = Vec::with_capacity(segments.len());
    let mut index = 0;
    while index < segments.len() {
        match &segments[index] {
            Segment::Separator(text) => rendered.push(Rendered::Separator(fold_str(text))),
            Segment::Word(chars, script) => {
                if let Some(pair) = arabic_two_word_name(&segments[index..]) {
                    rendered.push(Rendered::Word(Renderings::spellings(&pair)));
                    index += 3;
                    continue;
                }
                rendered.push(Rendered::Word(word_renderings(chars, *script, &context)));
            }
        }
        index += 1;
    }
    combine(&rendered)
}

/// Other customary Latin spellings of one Latin name token, most common
/// first, without the token itself: "mohammed" → ["muhammad", "mohamed",
/// ...], "alexander" → ["aleksandr", ...], "lee" → ["yi", "rhee", ...].
/// Empty for tokens the name tables do not know.
pub fn name_spelling_variants(token: &str) -> Vec<String> {
    let folded = fold_str(&token.nfc().collect::<String>().to_lowercase());
    let token = folded.trim();
    let mut out: Vec<String> = Vec::new();
    for table in [names::arabic(), names::cyrillic(), names::korean_surnames()] {
        for spelling in table.latin_alternatives(token) {
            if !out.contains(&spelling) {
                out.push(spelling);
            }
        }
    }
    out
}

enum Segment {
    Word(Vec<char>, Script),
    Separator(String),
}

enum Rendered {
    Word(Renderings),
    Separator(String),
}

/// How one word can be written in Latin.
#[derive(Default)]
struct Renderings {
    /// One rendering per scheme, in the scheme order shared by the text.
    by_scheme: Vec<String>,
    /// Customary spellings from a name table, most common first.
    alternatives: Vec<String>,
}

impl Renderings {
    fn by_scheme(by_scheme: Vec<String>) -> Self {
        Renderings {
            by_scheme,
            alternatives: Vec::new(),
        }
    }

    /// A name-table hit: its most common spelling stands in every scheme.
    fn spellings(spellings: &[String]) -> Self {
        Renderings {
            by_scheme: spellings.first().cloned().into_iter().collect(),
            alternatives: spellings.iter().skip(1).cloned().collect(),
        }
    }
}

fn segment(text: &str) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut segments = Vec::new();
    let mut word: Vec<char> = Vec::new();
    let mut word_script = Script::Other;
    let mut separator = String::new();
    for (position, &c) in chars.iter().enumerate() {
        let joins_word = !word.is_empty()
            && (is_combining_mark(c)
                || (INTRA_WORD.contains(&c)
                    && chars.get(position + 1).and_then(|&next| script_of(next))
                        == Some(word_script))
                || (word_script == Script::Hebrew && WORD_FINAL_HEBREW.contains(&c)));
        if joins_word {
            word.push(c);
            continue;
        }
        match script_of(c) {
            Some(script) if script == word_script && !word.is_empty() => word.push(c),
            Some(script) => {
                if !word.is_empty() {
                    segments.push(Segment::Word(std::mem::take(&mut word), word_script));
                }
                if !separator.is_empty() {
                    segments.push(Segment::Separator(std::mem::take(&mut separator)));
                }
                word.push(c);
                word_script = script;
            }
            None => {
                if !word.is_empty() {
                    segments.push(Segment::Word(std::mem::take(&mut word), word_script));
                }
                separator.push(c);
            }
        }
    }
    if !word.is_empty() {
        segments.push(Segment::Word(word, word_script));
    }
    if !separator.is_empty() {
        segments.push(Segment::Separator(separator));
    }
    segments
}

/// Joins word renderings into whole-text variants: scheme columns first,
/// then each word's name-table alternatives in turn.
fn combine(rendered: &[Rendered]) -> Vec<String> {
    let columns = rendered
        .iter()
        .map(|r| match r {
            Rendered::Word(word) => word.by_scheme.len(),
            Rendered::Separator(_) => 1,
        })
        .max()
        .unwrap_or(1)
        .clamp(1, MAX_VARIANTS);
    let mut variants: Vec<String> = Vec::with_capacity(columns);
    let mut push = |variant: String| {
        let variant = variant.split_whitespace().collect::<Vec<_>>().join(" ");
        if !variants.contains(&variant) {
            variants.push(variant);
        }
    };
    let join = |column: usize, substitute: Option<(usize, &str)>| {
        let mut text = String::new();
        for (index, part) in rendered.iter().enumerate() {
            match (part, substitute) {
                (Rendered::Separator(separator), _) => text.push_str(separator),
                (Rendered::Word(_), Some((at, spelling))) if at == index => text.push_str(spelling),
                (Rendered::Word(word), _) => {
                    if let Some(rendering) = word
                        .by_scheme
                        .get(column)
                        .or_else(|| word.by_scheme.first())
                    {
                        text.push_str(rendering);
                    }
                }
            }
        }
        text
    };
    for column in 0..columns {
        push(join(column, None));
    }
    for (index, part) in rendered.iter().enumerate() {
        if let Rendered::Word(word) = part {
            for spelling in &word.alternatives {
                push(join(0, Some((index, spelling))));
            }
        }
    }
    variants.truncate(MAX_VARIANTS);
    variants
}

/// What the whole text says about how to read its words.
struct TextContext<'a> {
    /// Cyrillic schemes for the language the text's letters point to.
    cyrillic: Vec<&'a Scheme>,
    /// Persian letters present: prefer o/e vowels and colloquial spellings.
    persian: bool,
    /// A Chinese personal name: Han words get Wade-Giles and Cantonese
    /// spellings too.
    chinese_personal_name: bool,
}

impl TextContext<'static> {
    fn of(text: &str, chinese_personal_name: bool) -> Self {
        let catalogue = catalogue();
        let has_cyrillic = text.chars().any(|c| script_of(c) == Some(Script::Cyrillic));
        let cyrillic = if has_cyrillic {
            catalogue
                .cyrillic_languages
                .iter()
                .find(|language| {
                    language.markers.is_empty()
                        || language
                            .markers
                            .iter()
                            .any(|marker| marker.split('+').all(|part| text.contains(part)))
                })
                .map(|language| {
                    language
                        .schemes
                        .iter()
                        .filter_map(|name| catalogue.cyrillic.get(name))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let persian = text
            .chars()
            .any(|c| matches!(c, 'پ' | 'چ' | 'ژ' | 'گ' | 'ک' | 'ی'));
        TextContext {
            cyrillic,
            persian,
            chinese_personal_name,
        }
    }
}

struct CyrillicLanguage {
    markers: Vec<String>,
    schemes: Vec<String>,
}

/// Every compiled-in table, parsed once.
struct Catalogue {
    cyrillic: SchemeSet,
    cyrillic_languages: Vec<CyrillicLanguage>,
    greek: SchemeSet,
    armenian: SchemeSet,
    georgian: SchemeSet,
    hebrew: SchemeSet,
    arabic: SchemeSet,
    kana: SchemeSet,
    myanmar: SchemeSet,
    latin: SchemeSet,
}

fn parse_rules(file: &str, text: &str) -> SchemeSet {
    // The tables are part of the program, and the crate's tests parse every
    // one, so a broken table is a build defect rather than bad input.
    SchemeSet::parse(text).unwrap_or_else(|e| panic!("data/translit/{file}: {e}"))
}

fn parse_cyrillic_languages(text: &str) -> Vec<CyrillicLanguage> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('|').map(str::trim);
            let _language = fields.next()?;
            let markers = fields
                .next()?
                .split_whitespace()
                .map(str::to_string)
                .collect();
            let schemes = fields
                .next()?
                .split_whitespace()
                .map(str::to_string)
                .collect();
            Some(CyrillicLanguage { markers, schemes })
        })
        .collect()
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        cyrillic: parse_rules(
            "cyrillic.rules",
            include_str!("../../data/translit/cyrillic.rules"),
        ),
        cyrillic_languages: parse_cyrillic_languages(include_str!(
            "../../data/translit/cyrillic-languages.tsv"
        )),
        greek: parse_rules(
            "greek.rules",
            include_str!("../../data/translit/greek.rules"),
        ),
        armenian: parse_rules(
            "armenian.rules",
            include_str!("../../data/translit/armenian.rules"),
        ),
        georgian: parse_rules(
            "georgian.rules",
            include_str!("../../data/translit/georgian.rules"),
        ),
        hebrew: parse_rules(
            "hebrew.rules",
            include_str!("../../data/translit/hebrew.rules"),
        ),
        arabic: parse_rules(
            "arabic.rules",
            include_str!("../../data/translit/arabic.rules"),
        ),
        kana: parse_rules("kana.rules", include_str!("../../data/translit/kana.rules")),
        myanmar: parse_rules(
            "myanmar.rules",
            include_str!("../../data/translit/myanmar.rules"),
        ),
        latin: parse_rules(
            "latin.rules",
            include_str!("../../data/translit/latin.rules"),
        ),
    })
}

/// Renders `word` with each named scheme of `set`, once per filler vowel for
/// schemes that insert them, in order.
fn render_schemes(set: &SchemeSet, scheme_names: &[&str], word: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in scheme_names.iter().filter_map(|name| set.get(name)) {
        render_scheme(scheme, word, &mut out);
    }
    out
}

fn render_scheme(scheme: &Scheme, word: &[char], out: &mut Vec<String>) {
    let fillers = scheme.fillers();
    if fillers.is_empty() {
        let mut rendering = String::new();
        scheme.render_word(word, None, &mut rendering);
        out.push(rendering);
    }
    for filler in fillers {
        let mut rendering = String::new();
        scheme.render_word(word, Some(filler), &mut rendering);
        out.push(rendering);
    }
}

fn without_marks(word: &[char]) -> Vec<char> {
    word.iter()
        .copied()
        .nfd()
        .filter(|&c| !is_combining_mark(c))
        .collect()
}

fn word_renderings(word: &[char], script: Script, context: &TextContext<'_>) -> Renderings {
    let catalogue = catalogue();
    match script {
        Script::Latin => {
            let plain: String = word.iter().collect();
            let mut out = vec![fold_str(&plain)];
            if !plain.is_ascii() {
                out.extend(render_schemes(&catalogue.latin, &["latin.expanded"], word));
            }
            Renderings::by_scheme(out)
        }
        Script::Cyrillic => {
            let mut out = Vec::with_capacity(context.cyrillic.len() + 2);
            for scheme in &context.cyrillic {
                render_scheme(scheme, word, &mut out);
            }
            let text: String = word.iter().collect();
            let alternatives = names::cyrillic().native(&text).cloned().unwrap_or_default();
            Renderings {
                by_scheme: out,
                alternatives,
            }
        }
        Script::Greek => Renderings::by_scheme(render_schemes(
            &catalogue.greek,
            &["el.elot", "el.phonetic", "el.classical"],
            &without_marks(word),
        )),
        Script::Armenian => Renderings::by_scheme(render_schemes(
            &catalogue.armenian,
            &["hy.bgn", "hy.common"],
            word,
        )),
        Script::Georgian => Renderings::by_scheme(render_schemes(
            &catalogue.georgian,
            &["ka.national", "ka.legacy"],
            word,
        )),
        Script::Hebrew => Renderings::by_scheme(render_schemes(
            &catalogue.hebrew,
            &["he.popular", "he.academy", "he.scholarly"],
            word,
        )),
        Script::Arabic => arabic_word(word, context),
        Script::Han => {
            Renderings::by_scheme(han::word_renderings(word, context.chinese_personal_name))
        }
        Script::Hangul => Renderings::by_scheme(hangul::word_renderings(word)),
        Script::Kana => {
            let hiragana: Vec<char> = word.iter().map(|&c| katakana_to_hiragana(c)).collect();
            Renderings::by_scheme(render_schemes(
                &catalogue.kana,
                &["ja.hepburn", "ja.kunrei"],
                &hiragana,
            ))
        }
        Script::Myanmar => {
            let schemes = myanmar::MyanmarSchemes {
                plain: ["my.popular", "my.alternative", "my.pali"]
                    .iter()
                    .filter_map(|name| catalogue.myanmar.get(name))
                    .collect(),
                voiced: catalogue.myanmar.get("my.voiced"),
            };
            Renderings::by_scheme(myanmar::word_renderings(&schemes, word))
        }
        Script::Khmer => Renderings::by_scheme(vec![khmer::word_rendering(word)]),
        Script::Thai | Script::Other => {
            let plain: String = word.iter().collect();
            Renderings::by_scheme(vec![fold_str(&plain)])
        }
    }
}

fn katakana_to_hiragana(c: char) -> char {
    match c {
        'ァ'..='ヶ' => char::from_u32(u32::from(c) - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// An Arabic-script word: the name table first (with or without the article
/// al-), else letter-level schemes with inserted vowels.
fn arabic_word(word: &[char], context: &TextContext<'_>) -> Renderings {
    let text: String = word.iter().collect();
    let normalised = names::normalise_arabic(&text);
    let table = names::arabic();
    if let Some(spellings) = table.native(&normalised) {
        return Renderings::spellings(spellings);
    }
    if let Some(spellings) = normalised
        .strip_prefix("ال")
        .and_then(|rest| table.native(rest))
    {
        let mut out: Vec<String> = spellings.iter().map(|s| format!("al-{s}")).collect();
        if let Some(first) = spellings.first() {
            out.push(format!("el-{first}"));
            out.push(format!("al{first}"));
        }
        return Renderings::spellings(&out);
    }
    let order: &[&str] = if context.persian {
        &["ar.colloquial", "ar.common"]
    } else {
        &["ar.common", "ar.colloquial"]
    };
    Renderings::by_scheme(render_schemes(&catalogue().arabic, order, word))
}

/// Arabic names written as two words ("عبد الله") that the table spells as
/// one ("abdullah"); `segments` starts at the first word.
fn arabic_two_word_name(segments: &[Segment]) -> Option<Vec<String>> {
    match segments {
        [Segment::Word(first, Script::Arabic), Segment::Separator(space), Segment::Word(second, Script::Arabic), ..]
            if space.trim().is_empty() =>
        {
            let joined: String = first
                .iter()
                .chain([' '].iter())
                .chain(second.iter())
                .collect();
            names::arabic()
                .native(&names::normalise_arabic(&joined))
                .cloned()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_parses() {
        let catalogue = catalogue();
        for (set, count) in [
            (&catalogue.cyrillic, 16),
            (&catalogue.greek, 3),
            (&catalogue.armenian, 2),
            (&catalogue.georgian, 2),
            (&catalogue.hebrew, 3),
            (&catalogue.arabic, 2),
            (&catalogue.kana, 2),
            (&catalogue.myanmar, 4),
            (&catalogue.latin, 1),
        ] {
            assert_eq!(set.names().count(), count);
        }
        assert_eq!(catalogue.cyrillic_languages.len(), 8);
        let every_scheme_exists = catalogue
            .cyrillic_languages
            .iter()
            .flat_map(|l| &l.schemes)
            .all(|name| catalogue.cyrillic.get(name).is_some());
        assert!(every_scheme_exists);
        assert!(names::arabic().native("محمد").is_some());
        assert!(names::cyrillic().native("юрий").is_some());
        assert!(names::korean_surnames().native("김").is_some());
    }
}

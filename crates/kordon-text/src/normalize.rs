//! Character-level normalisation of name text: Unicode compatibility forms,
//! case, invisible characters, look-alike letters from other scripts, native
//! digits and punctuation. Everything downstream sees text that went through
//! [`normalize_text`], so two spellings that differ only in such noise compare
//! equal.

use crate::lexicon;
use unicode_normalization::UnicodeNormalization;

/// Broad script class of a letter, enough to decide whether a token mixes
/// scripts and whether two names are written in different scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Armenian,
    Georgian,
    Hebrew,
    Arabic,
    Han,
    Kana,
    Hangul,
    Thai,
    Myanmar,
    Other,
}

impl Script {
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Latin => "Latn",
            Script::Cyrillic => "Cyrl",
            Script::Greek => "Grek",
            Script::Armenian => "Armn",
            Script::Georgian => "Geor",
            Script::Hebrew => "Hebr",
            Script::Arabic => "Arab",
            Script::Han => "Hani",
            Script::Kana => "Kana",
            Script::Hangul => "Hang",
            Script::Thai => "Thai",
            Script::Myanmar => "Mymr",
            Script::Other => "Zyyy",
        }
    }

    /// Scripts written without spaces between words.
    pub fn is_unspaced(self) -> bool {
        matches!(self, Script::Han | Script::Kana | Script::Thai)
    }
}

/// Whether `c` is alphabetic, as [`char::is_alphabetic`] says. Names are
/// read letter by letter several times per query, and outside ASCII the
/// standard library searches its ranges for every letter; the Basic
/// Multilingual Plane, where nearly every name's letters are, is looked up
/// in a table of one bit per character (8 KB), built once.
pub(crate) fn is_letter(c: char) -> bool {
    static PLANE0: std::sync::LazyLock<Box<[u64; 1024]>> = std::sync::LazyLock::new(|| {
        let mut bits = Box::new([0u64; 1024]);
        for cp in 0..0x1_0000u32 {
            if char::from_u32(cp).is_some_and(char::is_alphabetic) {
                bits[cp as usize / 64] |= 1 << (cp % 64);
            }
        }
        bits
    });
    let cp = c as u32;
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if cp < 0x1_0000 {
        PLANE0[cp as usize / 64] >> (cp % 64) & 1 != 0
    } else {
        c.is_alphabetic()
    }
}

/// The script of one character, `None` for digits, punctuation and marks.
pub fn char_script(c: char) -> Option<Script> {
    if !is_letter(c) {
        return None;
    }
    let cp = c as u32;
    Some(match cp {
        0x0041..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xFF21..=0xFF5A => {
            Script::Latin
        }
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0530..=0x058F | 0xFB13..=0xFB17 => Script::Armenian,
        0x10A0..=0x10FF | 0x1C90..=0x1CBF | 0x2D00..=0x2D2F => Script::Georgian,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Script::Arabic
        }
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
        0x2E80..=0x2FDF
        | 0x3005..=0x3007
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2FFFF => Script::Han,
        0x0E00..=0x0E7F => Script::Thai,
        0x1000..=0x109F | 0xA9E0..=0xA9FF | 0xAA60..=0xAA7F => Script::Myanmar,
        _ => Script::Other,
    })
}

/// The dominant script of a text (most letters), Latin for text without letters.
pub fn dominant_script(s: &str) -> Script {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for sc in s.chars().filter_map(char_script) {
        match counts.iter_mut().find(|(k, _)| *k == sc) {
            Some((_, n)) => *n += 1,
            None => counts.push((sc, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(s, _)| s)
        .unwrap_or(Script::Latin)
}

/// Characters that render as nothing but break string equality: zero-width
/// spaces and joiners, soft hyphen, bidi controls, BOM, Mongolian vowel separator.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFE00..=0xFE0F | 0xFEFF
        | 0xE0000..=0xE007F)
}

/// Zero code points of the decimal digit blocks lists use; each block runs 0..9.
const DIGIT_ZEROS: [u32; 14] = [
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0BE6, 0x0C66, 0x0E50, 0x0ED0, 0x1040,
    0x17E0, 0x1810,
];

fn ascii_digit(c: char) -> Option<char> {
    let cp = c as u32;
    DIGIT_ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&cp))
        .and_then(|&z| char::from_digit(cp - z, 10))
}

/// Marks that are part of a word rather than separators: apostrophes of every
/// kind, Hebrew geresh/gershayim, ASCII quotes. "Qa'ida" and "Qaida" are one word.
fn is_word_joiner_mark(c: char) -> bool {
    matches!(
        c,
        '\'' | '’'
            | '‘'
            | 'ʼ'
            | 'ʻ'
            | '`'
            | '´'
            | '"'
            | '״'
            | '׳'
            | '“'
            | '”'
            | '„'
            | '«'
            | '»'
            | '‹'
            | '›'
    )
}

/// Full normalisation: NFKC, invisible characters removed, lower case, native
/// digits to ASCII, apostrophes and quotes removed, other punctuation turned
/// into spaces except `.`, `&` and `/` (kept for abbreviations and legal forms),
/// `%` spelled out as "percent",
/// look-alike letters folded inside mixed-script tokens, whitespace collapsed.
/// Idempotent.
pub fn normalize_text(s: &str) -> String {
    let basic = normalize_basic(s);
    let mut out = String::with_capacity(basic.len());
    for word in basic.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        // Look-alikes mix scripts: a word in ASCII has none.
        if word.is_ascii() {
            out.push_str(word);
            continue;
        }
        let folded = fold_homoglyphs(word);
        if folded == word {
            out.push_str(word);
        } else {
            // A look-alike may itself be a compatibility form (Greek lunate
            // sigma): normalise it like any other letter, so that normalising
            // twice changes nothing.
            out.push_str(&normalize_basic(&folded));
        }
    }
    out
}

/// [`normalize_text`] without the homoglyph folding (which needs the lexicon,
/// so the lexicon itself is built with this).
pub fn normalize_basic(s: &str) -> String {
    let s = strip_possessives(s);
    let mut buf = String::with_capacity(s.len());
    // ASCII has no compatibility forms: most names skip the NFKC pass,
    // which costs more than all the rest here.
    if s.is_ascii() {
        s.chars().for_each(|c| push_normalized(c, &mut buf));
    } else {
        s.nfkc().for_each(|c| push_normalized(c, &mut buf));
    }
    // Lower-casing can produce decomposed forms (e.g. "İ" → "i̇"); recompose.
    let lowered = if buf.is_ascii() {
        buf
    } else {
        buf.nfkc().collect()
    };
    let mut out = String::with_capacity(lowered.len());
    for word in lowered.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// One character of compatibility-normalised text, as `normalize_basic`
/// writes it: dropped, a digit, a lower-case letter, a mark or a space.
fn push_normalized(c: char, buf: &mut String) {
    if is_invisible(c) || is_word_joiner_mark(c) {
        return;
    }
    if let Some(d) = ascii_digit(c) {
        buf.push(d);
        return;
    }
    if c == '%' {
        // "3% Capital" is "Three Percent Capital"; spaced, so that a
        // suffix written onto the sign ("3%ers") stays a word of its own.
        buf.push_str(" percent ");
        return;
    }
    if is_letter(c) || c.is_numeric() || matches!(c, '.' | '&' | '/') {
        buf.extend(c.to_lowercase());
    } else if c.is_whitespace() || c.is_ascii_punctuation() || is_separator_symbol(c) {
        buf.push(' ');
    } else if is_mark(c) {
        // Combining marks stay: Burmese and Hebrew vowel signs are letters' parts.
        buf.push(c);
    } else {
        buf.push(' ');
    }
}

/// "Deutsche Bank's AG" names Deutsche Bank AG: an English possessive "'s" at
/// the end of a word of three letters or more is dropped. Shorter words keep it:
/// in "Ra's al Khaimah" the apostrophe is a letter of the Arabic name.
fn strip_possessives(s: &str) -> std::borrow::Cow<'_, str> {
    let is_apostrophe = |c: char| matches!(c, '\'' | '’' | 'ʼ' | '`' | '´');
    if !s.contains(is_apostrophe) {
        return std::borrow::Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut letters_before = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let possessive = is_apostrophe(c)
            && letters_before >= 3
            && matches!(chars.get(i + 1), Some('s' | 'S'))
            && chars.get(i + 2).is_none_or(|n| !n.is_alphanumeric());
        if possessive {
            i += 2;
            continue;
        }
        letters_before = if is_letter(c) { letters_before + 1 } else { 0 };
        out.push(c);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

fn is_separator_symbol(c: char) -> bool {
    matches!(
        c,
        '–' | '—'
            | '‐'
            | '‑'
            | '‒'
            | '·'
            | '•'
            | '・'
            | '、'
            | '。'
            | '，'
            | '（'
            | '）'
            | '«'
            | '»'
            | '\u{05BE}'
    )
}

/// Arabic harakat and Hebrew niqqud: vowel signs writers add or leave out
/// at will. (Burmese and Thai vowel signs are not optional.)
pub fn is_optional_vowel_point(c: char) -> bool {
    matches!(c as u32, 0x0591..=0x05C7 | 0x064B..=0x065F | 0x0670)
}

/// Combining marks (general category M) of any script: vowel signs of
/// Khmer, Burmese or Hebrew are parts of a written word, never separators.
fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// In a token that mixes Latin with Cyrillic or Greek letters, rewrite the
/// minority script's look-alike letters into the majority script. Tokens in
/// one script are left alone: a Cyrillic "с" in a Cyrillic word is a letter,
/// not a disguised "c".
pub fn fold_homoglyphs(token: &str) -> String {
    let (mut latin, mut cyr, mut greek) = (0usize, 0usize, 0usize);
    for c in token.chars() {
        match char_script(c) {
            Some(Script::Latin) => latin += 1,
            Some(Script::Cyrillic) => cyr += 1,
            Some(Script::Greek) => greek += 1,
            _ => {}
        }
    }
    let scripts = (latin > 0) as u8 + (cyr > 0) as u8 + (greek > 0) as u8;
    if scripts < 2 {
        return token.to_string();
    }
    let target = if latin >= cyr && latin >= greek {
        Script::Latin
    } else if cyr >= greek {
        Script::Cyrillic
    } else {
        Script::Greek
    };
    token
        .chars()
        .map(|c| match char_script(c) {
            Some(s) if s != target => lexicon::homoglyph(c, target).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether the text contains any letter outside Latin.
pub fn has_non_latin(s: &str) -> bool {
    s.chars()
        .filter_map(char_script)
        .any(|sc| sc != Script::Latin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `normalize_basic` with both NFKC passes whatever the text.
    fn basic_through_nfkc(s: &str) -> String {
        let mut buf = String::new();
        strip_possessives(s)
            .nfkc()
            .for_each(|c| push_normalized(c, &mut buf));
        let lowered: String = buf.nfkc().collect();
        lowered.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    proptest! {
        #[test]
        fn ascii_text_skips_nfkc_to_the_same_result(s in "[\\x00-\\x7F]{0,40}") {
            prop_assert_eq!(normalize_basic(&s), basic_through_nfkc(&s));
        }

        #[test]
        fn ascii_words_skip_homoglyph_folding_to_the_same_result(s in "[ -~]{0,40}") {
            for word in normalize_basic(&s).split(' ') {
                prop_assert_eq!(fold_homoglyphs(word), word);
            }
        }
    }

    #[test]
    fn letters_are_the_standard_librarys_alphabetic_characters() {
        let differ: Vec<char> = (0..=0x10_FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_letter(c) != c.is_alphabetic())
            .collect();
        assert!(
            differ.is_empty(),
            "{} differ, first {:?}",
            differ.len(),
            differ.first()
        );
    }

    #[test]
    fn possessive_endings_are_dropped_but_name_apostrophes_stay() {
        assert_eq!(normalize_basic("Harbour Bank's Ltd"), "harbour bank ltd");
        assert_eq!(normalize_basic("Harbour Bank’s Ltd"), "harbour bank ltd");
        assert_eq!(normalize_basic("Ra's al Khaimah"), "ras al khaimah");
        assert_eq!(normalize_basic("Qa'ida"), "qaida");
        assert_eq!(normalize_basic("Dar'sat Trading"), "darsat trading");
    }

    #[test]
    fn percent_sign_is_spelled_out() {
        assert_eq!(normalize_basic("5% Holdings"), "5 percent holdings");
    }
}

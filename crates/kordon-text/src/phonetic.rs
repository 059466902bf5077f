//! Sound-based keys for a Latin token: Double Metaphone (via `rphonetic`) for
//! spelling variants within Latin, and a consonant skeleton for comparing
//! transliterations from scripts that write vowels differently or not at all
//! (Hebrew, Arabic) or that different romanisation schemes render differently.

use rphonetic::DoubleMetaphone;
use std::sync::OnceLock;

fn encoder() -> &'static DoubleMetaphone {
    static DM: OnceLock<DoubleMetaphone> = OnceLock::new();
    DM.get_or_init(|| DoubleMetaphone::new(Some(6)))
}

/// Double Metaphone primary code of an ASCII token (empty for non-ASCII).
pub fn metaphone(token: &str) -> String {
    if token.is_empty() || !token.is_ascii() {
        return String::new();
    }
    encoder().double_metaphone(token).primary()
}

/// Consonant skeleton: letters that romanisation schemes agree on, with the
/// ones they disagree on merged (k/q/c/kh/ch, s/z/ts/tz/sh, b/v/w, f/p/ph)
/// and vowels, doubled letters and a final "h" dropped.
pub fn skeleton(token: &str) -> String {
    let mut out = String::new();
    skeleton_into(token, &mut out);
    out
}

/// [`skeleton`] written into `out` (emptied first), for callers that take
/// many skeletons and keep one buffer.
pub fn skeleton_into(token: &str, out: &mut String) {
    out.clear();
    let t = token.as_bytes();
    let mut i = 0;
    while i < t.len() {
        let c = t[i];
        let next = t.get(i + 1).copied();
        let (code, step) = match (c, next) {
            (b'k' | b'c' | b'g' | b'z', Some(b'h')) => (if c == b'z' { b's' } else { b'h' }, 2),
            (b's', Some(b'h')) => (b's', 2),
            (b't', Some(b's' | b'z')) => (b's', 2),
            (b'p', Some(b'h')) => (b'p', 2),
            (b't', Some(b'h')) => (b't', 2),
            (b'c', Some(b'k')) => (b'k', 2),
            (b'k' | b'q' | b'c', _) => (b'k', 1),
            (b'z' | b's' | b'x', _) => (b's', 1),
            (b'v' | b'w' | b'b', _) => (b'b', 1),
            (b'f' | b'p', _) => (b'p', 1),
            (b'j', _) => (b'y', 1),
            (b'd', _) => (b't', 1),
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'y', _) => (0, 1),
            (c, _) if c.is_ascii_alphabetic() => (c, 1),
            (c, _) if c.is_ascii_digit() => (c, 1),
            _ => (0, 1),
        };
        if code != 0 && out.as_bytes().last() != Some(&code) {
            // Every code is an ASCII letter or digit.
            out.push(char::from(code));
        }
        i += step;
    }
    while out.len() > 1 && out.ends_with('h') {
        out.pop();
    }
}

/// Letter groups that romanisation schemes write differently for one sound,
/// folded to one spelling; longest first. From Russian/Ukrainian (BGN, ISO 9,
/// German and French conventions), Arabic and Hebrew romanisations.
const ROMAN_FOLDS: [(&str, &str); 22] = [
    ("shch", "sc"),
    ("tsch", "c"),
    ("sch", "s"),
    ("kh", "h"),
    ("ch", "c"),
    ("tz", "c"),
    ("ts", "c"),
    ("zh", "j"),
    ("sh", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("gh", "g"),
    ("ck", "k"),
    ("iy", "i"),
    ("yi", "i"),
    ("yy", "i"),
    ("ij", "i"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ya", "ia"),
];

/// Whether some letter group of [`ROMAN_FOLDS`] opens with a byte: most
/// letters open none, and are not tried against every group.
const FOLD_OPENERS: [bool; 256] = {
    let mut opens = [false; 256];
    let mut i = 0;
    while i < ROMAN_FOLDS.len() {
        opens[ROMAN_FOLDS[i].0.as_bytes()[0] as usize] = true;
        i += 1;
    }
    opens
};

/// Fold romanisation differences: the letter groups above, then w→v, y→i,
/// j→i, q→k, c before a consonant kept, doubled letters collapsed.
pub fn romanisation_fold(token: &str) -> String {
    let mut s = String::with_capacity(token.len());
    let b = token.as_bytes();
    let mut i = 0;
    'outer: while i < b.len() {
        if FOLD_OPENERS[b[i] as usize] {
            for (from, to) in ROMAN_FOLDS {
                if token[i..].starts_with(from) {
                    s.push_str(to);
                    i += from.len();
                    continue 'outer;
                }
            }
        }
        let c = match b[i] {
            b'w' => 'v',
            b'y' | b'j' => 'i',
            b'q' => 'k',
            c => c as char,
        };
        if !s.ends_with(c) {
            s.push(c);
        }
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_merges_romanisation_differences() {
        assert_eq!(skeleton("rachamim"), skeleton("rakhamim"));
        assert_eq!(skeleton("khoury"), skeleton("khouri"));
        assert_eq!(skeleton("tsur"), skeleton("tzur"));
        assert_ne!(skeleton("barkai"), skeleton("nachlieli"));
    }

    #[test]
    fn romanisation_fold_merges_schemes() {
        assert_eq!(
            romanisation_fold("khotintsev"),
            romanisation_fold("hotincev")
        );
        assert_eq!(
            romanisation_fold("zhytomyrskyi"),
            romanisation_fold("zhitomirskiy")
        );
        assert_ne!(romanisation_fold("karimi"), romanisation_fold("kariuki"));
    }

    #[test]
    fn metaphone_codes_sound_alikes_equally() {
        assert_eq!(metaphone("smith"), metaphone("smyth"));
        assert!(metaphone("абв").is_empty());
    }
}

//! Burmese names in the popular syllable-by-syllable romanisation ("Aung
//! Linn Htet" for အောင်လင်းထက်): the word is cut into syllables, each is
//! rendered with the rules in `data/translit/myanmar.rules`.

use super::rules::Scheme;

const ASAT: char = '\u{103A}';
const VIRAMA: char = '\u{1039}';
const DOT_BELOW: char = '\u{1037}';

/// A consonant or independent vowel: the letters that can start a syllable.
fn starts_syllable(c: char) -> bool {
    matches!(c, '\u{1000}'..='\u{1021}' | '\u{1023}'..='\u{102A}' | '\u{103F}' | '\u{104C}'..='\u{104F}')
}

/// Cuts a Burmese word before each consonant that is not a final (killed
/// by asat, possibly after the creaky-tone dot, or by a virama stacking the
/// next consonant under it). A stacked consonant opens the next syllable.
fn syllables(word: &[char]) -> Vec<&[char]> {
    let mut out = Vec::new();
    let mut start = 0;
    for index in 1..word.len() {
        if !starts_syllable(word[index]) {
            continue;
        }
        let next = word[index + 1..].iter().find(|&&c| c != DOT_BELOW);
        if matches!(next, Some(&ASAT) | Some(&VIRAMA)) {
            continue;
        }
        out.push(&word[start..index]);
        start = index;
    }
    out.push(&word[start..]);
    out
}

fn render_syllable(scheme: &Scheme, syllable: &[char]) -> String {
    let mut out = String::new();
    scheme.render_word(syllable, None, &mut out);
    // A syllable without a vowel sign carries the inherent vowel a.
    if !out.is_empty()
        && !out
            .chars()
            .any(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
    {
        out.push('a');
    }
    out
}

/// The schemes Burmese is rendered with, see `myanmar.rules`.
pub(crate) struct MyanmarSchemes<'a> {
    /// Plain schemes, most common first.
    pub(crate) plain: Vec<&'a Scheme>,
    /// The most common scheme with voiced non-initial onsets.
    pub(crate) voiced: Option<&'a Scheme>,
}

fn ends_open_or_nasal(rendered: &str) -> bool {
    rendered.ends_with(['a', 'e', 'i', 'o', 'u', 'w', 'y', 'n', 'g'])
}

/// Renderings of one Burmese word: per scheme with syllables as separate
/// words (as names are usually written), then the same joined.
pub(crate) fn word_renderings(schemes: &MyanmarSchemes<'_>, word: &[char]) -> Vec<String> {
    let parts = syllables(word);
    let mut per_scheme: Vec<Vec<String>> = schemes
        .plain
        .iter()
        .map(|scheme| {
            parts
                .iter()
                .map(|syllable| render_syllable(scheme, syllable))
                .collect()
        })
        .collect();
    if let (Some(voiced), Some(plain)) = (schemes.voiced, schemes.plain.first()) {
        let mut rendered: Vec<String> = Vec::with_capacity(parts.len());
        for syllable in &parts {
            let voices = rendered
                .last()
                .is_some_and(|previous| ends_open_or_nasal(previous));
            rendered.push(render_syllable(
                if voices { voiced } else { plain },
                syllable,
            ));
        }
        per_scheme.push(rendered);
    }
    let spaced = per_scheme.iter().map(|rendered| rendered.join(" "));
    let joined = per_scheme.iter().map(|rendered| rendered.concat());
    spaced.chain(joined).collect()
}

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

/// Renderings of one Burmese word: the popular scheme with syllables as
/// separate words (as personal names are usually written: "Kyaw Myat
/// Naing"), then the voiced scheme joined (as names of places and firms are
/// written: "Yadana", "Taunggyi", where voicing happens inside one word),
/// then the other schemes spaced, then everything else joined. Screening
/// keeps only the first few renderings, so the order matters.
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
    let voiced_joined = schemes
        .voiced
        .is_some()
        .then(|| per_scheme.last().map(|rendered| rendered.concat()))
        .flatten();
    // No deduplication: column k must mean the same scheme in every word.
    let mut out: Vec<String> = Vec::with_capacity(2 * per_scheme.len() + 1);
    out.extend(per_scheme.first().map(|rendered| rendered.join(" ")));
    out.extend(voiced_joined);
    out.extend(per_scheme.iter().skip(1).map(|rendered| rendered.join(" ")));
    out.extend(per_scheme.iter().map(|rendered| rendered.concat()));
    out
}

#[cfg(test)]
mod tests {
    use super::super::latin_variants;

    #[test]
    fn joined_voiced_rendering_comes_second() {
        // Screening keeps the first three renderings of a word: the joined,
        // voiced form a firm's name is written in must be among them.
        let variants = latin_variants("ရတနာ");
        assert_eq!(variants[0], "ya ta na");
        assert_eq!(variants[1], "yadana");
        assert_eq!(latin_variants("တောင်ကြီး")[1], "taunggyi");
    }
}

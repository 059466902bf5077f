//! Which writing system a character or a name belongs to, so names can be
//! split into runs of one script and a matcher can say "matched across
//! scripts (Cyrillic → Latin)".

use std::fmt;

/// The scripts transliteration distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Armenian,
    Georgian,
    Arabic,
    Hebrew,
    /// Chinese characters (also Japanese kanji and Korean hanja).
    Han,
    Hangul,
    /// Japanese hiragana and katakana.
    Kana,
    Thai,
    Myanmar,
    Khmer,
    /// Any other letters, and text without letters.
    Other,
}

impl Script {
    pub fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Cyrillic => "Cyrillic",
            Script::Greek => "Greek",
            Script::Armenian => "Armenian",
            Script::Georgian => "Georgian",
            Script::Arabic => "Arabic",
            Script::Hebrew => "Hebrew",
            Script::Han => "Han",
            Script::Hangul => "Hangul",
            Script::Kana => "Kana",
            Script::Thai => "Thai",
            Script::Myanmar => "Myanmar",
            Script::Khmer => "Khmer",
            Script::Other => "Other",
        }
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Unicode blocks per script (Unicode `Scripts.txt`, block granularity).
const BLOCKS: &[(u32, u32, Script)] = &[
    (0x0041, 0x005A, Script::Latin),
    (0x0061, 0x007A, Script::Latin),
    (0x00C0, 0x024F, Script::Latin),
    (0x1E00, 0x1EFF, Script::Latin),
    (0x2C60, 0x2C7F, Script::Latin),
    (0xA720, 0xA7FF, Script::Latin),
    (0xAB30, 0xAB6F, Script::Latin),
    (0xFF21, 0xFF3A, Script::Latin),
    (0xFF41, 0xFF5A, Script::Latin),
    (0x0370, 0x03FF, Script::Greek),
    (0x1F00, 0x1FFF, Script::Greek),
    (0x0400, 0x052F, Script::Cyrillic),
    (0x1C80, 0x1C8F, Script::Cyrillic),
    (0x2DE0, 0x2DFF, Script::Cyrillic),
    (0xA640, 0xA69F, Script::Cyrillic),
    (0x0530, 0x058F, Script::Armenian),
    (0xFB13, 0xFB17, Script::Armenian),
    (0x0590, 0x05FF, Script::Hebrew),
    (0xFB1D, 0xFB4F, Script::Hebrew),
    (0x0600, 0x06FF, Script::Arabic),
    (0x0750, 0x077F, Script::Arabic),
    (0x08A0, 0x08FF, Script::Arabic),
    (0xFB50, 0xFDFF, Script::Arabic),
    (0xFE70, 0xFEFF, Script::Arabic),
    (0x0E00, 0x0E7F, Script::Thai),
    (0x1000, 0x109F, Script::Myanmar),
    (0x1780, 0x17FF, Script::Khmer),
    (0x19E0, 0x19FF, Script::Khmer),
    (0xA9E0, 0xA9FF, Script::Myanmar),
    (0xAA60, 0xAA7F, Script::Myanmar),
    (0x10A0, 0x10FF, Script::Georgian),
    (0x1C90, 0x1CBF, Script::Georgian),
    (0x2D00, 0x2D2F, Script::Georgian),
    (0x1100, 0x11FF, Script::Hangul),
    (0x3130, 0x318F, Script::Hangul),
    (0xA960, 0xA97F, Script::Hangul),
    (0xAC00, 0xD7FF, Script::Hangul),
    (0xFFA0, 0xFFDC, Script::Hangul),
    (0x3040, 0x309F, Script::Kana),
    (0x30A0, 0x30FF, Script::Kana),
    (0x31F0, 0x31FF, Script::Kana),
    (0xFF66, 0xFF9F, Script::Kana),
    (0x2E80, 0x2FDF, Script::Han),
    (0x3005, 0x3007, Script::Han),
    (0x3021, 0x3029, Script::Han),
    (0x3038, 0x303B, Script::Han),
    (0x3400, 0x4DBF, Script::Han),
    (0x4E00, 0x9FFF, Script::Han),
    (0xF900, 0xFAFF, Script::Han),
    (0x20000, 0x3FFFF, Script::Han),
];

/// The script of a letter; `None` for characters that belong to no script
/// (digits, punctuation, spaces, combining marks).
pub fn script_of(c: char) -> Option<Script> {
    if !crate::normalize::is_letter(c) || unicode_normalization::char::is_combining_mark(c) {
        return None;
    }
    let code = u32::from(c);
    let found = BLOCKS
        .iter()
        .find(|(first, last, _)| (*first..=*last).contains(&code))
        .map(|(_, _, script)| *script);
    Some(found.unwrap_or(Script::Other))
}

/// The dominant script of `s`: the one most of its letters are in. Text
/// without letters is `Other`.
///
/// Kana anywhere in mostly-Han text makes it Japanese (`Kana`).
pub fn detect_script(s: &str) -> Script {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for script in s.chars().filter_map(script_of) {
        match counts.iter_mut().find(|(known, _)| *known == script) {
            Some((_, count)) => *count += 1,
            None => counts.push((script, 1)),
        }
    }
    let has_kana = counts.iter().any(|(script, _)| *script == Script::Kana);
    // Ties go to the script seen first.
    let mut best: Option<(Script, usize)> = None;
    for (script, count) in counts {
        if best.is_none_or(|(_, most)| count > most) {
            best = Some((script, count));
        }
    }
    match best {
        Some((Script::Han, _)) if has_kana => Script::Kana,
        Some((script, _)) => script,
        None => Script::Other,
    }
}

//! Folding text into the form names are searched in: Latin letters and digits,
//! lower case, diacritics dropped, every other script transliterated per
//! character, and every run of punctuation or white space (line breaks
//! included) collapsed to one space. The folded text starts and ends with a
//! space, so a pattern written as ` word word ` only matches whole words.
//!
//! Folding is character by character on purpose: it keeps a map from every
//! folded byte back to the original text, so a match in the folded text has an
//! exact span in the original. Characters of scripts written without spaces
//! (Han, kana, Hangul) become words of their own, so a Chinese name inside
//! running Chinese text still sits between word boundaries.

/// Text folded for searching, with the way back to the original.
#[derive(Debug, Default, Clone)]
pub struct FoldedText {
    /// ASCII: lower-case letters, digits and single spaces; starts and ends with a space.
    pub folded: String,
    /// For every byte of `folded`, the byte offset in the original text of the
    /// character that produced it.
    pub origin: Vec<u32>,
}

impl FoldedText {
    /// Fold `text`, reusing this value's buffers.
    pub fn fold_into(&mut self, text: &str) {
        self.folded.clear();
        self.origin.clear();
        self.folded.reserve(text.len() + 2);
        self.origin.reserve(text.len() + 2);
        self.push_space(0);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let at = i as u32;
            // ASCII, by far the commonest case, without decoding a char.
            if b < 0x80 {
                if b.is_ascii_alphanumeric() {
                    self.folded.push(b.to_ascii_lowercase() as char);
                    self.origin.push(at);
                } else {
                    self.push_space(at);
                }
                i += 1;
                continue;
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            i += c.len_utf8();
            if !c.is_alphanumeric() {
                // Combining marks and invisible characters transliterate to
                // nothing and join their neighbours; other symbols and
                // punctuation separate words.
                if is_mark(c) || any_ascii::any_ascii_char(c).is_empty() {
                    continue;
                }
                self.push_space(at);
                continue;
            }
            let own_word = is_unspaced_script(c);
            if own_word {
                self.push_space(at);
            }
            for b in any_ascii::any_ascii_char(c).bytes() {
                if b.is_ascii_alphanumeric() {
                    self.folded.push(b.to_ascii_lowercase() as char);
                    self.origin.push(at);
                } else {
                    self.push_space(at);
                }
            }
            if own_word {
                self.push_space(at);
            }
        }
        self.push_space(text.len() as u32);
    }

    fn push_space(&mut self, at: u32) {
        if self.folded.as_bytes().last() != Some(&b' ') {
            self.folded.push(' ');
            self.origin.push(at);
        }
    }
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Scripts written without spaces between words.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B-F
}

/// Fold a short string (a name, a keyword) into ` word word ` form.
pub fn fold(text: &str) -> String {
    let mut f = FoldedText::default();
    f.fold_into(text);
    f.folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_punctuation_diacritics_and_scripts() {
        assert_eq!(fold("AO  IEMZ\n«KUPOL»"), " ao iemz kupol ");
        assert_eq!(fold("Владимир Путин"), " vladimir putin ");
        assert_eq!(fold("Société Générale"), " societe generale ");
        assert_eq!(fold("Almaz-Antey"), " almaz antey ");
        assert_eq!(fold(""), " ");
    }

    #[test]
    fn origin_maps_back_to_character_starts() {
        let text = "É Путин";
        let mut f = FoldedText::default();
        f.fold_into(text);
        assert_eq!(f.folded.len(), f.origin.len());
        let p = f.folded.find("putin").unwrap();
        assert_eq!(&text[f.origin[p] as usize..], "Путин");
    }
}

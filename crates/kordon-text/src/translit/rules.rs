//! A small longest-match rewrite engine for letter-level transliteration
//! schemes kept as data files (`data/translit/*.rules`).
//!
//! File format, one rule per line, fields separated by white space, `#`
//! starts a comment:
//! - `[name]` opens a scheme; `@inherit other` copies an earlier scheme's
//!   rules so a scheme only lists where it differs;
//! - `@vowels letters` are the letters after which a `~` rule fires;
//! - `@fillers a e` are vowels to insert between two consonants, for abjads
//!   that do not write short vowels (one rendering per filler);
//! - `@syllables open closed` says where fillers go: `open` puts one between
//!   any two consonants (Hagalil), `closed` lets a consonant after a vowel end
//!   its syllable (Farnandu) and fills only a word-final pair; one rendering
//!   per mode and filler, modes first;
//! - `key latin`: `key` is one or more letters, optionally prefixed with `^`
//!   (only at the start of a word) or `~` (at the start of a word or after
//!   one of `@vowels`) and/or suffixed with `$` (only at the end of a word).
//!   Without `latin` the letters are dropped.
//!
//! At each position the longest matching key wins; among rules for the same
//! key, the most specific context wins.

use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum StartContext {
    Anywhere,
    WordStart,
    WordStartOrAfterVowel,
}

#[derive(Clone, Debug)]
struct Rule {
    start: StartContext,
    at_word_end: bool,
    latin: String,
}

impl Rule {
    fn specificity(&self) -> u8 {
        let start = match self.start {
            StartContext::WordStart => 4,
            StartContext::WordStartOrAfterVowel => 2,
            StartContext::Anywhere => 0,
        };
        start + u8::from(self.at_word_end)
    }
}

/// Where inserted vowels go, see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SyllableMode {
    Open,
    Closed,
}

/// One way to supply unwritten vowels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Filler<'a> {
    pub(crate) vowel: &'a str,
    pub(crate) mode: SyllableMode,
}

/// One transliteration scheme: rules keyed by their letters.
#[derive(Clone, Debug)]
pub(crate) struct Scheme {
    name: String,
    rules: HashMap<String, Vec<Rule>>,
    longest_key: usize,
    vowels: Vec<char>,
    fillers: Vec<String>,
    syllable_modes: Vec<SyllableMode>,
}

/// Every scheme of one rules file, in file order.
#[derive(Debug)]
pub(crate) struct SchemeSet {
    schemes: Vec<Scheme>,
}

impl SchemeSet {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut schemes: Vec<Scheme> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                schemes.push(Scheme {
                    name: name.to_string(),
                    rules: HashMap::new(),
                    longest_key: 1,
                    vowels: Vec::new(),
                    fillers: Vec::new(),
                    syllable_modes: vec![SyllableMode::Open],
                });
                continue;
            }
            // A rule without a value drops its letters.
            let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let value = value.split('#').next().unwrap_or("").trim();
            let parent = match key {
                "@inherit" => Some(
                    schemes
                        .iter()
                        .find(|s| s.name == value)
                        .cloned()
                        .ok_or_else(|| format!("line {line_no}: unknown scheme {value:?}"))?,
                ),
                _ => None,
            };
            let scheme = schemes
                .last_mut()
                .ok_or_else(|| format!("line {line_no}: rule before any [scheme]"))?;
            match key {
                "@inherit" => {
                    if let Some(parent) = parent {
                        scheme.rules = parent.rules;
                        scheme.longest_key = parent.longest_key;
                        scheme.vowels = parent.vowels;
                        scheme.fillers = parent.fillers;
                        scheme.syllable_modes = parent.syllable_modes;
                    }
                }
                "@vowels" => scheme.vowels = value.chars().filter(|c| !c.is_whitespace()).collect(),
                "@fillers" => {
                    scheme.fillers = value.split_whitespace().map(str::to_string).collect()
                }
                "@syllables" => {
                    scheme.syllable_modes = value
                        .split_whitespace()
                        .map(|mode| match mode {
                            "open" => Ok(SyllableMode::Open),
                            "closed" => Ok(SyllableMode::Closed),
                            other => {
                                Err(format!("line {line_no}: unknown syllable mode {other:?}"))
                            }
                        })
                        .collect::<Result<_, _>>()?;
                }
                _ => scheme
                    .add_rule(key, value)
                    .map_err(|e| format!("line {line_no}: {e}"))?,
            }
        }
        Ok(SchemeSet { schemes })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    #[cfg(test)]
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.schemes.iter().map(|s| s.name.as_str())
    }
}

impl Scheme {
    /// The ways this scheme supplies unwritten vowels; empty when the script
    /// writes its vowels.
    pub(crate) fn fillers(&self) -> Vec<Filler<'_>> {
        self.syllable_modes
            .iter()
            .flat_map(|&mode| self.fillers.iter().map(move |vowel| Filler { vowel, mode }))
            .collect()
    }

    fn add_rule(&mut self, key: &str, latin: &str) -> Result<(), String> {
        let (start, rest) = if let Some(rest) = key.strip_prefix('^') {
            (StartContext::WordStart, rest)
        } else if let Some(rest) = key.strip_prefix('~') {
            (StartContext::WordStartOrAfterVowel, rest)
        } else {
            (StartContext::Anywhere, key)
        };
        let (letters, at_word_end) = match rest.strip_suffix('$') {
            Some(letters) if !letters.is_empty() => (letters, true),
            _ => (rest, false),
        };
        if letters.is_empty() {
            return Err(format!("empty key {key:?}"));
        }
        if !latin.is_ascii() {
            return Err(format!("non-ASCII output {latin:?}"));
        }
        self.longest_key = self.longest_key.max(letters.chars().count());
        let rules = self.rules.entry(letters.to_string()).or_default();
        rules.retain(|r| !(r.start == start && r.at_word_end == at_word_end));
        rules.push(Rule {
            start,
            at_word_end,
            latin: latin.to_ascii_lowercase(),
        });
        rules.sort_by_key(|r| std::cmp::Reverse(r.specificity()));
        Ok(())
    }

    /// Renders one word (already lower-cased) into `out`. Letters without a
    /// rule fall back to `any_ascii`. With a `filler`, its vowel is put
    /// between consonants the script left unwritten.
    pub(crate) fn render_word(&self, word: &[char], filler: Option<Filler<'_>>, out: &mut String) {
        let mut key = String::new();
        let mut position = 0;
        let word_start = out.len();
        let mut word_out = WordOutput {
            out,
            word_start,
            last_piece_start: None,
            filler,
        };
        while position < word.len() {
            let mut matched: Option<(&str, usize)> = None;
            let longest = self.longest_key.min(word.len() - position);
            for len in (1..=longest).rev() {
                key.clear();
                key.extend(&word[position..position + len]);
                let Some(rules) = self.rules.get(key.as_str()) else {
                    continue;
                };
                let at_end = position + len == word.len();
                let after_vowel = position > 0 && self.vowels.contains(&word[position - 1]);
                let found = rules.iter().find(|r| {
                    let start_ok = match r.start {
                        StartContext::Anywhere => true,
                        StartContext::WordStart => position == 0,
                        StartContext::WordStartOrAfterVowel => position == 0 || after_vowel,
                    };
                    start_ok && (!r.at_word_end || at_end)
                });
                if let Some(rule) = found {
                    matched = Some((rule.latin.as_str(), len));
                    break;
                }
            }
            match matched {
                Some((latin, len)) => {
                    word_out.push(latin);
                    position += len;
                }
                None => {
                    word_out.push(&fold_char(word[position]));
                    position += 1;
                }
            }
        }
        word_out.finish();
    }
}

fn is_consonant(c: char) -> bool {
    c.is_ascii_lowercase() && !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// The Latin of one word as it is being written, with vowel filling.
struct WordOutput<'a, 'f> {
    out: &'a mut String,
    word_start: usize,
    last_piece_start: Option<usize>,
    filler: Option<Filler<'f>>,
}

impl WordOutput<'_, '_> {
    fn char_before(&self, position: usize) -> Option<char> {
        self.out[self.word_start..position].chars().next_back()
    }

    fn push(&mut self, piece: &str) {
        let Some(first) = piece.chars().next() else {
            return;
        };
        if let Some(filler) = self.filler {
            let previous = self.char_before(self.out.len());
            if previous.is_some_and(is_consonant) && is_consonant(first) {
                // In closed mode a consonant right after a vowel ends the
                // syllable, so the next consonant needs no vowel before it.
                let closes_syllable = filler.mode == SyllableMode::Closed
                    && self
                        .last_piece_start
                        .and_then(|start| self.char_before(start))
                        .is_some_and(|c| !is_consonant(c));
                if !closes_syllable {
                    self.out.push_str(filler.vowel);
                }
            }
        }
        self.last_piece_start = Some(self.out.len());
        self.out.push_str(piece);
    }

    /// Closed mode can leave a word-final consonant pair; fill it too.
    fn finish(self) {
        let (Some(filler), Some(start)) = (self.filler, self.last_piece_start) else {
            return;
        };
        let ends_in_pair = filler.mode == SyllableMode::Closed
            && self.out[start..].chars().next().is_some_and(is_consonant)
            && self.char_before(start).is_some_and(is_consonant);
        if ends_in_pair {
            self.out.insert_str(start, filler.vowel);
        }
    }
}

/// ASCII fold of one character, lower-cased.
pub(crate) fn fold_char(c: char) -> String {
    let mut buffer = [0u8; 4];
    fold_str(c.encode_utf8(&mut buffer))
}

/// ASCII fold of a string, lower-cased.
pub(crate) fn fold_str(s: &str) -> String {
    any_ascii::any_ascii(s).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(scheme: &Scheme, word: &str) -> Vec<String> {
        let chars: Vec<char> = word.chars().collect();
        let fillers = scheme.fillers();
        if fillers.is_empty() {
            let mut out = String::new();
            scheme.render_word(&chars, None, &mut out);
            return vec![out];
        }
        fillers
            .into_iter()
            .map(|filler| {
                let mut out = String::new();
                scheme.render_word(&chars, Some(filler), &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn contexts_and_inheritance() {
        let set = SchemeSet::parse(
            "[a]\n@vowels а\n~е ye\nе e\nий$ y\nи i\nй y\n[b]\n@inherit a\n~е e\n",
        )
        .expect("valid rules");
        assert_eq!(render(set.get("a").expect("scheme a"), "еаеий"), ["yeayey"]);
        assert_eq!(render(set.get("b").expect("scheme b"), "еи"), ["ei"]);
    }

    #[test]
    fn fillers_go_between_consonants_per_syllable_mode() {
        let set = SchemeSet::parse(
            "[h]\n@fillers a\n@syllables open closed\nמ m\nח h\nד d\nפ f\nר r\nנ n\nא a\nו u\n",
        )
        .expect("valid rules");
        let scheme = set.get("h").expect("scheme");
        assert_eq!(render(scheme, "מחמד"), ["mahamad", "mahmad"]);
        assert_eq!(render(scheme, "פרנאנדו"), ["farananadu", "farnandu"]);
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert!(SchemeSet::parse("а a\n").is_err());
        assert!(SchemeSet::parse("[x]\n^ x\n").is_err());
        assert!(SchemeSet::parse("[x]\nа ä\n").is_err());
        assert!(SchemeSet::parse("[x]\n@inherit missing\n").is_err());
        assert!(SchemeSet::parse("[x]\n@syllables sideways\n").is_err());
    }
}

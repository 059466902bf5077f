//! Spellings one edit apart, found by deletion (as SymSpell finds them): two
//! spellings are at most one edit apart (a letter left out, added or
//! changed, or two neighbours swapped) when one is the other less a letter,
//! or both less a letter are the same. A dictionary of every entry less each
//! of its letters then answers "which entries are one edit from this?" with a
//! few lookups instead of a comparison per entry.

/// Call `f` with `word` less each of its letters in turn, spelt in `buf`,
/// once per distinct spelling: "anna" less either n is one.
pub fn each_deletion(word: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    let mut last: Option<char> = None;
    for (at, c) in word.char_indices() {
        // Leaving out either of two equal letters in a row spells the same.
        if last == Some(c) {
            continue;
        }
        last = Some(c);
        buf.clear();
        buf.push_str(&word[..at]);
        buf.push_str(&word[at + c.len_utf8()..]);
        f(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn deletions(word: &str) -> Vec<String> {
        let mut out = Vec::new();
        each_deletion(word, &mut String::new(), |d| out.push(d.to_string()));
        out
    }

    #[test]
    fn each_letter_is_left_out_once() {
        assert_eq!(deletions("anna"), ["nna", "ana", "ann"]);
        assert_eq!(deletions("ёж"), ["ж", "ё"]);
        assert!(deletions("").is_empty());
    }

    proptest! {
        /// Every spelling given is one letter shorter, all are distinct, and
        /// every letter left out is given.
        #[test]
        fn deletions_are_distinct_and_complete(word in "[a-cа-в]{0,10}") {
            let all = deletions(&word);
            let mut distinct = all.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), all.len());
            for (at, _) in word.char_indices() {
                let mut w = word.clone();
                w.remove(at);
                prop_assert!(all.contains(&w), "{} less a letter: {}", word, w);
            }
            for d in &all {
                prop_assert_eq!(d.chars().count() + 1, word.chars().count());
            }
        }
    }
}

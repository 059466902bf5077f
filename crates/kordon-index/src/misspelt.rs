//! Words one edit apart, found by deletion (as SymSpell finds them): every
//! indexed word of [`MIN_FILED_LETTERS`] or more is filed under each of its
//! spellings with one letter left out. A query word that no party has is
//! then looked up as a misspelling of the words parties have:
//! - a letter left out ("Nafan" for "Naftan"): the words filed under the
//!   query word;
//! - a letter too many ("Naftran"): the query word less one letter, where
//!   that is itself a word;
//! - a letter changed or two swapped ("Naftin", "Nafatn"): the words filed
//!   under the query word less one letter.
//!
//! Trigrams alone lose such words: one letter left out of a short word
//! breaks most of its trigrams, and parties sharing a common word with the
//! query then fill the candidates.

use kordon_text::edits::each_deletion;
use std::hash::BuildHasher;

/// Words shorter than this are not filed: one edit in four letters or
/// fewer is as often another word as a misspelling.
pub(crate) const MIN_FILED_LETTERS: usize = 5;

/// Spellings with one letter left out, by hash, and the words they come
/// from.
#[derive(Debug, Default)]
pub(crate) struct Deletions {
    /// (hash of a spelling with one letter left out, term id of the word),
    /// sorted. Two spellings sharing a hash only bring a wrong word's
    /// parties to the scorer, which scores them as they are.
    filed: Vec<(u64, u32)>,
}

impl Deletions {
    /// File `words`, each with its term id.
    pub(crate) fn new<'w>(words: impl Iterator<Item = (&'w str, u32)>) -> Deletions {
        let mut filed = Vec::new();
        let mut buf = String::new();
        for (word, id) in words {
            if word.chars().count() >= MIN_FILED_LETTERS {
                each_deletion(word, &mut buf, |d| filed.push((key(d), id)));
            }
        }
        filed.sort_unstable();
        filed.dedup();
        filed.shrink_to_fit();
        Deletions { filed }
    }

    /// The term ids of the words that spell `spelling` with one letter left
    /// out.
    pub(crate) fn words_lacking(&self, spelling: &str) -> impl Iterator<Item = u32> + '_ {
        let k = key(spelling);
        let start = self.filed.partition_point(|&(h, _)| h < k);
        self.filed[start..]
            .iter()
            .take_while(move |&&(h, _)| h == k)
            .map(|&(_, id)| id)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.filed.capacity() * std::mem::size_of::<(u64, u32)>()
    }
}

fn key(spelling: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6b6f_7264_6f6e).hash_one(spelling.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_are_found_by_the_spelling_less_a_letter() {
        let d = Deletions::new([("naftan", 7), ("kupol", 9), ("ali", 3)].into_iter());
        assert_eq!(d.words_lacking("nafan").collect::<Vec<_>>(), [7]);
        assert_eq!(d.words_lacking("kuol").collect::<Vec<_>>(), [9]);
        // Too short to be filed.
        assert_eq!(d.words_lacking("al").count(), 0);
        assert_eq!(d.words_lacking("naftan").count(), 0);
    }

    proptest! {
        /// Every word filed is found from each of its spellings with a
        /// letter left out.
        #[test]
        fn every_deletion_finds_its_word(word in "[a-zа-я]{5,12}") {
            let d = Deletions::new(std::iter::once((word.as_str(), 1)));
            let mut lost = Vec::new();
            each_deletion(&word, &mut String::new(), |del| {
                if !d.words_lacking(del).any(|id| id == 1) {
                    lost.push(del.to_string());
                }
            });
            prop_assert!(lost.is_empty(), "{:?} from {}", lost, word);
        }
    }
}

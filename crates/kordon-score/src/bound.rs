//! Upper bounds on name scores, so that a party, or a variant pair of one of
//! its names, that cannot reach the score it needs is never aligned.
//!
//! A variant pair scores at most the coverage formula of the scorer (every
//! rule applied after it only lowers the score) computed as if each token met
//! its best partner: the highest similarity it has with any token of the
//! other side, or that of a reading over several words (acronym, words
//! written together, a concept written as several words, a place adjective)
//! wherever such a reading is possible at all. Possibility is checked
//! coarsely, and never missed: a bound may be loose, never low. Names met
//! from another script that leaves vowels out get a second set of bounds with
//! the scorer's looser readings there (consonant skeletons, any two words
//! written together, the Arabic b read as p). The unit tests check every
//! bound against the exact score on the shared pair files.

use crate::names::{
    acronym_run_ends, coverage_ceiling, coverage_score, fuzzy_ceiling, is_place_adjective,
    joined_floor, joined_ratio, joined_score, joined_skeleton_ratio, joins, lenient_pair,
    letter_bag_distance, letter_mask, letters_absent, segment_factor, similarity_with,
    skeleton_similarity, skeletons_across, Spelled, TokenNumbers, ACRONYM_SIMILARITY,
    JOINED_SKELETON_DISCOUNT, JOINED_SKELETON_MIN, PLACE_ADJECTIVE_SIMILARITY,
};
use crate::{PreparedEntity, PreparedQuery};
use kordon_model::Schema;
use kordon_text::TokenText as SmallString;
use kordon_text::{AnalyzedName, NameVariant, Token, TokenClass};
use smallvec::SmallVec;
use std::ops::Range;

/// Slack added to every bound: the exact score sums the same numbers in the
/// same order, but a bound should not hinge on the last bit.
const SLACK: f64 = 1e-9;

/// What bounds need to know of a query, found once: the readings of its
/// own words over several tokens, and the letters of each distinct token.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOutline {
    /// Letters of each distinct token, by id.
    spellings: Vec<Spellings>,
    /// Ids of tokens inside a run of words that spells one concept.
    concept: Vec<u32>,
    /// Initials of runs of two or more words (two to six letters) and the
    /// ids of the run's tokens.
    acronyms: Vec<(String, SmallVec<[u32; 6]>)>,
    /// Runs of two or three words written together and the ids of their tokens.
    joined: Vec<(String, SmallVec<[u32; 3]>)>,
    /// Runs of two words written together: the runs read across scripts.
    joined_pairs: Vec<JoinedPair>,
    /// Ids of the words of five letters or more (the readers as joined
    /// words), which a run of two party words may read as across scripts,
    /// with their [`Marks`].
    long_words: Vec<(usize, Marks)>,
    /// Ids of the words that may read as a run of party words: as an
    /// acronym of it (their shape allows), as it written together (five
    /// letters or more), or both.
    readers: Vec<(usize, bool, bool)>,
    /// First letters of those readers, as acronyms and as joined words
    /// (see [`letter_bit`]).
    acronym_letters: u64,
    joined_letters: u64,
    /// First letters of `acronyms` and of `joined`: a party word opening
    /// with none of them reads as neither, and most do not.
    acronym_run_letters: u64,
    joined_run_letters: u64,
}

impl QueryOutline {
    /// The outline of `name` (the query), whose token table is `table`.
    pub(crate) fn new(name: &AnalyzedName, table: &crate::TokenTable) -> QueryOutline {
        let mut runs = QueryOutline {
            spellings: table
                .tokens(|_| name)
                .iter()
                .map(|t| Spellings::of(t))
                .collect(),
            ..QueryOutline::default()
        };
        for (v, ids) in name.variants.iter().zip(table.variant_ids(0)) {
            runs.concept
                .extend(concept_run_tokens(&v.tokens).map(|k| ids[k]));
            acronym_runs(&v.tokens, |initials, run| {
                if (2..=6).contains(&initials.len()) {
                    runs.acronyms
                        .push((initials.to_string(), ids[run].iter().copied().collect()));
                }
            });
            joined_runs(&v.tokens, |joined, run| {
                if run.len() == 2 {
                    let skeleton = kordon_text::phonetic::skeleton(joined);
                    runs.joined_pairs.push(JoinedPair {
                        marks: Marks::of(joined, &skeleton),
                        text: joined.to_string(),
                        skeleton,
                        ids: [ids[run.start], ids[run.start + 1]],
                    });
                }
                runs.joined
                    .push((joined.to_string(), ids[run].iter().copied().collect()));
            });
        }
        runs.concept.sort_unstable();
        runs.concept.dedup();
        runs.acronym_run_letters =
            (runs.acronyms.iter()).fold(0, |set, (a, _)| set | first_letter_bit(a));
        runs.joined_run_letters =
            (runs.joined.iter()).fold(0, |set, (j, _)| set | first_letter_bit(j));
        let tokens = table.tokens(|_| name);
        for (qi, t) in tokens.iter().enumerate() {
            let (acr, joined) = (acronym_shaped(t), t.text.len() >= 5);
            if t.class != TokenClass::Word || !(acr || joined) {
                continue;
            }
            runs.readers.push((qi, acr, joined));
            let letter = first_letter_bit(&t.text);
            if acr {
                runs.acronym_letters |= letter;
            }
            if joined {
                runs.joined_letters |= letter;
                runs.long_words.push((qi, Marks::of(&t.text, &t.skeleton)));
            }
        }
        runs
    }
}

/// A run of two query words written together, its consonant skeleton, and
/// the ids of its tokens.
#[derive(Debug, Clone)]
struct JoinedPair {
    text: String,
    skeleton: String,
    marks: Marks,
    ids: [u32; 2],
}

impl JoinedPair {
    fn spelling(&self) -> Spelling<'_> {
        Spelling::marked(&self.text, &self.skeleton, self.marks)
    }
}

/// A letter's bit in a set of first letters. Bytes share a bit modulo 64:
/// sharing only makes the set say yes more often, which the exact test
/// after it corrects.
fn letter_bit(c: u8) -> u64 {
    1 << (c & 63)
}

/// The bit of `text`'s first byte (none for an empty text).
fn first_letter_bit(text: &str) -> u64 {
    text.as_bytes().first().map_or(0, |&c| letter_bit(c))
}

/// The set of first letters of a token's acronym readings ("Plant" gives p
/// and z): the first byte of its initials and each byte after a `|`.
fn acronym_letters(t: &Token) -> u64 {
    let b = t.initials.as_bytes();
    let mut set = b.first().map_or(0, |&c| letter_bit(c));
    for w in b.windows(2) {
        if w[0] == b'|' {
            set |= letter_bit(w[1]);
        }
    }
    set
}

/// Positions of the tokens of `tokens` that lie inside a run of words
/// spelling one concept (see the scorer's concept pass).
fn concept_run_tokens(tokens: &[Token]) -> impl Iterator<Item = usize> + '_ {
    let zeros: TokenNumbers = smallvec::smallvec![0.0; tokens.len()];
    crate::names::concept_runs(tokens, &[], &zeros, &[])
        .into_iter()
        .flat_map(|(run, _)| run)
}

/// Party token ids inside a run of words spelling one concept, over all its
/// names: computed once when the party is prepared.
pub(crate) fn party_concept_tokens(
    names: &[(AnalyzedName, kordon_model::NameKind)],
    table: &crate::TokenTable,
) -> Box<[u32]> {
    let mut out = Vec::new();
    for (n, (name, _)) in names.iter().enumerate() {
        for (v, ids) in name.variants.iter().zip(table.variant_ids(n)) {
            out.extend(concept_run_tokens(&v.tokens).map(|k| ids[k]));
        }
    }
    out.sort_unstable();
    out.dedup();
    out.into_boxed_slice()
}

/// Every run the acronym pass may read as an acronym: from a word, the
/// following words' initials (stopwords skipped), as long as two or more
/// words have given initials, with the positions the run covers.
fn acronym_runs(tokens: &[Token], mut f: impl FnMut(&str, Range<usize>)) {
    for start in 0..tokens.len() {
        acronym_runs_from(tokens, start, &mut f);
    }
}

/// [`acronym_runs`] opening at `start`: once for every choice of readings of
/// the words that read several ways ("Plant" as p or z).
fn acronym_runs_from(tokens: &[Token], start: usize, mut f: impl FnMut(&str, Range<usize>)) {
    if !matches!(tokens[start].class, TokenClass::Word | TokenClass::Generic) {
        return;
    }
    if !tokens[start..].iter().any(|t| t.initials.contains('|')) {
        // Nearly every run: its words read one way.
        spell_runs_from(tokens, start, |k| tokens[k].initials.as_str(), &mut f);
        return;
    }
    // Such words among the run's first six: each word gives a letter or
    // more, so later ones never reach an acronym the pass reads.
    let several: SmallVec<[usize; 2]> = tokens
        .iter()
        .enumerate()
        .skip(start)
        .take_while(|(_, t)| {
            matches!(
                t.class,
                TokenClass::Word | TokenClass::Generic | TokenClass::Stopword
            )
        })
        .filter(|(_, t)| t.class != TokenClass::Stopword)
        .take(6)
        .filter(|(_, t)| t.initials.contains('|'))
        .map(|(k, _)| k)
        .collect();
    // Which reading each of them gives, advanced like an odometer.
    let mut choice: SmallVec<[usize; 2]> = smallvec::smallvec![0; several.len()];
    loop {
        let reading = |k: usize| match several.iter().position(|&s| s == k) {
            Some(p) => tokens[k].acronym_readings().nth(choice[p]).unwrap_or(""),
            None => tokens[k].initials.as_str(),
        };
        spell_runs_from(tokens, start, reading, &mut f);
        let Some(p) = (0..several.len())
            .find(|&p| choice[p] + 1 < tokens[several[p]].acronym_readings().count())
        else {
            return;
        };
        choice[p] += 1;
        choice[..p].fill(0);
    }
}

/// The runs from `start` with each word's letters given by `reading` (by
/// position).
fn spell_runs_from<'t>(
    tokens: &'t [Token],
    start: usize,
    reading: impl Fn(usize) -> &'t str,
    f: &mut impl FnMut(&str, Range<usize>),
) {
    let mut initials = SmallString::default();
    let mut words = 0;
    for (end, t) in tokens.iter().enumerate().skip(start) {
        match t.class {
            TokenClass::Word | TokenClass::Generic => {
                initials.push_str(reading(end));
                words += 1;
                if words >= 2 {
                    f(&initials, start..end + 1);
                }
            }
            TokenClass::Stopword => {}
            _ => break,
        }
        if initials.len() >= 6 {
            break;
        }
    }
}

/// The runs [`joined_runs_from`] gives from `start` that
/// [`joined_reads`] reads as `word`. Lengths are summed first, and a run's
/// text is written only once it is long enough to read: most runs never
/// are (1% of a screen's instructions against writing every run).
fn joined_runs_reading(
    tokens: &[Token],
    start: usize,
    word: &Token,
    mut f: impl FnMut(Range<usize>),
) {
    let lw = word.text.len();
    let (mut lj, mut joined) = (0, SmallString::default());
    for (end, t) in tokens.iter().enumerate().skip(start).take(3) {
        if !joins(t) {
            break;
        }
        lj += t.text.len();
        if lj > lw + 2 {
            break;
        }
        if end > start && lj + 1 >= lw {
            if joined.is_empty() {
                tokens[start..end]
                    .iter()
                    .for_each(|t| joined.push_str(&t.text));
            }
            joined.push_str(&t.text);
            if joined_reads(&joined, word) {
                f(start..end + 1);
            }
        }
    }
}

/// Every run of two or three words the joined-words pass may read as one
/// word, with the positions it covers.
fn joined_runs(tokens: &[Token], mut f: impl FnMut(&str, Range<usize>)) {
    for start in 0..tokens.len() {
        joined_runs_from(tokens, start, &mut f);
    }
}

/// [`joined_runs`] opening at `start`.
fn joined_runs_from(tokens: &[Token], start: usize, mut f: impl FnMut(&str, Range<usize>)) {
    let mut joined = SmallString::default();
    for (end, t) in tokens.iter().enumerate().skip(start).take(3) {
        if !joins(t) {
            break;
        }
        joined.push_str(&t.text);
        if end > start {
            f(&joined, start..end + 1);
        }
    }
}

/// Whether the words-written-together pass within one script could read
/// `joined` as the single word `word` (a word of five letters or more).
fn joined_reads(joined: &str, word: &Token) -> bool {
    let (lj, lw) = (joined.len(), word.text.len());
    let floor = joined_floor(false);
    // So few edits are allowed that the letters tell most pairs apart
    // before the edit distance (in characters: they bound it for ASCII only).
    let letters_may_read = || {
        !(joined.is_ascii() && word.text.is_ascii())
            || spellings_may_read(
                joined,
                &word.text,
                (letter_mask(joined), letter_mask(&word.text)),
                floor,
            )
    };
    joined.as_bytes().first() == word.text.as_bytes().first()
        && lj + 1 >= lw
        && lj <= lw + 2
        && letters_may_read()
        && joined_ratio(joined, String::new, word, false) >= floor
}

/// Whether the edit ratio of two ASCII spellings (whose [`letter_mask`]s
/// are `masks`) could reach `least`: their lengths, then the letters one
/// lacks, then their letter counts bound the edit distance from below, each
/// at a fraction of its cost.
fn spellings_may_read(a: &str, b: &str, masks: (u64, u64), least: f64) -> bool {
    let longest = a.len().max(b.len());
    ratio_may_reach(
        a.len().abs_diff(b.len()).max(letters_absent(masks)),
        longest,
        least,
    ) && ratio_may_reach(letter_bag_distance(a, b), longest, least)
}

/// Whether the pass across scripts could read two words written together
/// (`joined`, with its consonant skeleton) as the single word `word` (a
/// word of five letters or more, whose [`Spelling`] is `w`).
fn joined_reads_across(joined: &Spelling, word: &Token, w: &Spelling) -> bool {
    // Most pairs are told apart by lengths and letters, which bound each of
    // `joined_ratio`'s two readings from above, before any edit distance is
    // computed. The edit distance counts characters and the lengths bytes:
    // the bounds hold for ASCII only.
    let floor = joined_floor(true);
    let exact = || joined_ratio(joined.text, || joined.skeleton.to_string(), word, true) >= floor;
    if !(joined.marks.ascii && w.marks.ascii) {
        return exact();
    }
    if spellings_may_read(
        joined.text,
        w.text,
        (joined.marks.mask, w.marks.mask),
        floor,
    ) {
        return exact();
    }
    // The spellings cannot read: only the skeletons can, and `joined_ratio`
    // then gives their reading.
    let least = JOINED_SKELETON_MIN.max(floor / JOINED_SKELETON_DISCOUNT);
    if !w.skeleton.is_empty()
        && joined.skeleton.len() >= 4
        && spellings_may_read(
            joined.skeleton,
            w.skeleton,
            (joined.marks.skeleton_mask, w.marks.skeleton_mask),
            least,
        )
    {
        return joined_skeleton_ratio(joined.skeleton, word) >= floor;
    }
    false
}

/// What the cross-script joined-word test reads of a spelling and its
/// consonant skeleton, found once per word or run rather than once per pair
/// (the query's own once per query).
#[derive(Debug, Clone, Copy)]
struct Marks {
    /// Both are ASCII.
    ascii: bool,
    mask: u64,
    skeleton_mask: u64,
}

impl Marks {
    fn of(text: &str, skeleton: &str) -> Marks {
        Marks {
            ascii: text.is_ascii() && skeleton.is_ascii(),
            mask: letter_mask(text),
            skeleton_mask: letter_mask(skeleton),
        }
    }
}

/// A spelling and its consonant skeleton, with their [`Marks`].
#[derive(Debug, Clone, Copy)]
struct Spelling<'a> {
    text: &'a str,
    skeleton: &'a str,
    marks: Marks,
}

impl<'a> Spelling<'a> {
    fn new(text: &'a str, skeleton: &'a str) -> Spelling<'a> {
        Spelling::marked(text, skeleton, Marks::of(text, skeleton))
    }

    /// With `marks` found before (see [`QueryOutline`]).
    fn marked(text: &'a str, skeleton: &'a str, marks: Marks) -> Spelling<'a> {
        Spelling {
            text,
            skeleton,
            marks,
        }
    }

    fn of(t: &'a Token) -> Spelling<'a> {
        Spelling::new(&t.text, &t.skeleton)
    }
}

/// Whether a ratio `1 - edits / longest` could reach `least`, for a lower
/// bound `edits` of the edit distance; written without a division, which
/// costs more than the rest of the test, and loose by far more than a
/// rounding error.
fn ratio_may_reach(edits: usize, longest: usize, least: f64) -> bool {
    edits as f64 <= (1.0 - least) * longest as f64 + 1e-9
}

/// Whether the Arabic-script b read as a p could make two skeletons of
/// words equal (see the scorer's labial pass): equal lengths of three or
/// more, differing only where one of them has a b.
fn labials_may_meet(a: &Token, b: &Token) -> bool {
    let (sa, sb) = (a.skeleton.as_bytes(), b.skeleton.as_bytes());
    sa.len() >= 3
        && sa.len() == sb.len()
        && sa
            .iter()
            .zip(sb)
            .all(|(x, y)| x == y || *x == b'b' || *y == b'b')
}

/// Whether a token's shape lets the acronym pass read it as an acronym.
fn acronym_shaped(t: &Token) -> bool {
    t.class == TokenClass::Word
        && (2..=6).contains(&t.text.len())
        && t.text.chars().all(|c| c.is_ascii_alphabetic())
}

/// What a token's letters tell about its similarity to another, read once
/// per token rather than once per pair.
struct Shape<'t> {
    token: &'t Token,
    letters: &'t Spellings,
}

/// Length, letter set and letter counts of an ASCII word. Letters share a
/// slot by byte value modulo 32 (or 64 for the set): sharing only lowers the
/// count of edits they imply, so that count stays a lower bound.
#[derive(Debug, Clone, Copy)]
struct Letters {
    len: usize,
    mask: u64,
    counts: [u8; 32],
}

impl Letters {
    fn of(s: &str) -> Letters {
        let mut counts = [0u8; 32];
        let mut mask = 0u64;
        for c in s.bytes() {
            let slot = &mut counts[(c & 31) as usize];
            *slot = slot.saturating_add(1);
            mask |= 1 << (c & 63);
        }
        debug_assert_eq!(mask, letter_mask(s));
        Letters {
            len: s.len(),
            mask,
            counts,
        }
    }

    /// For tokens whose spelling is never compared (see [`Spellings::of`]).
    const NONE: Letters = Letters {
        len: 0,
        mask: 0,
        counts: [0; 32],
    };

    /// A lower bound of the edit distance: letters one word lacks or has
    /// fewer of each need an edit.
    fn least_edits(&self, other: &Letters) -> usize {
        // Written as two whole-array passes so that they compile to vector
        // instructions.
        let extra = |a: &[u8; 32], b: &[u8; 32]| -> u32 {
            let mut d = [0u8; 32];
            for ((d, x), y) in d.iter_mut().zip(a).zip(b) {
                *d = x.saturating_sub(*y);
            }
            d.iter().map(|&x| u32::from(x)).sum()
        };
        let (extra_a, extra_b) = (
            extra(&self.counts, &other.counts),
            extra(&other.counts, &self.counts),
        );
        (extra_a.max(extra_b) as usize).max(self.len.abs_diff(other.len))
    }

    /// Whether more than half the letters of the longer word must change,
    /// so that the spelling similarity is 0; the letter sets decide most
    /// pairs before the counts are read.
    fn far_from(&self, other: &Letters) -> bool {
        let half = self.len.max(other.len).max(1) as f64 * 0.5;
        let absent = letters_absent((self.mask, other.mask));
        absent.max(self.len.abs_diff(other.len)) as f64 > half
            || self.least_edits(other) as f64 > half
    }
}

/// The letters of a token's spellings (see [`Shape`]), which a query
/// keeps for every party it is compared with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spellings {
    /// A word of two letters or more in ASCII: only such tokens have their
    /// letters counted.
    plain: bool,
    /// It has a romanisation-folded spelling, and whether that differs from
    /// its spelling: read once per token, not once per pair.
    has_roman: bool,
    romanised: bool,
    text: Letters,
    /// The romanisation-folded spelling.
    roman: Letters,
}

impl Spellings {
    pub(crate) fn of(t: &Token) -> Spellings {
        let plain = t.text.len() >= 2
            && t.text.len() < 256
            && t.roman.len() < 256
            && t.text.is_ascii()
            && t.roman.is_ascii();
        let has_roman = !t.roman.is_empty();
        let romanised = has_roman && t.roman != t.text;
        // Only words, generic words and legal forms (against a word) reach
        // the spelling comparison.
        if !matches!(
            t.class,
            TokenClass::Word | TokenClass::Generic | TokenClass::LegalForm
        ) {
            return Spellings {
                plain,
                has_roman,
                romanised,
                text: Letters::NONE,
                roman: Letters::NONE,
            };
        }
        let text = Letters::of(&t.text);
        Spellings {
            plain,
            has_roman,
            romanised,
            text,
            roman: if romanised {
                Letters::of(&t.roman)
            } else {
                text
            },
        }
    }
}

impl<'t> Shape<'t> {
    /// Whether the two tokens' similarity within one script is surely 0: two
    /// words or generic words, not equal, not one concept or one name in two
    /// spellings, whose spellings, and romanised spellings where the
    /// scorer compares those, are too far apart. It follows the order of
    /// rules in `token_similarity`; a unit test checks it against it.
    fn unrelated(&self, other: &Shape) -> bool {
        let (a, b) = (self.token, other.token);
        let word = |t: &Token| matches!(t.class, TokenClass::Word | TokenClass::Generic);
        let (x, y) = (&self.letters, &other.letters);
        if !x.plain || !y.plain || !word(a) || !word(b) {
            return false;
        }
        if a.class == b.class && a.key.is_some() && a.key == b.key {
            return false;
        }
        if !x.text.far_from(&y.text) {
            return false;
        }
        let romanised = x.has_roman && y.has_roman && (x.romanised || y.romanised);
        !romanised || x.roman.far_from(&y.roman)
    }

    /// An upper bound of the tokens' similarity within one script.
    fn ceiling(&self, other: &Shape) -> f64 {
        let (a, b) = (self.token, other.token);
        let (lx, ly) = (&self.letters, &other.letters);
        similarity_with(a, b, false, |spelled, need| {
            let (x, y, sx, sy) = match spelled {
                Spelled::Text | Spelled::TextEdits => (&lx.text, &ly.text, &a.text, &b.text),
                Spelled::Roman => (&lx.roman, &ly.roman, &a.roman, &b.roman),
            };
            let (len_x, len_y, least_edits) = if lx.plain && ly.plain {
                (x.len, y.len, x.least_edits(y))
            } else {
                // Letters counted in characters; no bound on the edits.
                let (lx, ly) = (sx.chars().count(), sy.chars().count());
                (lx, ly, lx.abs_diff(ly))
            };
            match spelled {
                Spelled::TextEdits => least_edits as f64,
                _ => fuzzy_ceiling(len_x, len_y, least_edits, need),
            }
        })
        .0
    }
}

/// What readings over several words may give each token of a set, by id
/// (most parties have few distinct tokens: these stay on the stack).
type Readings = SmallVec<[f64; 32]>;

thread_local! {
    /// Bounds of token pairs across scripts, party token major: kept per
    /// thread, since a party with many aliases needs thousands.
    static ACROSS_MATRIX: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Bounds of one query's tokens against party tokens numbered by
/// [`crate::number_tokens`], kept while the query's candidates are scored:
/// candidates retrieved for one query share many of their tokens.
#[derive(Debug, Default)]
pub(crate) struct TokenPairBounds<'a> {
    memos: Memos,
    /// The letters of each numbered token, by number (empty when the
    /// parties' numbering did not keep them).
    letters: &'a [Spellings],
}

/// What [`TokenPairBounds`] keeps of one query.
#[derive(Debug, Default)]
struct Memos {
    /// Where a party token's row of bounds (one per query token) starts in
    /// `rows`, by the token's number and whether place adjectives count.
    starts: TokenMemo<(u32, bool), u32>,
    rows: Vec<f64>,
    /// The same across scripts, by the token's number and whether the
    /// Arabic b may read as p.
    across_starts: TokenMemo<(u32, bool), u32>,
    /// Across scripts: where the bits (in `bits`) start of which of the
    /// query's two-word runs (by their order in the outline) a party word
    /// reads as, by the word's number; and of which of the query's long
    /// words (by their order among its tokens) a two-word party run reads
    /// as, by its words' numbers. Arabic names share most of their runs
    /// ("abd al").
    word_reads: TokenMemo<u32, u32>,
    run_reads: TokenMemo<(u32, u32), u32>,
    bits: Vec<u64>,
}

impl Memos {
    fn clear(&mut self) {
        self.starts.clear();
        self.rows.clear();
        self.across_starts.clear();
        self.word_reads.clear();
        self.run_reads.clear();
        self.bits.clear();
    }
}

thread_local! {
    /// The memos of the thread's last query, emptied: the next query's
    /// memos start at the size they grew to rather than growing again.
    static SPARE_MEMOS: std::cell::Cell<Memos> = std::cell::Cell::default();
}

impl<'a> TokenPairBounds<'a> {
    pub(crate) fn new(letters: &'a [Spellings]) -> TokenPairBounds<'a> {
        TokenPairBounds {
            memos: SPARE_MEMOS.take(),
            letters,
        }
    }
}

/// Memos holding more bounds than this (8 MB of rows, after an unusually
/// long query) are let go rather than kept for the thread's next query.
const SPARE_ROWS_MAX: usize = 1 << 20;

impl Drop for TokenPairBounds<'_> {
    fn drop(&mut self) {
        let mut memos = std::mem::take(&mut self.memos);
        if memos.rows.capacity() <= SPARE_ROWS_MAX {
            memos.clear();
            SPARE_MEMOS.set(memos);
        }
    }
}

type TokenMemo<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Where in `store` the `len` items that `compute` writes (all 0 on entry)
/// start: written once per `key` in `memo`, or every time without a key (a
/// party whose tokens are not numbered). Rows of token-pair bounds, and bits
/// of what a party token or run reads as, are read where they are stored,
/// not copied.
fn memoised<K: std::hash::Hash + Eq, T: Copy + Default>(
    memo: &mut TokenMemo<K, u32>,
    store: &mut Vec<T>,
    key: Option<K>,
    len: usize,
    compute: impl FnOnce(&mut [T]),
) -> usize {
    let start = store.len();
    let slot = match key.map(|key| memo.entry(key)) {
        Some(std::collections::hash_map::Entry::Occupied(known)) => return *known.get() as usize,
        Some(std::collections::hash_map::Entry::Vacant(slot)) => Some(slot),
        None => None,
    };
    store.resize(start + len, T::default());
    compute(&mut store[start..]);
    if let Some(slot) = slot {
        slot.insert(start as u32);
    }
    start
}

/// The indices of the items whose bit is set: one step per set bit, since
/// nearly every party token and run reads as none.
fn set_bits(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &word)| {
        let next = |&b: &u64| Some(b & (b - 1)).filter(|&b| b != 0);
        std::iter::successors(Some(word).filter(|&b| b != 0), next)
            .map(move |b| w * 64 + b.trailing_zeros() as usize)
    })
}

/// Sets item `k`'s bit.
fn set_bit(bits: &mut [u64], k: usize) {
    bits[k / 64] |= 1 << (k % 64);
}

/// Upper bounds of one query against one party: per name, and per variant
/// pair of each name (party variant major, query variant minor).
pub(crate) struct PartyBounds {
    names: SmallVec<[f64; 8]>,
    pairs: SmallVec<[f64; 16]>,
    /// Where each name's pair bounds start in `pairs`, plus the end.
    starts: SmallVec<[usize; 9]>,
}

impl PartyBounds {
    /// Bounds of `q` (whose variants' token weights are `q_weights`) against
    /// every name of `e` under `schema`. Bounds below `floor` may be looser:
    /// when one bound for the whole party falls below it, every name and
    /// pair gets that bound.
    pub(crate) fn new(
        q: &PreparedQuery,
        q_weights: &[TokenNumbers],
        e: &PreparedEntity,
        schema: Schema,
        known: Option<&mut TokenPairBounds<'_>>,
        floor: f64,
    ) -> PartyBounds {
        let q_tokens = q.tokens.tokens(|_| &q.analyzed);
        let p_tokens = e.tokens.tokens(|n| &e.names[n].0);
        let (qn, pn) = (q_tokens.len(), p_tokens.len());
        // Without the query's memos, this party's own: a token listed in
        // several of its aliases is still bounded once.
        let mut own;
        let (memos, letters): (&mut Memos, &[Spellings]) = match known {
            Some(k) => (&mut k.memos, k.letters),
            None => {
                own = Memos::default();
                (&mut own, &[])
            }
        };
        // `row_starts[pj]` is where party token `pj`'s row of bounds, one
        // per query token, starts in `memos.rows`; `readings_q` and
        // `readings_p` hold what readings over several words may give each
        // token.
        let mut row_starts: SmallVec<[u32; 64]> = SmallVec::with_capacity(pn);
        let mut readings_q: Readings = smallvec::smallvec![0.0; qn];
        let mut readings_p: Readings = smallvec::smallvec![0.0; pn];
        let raise = |x: &mut f64, s: f64| *x = x.max(s);

        // Each token pair, one token to one token. Most pairs are two
        // unrelated words, told apart by their letters alone.
        let places = schema != Schema::Person;
        let q_shapes: SmallVec<[Shape; 16]> = q_tokens
            .iter()
            .zip(&q.outline.spellings)
            .map(|(&token, letters)| Shape { token, letters })
            .collect();
        for (pj, pt) in p_tokens.iter().enumerate() {
            let key = e.tokens.number(pj).map(|n| (n, places));
            let letters = key.and_then(|key| letters.get(key.0 as usize));
            let start = memoised(&mut memos.starts, &mut memos.rows, key, qn, |row| {
                token_row(&q_shapes, pt, letters, places, row)
            });
            row_starts.push(start as u32);
        }

        // Concepts written as several words, and single concept words that
        // may meet such a run on the other side.
        for &id in &q.outline.concept {
            readings_q[id as usize] = 1.0;
        }
        for &id in e.concept_tokens.iter() {
            readings_p[id as usize] = 1.0;
        }
        let single = |t: &Token| t.class == TokenClass::Generic && t.key.is_some();
        if !e.concept_tokens.is_empty() {
            for (qi, qt) in q_tokens.iter().enumerate() {
                if single(qt) {
                    readings_q[qi] = 1.0;
                }
            }
        }
        if !q.outline.concept.is_empty() {
            for (pj, pt) in p_tokens.iter().enumerate() {
                if single(pt) {
                    readings_p[pj] = 1.0;
                }
            }
        }

        // A party word read as an acronym of, or as the joined spelling of,
        // a run of query words.
        for (pj, pt) in p_tokens.iter().enumerate() {
            let first = first_letter_bit(&pt.text);
            if pt.class != TokenClass::Word
                || (q.outline.acronym_run_letters | q.outline.joined_run_letters) & first == 0
            {
                continue;
            }
            if q.outline.acronym_run_letters & first != 0 && acronym_shaped(pt) {
                for (_, run) in q.outline.acronyms.iter().filter(|(a, _)| *a == pt.text) {
                    raise(&mut readings_p[pj], ACRONYM_SIMILARITY);
                    run.iter()
                        .for_each(|&id| raise(&mut readings_q[id as usize], ACRONYM_SIMILARITY));
                }
            }
            if q.outline.joined_run_letters & first != 0 && pt.text.len() >= 5 {
                for (_, run) in q.outline.joined.iter().filter(|(j, _)| joined_reads(j, pt)) {
                    readings_p[pj] = 1.0;
                    run.iter().for_each(|&id| readings_q[id as usize] = 1.0);
                }
            }
        }
        // A query word read as an acronym of, or as the joined spelling of, a
        // run of party words. Both readings open with the word's first
        // letter (as an initial, or as the run's first letter), so the party's
        // runs are walked only from words that start with one.
        let readers = &q.outline.readers;
        let first = |s: &str| s.as_bytes().first().copied();
        // Sets of first letters tell most tokens apart without a reader each.
        let opens = |t: &Token| {
            q.outline.joined_letters & first_letter_bit(&t.text) != 0
                || (q.outline.acronym_letters != 0
                    && q.outline.acronym_letters & acronym_letters(t) != 0)
        };
        let openers: SmallVec<[bool; 32]> = p_tokens.iter().map(|t| opens(t)).collect();
        if openers.contains(&true) {
            for (n, (name, _)) in e.names.iter().enumerate() {
                let variants = e.tokens.name_variants(n);
                let first_variant = variants.start;
                for vi in variants {
                    let (_, vid) = e.tokens.variant(vi);
                    if !vid.iter().any(|&id| openers[id as usize]) {
                        continue;
                    }
                    let v = &name.variants[vi - first_variant];
                    for (k, &id) in vid.iter().enumerate() {
                        if !openers[id as usize] {
                            continue;
                        }
                        let t = &v.tokens[k];
                        for &(qi, acr, joined) in readers {
                            let word = &q_tokens[qi].text;
                            if acr
                                && matches!(t.class, TokenClass::Word | TokenClass::Generic)
                                && first(word).is_some_and(|c| t.acronym_opens_with(c))
                            {
                                // The scorer's own walk, every run it may take.
                                acronym_run_ends(
                                    word,
                                    &v.tokens,
                                    k,
                                    |_| false,
                                    |end| {
                                        raise(&mut readings_q[qi], ACRONYM_SIMILARITY);
                                        vid[k..end].iter().for_each(|&id| {
                                            raise(&mut readings_p[id as usize], ACRONYM_SIMILARITY)
                                        });
                                        true
                                    },
                                );
                            }
                            if joined && first(&t.text) == first(word) {
                                joined_runs_reading(&v.tokens, k, q_tokens[qi], |run| {
                                    readings_q[qi] = 1.0;
                                    vid[run]
                                        .iter()
                                        .for_each(|&id| readings_p[id as usize] = 1.0);
                                });
                            }
                        }
                    }
                }
            }
        }

        // Names in a script that leaves vowels out, met from another script,
        // are compared more leniently (consonant skeletons, looser joined
        // words, the Arabic b read as p): their token pairs and readings get
        // a second set of bounds. Most parties and queries have no such
        // name, and then every name is read strictly (no entry here).
        let lenient: SmallVec<[crate::names::Leniency; 8]> =
            if e.vowelless_names || skeletons_across(q.analyzed.script) {
                (e.names.iter())
                    .map(|(name, _)| lenient_pair(&q.analyzed, name))
                    .collect()
            } else {
                SmallVec::new()
            };
        let across = lenient.iter().any(|l| l.skeletons);
        let (mut across_q, mut across_p) = (Readings::new(), Readings::new());
        let mut pw_across = ACROSS_MATRIX.take();
        pw_across.clear();
        if across {
            for &start in &row_starts {
                pw_across.extend_from_slice(&memos.rows[start as usize..start as usize + qn]);
            }
            across_q.clone_from(&readings_q);
            across_p.clone_from(&readings_p);
            // Only the variants compared across scripts read these bounds,
            // and their tokens alone can give them: a party's other
            // aliases, often most of its tokens, are skipped.
            let crossed = crossed_tokens(q, e, &lenient, pn);
            let labials = lenient.iter().any(|l| l.arabic_labials);
            for (pj, pt) in p_tokens.iter().enumerate() {
                if !crossed[pj] {
                    continue;
                }
                let key = e.tokens.number(pj).map(|n| (n, labials));
                let start = memoised(&mut memos.across_starts, &mut memos.rows, key, qn, |row| {
                    skeleton_row(&q_tokens, pt, labials, row)
                });
                let row = &memos.rows[start..start + qn];
                for (x, &s) in pw_across[pj * qn..(pj + 1) * qn].iter_mut().zip(row) {
                    raise(x, s);
                }
            }
            // Words written together: across scripts, any two adjacent words.
            let pairs = &q.outline.joined_pairs;
            let pair_bits = pairs.len().div_ceil(64);
            for (pj, pt) in p_tokens.iter().enumerate() {
                if crossed[pj] && pt.class == TokenClass::Word && pt.text.len() >= 5 {
                    let key = e.tokens.number(pj);
                    let start = memoised(
                        &mut memos.word_reads,
                        &mut memos.bits,
                        key,
                        pair_bits,
                        |reads| {
                            let w = Spelling::of(pt);
                            for (k, pair) in pairs.iter().enumerate() {
                                if joined_reads_across(&pair.spelling(), pt, &w) {
                                    set_bit(reads, k);
                                }
                            }
                        },
                    );
                    for k in set_bits(&memos.bits[start..start + pair_bits]) {
                        across_p[pj] = 1.0;
                        let ids = &pairs[k].ids;
                        ids.iter().for_each(|&id| across_q[id as usize] = 1.0);
                    }
                }
            }
            let long_words = &q.outline.long_words;
            if !long_words.is_empty() {
                // Each two-word run once per party, by its tokens' ids:
                // aliases and variants repeat most of them.
                let mut runs: SmallVec<[(u32, u32); 32]> = SmallVec::new();
                for (n, (name, _)) in e.names.iter().enumerate() {
                    if !lenient[n].skeletons {
                        continue;
                    }
                    let variants = e.tokens.name_variants(n);
                    let first_variant = variants.start;
                    for vi in variants {
                        let (info, vid) = e.tokens.variant(vi);
                        if !crosses(q, info) {
                            continue;
                        }
                        let v = &name.variants[vi - first_variant];
                        for k in 1..v.tokens.len() {
                            if joins(&v.tokens[k - 1]) && joins(&v.tokens[k]) {
                                runs.push((vid[k - 1], vid[k]));
                            }
                        }
                    }
                }
                runs.sort_unstable();
                runs.dedup();
                // Whether reading the run as query word `qi` could still
                // raise anything.
                let open = |q: &Readings, p: &Readings, qi: usize, (a, b): (u32, u32)| {
                    q[qi] < 1.0 || p[a as usize] < 1.0 || p[b as usize] < 1.0
                };
                let (mut j, mut skeleton) = (String::new(), String::new());
                let word_bits = long_words.len().div_ceil(64);
                for &(a, b) in &runs {
                    if !long_words
                        .iter()
                        .any(|&(qi, _)| open(&across_q, &across_p, qi, (a, b)))
                    {
                        continue;
                    }
                    let key = e.tokens.number(a as usize).zip(e.tokens.number(b as usize));
                    let start = memoised(
                        &mut memos.run_reads,
                        &mut memos.bits,
                        key,
                        word_bits,
                        |reads| {
                            let (ta, tb) = (p_tokens[a as usize], p_tokens[b as usize]);
                            j.clear();
                            j.push_str(&ta.text);
                            j.push_str(&tb.text);
                            kordon_text::phonetic::skeleton_into(&j, &mut skeleton);
                            let run = Spelling::new(&j, &skeleton);
                            for (k, &(qi, marks)) in long_words.iter().enumerate() {
                                let word = q_tokens[qi];
                                let spelling = Spelling::marked(&word.text, &word.skeleton, marks);
                                if joined_reads_across(&run, word, &spelling) {
                                    set_bit(reads, k);
                                }
                            }
                        },
                    );
                    for k in set_bits(&memos.bits[start..start + word_bits]) {
                        across_q[long_words[k].0] = 1.0;
                        across_p[a as usize] = 1.0;
                        across_p[b as usize] = 1.0;
                    }
                }
            }
        }

        // Where party token `pj`'s row of bounds, within or across
        // scripts, starts, and in which matrix.
        let row = |cross: bool, pj: usize| -> (&[f64], usize) {
            if cross {
                (&pw_across, pj * qn)
            } else {
                (&memos.rows, row_starts[pj] as usize)
            }
        };
        let mut bounds = PartyBounds {
            names: SmallVec::new(),
            pairs: SmallVec::new(),
            starts: SmallVec::new(),
        };
        // One bound for the whole party first: each query token at its best
        // partner among all the party's tokens, either way of reading, and
        // the party's side taken as wholly covered; and the best score of
        // words written together. It is above every pair's bound, and most
        // candidates fall below the floor on it before their variant pairs
        // are bounded one by one.
        if floor > f64::NEG_INFINITY {
            let readings: &[&Readings] = if across {
                &[&readings_q, &across_q]
            } else {
                &[&readings_q]
            };
            let mut best: Readings = (0..qn)
                .map(|qi| readings.iter().fold(0.0, |m: f64, r| m.max(r[qi])))
                .collect();
            // Across scripts a token pair's bound is at least its bound
            // within a script, so that matrix alone gives the best.
            for pj in 0..pn {
                let (matrix, start) = row(across, pj);
                for (b, &x) in best.iter_mut().zip(&matrix[start..start + qn]) {
                    raise(b, x);
                }
            }
            // The score rises with the query's coverage, so the best
            // variant's coverage gives the best score: one power, not one per
            // variant.
            let covered = q_weights
                .iter()
                .enumerate()
                .filter_map(|(i, w)| {
                    let ids = q.tokens.variant(i).1;
                    cover(w.iter().copied(), ids.iter().map(|&qi| best[qi as usize]))
                })
                .fold(0.0, f64::max);
            let mut whole = coverage_score(covered, 1.0, schema) + SLACK;
            // Joined scores cost more: read only when the rest is below.
            if whole < floor {
                for (n, (name, _)) in e.names.iter().enumerate() {
                    let variants = e.tokens.name_variants(n);
                    let first_variant = variants.start;
                    for vi in variants {
                        let (info, _) = e.tokens.variant(vi);
                        let vb = &name.variants[vi - first_variant];
                        for (i, va) in q.analyzed.variants.iter().enumerate() {
                            let q_info = q.tokens.variant(i).0;
                            whole = whole.max(pair_joined_score(q_info, va, info, vb) + SLACK);
                        }
                    }
                }
            }
            if whole < floor {
                for n in 0..e.names.len() {
                    bounds.starts.push(bounds.pairs.len());
                    let pairs = e.tokens.name_variants(n).len() * q.analyzed.variants.len();
                    bounds.pairs.extend(std::iter::repeat_n(whole, pairs));
                    bounds.names.push(whole);
                }
                bounds.starts.push(bounds.pairs.len());
                ACROSS_MATRIX.set(pw_across);
                return bounds;
            }
        }
        let c_weights = e.tokens.weights();
        for (n, (name, _)) in e.names.iter().enumerate() {
            bounds.starts.push(bounds.pairs.len());
            let variants = e.tokens.name_variants(n);
            let first_variant = variants.start;
            let mut name_best = 0.0f64;
            for vi in variants {
                let (info, vid) = e.tokens.variant(vi);
                for ((i, va), w) in q.analyzed.variants.iter().enumerate().zip(q_weights) {
                    let (q_info, ids) = q.tokens.variant(i);
                    // The scorer's own test for comparing across scripts.
                    let cross = lenient.get(n).is_some_and(|l| l.skeletons)
                        && va.transliterated != info.transliterated;
                    let (q_readings, p_readings) = if cross {
                        (&across_q, &across_p)
                    } else {
                        (&readings_q, &readings_p)
                    };
                    // Each token at its best partner in the other variant.
                    let cell = |qi: u32, pj: u32| {
                        let (matrix, start) = row(cross, pj as usize);
                        matrix[start + qi as usize]
                    };
                    let q_best = |qi: u32| {
                        vid.iter()
                            .fold(q_readings[qi as usize], |m, &pj| m.max(cell(qi, pj)))
                    };
                    let p_best = |pj: u32| {
                        ids.iter()
                            .fold(p_readings[pj as usize], |m, &qi| m.max(cell(qi, pj)))
                    };
                    let a = cover(w.iter().copied(), ids.iter().map(|&qi| q_best(qi)));
                    let c = cover(
                        vid.iter().map(|&pj| c_weights[pj as usize]),
                        vid.iter().map(|&pj| p_best(pj)),
                    );
                    let joined =
                        pair_joined_score(q_info, va, info, &name.variants[vi - first_variant]);
                    let segment = segment_factor(va.segment, info.segment);
                    let b = match (a, c) {
                        (Some(a), Some(c)) => {
                            // A pair below the floor is never aligned, so its
                            // bound need only stay below it: the cheaper
                            // ceiling often shows it is.
                            let ceiling = (coverage_ceiling(a, c, schema) * segment).max(joined);
                            if ceiling + SLACK < floor {
                                ceiling
                            } else {
                                (coverage_score(a, c, schema) * segment).max(joined)
                            }
                        }
                        _ => joined.max(0.0),
                    } + SLACK;
                    name_best = name_best.max(b);
                    bounds.pairs.push(b);
                }
            }
            bounds.names.push(name_best);
        }
        bounds.starts.push(bounds.pairs.len());
        ACROSS_MATRIX.set(pw_across);
        bounds
    }

    /// Bound of name `n`.
    pub(crate) fn name(&self, n: usize) -> f64 {
        self.names[n]
    }

    /// Highest bound over all names.
    pub(crate) fn best(&self) -> f64 {
        self.names.iter().copied().fold(0.0, f64::max)
    }

    /// Bounds of name `n`'s variant pairs, party variant major.
    pub(crate) fn pairs(&self, n: usize) -> &[f64] {
        &self.pairs[self.starts[n]..self.starts[n + 1]]
    }
}

/// The joined-words score of query variant `va` and party variant `vb`
/// (described by `q_info` and `info`), or 0 where the scorer gives none.
fn pair_joined_score(
    q_info: &crate::names::VariantInfo,
    va: &NameVariant,
    info: &crate::names::VariantInfo,
    vb: &NameVariant,
) -> f64 {
    if q_info.joined.may_score(&info.joined) {
        joined_score(va, vb)
    } else {
        0.0
    }
}

/// Whether each of `e`'s tokens (by id) is in a variant that the scorer
/// compares across scripts with some variant of `q`: a variant of a name
/// read leniently (`lenient`, by name) whose transliteration differs from
/// the query variant's.
fn crossed_tokens(
    q: &PreparedQuery,
    e: &PreparedEntity,
    lenient: &[crate::names::Leniency],
    pn: usize,
) -> SmallVec<[bool; 32]> {
    let mut crossed: SmallVec<[bool; 32]> = smallvec::smallvec![false; pn];
    for (n, l) in lenient.iter().enumerate() {
        if !l.skeletons {
            continue;
        }
        for vi in e.tokens.name_variants(n) {
            let (info, vid) = e.tokens.variant(vi);
            if crosses(q, info) {
                vid.iter().for_each(|&id| crossed[id as usize] = true);
            }
        }
    }
    crossed
}

/// Whether some variant of `q` differs in transliteration from the party
/// variant `info`: the scorer's test for comparing across scripts, once
/// the names are read leniently.
fn crosses(q: &PreparedQuery, info: &crate::names::VariantInfo) -> bool {
    q.analyzed
        .variants
        .iter()
        .any(|v| v.transliterated != info.transliterated)
}

/// The bounds of party token `pt` (whose letters are `letters`, when
/// counted already) against each query token (`q_shapes`), one token to
/// one token, into `row` (all 0 on entry). Most pairs are two unrelated
/// words, told apart by their letters alone.
fn token_row(
    q_shapes: &[Shape],
    pt: &Token,
    letters: Option<&Spellings>,
    places: bool,
    row: &mut [f64],
) {
    let counted;
    let letters = match letters {
        Some(letters) => letters,
        None => {
            counted = Spellings::of(pt);
            &counted
        }
    };
    let p_shape = Shape { token: pt, letters };
    for (cell, q_shape) in row.iter_mut().zip(q_shapes) {
        let qt = q_shape.token;
        if places
            && qt.class == TokenClass::Word
            && pt.class == TokenClass::Word
            && (is_place_adjective(&qt.text, &pt.text) || is_place_adjective(&pt.text, &qt.text))
        {
            *cell = PLACE_ADJECTIVE_SIMILARITY;
        }
        if q_shape.unrelated(&p_shape) {
            continue;
        }
        let s = q_shape.ceiling(&p_shape);
        if s > 0.0 {
            // Alignment adds a tie-breaking nudge before capping at 1.
            *cell = cell.max((s + 1e-6).min(1.0));
        }
    }
}

/// The bounds across scripts of party token `pt` against each query token
/// (`q_tokens`), skeletons compared and, with `labials`, the Arabic b read
/// as p, into `row` (all 0 on entry).
fn skeleton_row(q_tokens: &[&Token], pt: &Token, labials: bool, row: &mut [f64]) {
    for (cell, qt) in row.iter_mut().zip(q_tokens) {
        let mut s = skeleton_similarity(qt, pt);
        if labials
            && qt.class == TokenClass::Word
            && pt.class == TokenClass::Word
            && labials_may_meet(qt, pt)
        {
            s = s.max(crate::names::LABIAL_SIMILARITY);
        }
        if s > 0.0 {
            *cell = (s + 1e-6).min(1.0);
        }
    }
}

/// Weighted share of a variant's tokens (weights `w`) at the similarities
/// `best`; `None` when the weights sum to nothing (the scorer then gives 0).
fn cover(w: impl Iterator<Item = f64>, best: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut total, mut got) = (0.0, 0.0);
    for (w, b) in w.zip(best) {
        total += w;
        got += w * b;
    }
    (total > 0.0).then(|| got / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::read_pairs;
    use crate::names::{best_variant_pair, best_variant_pair_cached, SimilarityCache};
    use crate::{score_entity, score_entity_at_least, UniformWeights};
    use kordon_model::{Entity, Name, NameKind};

    /// Every labelled name pair of the shared files: (schema, name1, name2).
    fn shared_pairs() -> Vec<(Schema, String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pairs/");
        [
            "cascade-name-pairs.shared.csv",
            "cascade-name-pairs-2.shared.csv",
            "nomenklatura/name_bench_cases.csv",
            "nomenklatura/name_bench_logicv2-frozen.csv",
        ]
        .iter()
        .flat_map(|f| read_pairs(std::path::Path::new(&format!("{dir}{f}"))).expect(f))
        .map(|p| (p.schema, p.name1, p.name2))
        .collect()
    }

    fn party(schema: Schema, names: &[&str]) -> PreparedEntity {
        let mut e = Entity::new("test", "t-1", schema);
        e.names = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let kind = match i {
                    0 => NameKind::Primary,
                    2 => NameKind::WeakAlias,
                    _ => NameKind::Alias,
                };
                Name::new(*n, kind)
            })
            .collect();
        PreparedEntity::new(&e)
    }

    /// Every variant pair's exact score (each scored alone through the
    /// pruning hook) is at most its bound: the bound of the pair and, as a
    /// floor above every score forces, the bound of the whole party.
    fn check_pairs(q: &PreparedQuery, e: &PreparedEntity, schema: Schema) {
        for floor in [f64::NEG_INFINITY, 2.0] {
            check_pairs_under(q, e, schema, floor);
        }
    }

    fn check_pairs_under(q: &PreparedQuery, e: &PreparedEntity, schema: Schema, floor: f64) {
        let q_weights = q.tokens.variant_weights();
        SimilarityCache::with(q.tokens.distinct(), e.tokens.distinct(), |cache| {
            let bounds = PartyBounds::new(q, &q_weights, e, schema, None, floor);
            for (n, (name, _)) in e.names.iter().enumerate() {
                let pairs = bounds.pairs(n);
                for k in 0..pairs.len() {
                    let mut only: Vec<f64> = vec![-1.0; pairs.len()];
                    only[k] = 0.0;
                    let exact = best_variant_pair_cached(
                        (&q.analyzed, q.tokens.name_ids(0)),
                        &q_weights,
                        (name, e.tokens.name_ids(n)),
                        e.tokens.weights(),
                        schema,
                        &UniformWeights,
                        cache,
                        Some((&only, -0.5)),
                    )
                    .map_or(0.0, |b| b.0);
                    assert!(
                        exact <= pairs[k],
                        "{:?} ~ {:?} pair {k}: score {exact} above bound {} (floor {floor})",
                        q.name,
                        name.original,
                        pairs[k]
                    );
                }
            }
        });
    }

    /// The distinct tokens of the shared pair files' names, sorted, so that
    /// neighbours are spelled alike.
    fn shared_tokens() -> Vec<Token> {
        let mut tokens: Vec<Token> = shared_pairs()
            .iter()
            .flat_map(|(schema, a, b)| [a, b].map(|n| kordon_text::analyze_name(n, *schema)))
            .flat_map(|n| n.variants.into_iter().flat_map(|v| v.tokens))
            .collect();
        tokens.sort_by(|a, b| a.text.cmp(&b.text).then(a.roman.cmp(&b.roman)));
        tokens.dedup();
        tokens
    }

    /// The tokens of `name`'s first variant as the scorer reads them.
    fn tokens_of(name: &str, schema: Schema) -> Vec<Token> {
        kordon_text::analyze_name(name, schema)
            .variants
            .into_iter()
            .next()
            .map_or_else(Vec::new, |v| v.tokens)
    }

    /// The first token of a made-up word as the scorer reads it.
    fn first_token(w: &str) -> Option<Token> {
        tokens_of(w, Schema::Unknown).into_iter().next()
    }

    /// A token pair's shapes never claim less than its similarity.
    fn check_tokens(a: &Token, b: &Token) {
        let exact = crate::names::token_similarity(a, b, false).0;
        let (la, lb) = (Spellings::of(a), Spellings::of(b));
        let sa = Shape {
            token: a,
            letters: &la,
        };
        let sb = Shape {
            token: b,
            letters: &lb,
        };
        assert!(
            sa.ceiling(&sb) >= exact,
            "{:?} ~ {:?}: ceiling {} below {exact}",
            a.text,
            b.text,
            sa.ceiling(&sb)
        );
        assert!(
            !sa.unrelated(&sb) || exact == 0.0,
            "{:?} ~ {:?} called unrelated at {exact}",
            a.text,
            b.text
        );
    }

    #[test]
    fn token_ceilings_hold_on_shared_words() {
        let tokens = shared_tokens();
        assert!(tokens.len() > 1000, "{} tokens", tokens.len());
        for (i, a) in tokens.iter().enumerate() {
            // Neighbours in spelling order, and a spread of the rest.
            for b in tokens[i..].iter().take(40).chain(tokens.iter().step_by(97)) {
                check_tokens(a, b);
                check_tokens(b, a);
            }
        }
    }

    proptest::proptest! {
        /// Made-up words, spelled from few letters so that many pairs are close.
        #[test]
        fn token_ceilings_hold_on_made_up_words(a in "[a-fs]{1,12}", b in "[a-fs]{1,12}") {
            if let (Some(x), Some(y)) = (first_token(&a), first_token(&b)) {
                check_tokens(&x, &y);
            }
        }

        /// Pair bounds below the floor are taken from the cheaper ceiling:
        /// it must never fall below the score by more than rounding.
        #[test]
        fn coverage_ceiling_is_never_below_the_score(
            a in 0.0f64..=1.0,
            b in 0.0f64..=1.0,
            person in proptest::bool::ANY,
        ) {
            let schema = if person { Schema::Person } else { Schema::Organization };
            let (ceiling, score) = (coverage_ceiling(a, b, schema), coverage_score(a, b, schema));
            proptest::prop_assert!(ceiling + 1e-12 >= score, "{ceiling} < {score}");
        }
    }

    /// The last token of `name` as an organisation's name reads it.
    fn last_token(name: &str) -> Option<Token> {
        tokens_of(name, Schema::Organization).pop()
    }

    proptest::proptest! {
        /// A legal form against a word spelled like it but for an edit or
        /// two: the only pairs of a legal form and a word that may score.
        #[test]
        fn token_ceilings_hold_for_legal_forms_against_words(
            form in proptest::sample::select(vec!["corp", "inc", "ltd", "gmbh", "llc", "sarl", "limited", "company", "ooo", "plc"]),
            edits in proptest::collection::vec((0usize..8, "[a-z]", proptest::bool::ANY), 1..3),
        ) {
            let mut w: Vec<char> = form.chars().collect();
            for (at, c, insert) in edits {
                let at = at % (w.len() + 1);
                if insert || at == w.len() {
                    w.insert(at, c.chars().next().unwrap_or('a'));
                } else {
                    w[at] = c.chars().next().unwrap_or('a');
                }
            }
            let word: String = w.into_iter().collect();
            let legal = last_token(&format!("Harrowgate {form}"));
            let other = last_token(&format!("Harrowgate {word}"));
            if let (Some(x), Some(y)) = (legal, other) {
                proptest::prop_assert_eq!(x.class, TokenClass::LegalForm);
                check_tokens(&x, &y);
                check_tokens(&y, &x);
            }
        }
    }

    proptest::proptest! {
        /// A generic word against a word spelled like it but for an edit or
        /// two (a letter changed, added or left out): a misspelt generic word
        /// may score (see `GENERIC_TYPO_LETTERS_PER_EDIT`), and its bound must
        /// hold.
        #[test]
        fn token_ceilings_hold_for_generic_words_against_misspellings(
            generic in proptest::sample::select(vec!["investment", "logistics", "trading", "international", "engineering", "energy", "export", "technology", "industries", "shipping"]),
            edits in proptest::collection::vec((0usize..14, "[a-z]", 0u8..3), 1..3),
        ) {
            let mut w: Vec<char> = generic.chars().collect();
            for (at, c, kind) in edits {
                let at = at % (w.len() + 1);
                let c = c.chars().next().unwrap_or('a');
                match kind {
                    0 => w.insert(at, c),
                    1 if at < w.len() => { w.remove(at); }
                    _ if at < w.len() => w[at] = c,
                    _ => w.push(c),
                }
            }
            let word: String = w.into_iter().collect();
            let x = last_token(&format!("Harrowgate {generic}"));
            let y = last_token(&format!("Harrowgate {word}"));
            if let (Some(x), Some(y)) = (x, y) {
                proptest::prop_assert_eq!(x.class, TokenClass::Generic);
                check_tokens(&x, &y);
                check_tokens(&y, &x);
            }
        }
    }

    #[test]
    fn legal_form_and_word_tokens_are_read_as_such() {
        // The property above compares what it means to compare.
        let form = last_token("Harrowgate Corp").unwrap();
        let word = last_token("Harrowgate Corps").unwrap();
        assert_eq!(
            (form.class, word.class),
            (TokenClass::LegalForm, TokenClass::Word)
        );
        assert!(crate::names::token_similarity(&form, &word, false).0 > 0.8);
        check_tokens(&form, &word);
    }

    proptest::proptest! {
        /// The cross-script prefilter never rules out a reading the
        /// scorer makes: two made-up words written together against a
        /// word spelled like them but for a few edits, so that many pairs
        /// read and many nearly do.
        #[test]
        fn joined_prefilter_keeps_every_reading(
            a in "[a-fhkst]{2,8}",
            b in "[a-fhkst]{2,8}",
            edits in proptest::collection::vec((0usize..16, "[a-fhkst]|[aeiou]{2}", 0u8..3), 0..6),
        ) {
            let joined = format!("{a}{b}");
            let mut w: Vec<char> = joined.chars().collect();
            for (at, c, kind) in edits {
                let at = at % (w.len() + 1);
                let c0 = c.chars().next().unwrap_or('a');
                match kind {
                    // Vowels inserted two at a time move the spelling away
                    // and leave the consonant skeleton as it was.
                    0 => c.chars().rev().for_each(|c| w.insert(at, c)),
                    1 if at < w.len() && w.len() > 5 => { w.remove(at); }
                    _ if at < w.len() => w[at] = c0,
                    _ => {}
                }
            }
            let w: String = w.into_iter().collect();
            if let Some(word) = first_token(&w).filter(|t| t.text.len() >= 5) {
                let skeleton = kordon_text::phonetic::skeleton(&joined);
                let reads = joined_ratio(&joined, || skeleton.clone(), &word, true)
                    >= joined_floor(true);
                let run = Spelling::new(&joined, &skeleton);
                proptest::prop_assert!(!reads || joined_reads_across(&run, &word, &Spelling::of(&word)));
                // Within a script the letter sets only save time.
                let (lj, lw) = (joined.len(), word.text.len());
                let within = joined.as_bytes().first() == word.text.as_bytes().first()
                    && lj + 1 >= lw
                    && lj <= lw + 2
                    && joined_ratio(&joined, String::new, &word, false) >= joined_floor(false);
                proptest::prop_assert_eq!(joined_reads(&joined, &word), within);
            }
        }
    }

    /// Words that read several ways in an acronym ("Plant" as p, or z as
    /// in Russian acronyms): every reading the scorer makes, the bounds allow.
    #[test]
    fn bounds_hold_for_acronyms_of_several_readings() {
        let schema = Schema::Organization;
        for (a, b) in [
            ("IEMZ Kupol JSC", "Izhevsk Electromechanical Plant Kupol"),
            ("IEMP Kupol", "Izhevsk Electromechanical Plant Kupol"),
            ("IEMZ", "Izhevsk Elektromekhanichesky Zavod"),
            ("Kazan Plant Kupol", "KPK"),
            ("Kazan Plant Kupol", "KZK"),
        ] {
            for (x, y) in [(a, b), (b, a)] {
                let q = PreparedQuery::new(x, Some(schema), &[], None, &[]);
                check_pairs(&q, &party(schema, &[y]), schema);
            }
        }
        let (s, _) = crate::compare(
            "IEMZ Kupol JSC",
            "Izhevsk Electromechanical Plant Kupol",
            schema,
        );
        assert!(s >= crate::DEFAULT_THRESHOLD, "{s}");
    }

    #[test]
    fn bounds_hold_on_every_shared_pair() {
        for (schema, a, b) in shared_pairs() {
            for (x, y) in [(&a, &b), (&b, &a)] {
                let q = PreparedQuery::new(x, Some(schema), &[], None, &[]);
                check_pairs(&q, &party(schema, &[y]), schema);
            }
        }
    }

    /// Parties named by the second names of `size` consecutive shared
    /// pairs, each with queries of those pairs' first names.
    fn parties_and_queries(size: usize) -> Vec<(Schema, PreparedEntity, Vec<PreparedQuery>)> {
        shared_pairs()
            .chunks(size)
            .map(|chunk| {
                let schema = chunk[0].0;
                let names: Vec<&str> = chunk.iter().map(|(_, _, b)| b.as_str()).collect();
                let queries = chunk
                    .iter()
                    .map(|(_, a, _)| PreparedQuery::new(a, Some(schema), &[], None, &[]))
                    .collect();
                (schema, party(schema, &names), queries)
            })
            .collect()
    }

    /// A query that keeps what it found of tokens from one candidate to the
    /// next (numbered tokens, one [`TokenPairBounds`]) bounds every party
    /// exactly as one that works each out afresh. Queries of no kind are
    /// compared as each party's kind, so that one token's bounds are met
    /// with and without place adjectives.
    #[test]
    fn bounds_kept_across_candidates_are_the_bounds() {
        let groups = parties_and_queries(4);
        let plain: Vec<&PreparedEntity> = groups.iter().map(|(_, e, _)| e).collect();
        let mut numbered: Vec<PreparedEntity> = plain.iter().map(|&e| e.clone()).collect();
        let tokens = crate::number_tokens(&mut numbered);
        let queries = groups
            .iter()
            .flat_map(|(_, _, qs)| qs)
            .step_by(5)
            .flat_map(|q| [q.clone(), PreparedQuery::new(&q.name, None, &[], None, &[])]);
        let mut kept = 0;
        // Under a floor, many parties are bounded whole before their pairs
        // are: what is kept for the next must be the same.
        for (q, floor) in queries.flat_map(|q| [(q.clone(), f64::NEG_INFINITY), (q, 0.8)]) {
            let mut known = TokenPairBounds::new(&tokens.letters);
            for (e, numbered) in plain.iter().zip(&numbered) {
                let schema = q.schema.unwrap_or(e.schema);
                let fresh = PartyBounds::new(&q, &q.variant_weights, e, schema, None, floor);
                let again = PartyBounds::new(
                    &q,
                    &q.variant_weights,
                    numbered,
                    schema,
                    Some(&mut known),
                    floor,
                );
                assert_eq!(
                    (&fresh.names, &fresh.pairs),
                    (&again.names, &again.pairs),
                    "{:?} against {:?} (floor {floor})",
                    q.name,
                    e.names[0].0.original
                );
            }
            kept += known.memos.starts.len();
        }
        assert!(kept > 10_000, "only {kept} kept");

        // A token met first at a person's, where place adjectives do not
        // count, then at a firm's.
        let q = PreparedQuery::new("Murom Zavod", None, &[], None, &[]);
        let mut parties = [
            party(Schema::Person, &["Ivan Muromskiy"]),
            party(Schema::Organization, &["Muromskiy Zavod"]),
        ];
        let tokens = crate::number_tokens(&mut parties);
        let mut known = TokenPairBounds::new(&tokens.letters);
        let bounds: Vec<f64> = parties
            .iter()
            .map(|e| {
                let bounds = PartyBounds::new(
                    &q,
                    &q.variant_weights,
                    e,
                    e.schema,
                    Some(&mut known),
                    f64::NEG_INFINITY,
                );
                bounds.best()
            })
            .collect();
        assert!(bounds[1] >= score_entity(&q, &parties[1], &UniformWeights).score);
        assert!(bounds[1] > 0.9, "{bounds:?}");
    }

    /// A query of more than 64 long words and two-word runs, met across
    /// scripts: the bits of which of them a party token or run reads as
    /// span several words, with the memo and without.
    #[test]
    fn bounds_across_scripts_hold_past_64_query_words() {
        let syllables = [
            "rah", "man", "has", "san", "kar", "dam", "sul", "tan", "far",
        ];
        let mut words: Vec<String> = (0..80)
            .map(|i| format!("{}{}", syllables[i % 9], syllables[(i / 9) % 9]))
            .collect();
        words.push("Abdalrahman Alhasan".into());
        let query = words.join(" ");
        let q = PreparedQuery::new(&query, Some(Schema::Person), &[], None, &[]);
        assert!(
            q.outline.joined_pairs.len() > 64,
            "{}",
            q.outline.joined_pairs.len()
        );
        let mut parties = [party(Schema::Person, &["عبد الرحمن الحسن"])];
        let tokens = crate::number_tokens(&mut parties);
        let mut known = TokenPairBounds::new(&tokens.letters);
        let w = &q.variant_weights;
        let e = &parties[0];
        for floor in [f64::NEG_INFINITY, 0.5] {
            let fresh = PartyBounds::new(&q, w, e, Schema::Person, None, floor);
            for _ in 0..2 {
                let kept = PartyBounds::new(&q, w, e, Schema::Person, Some(&mut known), floor);
                assert_eq!((&fresh.names, &fresh.pairs), (&kept.names, &kept.pairs));
            }
        }
        assert!(!known.memos.run_reads.is_empty() && !known.memos.word_reads.is_empty());
        check_pairs(&q, e, Schema::Person);
    }

    /// Parties of several names share one token table, so that one name's
    /// words and readings bound another's: bounds must hold for each name.
    #[test]
    fn bounds_hold_for_parties_of_many_names() {
        for (schema, e, queries) in parties_and_queries(5) {
            for q in &queries {
                check_pairs(q, &e, schema);
            }
        }
    }

    /// Pruning by bounds changes nothing: the name score equals the best of
    /// every name compared in full, and a threshold drops exactly the
    /// parties below it.
    #[test]
    fn pruned_scores_equal_full_comparison() {
        for (schema, e, queries) in parties_and_queries(4) {
            for q in &queries {
                let full = e
                    .names
                    .iter()
                    .map(|(n, kind)| {
                        let s = best_variant_pair(&q.analyzed, n, schema, &UniformWeights)
                            .map_or(0.0, |b| b.0);
                        if kind.is_weak() {
                            s * 0.999
                        } else {
                            s
                        }
                    })
                    .fold(0.0, f64::max);
                let ex = score_entity(q, &e, &UniformWeights);
                assert_eq!(ex.name_score, full, "{:?}", q.name);
                for min in [0.5, 0.72, 0.9] {
                    let kept = score_entity_at_least(q, &e, &UniformWeights, min);
                    assert_eq!(kept.is_some(), ex.score >= min, "{:?} at {min}", q.name);
                    if let Some(k) = kept {
                        assert_eq!(k, ex);
                    }
                }
            }
        }
    }
}

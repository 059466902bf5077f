//! Name-to-name comparison: every variant of one name against every variant of
//! the other, each pair scored by aligning tokens. Distinctive words weigh more
//! than generic words, legal forms and stopwords; rarer words weigh more when
//! the caller supplies document frequencies; numbers must agree exactly;
//! acronyms ("IEMZ") align with the run of words they abbreviate; words written
//! together align with words written apart; cross-script pairs also compare
//! consonant skeletons, because romanisation schemes disagree mostly on vowels.

use kordon_model::Schema;
use kordon_text::{AnalyzedName, NameVariant, Script, SegmentKind, Token, TokenClass};
use serde::{Deserialize, Serialize};
use smallvec::{smallvec, SmallVec};

/// Token weights from outside (the candidate index's document frequencies).
pub trait TokenWeights: Sync {
    /// Multiplier for a distinctive word (1.0 = typical), `None` if unknown.
    fn word_weight(&self, token: &str) -> Option<f64>;
}

/// No corpus statistics: every word weighs the same.
pub struct UniformWeights;

impl TokenWeights for UniformWeights {
    fn word_weight(&self, _token: &str) -> Option<f64> {
        None
    }
}

/// How one query token met one candidate token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPair {
    pub query: String,
    pub candidate: String,
    pub similarity: f64,
    /// "exact", "fuzzy", "phonetic", "romanisation", "skeleton", "name_variant", "initial",
    /// "concept" (also a run of words spelling one concept), "acronym", "joined", "number",
    /// "legal_form", "place_adjective", "declension".
    pub how: String,
}

/// The best-scoring variant pair of two names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameComparison {
    pub score: f64,
    pub query_variant: String,
    pub candidate_variant: String,
    pub query_segment: SegmentKind,
    pub candidate_segment: SegmentKind,
    pub query_transliterated: bool,
    pub candidate_transliterated: bool,
    pub candidate_scheme: usize,
    pub pairs: Vec<TokenPair>,
    /// Candidate/query tokens left without a partner.
    pub unmatched_query: Vec<String>,
    pub unmatched_candidate: Vec<String>,
}

fn class_weight(t: &Token) -> f64 {
    match t.class {
        TokenClass::Word if t.text.len() == 1 => 0.4,
        TokenClass::Word => 1.0,
        TokenClass::Generic => 0.5,
        TokenClass::Number => 0.8,
        TokenClass::LegalForm => 0.2,
        TokenClass::Stopword | TokenClass::Title | TokenClass::Prefix => 0.08,
    }
}

fn weight(t: &Token, w: &dyn TokenWeights) -> f64 {
    let base = class_weight(t);
    if t.class == TokenClass::Word && t.text.len() > 1 {
        base * w.word_weight(&t.text).unwrap_or(1.0)
    } else {
        base
    }
}

/// Readings of one token as another by their spelling alone: near
/// spellings, sound codes, folded romanisations, consonant skeletons.
fn by_spelling(how: &str) -> bool {
    matches!(how, "fuzzy" | "romanisation" | "phonetic" | "skeleton")
}

/// Similarity of two tokens in [0, 1] and how it was reached.
pub fn token_similarity(a: &Token, b: &Token, cross_script: bool) -> (f64, &'static str) {
    let (s, how) = similarity_with(a, b, cross_script, |spelled, need| match spelled {
        Spelled::Text => fuzzy_at_least(&a.text, &b.text, need),
        Spelled::Roman => fuzzy_at_least(&a.roman, &b.roman, need),
        Spelled::TextEdits => levenshtein(&a.text, &b.text) as f64,
    });
    // Two compounds of one concept with different heads are two words,
    // however much of their spelling the concept makes up
    // ("Stroytekhnologiya", "Promtekhnologiya"). Only lowers a similarity,
    // so the bounds, which read spellings through `similarity_with`, may
    // leave it out.
    if s > 0.0 && by_spelling(how) && a.class == TokenClass::Word && b.class == TokenClass::Word {
        let heads = kordon_text::lexicon::lexicon().compound_heads(&a.text, &b.text);
        if heads.is_some_and(|(x, y)| 2 * levenshtein(x, y) > x.len().max(y.len())) {
            return (0.0, how);
        }
    }
    (s, how)
}

/// Similarity of one word in two grammatical cases ("Gorkogo", "Gorky"):
/// as good as a close spelling, short of a name variant.
const DECLENSION_SIMILARITY: f64 = 0.9;

/// The least spelling similarity at which a legal form meets a word: one
/// letter more or less in four or five ("Corp", "Corps").
const LEGAL_FORM_WORD_SIMILARITY: f64 = 0.85;

/// Which spelling of two tokens [`similarity_with`] compares, and how.
pub(crate) enum Spelled {
    Text,
    /// The romanisation-folded spellings.
    Roman,
    /// The edit distance of the spellings (bounds give a lower bound).
    TextEdits,
}

/// A generic word and another word are one word mistyped when the other
/// word only lacks or adds letters, one in seven letters or more of the
/// longer, two in fourteen ("Invesment", "Logitics"). Jaro-Winkler counts a
/// letter left out mid-word as a run of transpositions, so the blended
/// similarity alone puts such a word below a generic word's floor. A letter
/// changed is not read so: it often makes another word ("Exports",
/// "Experts").
const GENERIC_TYPO_LETTERS_PER_EDIT: usize = 7;

/// [`token_similarity`] with the spelling similarity of two spellings,
/// at least the given floor, measured by `fuzzy`: every rule grows with it,
/// so an upper bound of the spelling similarity gives an upper bound of the
/// whole (used within one script, `cross_script` false, by bounds).
pub(crate) fn similarity_with(
    a: &Token,
    b: &Token,
    cross_script: bool,
    fuzzy: impl Fn(Spelled, f64) -> f64,
) -> (f64, &'static str) {
    use TokenClass::*;
    match (a.class, b.class) {
        (Number, Number) => return (if a.key == b.key { 1.0 } else { 0.0 }, "number"),
        (LegalForm, LegalForm) => return (legal_form_similarity(a, b), "legal_form"),
        // The same letters read two ways: a name of unknown kind reads "SA"
        // as a legal form and "I." after a name as the numeral one, where a
        // person's name has a word and an initial ("KHUN SA", "PECHEGIN,
        // Andrey I.").
        _ if a.text == b.text => return (1.0, "exact"),
        (Number, _) | (_, Number) => return (0.0, "number"),
        // One side read the letters as a legal form, the other as a word
        // ("…Guard Corp", "…Guard Corps"): compared by spelling, as a
        // generic word is with a word.
        (LegalForm, Word) | (Word, LegalForm)
            if a.text.chars().nth(2).is_some() && b.text.chars().nth(2).is_some() => {}
        (LegalForm, _) | (_, LegalForm) => return (0.0, "legal_form"),
        _ => {}
    }
    if a.class == Generic && b.class == Generic && a.key.is_some() && a.key == b.key {
        return (1.0, "concept");
    }
    if a.class == Word && b.class == Word && a.key.is_some() && a.key == b.key {
        return (0.95, "name_variant");
    }
    let minor = |c: TokenClass| matches!(c, Stopword | Title | Prefix);
    if minor(a.class) || minor(b.class) {
        return (0.0, "exact");
    }
    // One word in two grammatical cases: lists keep the genitive of a
    // Russian name ("imeni A.M. Gorkogo") or give the nominative ("Gorky").
    // Most pairs differ within the stem's first letters: the lexicon is
    // asked only about the few that do not.
    let stem = kordon_text::lexicon::MIN_DECLINED_STEM;
    if a.class == Word
        && b.class == Word
        && a.text.len() >= stem
        && b.text.len() >= stem
        && a.text.as_bytes()[..stem] == b.text.as_bytes()[..stem]
        && kordon_text::lexicon::lexicon().declined(&a.text, &b.text)
    {
        return (DECLENSION_SIMILARITY, "declension");
    }
    let count = |t: &str| {
        if t.is_ascii() {
            t.len()
        } else {
            t.chars().count()
        }
    };
    let (la, lb) = (count(&a.text), count(&b.text));
    if la == 1 || lb == 1 {
        let initial = a.text.chars().next() == b.text.chars().next();
        return (if initial { 0.7 } else { 0.0 }, "initial");
    }
    // Generic words of two concepts are two words however alike they look
    // (see below); only skeletons across scripts may still join them, so
    // within a script no spelling needs comparing. Long organisation names
    // are mostly such words.
    if a.class == Generic && b.class == Generic && a.key != b.key && !cross_script {
        return (0.0, "fuzzy");
    }
    // The least spelling similarity that can still count (see the rules
    // below): a generic word against another word must be nearly the same
    // word; equal sound codes rescue from 0.65; else the final floor. Below
    // it the exact value does not matter, which saves the costlier measure.
    let generic_word = (a.class == Generic) != (b.class == Generic);
    let legal_word = a.class == LegalForm || b.class == LegalForm;
    let need = if generic_word {
        0.92
    } else if legal_word {
        LEGAL_FORM_WORD_SIMILARITY
    } else if !a.phonetic.is_empty() && a.phonetic == b.phonetic && la.min(lb) >= 4 {
        0.65
    } else {
        0.78
    };
    let mut s = fuzzy(Spelled::Text, need);
    let mut how = "fuzzy";
    if !a.roman.is_empty() && !b.roman.is_empty() && (a.roman != a.text || b.roman != b.text) {
        let r = if a.roman == b.roman {
            0.95
        } else {
            // A little under need / 0.97, so that rounding never drops a value that counts.
            0.97 * fuzzy(Spelled::Roman, need / 0.97 - 1e-9)
        };
        if r > s {
            s = r;
            how = "romanisation";
        }
    }
    // A word plus an ending of two or more letters is usually another word
    // ("Kaptan"/"Kaptanlar", "Fish"/"Fisheries"), however close the strings look.
    let (short, long) = if la < lb {
        (&a.text, &b.text)
    } else {
        (&b.text, &a.text)
    };
    if long.len() >= short.len() + 2 && long.starts_with(short.as_str()) {
        s = s.min(0.7);
    }
    // A known generic word or a legal form against another word: the words
    // must really be one, or the generic word mistyped.
    let generic_typo = |s: f64| {
        let added = la.abs_diff(lb);
        s >= 0.78
            && added > 0
            && added * GENERIC_TYPO_LETTERS_PER_EDIT <= la.max(lb)
            && fuzzy(Spelled::TextEdits, 0.0) <= added as f64
    };
    if (generic_word && s < 0.92 && !generic_typo(s))
        || (legal_word && s < LEGAL_FORM_WORD_SIMILARITY)
    {
        s = 0.0;
    }
    if a.class == Generic && b.class == Generic && a.key != b.key {
        s = 0.0;
    }
    // Equal sound codes only vouch for spellings that are already close:
    // Metaphone alone maps "Vita" and "Fuad" to the same code.
    if !a.phonetic.is_empty()
        && a.phonetic == b.phonetic
        && la.min(lb) >= 4
        && (0.65..0.82).contains(&s)
    {
        s = 0.82;
        how = "phonetic";
    }
    if cross_script {
        let sk = skeleton_similarity(a, b);
        if sk > s {
            s = sk;
            how = "skeleton";
        }
    }
    if s < 0.78 {
        (0.0, how)
    } else {
        (s, how)
    }
}

/// Similarity of two tokens' consonant skeletons, counted across scripts
/// that leave vowels out (and at least the final floor of
/// [`token_similarity`] when not 0). Skeletons drop vowels, so short ones
/// collide easily: only an equal skeleton of three consonants or more, or
/// one edit in five or more, counts.
pub(crate) fn skeleton_similarity(a: &Token, b: &Token) -> f64 {
    let (ka, kb) = (a.skeleton.len(), b.skeleton.len());
    if ka == 0 || kb == 0 {
        0.0
    } else if a.skeleton == b.skeleton && ka >= 3 {
        0.9
    } else if ka.min(kb) >= 5 && ka.abs_diff(kb) <= 1 && levenshtein(&a.skeleton, &b.skeleton) == 1
    {
        0.8
    } else {
        0.0
    }
}

/// Same form, in any of its spellings ("AG"/"Aktiengesellschaft"): 1. Same
/// (or kin) type, one side in its English rendering ("OÜ"/"Ltd", "OOO"/"LLC"):
/// 0.9. Same type but two national forms ("GmbH"/"Sdn. Bhd."): another
/// jurisdiction, 0.4. Different types: 0.6 when both are English, else 0.2.
fn legal_form_similarity(a: &Token, b: &Token) -> f64 {
    let lex = kordon_text::lexicon::lexicon();
    if a.text == b.text || lex.same_legal_form(&a.text, &b.text) {
        return 1.0;
    }
    let (ia, ib) = (lex.is_international(&a.text), lex.is_international(&b.text));
    let rendered = (ia != ib)
        && match (&a.key, &b.key) {
            (Some(x), Some(y)) => lex.kin_legal_types(x, y),
            _ => false,
        };
    if rendered {
        return 0.9;
    }
    match (a.key == b.key, ia || ib, ia && ib) {
        (true, true, _) => 0.9,
        (true, false, _) => 0.4,
        (false, _, true) => 0.6,
        (false, _, false) => 0.2,
    }
}

/// Plain string similarity of two words: mean of Jaro-Winkler and the
/// Levenshtein ratio; for words of three letters or fewer the ratio alone
/// (one letter in three is another word).
///
/// The exact value is returned when it is at least `need`; otherwise some
/// value below `need`, found without Jaro-Winkler when the edit distance alone
/// rules it out (callers only ask whether a floor is reached).
fn fuzzy_at_least(a: &str, b: &str, need: f64) -> f64 {
    let Some((la, lb)) = spelling_gap(a, b) else {
        return 0.0;
    };
    let longest = la.max(lb).max(1) as f64;
    let lev = levenshtein(a, b) as f64;
    let ratio = 1.0 - lev / longest;
    if la.min(lb) <= 3 {
        ratio
    } else if ratio < 0.5 || 0.5 * (1.0 + ratio) < need {
        // Jaro-Winkler is at most 1: the mean cannot reach `need`.
        0.0
    } else {
        0.5 * (jaro_winkler(a, b) + ratio)
    }
}

/// An upper bound of [`fuzzy_at_least`] for words of `la` and `lb` letters
/// that need at least `least_edits` edits: Jaro-Winkler is taken at its
/// maximum of 1.
pub(crate) fn fuzzy_ceiling(la: usize, lb: usize, least_edits: usize, need: f64) -> f64 {
    let longest = la.max(lb).max(1) as f64;
    let ratio = 1.0 - least_edits as f64 / longest;
    if ratio < 0.5 {
        0.0
    } else if la.min(lb) <= 3 {
        ratio
    } else if 0.5 * (1.0 + ratio) < need {
        0.0
    } else {
        0.5 * (1.0 + ratio)
    }
}

/// Lengths of two words in letters, or `None` when more than half the
/// letters of the longer must change: both measures are at most 1, so a
/// ratio under 0.5 cannot lift the spelling similarity to any floor used
/// here. The length difference, then the letters present in one word only,
/// then the letter counts bound the distance from below, each at a fraction
/// of its cost.
fn spelling_gap(a: &str, b: &str) -> Option<(usize, usize)> {
    // Lengths in letters: names compared in their own script are not ASCII.
    let ascii = a.is_ascii() && b.is_ascii();
    let (la, lb) = if ascii {
        (a.len(), b.len())
    } else {
        (a.chars().count(), b.chars().count())
    };
    let half = la.max(lb).max(1) as f64 * 0.5;
    let too_far = |edits: usize| edits as f64 > half;
    if too_far(la.abs_diff(lb)) {
        return None;
    }
    if ascii {
        let (ma, mb) = (letter_mask(a), letter_mask(b));
        if too_far(letters_absent((ma, mb))) || too_far(letter_bag_distance(a, b)) {
            return None;
        }
    }
    Some((la, lb))
}

/// The letters of an ASCII word as bits (byte value modulo 64). A letter one
/// word has and the other lacks needs an edit; letters sharing a bit only make
/// the count smaller, so it stays a lower bound.
pub(crate) fn letter_mask(s: &str) -> u64 {
    s.bytes().fold(0, |m, c| m | 1 << (c & 63))
}

/// Letters one of two words has and the other lacks, by their
/// [`letter_mask`]s: each needs an edit, so the larger count bounds the edit
/// distance from below.
pub(crate) fn letters_absent((a, b): (u64, u64)) -> usize {
    (a & !b).count_ones().max((b & !a).count_ones()) as usize
}

/// Edit distance in characters. Tokens are lower-case ASCII, so the common
/// case runs on bytes with the bit-parallel algorithm of Myers (in Hyyrö's
/// formulation): one machine word holds a whole column of the edit table, so
/// a word pair costs a few operations per letter instead of a table. Longer
/// or non-ASCII text falls back to `strsim` (same result).
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    if !a.is_ascii() || !b.is_ascii() || a.len() > 64 {
        return strsim::levenshtein(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let m = a.len();
    if m == 0 {
        return b.len();
    }
    PEQ.with_borrow_mut(|peq| {
        // Bit i of peq[c] is set when a[i] == c.
        for (i, &c) in a.iter().enumerate() {
            peq[c as usize] |= 1 << i;
        }
        let distance = myers(peq, m, b);
        for &c in a {
            peq[c as usize] = 0;
        }
        distance
    })
}

thread_local! {
    /// [`levenshtein`]'s table of where each letter occurs in the first
    /// word: all zero between calls, so that a call clears only what it set
    /// instead of a whole kilobyte.
    static PEQ: std::cell::RefCell<[u64; 128]> = const { std::cell::RefCell::new([0; 128]) };
}

/// Myers' column recurrence over `b`, for a first word of `m` letters whose
/// occurrences are in `peq`.
fn myers(peq: &[u64; 128], m: usize, b: &[u8]) -> usize {
    let mut vp: u64 = if m == 64 { !0 } else { (1u64 << m) - 1 };
    let mut vn: u64 = 0;
    let last = 1u64 << (m - 1);
    let mut distance = m;
    for &c in b {
        let eq = peq[c as usize];
        let xv = eq | vn;
        let xh = ((eq & vp).wrapping_add(vp) ^ vp) | eq;
        let mut hp = vn | !(xh | vp);
        let mut hn = vp & xh;
        if hp & last != 0 {
            distance += 1;
        } else if hn & last != 0 {
            distance -= 1;
        }
        hp = (hp << 1) | 1;
        hn <<= 1;
        vp = hn | !(xv | hp);
        vn = hp & xv;
    }
    distance
}

/// Jaro-Winkler similarity, computed exactly as `strsim::jaro_winkler` does
/// (same steps, same floating-point order), but on the bytes of ASCII words
/// with match flags on the stack: `strsim` allocates them on every call.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    const MAX: usize = 64;
    if !a.is_ascii() || !b.is_ascii() || a.len() > MAX || b.len() > MAX {
        return strsim::jaro_winkler(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let search_range = (a_len.max(b_len) / 2).saturating_sub(1);
    let mut a_flags = [false; MAX];
    let mut b_flags = [false; MAX];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let min_bound = i.saturating_sub(search_range);
        let max_bound = b_len.min(i + search_range + 1);
        for j in min_bound..max_bound {
            if ca == b[j] && !b_flags[j] {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut b_matched = b
        .iter()
        .zip(&b_flags[..b_len])
        .filter(|(_, f)| **f)
        .map(|(c, _)| c);
    for (ca, _) in a.iter().zip(&a_flags[..a_len]).filter(|(_, f)| **f) {
        if b_matched.next().is_some_and(|cb| cb != ca) {
            transpositions += 1;
        }
    }
    transpositions /= 2;
    let sim = ((matches as f64 / a_len as f64)
        + (matches as f64 / b_len as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0;
    if sim > 0.7 {
        let prefix_length = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix_length as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// A lower bound of the edit distance: letters one word has more often than
/// the other each need an edit.
pub(crate) fn letter_bag_distance(a: &str, b: &str) -> usize {
    // Counters by ASCII byte; other text gets no bound.
    if !a.is_ascii() || !b.is_ascii() || a.len() > i16::MAX as usize || b.len() > i16::MAX as usize
    {
        return 0;
    }
    let mut counts = [0i16; 128];
    for &c in a.as_bytes() {
        counts[c as usize] += 1;
    }
    for &c in b.as_bytes() {
        counts[c as usize] -= 1;
    }
    // Letters `a` has in excess, read once each (the slot is cleared); `b`'s
    // excess follows from the length difference.
    let mut extra_a = 0usize;
    for &c in a.as_bytes() {
        let n = std::mem::take(&mut counts[c as usize]);
        if n > 0 {
            extra_a += n as usize;
        }
    }
    let extra_b = extra_a + b.len() - a.len();
    extra_a.max(extra_b)
}

/// One aligned pair inside the scorer: token ranges on each side, so that no
/// strings are built until the best variant pair is known.
#[derive(Clone)]
struct RawPair {
    a: std::ops::Range<usize>,
    b: std::ops::Range<usize>,
    similarity: f64,
    how: &'static str,
}

/// Per-token numbers of one name: names rarely have more than eight tokens,
/// so these stay on the stack in the per-variant-pair inner loop.
pub(crate) type TokenNumbers = SmallVec<[f64; 8]>;

struct Alignment {
    /// For each token of a/b, the similarity it was matched with (0 = unmatched).
    sim_a: TokenNumbers,
    sim_b: TokenNumbers,
    pairs: SmallVec<[RawPair; 6]>,
}

fn joined_text(tokens: &[Token], r: std::ops::Range<usize>) -> String {
    tokens[r]
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn token_pairs(a: &[Token], b: &[Token], raw: &[RawPair]) -> Vec<TokenPair> {
    raw.iter()
        .map(|p| TokenPair {
            query: joined_text(a, p.a.clone()),
            candidate: joined_text(b, p.b.clone()),
            similarity: p.similarity,
            how: p.how.to_string(),
        })
        .collect()
}

/// Match the tokens of two variants: readings over several words first, then
/// one token to one token, best similarity first. A new way for a token to
/// gain similarity must be added to the bounds (`bound.rs`) too, or they
/// would undercount it; their tests compare both on the shared pair files.
///
/// Across scripts, two syllables of Chinese names spelt alike are still two
/// characters ("cheng"/"chen", "bing"/"ping"). They meet as spelt, as
/// another romanisation that lists use spells them (the Wade-Giles and
/// Cantonese variants of the Han name), or through a folded romanisation
/// ("li"/"lee", "ying"/"ing"); never by near spelling or sound alone.
/// Longer words keep every reading, which transcribed foreign names
/// ("奥巴马", "obama") and names misspelt on a list need.
fn align(
    a: &[Token],
    b: &[Token],
    cross: bool,
    syllables: bool,
    sims: &mut Similarities,
) -> Alignment {
    let mut sim_a: TokenNumbers = smallvec![0.0; a.len()];
    let mut sim_b: TokenNumbers = smallvec![0.0; b.len()];
    let mut pairs = SmallVec::new();
    concept_run_pass(a, b, &mut sim_a, &mut sim_b, &mut pairs);
    multi_token_pass(a, b, &mut sim_a, &mut sim_b, &mut pairs, false, cross);
    multi_token_pass(b, a, &mut sim_b, &mut sim_a, &mut pairs, true, cross);
    let mut cands: SmallVec<[(f64, usize, usize, &'static str); 16]> = SmallVec::new();
    for (i, ta) in a.iter().enumerate() {
        if sim_a[i] > 0.0 {
            continue;
        }
        for (j, tb) in b.iter().enumerate() {
            if sim_b[j] > 0.0 {
                continue;
            }
            let (s, how) = sims.get(i, j, ta, tb, cross);
            // Folded romanisations still join syllables ("li"/"lee").
            let by_letters_alone = by_spelling(how) && how != "romanisation";
            let two_syllables =
                syllables && by_letters_alone && one_syllable(ta) && one_syllable(tb);
            if s > 0.0 && !two_syllables {
                // Prefer partners in the same position when similarity ties.
                let order_bonus = if i == j { 1e-6 } else { 0.0 };
                cands.push((s + order_bonus, i, j, how));
            }
        }
    }
    cands.sort_by(|x, y| y.0.total_cmp(&x.0));
    for (s, i, j, how) in cands {
        if sim_a[i] > 0.0 || sim_b[j] > 0.0 {
            continue;
        }
        let s = s.min(1.0);
        sim_a[i] = s;
        sim_b[j] = s;
        pairs.push(RawPair {
            a: i..i + 1,
            b: j..j + 1,
            similarity: s,
            how,
        });
    }
    Alignment {
        sim_a,
        sim_b,
        pairs,
    }
}

/// Whether `t` is one syllable: one run of vowels.
fn one_syllable(t: &Token) -> bool {
    let runs = t
        .text
        .as_bytes()
        .split(|b| !matches!(b, b'a' | b'e' | b'i' | b'o' | b'u'))
        .filter(|run| !run.is_empty())
        .count();
    runs == 1
}

thread_local! {
    /// Scratch string of [`multi_token_pass`]: a run's words joined.
    static RUN_TEXT: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// Similarity of an acronym with the run of words whose initials spell it.
pub(crate) const ACRONYM_SIMILARITY: f64 = 0.92;

/// Where the run of `y` opening at `start` ends (exclusive) when the
/// acronym readings of two or more of its words spell `acronym` in order
/// (stopwords skipped, no word already matched); `None` if no run does.
/// Words may read several ways ("Plant" as p or, for Russian acronyms, z).
fn acronym_run(acronym: &str, y: &[Token], start: usize, sim_y: &[f64]) -> Option<usize> {
    let mut first = None;
    acronym_run_ends(
        acronym,
        y,
        start,
        |k| sim_y[k] > 0.0,
        |end| {
            first = Some(end);
            false
        },
    );
    first
}

/// Every end (exclusive) of a run of `y` opening at `start` whose words'
/// acronym readings, two words or more, spell `acronym` in order
/// (stopwords skipped), shortest run first, while `found` asks for more.
/// The walk stops at a token `taken` says is matched already. The scorer
/// takes the first end; the bounds, which do not know what is matched,
/// take every one.
pub(crate) fn acronym_run_ends(
    acronym: &str,
    y: &[Token],
    start: usize,
    taken: impl Fn(usize) -> bool,
    mut found: impl FnMut(usize) -> bool,
) {
    // Lengths of the acronym spelled so far, by some choice of readings.
    let mut reach: SmallVec<[usize; 4]> = smallvec![0];
    let mut words = 0;
    for (end, w) in y.iter().enumerate().skip(start) {
        if taken(end) {
            return;
        }
        match w.class {
            TokenClass::Word | TokenClass::Generic => {
                let mut next: SmallVec<[usize; 4]> = SmallVec::new();
                for &at in &reach {
                    for r in w.acronym_readings() {
                        let to = at + r.len();
                        if !r.is_empty() && acronym[at..].starts_with(r) && !next.contains(&to) {
                            next.push(to);
                        }
                    }
                }
                words += 1;
                if words >= 2 && next.contains(&acronym.len()) && !found(end + 1) {
                    return;
                }
                // Only a reading shorter than the acronym can go on.
                next.retain(|at| *at < acronym.len());
                if next.is_empty() {
                    return;
                }
                reach = next;
            }
            TokenClass::Stopword => {}
            _ => return,
        }
    }
}

/// Acronyms and words written together: one token of `x` against a run of
/// consecutive tokens of `y`.
fn multi_token_pass(
    x: &[Token],
    y: &[Token],
    sim_x: &mut [f64],
    sim_y: &mut [f64],
    pairs: &mut SmallVec<[RawPair; 6]>,
    swapped: bool,
    cross: bool,
) {
    // Reused across tokens, runs and calls: building this string was the
    // pass's main cost.
    let mut joined = RUN_TEXT.take();
    // First letter and first initial of each token of `y`, read once rather
    // than once per token of `x`: most (token, start) pairs fail on them.
    let y_firsts: SmallVec<[(Option<u8>, Option<u8>); 16]> = y
        .iter()
        .map(|t| {
            (
                t.text.as_bytes().first().copied(),
                t.initials.as_bytes().first().copied(),
            )
        })
        .collect();
    for (i, t) in x.iter().enumerate() {
        if sim_x[i] > 0.0 || t.class != TokenClass::Word {
            continue;
        }
        let len = t.text.len();
        if len < 2 {
            continue;
        }
        // A token with a partner of its own spelling is never read as an
        // acronym or as words written together; checked only once a reading
        // is found, since most tokens find none.
        let first = t.text.as_bytes().first().copied();
        let is_acronym_shape =
            (2..=6).contains(&len) && t.text.chars().all(|c| c.is_ascii_alphabetic());
        for start in 0..y.len() {
            if sim_y[start] > 0.0 {
                continue;
            }
            let (y_first, y_initial) = y_firsts[start];
            // Acronym: initials of the words in the run spell the token.
            // The run's first initials must open the acronym; most starts fail here.
            if is_acronym_shape
                && (y_initial.is_none_or(|c| first == Some(c))
                    || first.is_some_and(|c| y[start].acronym_opens_with(c)))
                && matches!(y[start].class, TokenClass::Word | TokenClass::Generic)
            {
                if let Some(end) = acronym_run(&t.text, y, start, sim_y) {
                    if !has_exact_partner(t, y, sim_y) {
                        record(
                            sim_x,
                            sim_y,
                            pairs,
                            i,
                            start..end,
                            ACRONYM_SIMILARITY,
                            "acronym",
                            swapped,
                        );
                    }
                    break;
                }
            }
            // Joined: the token equals two or three consecutive tokens written
            // together, so it starts with the first of them. An initial before
            // the very word ("N. Nazarbayev" / "Nazarbayev") is an initial, not
            // part of a joined spelling.
            if len >= 5
                && (cross || y_first == first)
                && !(y[start].text.len() == 1
                    && y.get(start + 1).is_some_and(|next| next.text == t.text))
            {
                joined.clear();
                let mut done = false;
                for end in start..(start + 3).min(y.len()) {
                    if sim_y[end] > 0.0 || !joins(&y[end]) {
                        break;
                    }
                    joined.push_str(&y[end].text);
                    if end > start && (joined.len() + 1 >= len || cross) {
                        if !cross && joined.len() > len + 2 {
                            break;
                        }
                        let r = joined_ratio(
                            &joined,
                            || kordon_text::phonetic::skeleton(&joined),
                            t,
                            cross,
                        );
                        let floor = joined_floor(cross);
                        if r >= floor && has_exact_partner(t, y, sim_y) {
                            // Its own partner wins: no reading for this token.
                            done = true;
                        } else if r >= floor && !matches_as_well_alone(t, y, sim_y, r, cross) {
                            record(sim_x, sim_y, pairs, i, start..end + 1, r, "joined", swapped);
                            done = true;
                        }
                        break;
                    }
                }
                if done {
                    break;
                }
            }
        }
    }
    RUN_TEXT.set(joined);
}

/// How well `joined` (words written together) spells the word `t`: the
/// edit-distance ratio, and across scripts the ratio of consonant skeletons
/// (`joined_skeleton` is asked for only then).
pub(crate) fn joined_ratio(
    joined: &str,
    joined_skeleton: impl FnOnce() -> String,
    t: &Token,
    cross: bool,
) -> f64 {
    let len = t.text.len();
    let r = 1.0 - levenshtein(joined, &t.text) as f64 / len.max(joined.len()) as f64;
    if cross && r < 0.9 && !t.skeleton.is_empty() {
        r.max(joined_skeleton_ratio(&joined_skeleton(), t))
    } else {
        r
    }
}

/// The reading across scripts of words written together, by consonant
/// skeletons alone: what [`joined_ratio`] gives when the spellings do not
/// read (`t` has a skeleton).
pub(crate) fn joined_skeleton_ratio(joined_skeleton: &str, t: &Token) -> f64 {
    let js = joined_skeleton;
    let sr = 1.0 - levenshtein(js, &t.skeleton) as f64 / js.len().max(t.skeleton.len()) as f64;
    if sr >= JOINED_SKELETON_MIN && js.len() >= 4 {
        JOINED_SKELETON_DISCOUNT * sr
    } else {
        0.0
    }
}

/// The least ratio of two skeletons that reads them as one spelling, and
/// what such a reading is worth against a reading of the letters.
pub(crate) const JOINED_SKELETON_MIN: f64 = 0.8;
pub(crate) const JOINED_SKELETON_DISCOUNT: f64 = 0.9;

/// The least [`joined_ratio`] that reads words written together as one word.
pub(crate) fn joined_floor(cross: bool) -> f64 {
    if cross {
        0.72
    } else {
        0.9
    }
}

/// Whether a token may be written together with its neighbours. Only words
/// join: "Nahshol III" is a name and a number, not "nahsholiii".
pub(crate) fn joins(t: &Token) -> bool {
    matches!(
        t.class,
        TokenClass::Word | TokenClass::Generic | TokenClass::Stopword
    )
}

/// Whether `t` has an unmatched partner in `y` spelled the same (or the same
/// after folding romanisation schemes): such a token keeps that partner rather
/// than being read as an acronym, as part of words written together or as
/// part of a concept written as several words.
fn has_exact_partner(t: &Token, y: &[Token], sim_y: &[f64]) -> bool {
    y.iter().zip(sim_y).any(|(u, s)| {
        *s == 0.0 && (u.text == t.text || (!t.roman.is_empty() && u.roman == t.roman))
    })
}

/// Whether `t` meets some unmatched token of `y` on its own at least as well
/// as it meets a run written together (`joined`): then the run is a reading
/// too many ("haoranim" is "haaorenim", not "amek haaorenim").
fn matches_as_well_alone(t: &Token, y: &[Token], sim_y: &[f64], joined: f64, cross: bool) -> bool {
    y.iter()
        .zip(sim_y)
        .any(|(u, s)| *s == 0.0 && token_similarity(t, u, cross).0 >= joined)
}

/// Concepts written as several words: a run of two or three adjacent words
/// whose joined spelling is a concept variant ("olive press" = "oilpress"),
/// or whose words all carry one concept ("ceramic tiles"), stands for that
/// concept and aligns with a concept word or such a run on the other side
/// ("olive press" = "bit bad", "purified drinking water" = "သောက်ရေသန့်").
/// A word with a partner of the same spelling keeps it.
fn concept_run_pass(
    a: &[Token],
    b: &[Token],
    sim_a: &mut [f64],
    sim_b: &mut [f64],
    pairs: &mut SmallVec<[RawPair; 6]>,
) {
    let generic = |t: &[Token]| t.iter().any(|t| t.class == TokenClass::Generic);
    if !generic(a) && !generic(b) {
        return;
    }
    let runs_a = concept_runs(a, b, sim_a, sim_b);
    let runs_b = concept_runs(b, a, sim_b, sim_a);
    if runs_a.is_empty() && runs_b.is_empty() {
        return;
    }
    let singles = |t: &[Token]| -> SmallVec<[(std::ops::Range<usize>, String); 4]> {
        t.iter()
            .enumerate()
            .filter(|(_, t)| t.class == TokenClass::Generic)
            .filter_map(|(i, t)| Some((i..i + 1, t.key.as_deref()?.to_string())))
            .collect()
    };
    let (singles_a, singles_b) = (singles(a), singles(b));
    // Runs against runs first, then runs against single concept words.
    let mut offers: SmallVec<[(std::ops::Range<usize>, std::ops::Range<usize>); 4]> =
        SmallVec::new();
    for (ra, ka) in &runs_a {
        for (rb, kb) in &runs_b {
            if ka == kb {
                offers.push((ra.clone(), rb.clone()));
            }
        }
    }
    for (ra, ka) in &runs_a {
        for (rb, kb) in &singles_b {
            if ka == kb {
                offers.push((ra.clone(), rb.clone()));
            }
        }
    }
    for (ra, ka) in &singles_a {
        for (rb, kb) in &runs_b {
            if ka == kb {
                offers.push((ra.clone(), rb.clone()));
            }
        }
    }
    for (ra, rb) in offers {
        if ra.clone().any(|i| sim_a[i] > 0.0) || rb.clone().any(|j| sim_b[j] > 0.0) {
            continue;
        }
        ra.clone().for_each(|i| sim_a[i] = 1.0);
        rb.clone().for_each(|j| sim_b[j] = 1.0);
        pairs.push(RawPair {
            a: ra,
            b: rb,
            similarity: 1.0,
            how: "concept",
        });
    }
}

/// Runs of two or three unmatched adjacent words of `x` that spell one
/// concept, longest first, with the concept's name. Words with a partner of
/// the same spelling in `y` are left out.
pub(crate) fn concept_runs(
    x: &[Token],
    y: &[Token],
    sim_x: &[f64],
    sim_y: &[f64],
) -> SmallVec<[(std::ops::Range<usize>, String); 4]> {
    let lex = kordon_text::lexicon::lexicon();
    let open: SmallVec<[bool; 8]> = x
        .iter()
        .zip(sim_x)
        .map(|(t, s)| *s == 0.0 && matches!(t.class, TokenClass::Word | TokenClass::Generic))
        .collect();
    // Whether a word has a same-spelling partner is asked only of words in a
    // run that spells a concept: few are, and the question scans `y`.
    let mut partnered: SmallVec<[Option<bool>; 8]> = smallvec![None; x.len()];
    let mut free =
        |i: usize| *partnered[i].get_or_insert_with(|| !has_exact_partner(&x[i], y, sim_y));
    let mut joined = String::new();
    let mut out = SmallVec::new();
    for len in [3, 2] {
        for start in 0..x.len().saturating_sub(len - 1) {
            let run = start..start + len;
            if !run.clone().all(|i| open[i]) {
                continue;
            }
            let first_key = x[start].key.as_deref();
            let one_concept = first_key.is_some()
                && x[run.clone()]
                    .iter()
                    .all(|t| t.class == TokenClass::Generic && t.key.as_deref() == first_key);
            let concept = if one_concept {
                Some(first_key.unwrap_or_default().to_string())
            } else {
                joined.clear();
                x[run.clone()].iter().for_each(|t| joined.push_str(&t.text));
                lex.concept(&joined).map(|c| c.canonical.clone())
            };
            if let Some(concept) = concept {
                if run.clone().all(&mut free) {
                    out.push((run, concept));
                }
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn record(
    sim_x: &mut [f64],
    sim_y: &mut [f64],
    pairs: &mut SmallVec<[RawPair; 6]>,
    i: usize,
    run: std::ops::Range<usize>,
    s: f64,
    how: &'static str,
    swapped: bool,
) {
    sim_x[i] = s;
    for k in run.clone() {
        sim_y[k] = s;
    }
    let (a, b) = if swapped {
        (run, i..i + 1)
    } else {
        (i..i + 1, run)
    };
    pairs.push(RawPair {
        a,
        b,
        similarity: s,
        how,
    });
}

/// Score one variant pair. Every rule after the coverage score only lowers
/// it: the bounds (`bound.rs`) rely on that.
fn score_variants(
    a: &NameVariant,
    b: &NameVariant,
    wa: &[f64],
    wb: &[f64],
    schema: Schema,
    lenient: Leniency,
    sims: &mut Similarities,
) -> (f64, Alignment) {
    let crossed = a.transliterated != b.transliterated;
    let cross = lenient.skeletons && crossed;
    let mut al = align(
        &a.tokens,
        &b.tokens,
        cross,
        lenient.syllables && crossed,
        sims,
    );
    if schema != Schema::Person {
        place_adjective_pass(&a.tokens, &b.tokens, &mut al);
    }
    if cross && lenient.arabic_labials {
        arabic_labial_pass(&a.tokens, &b.tokens, a.transliterated, &mut al);
    }
    let total_a: f64 = wa.iter().sum();
    let total_b: f64 = wb.iter().sum();
    if total_a <= 0.0 || total_b <= 0.0 {
        return (0.0, al);
    }
    let got_a: f64 = wa.iter().zip(&al.sim_a).map(|(w, s)| w * s).sum();
    let got_b: f64 = wb.iter().zip(&al.sim_b).map(|(w, s)| w * s).sum();
    let mut score = coverage_score(got_a / total_a, got_b / total_b, schema);

    // Distinctive words unmatched on both sides mean a different party
    // ("Sons" vs "Daughters"); different numbers almost always do.
    let unmatched = |toks: &[Token], sims: &[f64], class: TokenClass| {
        toks.iter()
            .zip(sims)
            .filter(|(t, s)| t.class == class && **s == 0.0)
            .count()
    };
    let num_a = unmatched(&a.tokens, &al.sim_a, TokenClass::Number);
    let num_b = unmatched(&b.tokens, &al.sim_b, TokenClass::Number);
    if num_a > 0 && num_b > 0 {
        score *= 0.5;
    } else if num_a + num_b > 0 {
        score *= 0.85;
    }
    let words_a = unmatched(&a.tokens, &al.sim_a, TokenClass::Word)
        + unmatched(&a.tokens, &al.sim_a, TokenClass::Generic);
    let words_b = unmatched(&b.tokens, &al.sim_b, TokenClass::Word)
        + unmatched(&b.tokens, &al.sim_b, TokenClass::Generic);
    if words_a > 0 && words_b > 0 {
        score *= 0.85;
    }
    // An organisation's name qualified by a country or a group role that the
    // other name lacks ("Banco Amarelo México", "Acme Trucking Holdings") names
    // a subsidiary, branch or parent: another legal entity, as with another
    // legal form. Only scores that could pass are checked.
    if schema == Schema::Organization
        && score > 0.6
        && (names_affiliate(&a.tokens, &al.sim_a) || names_affiliate(&b.tokens, &al.sim_b))
    {
        score *= 0.75;
    }
    // "Ahmad bin Hasan" and "Hasan bin Ahmad" are a son and his father.
    if lineage_crossed(&a.tokens, &b.tokens, &al.pairs) {
        score *= 0.6;
    }
    // An acronym that is all the two names share is weak: "TPD" spells the
    // initials of many names.
    if !al.pairs.is_empty()
        && al
            .pairs
            .iter()
            .all(|p| p.how == "acronym" || p.how == "legal_form")
    {
        score *= 0.7;
    }
    let has_legal = |t: &[Token]| t.iter().any(|t| t.class == TokenClass::LegalForm);
    let (la, lb) = (has_legal(&a.tokens), has_legal(&b.tokens));
    if la && lb {
        let best_legal = a
            .tokens
            .iter()
            .zip(&al.sim_a)
            .filter(|(t, _)| t.class == TokenClass::LegalForm)
            .map(|(_, s)| *s)
            .fold(0.0, f64::max);
        // Two different national forms: the same trading name registered in
        // another jurisdiction (a sister company), or another company.
        if best_legal < 0.6 {
            score *= 0.75;
        }
    } else if schema == Schema::Vessel && la != lb {
        // A vessel has no legal form; the side that has one names its owner or manager.
        score *= 0.8;
    }
    // Fuzzy matches of distinctive words below near-certainty pull the score down
    // more than the weighted sum does: "Lixing"/"Lixin" differ in identity, not spelling.
    (score.clamp(0.0, 1.0), al)
}

/// The score of two names from the weighted share of each side's tokens that
/// found a partner, before the rules that lower it. It grows with either share.
pub(crate) fn coverage_score(cov_a: f64, cov_b: f64, schema: Schema) -> f64 {
    let (lo, hi, alpha) = coverage_terms(cov_a, cov_b, schema);
    lo.powf(alpha) * hi.powf(1.0 - alpha)
}

/// At least [`coverage_score`], for a tenth of its cost: the weighted
/// arithmetic mean of the two shares is never below their weighted
/// geometric mean.
pub(crate) fn coverage_ceiling(cov_a: f64, cov_b: f64, schema: Schema) -> f64 {
    let (lo, hi, alpha) = coverage_terms(cov_a, cov_b, schema);
    alpha * lo + (1.0 - alpha) * hi
}

/// The lower and higher share, and the weight of the lower one.
fn coverage_terms(cov_a: f64, cov_b: f64, schema: Schema) -> (f64, f64, f64) {
    let (lo, hi) = if cov_a < cov_b {
        (cov_a, cov_b)
    } else {
        (cov_b, cov_a)
    };
    // People are often named with fewer or more given names than a list has;
    // organisations with an extra word are usually another organisation.
    let alpha = if schema == Schema::Person { 0.45 } else { 0.7 };
    (lo, hi, alpha)
}

/// Endings that turn a place name into an adjective ("muromskiy" = "murom").
const PLACE_ADJECTIVE_ENDINGS: &str = include_str!("../data/place_adjective_endings.txt");

/// Whether `long` is `stem` (a word of four letters or more) with a place
/// adjective ending.
pub(crate) fn is_place_adjective(long: &str, stem: &str) -> bool {
    static ENDINGS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    // The first byte rules out nearly every pair before a comparison call:
    // the bounds ask this of most word pairs.
    stem.len() >= 4
        && long.len() > stem.len()
        && long.as_bytes()[0] == stem.as_bytes()[0]
        && long.strip_prefix(stem).is_some_and(|ending| {
            ENDINGS
                .get_or_init(|| {
                    PLACE_ADJECTIVE_ENDINGS
                        .lines()
                        .filter(|l| !l.starts_with('#'))
                        .flat_map(str::split_whitespace)
                        .collect()
                })
                .contains(&ending)
        })
}

/// Similarity of a place name with its adjective.
pub(crate) const PLACE_ADJECTIVE_SIMILARITY: f64 = 0.9;

/// Organisations name their town as an adjective on one list and as a noun on
/// another ("Muromskiy Zavod" = "Murom Plant"): unmatched words that differ
/// only by a place adjective ending meet at 0.9.
fn place_adjective_pass(a: &[Token], b: &[Token], al: &mut Alignment) {
    pair_unmatched_words(
        a,
        b,
        al,
        (PLACE_ADJECTIVE_SIMILARITY, "place_adjective"),
        |ta, tb| is_place_adjective(&ta.text, &tb.text) || is_place_adjective(&tb.text, &ta.text),
    );
}

/// Each word of `a` left unmatched meets the first unmatched word of `b` it
/// `meets`, at the given similarity, recorded as `how`.
fn pair_unmatched_words(
    a: &[Token],
    b: &[Token],
    al: &mut Alignment,
    (similarity, how): (f64, &'static str),
    meets: impl Fn(&Token, &Token) -> bool,
) {
    for (i, ta) in a.iter().enumerate() {
        if al.sim_a[i] > 0.0 || ta.class != TokenClass::Word {
            continue;
        }
        let partner = b.iter().enumerate().position(|(j, tb)| {
            al.sim_b[j] == 0.0 && tb.class == TokenClass::Word && meets(ta, tb)
        });
        if let Some(j) = partner {
            al.sim_a[i] = similarity;
            al.sim_b[j] = similarity;
            al.pairs.push(RawPair {
                a: i..i + 1,
                b: j..j + 1,
                similarity,
                how,
            });
        }
    }
}

/// How leniently two names are compared.
#[derive(Clone, Copy)]
pub(crate) struct Leniency {
    /// Across scripts that leave vowels out, consonant skeletons count.
    pub(crate) skeletons: bool,
    /// One name is in Arabic script, whose ب also writes the p of foreign
    /// names (بيريز = Pérez): b and p count as one letter.
    pub(crate) arabic_labials: bool,
    /// One name is in Han characters and the other is not: tokens meet by
    /// their syllables only (see [`align`]).
    pub(crate) syllables: bool,
}

/// How leniently two names are compared (cross-script skeletons).
pub(crate) fn lenient_pair(q: &AnalyzedName, c: &AnalyzedName) -> Leniency {
    let skeletons =
        q.script != c.script && (skeletons_across(q.script) || skeletons_across(c.script));
    Leniency {
        skeletons,
        arabic_labials: skeletons && (q.script == "Arab") != (c.script == "Arab"),
        syllables: q.script != c.script && (q.script == "Hani" || c.script == "Hani"),
    }
}

/// Similarity of two words that meet once an Arabic-script b is read as p.
pub(crate) const LABIAL_SIMILARITY: f64 = 0.85;

/// Words left unmatched whose consonant skeletons agree once a b of the
/// Arabic-script side is read as the p of the other ("biriz" = "perez") meet
/// at 0.85. Only that way round: Arabic has f for f, and elsewhere b and p
/// are two letters (folding them for all names raised false alarms).
fn arabic_labial_pass(a: &[Token], b: &[Token], a_is_arabic: bool, al: &mut Alignment) {
    pair_unmatched_words(a, b, al, (LABIAL_SIMILARITY, "skeleton"), |ta, tb| {
        ta.skeleton.len() >= 3
            && if a_is_arabic {
                b_reads_p(ta, tb)
            } else {
                b_reads_p(tb, ta)
            }
    });
}

/// Whether the skeleton of `arabic` equals that of `other` once some of its
/// b's are read as p's written p (not f) in `other`.
fn b_reads_p(arabic: &Token, other: &Token) -> bool {
    let (sa, so) = (arabic.skeleton.as_bytes(), other.skeleton.as_bytes());
    if sa.len() != so.len() || sa == so {
        return false;
    }
    // `other` with its written p's marked, so that they stand apart from f's.
    let marked = kordon_text::phonetic::skeleton(&other.text.replace('p', "P"));
    let marked = marked.as_bytes();
    marked.len() == so.len()
        && sa
            .iter()
            .zip(so)
            .zip(marked)
            .all(|((x, y), m)| x == y || (*x == b'b' && *m == b'P'))
}

/// Whether an unmatched word of a name after its first is a country's name
/// (written out: two- and three-letter codes are too often initials or words)
/// or a group role (`data/group_roles.txt`). A country opening the name is
/// part of it ("Korea Kwangson Banking Corp").
fn names_affiliate(tokens: &[Token], sims: &[f64]) -> bool {
    let lex = kordon_text::lexicon::lexicon();
    tokens.iter().zip(sims).skip(1).any(|(t, s)| {
        if *s != 0.0 {
            return false;
        }
        let role = t.class == TokenClass::Generic
            && t.key
                .as_ref()
                .is_some_and(|k| lex.group_roles.contains_key(k.as_str()));
        let country = matches!(t.class, TokenClass::Word | TokenClass::Generic)
            && t.text.len() >= 4
            && kordon_model::country_code(&t.text).is_some();
        role || country
    })
}

/// Whether two names joined by the same lineage connector ("bin", "ibn") name
/// different parents: the word after one connector names the parent, so it
/// must be aligned with the word after the other, and with nothing else.
/// Word order elsewhere may vary ("bin Laden, Usama" / "Usama bin Laden").
fn lineage_crossed(a: &[Token], b: &[Token], pairs: &[RawPair]) -> bool {
    let lex = kordon_text::lexicon::lexicon();
    // A connector stands between a name and the parent's name; first or last
    // it is a given name ("Ben Smith", "SMITH, Ben") or a reordered surname.
    let inside = |r: &std::ops::Range<usize>, len: usize| r.start > 0 && r.end < len;
    let Some(connector) = pairs.iter().find(|p| {
        // Connectors are short words: most pairs are passed over on length.
        p.a.len() == 1
            && p.b.len() == 1
            && inside(&p.a, a.len())
            && inside(&p.b, b.len())
            && a[p.a.start].text.len() <= 6
            && a[p.a.start].text == b[p.b.start].text
            && lex
                .lineage_connectors
                .contains_key(a[p.a.start].text.as_str())
    }) else {
        return false;
    };
    let (parent_a, parent_b) = (connector.a.start + 1, connector.b.start + 1);
    pairs
        .iter()
        .any(|p| p.a.contains(&parent_a) != p.b.contains(&parent_b))
}

/// Score of one variant pair as [`compare_analyzed`] ranks it.
fn variant_pair_score(
    va: &NameVariant,
    vb: &NameVariant,
    wa: &[f64],
    wb: &[f64],
    schema: Schema,
    lenient: Leniency,
    sims: &mut Similarities,
) -> (f64, f64, Alignment) {
    let (s, al) = score_variants(va, vb, wa, wb, schema, lenient, sims);
    let s = s * segment_factor(va.segment, vb.segment);
    let joined = joined_score(va, vb);
    (s.max(joined), joined, al)
}

/// The best variant pair of two names: its score and the indices of the
/// query and candidate variants, without building any explanation text, so
/// that a party's many aliases cost only the arithmetic. `None` when either
/// side has no variant.
pub fn best_variant_pair(
    q: &AnalyzedName,
    c: &AnalyzedName,
    schema: Schema,
    w: &dyn TokenWeights,
) -> Option<(f64, usize, usize)> {
    let q_table = TokenTable::new(std::iter::once(q), w);
    let c_table = TokenTable::new(std::iter::once(c), w);
    SimilarityCache::with(q_table.distinct(), c_table.distinct(), |cache| {
        best_variant_pair_cached(
            (q, q_table.name_ids(0)),
            &q_table.variant_weights(),
            (c, c_table.name_ids(0)),
            c_table.weights(),
            schema,
            w,
            cache,
            None,
        )
    })
}

/// [`best_variant_pair`] for one name of a party, with the query's token
/// weights already looked up, the party's taken from its [`TokenTable`],
/// and token similarities shared through `cache` with the party's other names
/// (a query is compared with every name of every candidate). Each side is the
/// name and its token ids (see [`TokenTable::name_ids`]).
///
/// With `prune` (upper bounds of every variant pair, party variant major, and
/// a floor), pairs bounded below the floor are not scored: the result is
/// exact whenever the name's best score reaches the floor.
#[allow(clippy::too_many_arguments)]
pub(crate) fn best_variant_pair_cached(
    (q, q_ids): (&AnalyzedName, &[u32]),
    q_weights: &[TokenNumbers],
    (c, c_ids): (&AnalyzedName, &[u32]),
    c_weights: &[f64],
    schema: Schema,
    w: &dyn TokenWeights,
    cache: &mut SimilarityCache,
    prune: Option<(&[f64], f64)>,
) -> Option<(f64, usize, usize)> {
    let lenient = lenient_pair(q, c);
    // When both names of organisations carry qualifiers ("Bank of China (Hong
    // Kong) Limited", "... (Singapore) Limited"), those tell branches and
    // subsidiaries apart: agreement that needs a qualifier cut away stays below
    // the threshold. Those of people and vessels are descriptions ("(born 1950)").
    let qualified = |n: &AnalyzedName| n.variants.iter().any(|v| v.segment == SegmentKind::Short);
    let both_qualified = schema == Schema::Organization && qualified(q) && qualified(c);
    // A name qualified by a country that the other lacks, under another
    // legal form ("Lundqvist Hydraulics (UK) Ltd.", "Lundqvist Hydraulics
    // Inc."), names the group's company in that country: agreement that
    // needs the country cut away stays below the threshold, as for two
    // qualified names. Under the same legal form a place qualifier is
    // often only where the company is registered ("(Jersey) Limited").
    // Found when first needed: few pairs score high enough to ask.
    let mut country: Option<bool> = (schema != Schema::Organization).then_some(false);
    let mut country_alone = || {
        *country.get_or_insert_with(|| {
            let lacks = |n: &AnalyzedName, cut: &[&str]| {
                !n.variants
                    .iter()
                    .any(|v| cut.iter().all(|c| v.tokens.iter().any(|t| t.text == *c)))
            };
            country_cut(q).is_some_and(|cut| lacks(c, &cut))
                || country_cut(c).is_some_and(|cut| lacks(q, &cut))
        })
    };
    let mut best: Option<(f64, usize, usize)> = None;
    let mut c_start = 0;
    for (j, vb) in c.variants.iter().enumerate() {
        let ids_b = &c_ids[c_start..c_start + vb.tokens.len()];
        c_start += vb.tokens.len();
        let wb: TokenNumbers = ids_b.iter().map(|&id| c_weights[id as usize]).collect();
        let mut q_start = 0;
        for ((i, va), wa) in q.variants.iter().enumerate().zip(q_weights) {
            let ids_a = &q_ids[q_start..q_start + va.tokens.len()];
            q_start += va.tokens.len();
            if prune.is_some_and(|(bounds, floor)| bounds[j * q.variants.len() + i] < floor) {
                continue;
            }
            let mut sims = Similarities::Cached {
                ids_a,
                ids_b,
                cache: &mut *cache,
            };
            let (mut s, _, _) = variant_pair_score(va, vb, wa, &wb, schema, lenient, &mut sims);
            if both_qualified
                && (va.segment == SegmentKind::Short || vb.segment == SegmentKind::Short)
            {
                s = s.min(QUALIFIERS_CUT_CAP);
            }
            if s > QUALIFIERS_CUT_CAP && other_legal_forms(va, vb) && country_alone() {
                s = QUALIFIERS_CUT_CAP;
            }
            // Ties go to the earlier pair in (query variant, party variant)
            // order, whatever order the loops run in.
            if best.is_none_or(|b| s > b.0 || (s == b.0 && (i, j) < (b.1, b.2))) {
                best = Some((s, i, j));
            }
        }
    }
    // Only a score that could pass is worth the second comparison.
    if let Some(b) = best.as_mut().filter(|b| b.0 > NATIVE_CHECK_FLOOR) {
        if let Some(native) = same_script_score(q, c, schema, w) {
            b.0 = b.0.min(native);
        }
    }
    best
}

/// Where [`align`] gets token similarities from: computed on the spot, or
/// looked up by token id in a cache shared by every variant pair of one
/// query and one party.
enum Similarities<'a> {
    Direct,
    /// Tokens in their own script (see [`same_script_score`]): words of
    /// Chinese characters meet by [`han_word_similarity`], others as `Direct`.
    Native,
    Cached {
        ids_a: &'a [u32],
        ids_b: &'a [u32],
        cache: &'a mut SimilarityCache,
    },
}

impl Similarities<'_> {
    fn get(
        &mut self,
        i: usize,
        j: usize,
        a: &Token,
        b: &Token,
        cross: bool,
    ) -> (f64, &'static str) {
        match self {
            Similarities::Direct => token_similarity(a, b, cross),
            Similarities::Native => {
                // Legal forms, numbers and spellings of one concept keep their own rules.
                let name_word =
                    |t: &Token| matches!(t.class, TokenClass::Word | TokenClass::Generic);
                let same_key = a.key.is_some() && a.key == b.key;
                match han_word_similarity(&a.text, &b.text) {
                    Some(s) if name_word(a) && name_word(b) && !same_key => (s, "characters"),
                    _ => token_similarity(a, b, cross),
                }
            }
            Similarities::Cached {
                ids_a,
                ids_b,
                cache,
            } => cache.get(ids_a[i], ids_b[j], cross, || token_similarity(a, b, cross)),
        }
    }
}

/// Token similarities of one query and one party, by token id. A party's
/// aliases, name parts and transliterations repeat most of their words, so
/// each (query token, party token) pair is scored once per query and party.
#[derive(Default)]
pub(crate) struct SimilarityCache {
    width: usize,
    rows: usize,
    /// NaN = not computed yet; two planes, without and with cross-script leniency.
    cells: Vec<(f64, &'static str)>,
}

thread_local! {
    /// One cache per thread, reused so that scoring a party allocates nothing.
    static SIMILARITY_CACHE: std::cell::RefCell<SimilarityCache> = std::cell::RefCell::default();
}

impl SimilarityCache {
    /// Run `f` with this thread's cache, emptied and sized for `query` ×
    /// `party` distinct tokens.
    pub(crate) fn with<R>(
        query: usize,
        party: usize,
        f: impl FnOnce(&mut SimilarityCache) -> R,
    ) -> R {
        SIMILARITY_CACHE.with_borrow_mut(|cache| {
            cache.width = party;
            cache.rows = query;
            cache.cells.clear();
            cache.cells.resize(2 * query * party, (f64::NAN, ""));
            f(cache)
        })
    }

    pub(crate) fn get(
        &mut self,
        a: u32,
        b: u32,
        cross: bool,
        compute: impl FnOnce() -> (f64, &'static str),
    ) -> (f64, &'static str) {
        let plane = usize::from(cross) * self.rows;
        let cell = &mut self.cells[(plane + a as usize) * self.width + b as usize];
        if cell.0.is_nan() {
            *cell = compute();
        }
        *cell
    }
}

/// The distinct tokens of a set of names: every token of every variant gets
/// the id of its first equal token, and each distinct token its weight.
/// Built once per party (and per query), so that scoring neither looks up a
/// word's weight nor compares two equal token pairs twice.
#[derive(Debug, Clone, Default)]
pub struct TokenTable {
    /// Token ids of every variant of every name, in order, flattened.
    ids: Vec<u32>,
    /// Where each name's ids start in `ids`, plus the end.
    name_starts: Vec<u32>,
    /// Weight of each distinct token.
    weights: Vec<f64>,
    /// Every variant of every name, in order: what bounds need to know of
    /// it without reading its tokens, which lie far apart in memory.
    variants: Vec<VariantInfo>,
    /// Where each name's variants start in `variants`, plus the end.
    name_variants: Vec<u32>,
    /// Where each distinct token first occurs: its variant (numbered over
    /// all names) and its place in it.
    first: Vec<(u32, u32)>,
    /// Each distinct token's number among the tokens of every party
    /// ([`crate::number_tokens`]); empty for a party not numbered.
    numbers: Box<[u32]>,
}

/// One variant of a name as [`TokenTable`] keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VariantInfo {
    /// Where its token ids start in the table (they end where the next
    /// variant's start).
    start: u32,
    /// The name it is a variant of.
    name: u32,
    pub(crate) segment: SegmentKind,
    pub(crate) transliterated: bool,
    pub(crate) joined: JoinedSize,
}

impl TokenTable {
    pub fn new<'n>(
        names: impl IntoIterator<Item = &'n AnalyzedName>,
        w: &dyn TokenWeights,
    ) -> TokenTable {
        let mut seen: std::collections::HashMap<&Token, u32, foldhash::fast::FixedState> =
            Default::default();
        let mut table = TokenTable::default();
        for (n, name) in names.into_iter().enumerate() {
            table.name_starts.push(table.ids.len() as u32);
            table.name_variants.push(table.variants.len() as u32);
            for v in &name.variants {
                let vi = table.variants.len() as u32;
                table.variants.push(VariantInfo {
                    start: table.ids.len() as u32,
                    name: n as u32,
                    segment: v.segment,
                    transliterated: v.transliterated,
                    joined: JoinedSize::of(v),
                });
                for (k, t) in v.tokens.iter().enumerate() {
                    let next = table.weights.len() as u32;
                    let id = *seen.entry(t).or_insert(next);
                    if id == next {
                        table.weights.push(weight(t, w));
                        table.first.push((vi, k as u32));
                    }
                    table.ids.push(id);
                }
            }
        }
        table.name_starts.push(table.ids.len() as u32);
        table.name_variants.push(table.variants.len() as u32);
        table.ids.shrink_to_fit();
        table.weights.shrink_to_fit();
        table.variants.shrink_to_fit();
        table.first.shrink_to_fit();
        table
    }

    /// Name `n`'s variants: their place in [`Self::variant`] numbering.
    pub(crate) fn name_variants(&self, n: usize) -> std::ops::Range<usize> {
        self.name_variants[n] as usize..self.name_variants[n + 1] as usize
    }

    /// Variant `i` (numbered over all names) and its token ids.
    pub(crate) fn variant(&self, i: usize) -> (&VariantInfo, &[u32]) {
        let info = &self.variants[i];
        let end = self
            .variants
            .get(i + 1)
            .map_or(self.ids.len(), |next| next.start as usize);
        (info, &self.ids[info.start as usize..end])
    }

    /// Look every distinct token's weight up again in `w`; `names` are the
    /// names the table was built from. Token ids stay as they were.
    pub(crate) fn weigh<'n>(
        &mut self,
        names: impl Fn(usize) -> &'n AnalyzedName,
        w: &dyn TokenWeights,
    ) {
        self.weights = self.tokens(names).iter().map(|t| weight(t, w)).collect();
    }

    /// Token ids of each variant of name `n`, in order.
    pub(crate) fn variant_ids(&self, n: usize) -> impl Iterator<Item = &[u32]> {
        self.name_variants(n).map(|i| self.variant(i).1)
    }

    /// Each distinct token, by id, from `names` (the names the table was
    /// built from): each is found from where it first occurs, without
    /// walking every name.
    pub(crate) fn tokens<'n>(
        &self,
        names: impl Fn(usize) -> &'n AnalyzedName,
    ) -> SmallVec<[&'n Token; 32]> {
        self.first
            .iter()
            .map(|&(vi, k)| {
                let n = self.variants[vi as usize].name as usize;
                let v = &names(n).variants[vi as usize - self.name_variants[n] as usize];
                &v.tokens[k as usize]
            })
            .collect()
    }

    /// Read the first entry of each of the table's arrays (see [`crate::warm_up`]).
    pub(crate) fn touch(&self) -> usize {
        let first = |x: Option<&u32>| x.copied().unwrap_or(0) as usize;
        first(self.ids.first())
            ^ first(self.name_starts.first())
            ^ first(self.name_variants.first())
            ^ self.weights.first().map_or(0, |w| w.to_bits() as usize)
            ^ self.variants.first().map_or(0, |v| v.start as usize)
            ^ self.first.first().map_or(0, |f| f.0 as usize)
    }

    /// Distinct token `id`'s number among the tokens of every party, if
    /// the parties were numbered ([`crate::number_tokens`]).
    pub(crate) fn number(&self, id: usize) -> Option<u32> {
        self.numbers.get(id).copied()
    }

    pub(crate) fn set_numbers(&mut self, numbers: Box<[u32]>) {
        debug_assert_eq!(numbers.len(), self.weights.len());
        self.numbers = numbers;
    }

    /// Number of distinct tokens.
    pub fn distinct(&self) -> usize {
        self.weights.len()
    }

    /// Token ids of name `n`'s variants, in order, flattened.
    pub(crate) fn name_ids(&self, n: usize) -> &[u32] {
        &self.ids[self.name_starts[n] as usize..self.name_starts[n + 1] as usize]
    }

    pub(crate) fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Per variant of the table's only name, its tokens' weights.
    pub(crate) fn variant_weights(&self) -> Vec<TokenNumbers> {
        self.variant_ids(0)
            .map(|ids| ids.iter().map(|&id| self.weights[id as usize]).collect())
            .collect()
    }
}
/// The words that `name`'s short form cuts away, when they name a country
/// ("(UK)", ", Hong Kong").
fn country_cut(name: &AnalyzedName) -> Option<Vec<&str>> {
    let first = |kind: SegmentKind| name.variants.iter().find(|v| v.segment == kind);
    let (main, short) = (first(SegmentKind::Main)?, first(SegmentKind::Short)?);
    let cut = main
        .tokens
        .iter()
        .filter(|t| !short.tokens.iter().any(|s| s.text == t.text));
    // Words only, and all of them one country: "(AO …)" is a legal form,
    // not Angola, and "… and Security" is not Andorra.
    if !cut.clone().all(|t| t.class == TokenClass::Word) {
        return None;
    }
    let words: Vec<&str> = cut.map(|t| t.text.as_str()).collect();
    let country = !words.is_empty() && kordon_model::country_code(&words.join(" ")).is_some();
    country.then_some(words)
}

/// Whether both variants have a legal form and no form of one is a form of
/// the other (spelt otherwise, as "Ltd" and "Limited").
fn other_legal_forms(a: &NameVariant, b: &NameVariant) -> bool {
    fn forms(v: &NameVariant) -> impl Iterator<Item = &Token> {
        v.tokens.iter().filter(|t| t.class == TokenClass::LegalForm)
    }
    forms(a).next().is_some()
        && forms(b).next().is_some()
        && !forms(a).any(|x| forms(b).any(|y| legal_form_similarity(x, y) >= 1.0))
}

/// Highest score of a variant pair that ignores a qualifier of a name when both
/// names have one: below the default threshold.
const QUALIFIERS_CUT_CAP: f64 = 0.7;

/// Scores at or below this are not compared again on native letters.
const NATIVE_CHECK_FLOOR: f64 = 0.5;

/// Two names written in the same script whose romanisation loses distinctions
/// are compared on their own letters too, and no romanised variant pair may
/// score above that: "김종은" and "김정은" are different names even where one
/// Korean scheme writes both "kim jong un". `None` for other pairs.
fn same_script_score(
    q: &AnalyzedName,
    c: &AnalyzedName,
    schema: Schema,
    w: &dyn TokenWeights,
) -> Option<f64> {
    if q.script != c.script || !vowels_unreliable(q.script) {
        return None;
    }
    let native = |name: &AnalyzedName| NameVariant {
        segment: SegmentKind::Main,
        scheme: 0,
        transliterated: false,
        tokens: kordon_text::tokens::native_tokens(&name.original, schema),
    };
    let (va, vb) = (native(q), native(c));
    let wa: TokenNumbers = va.tokens.iter().map(|t| weight(t, w)).collect();
    let wb: TokenNumbers = vb.tokens.iter().map(|t| weight(t, w)).collect();
    let (s, _, _) = variant_pair_score(
        &va,
        &vb,
        &wa,
        &wb,
        schema,
        Leniency {
            skeletons: false,
            arabic_labials: false,
            syllables: false,
        },
        &mut Similarities::Native,
    );
    Some(s)
}

/// Two words of Chinese characters name one thing only when the characters
/// of one all appear in the other, in order. Each character is a word of its
/// own, so "华强" and "华为" are two firms however alike the strings are, and
/// romanisation hides it in long runs of syllables ("shenzhenhuaqiang",
/// "shenzhenhuawei"); "深圳市华强" only adds "city" to "深圳华强". The
/// similarity is then the share of the longer word's characters that the
/// shorter one has, as if each character were a token of equal weight: what
/// the longer word adds counts as unmatched. `None` unless both words are
/// all Chinese characters.
fn han_word_similarity(a: &str, b: &str) -> Option<f64> {
    // Han letters start at U+2E80: words of other scripts fail on their
    // first letter without a Unicode lookup.
    let han = |t: &str| {
        !t.is_empty()
            && t.chars().all(|c| {
                c as u32 >= 0x2E80 && kordon_text::normalize::char_script(c) == Some(Script::Han)
            })
    };
    if !han(a) || !han(b) {
        return None;
    }
    if a == b {
        return Some(1.0);
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let ((short, ls), (long, ll)) = if la <= lb {
        ((a, la), (b, lb))
    } else {
        ((b, lb), (a, la))
    };
    // One character alone is a word, not an initial: it meets only itself.
    if ls < 2 {
        return Some(0.0);
    }
    let mut rest = long.chars();
    let inside = short.chars().all(|c| rest.any(|d| d == c));
    Some(if inside { ls as f64 / ll as f64 } else { 0.0 })
}

/// Compare two analysed names; the best variant pair wins.
pub fn compare_analyzed(
    q: &AnalyzedName,
    c: &AnalyzedName,
    schema: Schema,
    w: &dyn TokenWeights,
) -> NameComparison {
    let best = best_variant_pair(q, c, schema, w);
    explain_variant_pair(q, c, best.map(|(_, i, j)| (i, j)), schema, w)
}

/// The full comparison of one variant pair (query variant, candidate variant)
/// as found by [`best_variant_pair`]; `None` gives the empty comparison.
pub fn explain_variant_pair(
    q: &AnalyzedName,
    c: &AnalyzedName,
    pair: Option<(usize, usize)>,
    schema: Schema,
    w: &dyn TokenWeights,
) -> NameComparison {
    let Some((va, vb)) = pair.and_then(|(i, j)| Some((q.variants.get(i)?, c.variants.get(j)?)))
    else {
        return NameComparison {
            score: 0.0,
            query_variant: String::new(),
            candidate_variant: String::new(),
            query_segment: SegmentKind::Main,
            candidate_segment: SegmentKind::Main,
            query_transliterated: false,
            candidate_transliterated: false,
            candidate_scheme: 0,
            pairs: Vec::new(),
            unmatched_query: Vec::new(),
            unmatched_candidate: Vec::new(),
        };
    };
    let wa: TokenNumbers = va.tokens.iter().map(|t| weight(t, w)).collect();
    let wb: TokenNumbers = vb.tokens.iter().map(|t| weight(t, w)).collect();
    let (s, joined, al) = variant_pair_score(
        va,
        vb,
        &wa,
        &wb,
        schema,
        lenient_pair(q, c),
        &mut Similarities::Direct,
    );
    let pairs = if joined >= s && joined > 0.0 {
        vec![TokenPair {
            query: va.text(),
            candidate: vb.text(),
            similarity: joined,
            how: "joined".to_string(),
        }]
    } else {
        token_pairs(&va.tokens, &vb.tokens, &al.pairs)
    };
    let unmatched_query = va
        .tokens
        .iter()
        .zip(&al.sim_a)
        .filter(|(_, s)| **s == 0.0)
        .map(|(t, _)| t.text.to_string())
        .collect();
    let unmatched_candidate = vb
        .tokens
        .iter()
        .zip(&al.sim_b)
        .filter(|(_, s)| **s == 0.0)
        .map(|(t, _)| t.text.to_string())
        .collect();
    NameComparison {
        score: s,
        query_variant: va.text(),
        candidate_variant: vb.text(),
        query_segment: va.segment,
        candidate_segment: vb.segment,
        query_transliterated: va.transliterated,
        candidate_transliterated: vb.transliterated,
        candidate_scheme: vb.scheme,
        pairs,
        unmatched_query,
        unmatched_candidate,
    }
}

/// Scripts whose romanisation does not pin down vowels (abjads, abugidas,
/// logographs): two names written in one of them are compared on their own
/// letters too.
pub(crate) fn vowels_unreliable(script: &str) -> bool {
    script == "Hani" || skeletons_across(script)
}

/// Scripts whose names, met from another script, are compared on consonant
/// skeletons too: their romanisations leave vowels out or disagree on them.
/// Not Han: a pinyin syllable is a whole character, and skeletons made
/// "xiang" and "shusheng" one word; Chinese names are read in Wade-Giles
/// and Cantonese instead (`kordon_text` renders both).
pub(crate) fn skeletons_across(script: &str) -> bool {
    matches!(script, "Hebr" | "Arab" | "Mymr" | "Thai" | "Kana" | "Hang")
}

/// A former name matching a former name is weak evidence (two ships can share
/// a past name); the short form without qualifiers is almost as good as the whole.
pub(crate) fn segment_factor(a: SegmentKind, b: SegmentKind) -> f64 {
    use SegmentKind::*;
    match (a, b) {
        (Former, Former) | (Former, Alias) | (Alias, Former) => 0.65,
        // Two names cut down to their first part can agree where the whole names do not.
        (Short, Short) => 0.8,
        (Short, _) | (_, Short) => 0.95,
        _ => 1.0,
    }
}

/// Names whose spacing differs ("EtsDiallo" / "Ets Diallo"): compare the
/// tokens written together. Only when the token counts differ, so that two
/// names with the same words never get a second, looser chance.
pub(crate) fn joined_score(a: &NameVariant, b: &NameVariant) -> f64 {
    let keep = |t: &&Token| t.class != TokenClass::Prefix;
    let (sa, sb) = (JoinedSize::of(a), JoinedSize::of(b));
    if !sa.may_score(&sb) {
        return 0.0;
    }
    let longest = sa.letters.max(sb.letters) as usize;
    let (mut ja, mut jb) = JOINED_TEXT.take();
    for (v, out) in [(a, &mut ja), (b, &mut jb)] {
        out.clear();
        v.tokens
            .iter()
            .filter(keep)
            .for_each(|t| out.push_str(&t.text));
    }
    // The letter counts bound the distance from below, at a fraction of
    // the cost of the distance on long names.
    let ratio = |edits: usize| 1.0 - edits as f64 / longest as f64;
    let r = if ratio(letter_bag_distance(&ja, &jb)) < 0.95 {
        0.0
    } else {
        ratio(levenshtein(&ja, &jb))
    };
    JOINED_TEXT.set((ja, jb));
    if r >= 0.95 {
        r * 0.98
    } else {
        0.0
    }
}

/// The words of a variant that [`joined_score`] writes together, and their letters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JoinedSize {
    words: u32,
    letters: u32,
}

impl JoinedSize {
    pub(crate) fn of(v: &NameVariant) -> JoinedSize {
        let kept = v.tokens.iter().filter(|t| t.class != TokenClass::Prefix);
        // No name has four billion words or letters.
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        JoinedSize {
            words: count(kept.clone().count()),
            letters: count(kept.map(|t| t.text.len()).sum()),
        }
    }

    /// Whether two variants of these sizes may get a joined-spelling score:
    /// only when the word counts differ, so that two names with the same
    /// words never get a second, looser chance, and when the lengths agree
    /// within one letter in twenty (the ratio of 0.95 it needs), which most
    /// pairs fail before any string is built.
    pub(crate) fn may_score(&self, other: &JoinedSize) -> bool {
        let (la, lb) = (u64::from(self.letters), u64::from(other.letters));
        self.words != other.words && la >= 6 && lb >= 6 && la.abs_diff(lb) * 20 <= la.max(lb)
    }
}

thread_local! {
    /// Scratch strings of [`joined_score`]: each name's words written together.
    static JOINED_TEXT: std::cell::Cell<(String, String)> = const { std::cell::Cell::new((String::new(), String::new())) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lower-case words of the names in a shared pair file, as the scorer sees them.
    fn shared_words() -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/pairs/cascade-name-pairs.shared.csv"
        );
        let text = std::fs::read_to_string(path).expect("shared pair file is readable");
        let mut words: Vec<String> = text
            .lines()
            .skip(1)
            .flat_map(|l| l.split(|c: char| !c.is_alphanumeric()))
            .map(|w| w.to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        words
    }

    proptest::proptest! {
        /// The bit-parallel edit distance equals the textbook one on any ASCII
        /// words, up to and past the 64 letters one machine word holds.
        #[test]
        fn bit_parallel_levenshtein_agrees_with_strsim(
            a in "[a-e0-9]{0,70}",
            b in "[a-e ]{0,80}",
        ) {
            proptest::prop_assert_eq!(levenshtein(&a, &b), strsim::levenshtein(&a, &b));
            proptest::prop_assert_eq!(levenshtein(&b, &a), strsim::levenshtein(&b, &a));
        }
    }

    /// A word giving an acronym these readings ("p|z"), or a stopword.
    fn reading_token(readings: &str, stopword: bool) -> Token {
        Token {
            text: format!("w{readings}").replace('|', "").into(),
            class: if stopword {
                TokenClass::Stopword
            } else {
                TokenClass::Word
            },
            key: None,
            initials: if stopword { "" } else { readings }.into(),
            phonetic: Default::default(),
            skeleton: Default::default(),
            roman: Default::default(),
        }
    }

    /// Where the first run from the start spells `acronym` with two or more
    /// words, found by trying every choice of readings of every run.
    fn acronym_run_by_trying_all(acronym: &str, y: &[Token]) -> Option<usize> {
        let mut spellings: Vec<String> = vec![String::new()];
        let mut words = 0;
        for (end, t) in y.iter().enumerate() {
            if t.class != TokenClass::Word {
                continue;
            }
            spellings = spellings
                .iter()
                .flat_map(|s| t.acronym_readings().map(move |r| format!("{s}{r}")))
                .collect();
            words += 1;
            if words >= 2 && spellings.iter().any(|s| s == acronym) {
                return Some(end + 1);
            }
        }
        None
    }

    proptest::proptest! {
        /// The acronym pass, which follows only the readings that still
        /// spell the acronym's opening, finds the same run as trying every
        /// choice of readings.
        #[test]
        fn acronym_runs_follow_every_choice_of_readings(
            run in proptest::collection::vec(("[abz]|[abz]\\|[abz]|[abz]{2}\\|[abz]", proptest::bool::weighted(0.2)), 1..6),
            acronym in "[abz]{2,6}",
        ) {
            let y: Vec<Token> = run.iter().map(|(r, stop)| reading_token(r, *stop)).collect();
            let sims = vec![0.0; y.len()];
            proptest::prop_assert_eq!(
                acronym_run(&acronym, &y, 0, &sims),
                acronym_run_by_trying_all(&acronym, &y)
            );
        }
    }

    proptest::proptest! {
        /// Two Han words meet at the share of the longer one's characters
        /// the shorter has in order, whichever comes first; a word of other
        /// letters is not judged here.
        #[test]
        fn han_words_meet_by_the_characters_they_share_in_order(
            a in "[华为强深圳市电子]{2,6}",
            added in proptest::collection::vec((0usize..8, "[华为强深圳市电子]"), 0..4),
            latin in "[a-z]{2,6}",
        ) {
            let mut longer: Vec<char> = a.chars().collect();
            for (at, c) in &added {
                let at = at % (longer.len() + 1);
                longer.insert(at, c.chars().next().unwrap_or('华'));
            }
            let longer: String = longer.into_iter().collect();
            let share = a.chars().count() as f64 / longer.chars().count() as f64;
            proptest::prop_assert_eq!(han_word_similarity(&a, &longer), Some(share));
            proptest::prop_assert_eq!(han_word_similarity(&longer, &a), Some(share));
            proptest::prop_assert_eq!(han_word_similarity(&a, &latin), None);
        }
    }

    /// Best variant-pair score of two names of one schema, without corpus weights.
    fn name_score(a: &str, b: &str, schema: Schema) -> f64 {
        let (qa, qb) = (
            kordon_text::analyze_name(a, schema),
            kordon_text::analyze_name(b, schema),
        );
        best_variant_pair(&qa, &qb, schema, &UniformWeights).map_or(0.0, |b| b.0)
    }

    fn person_score(a: &str, b: &str) -> f64 {
        name_score(a, b, Schema::Person)
    }

    #[test]
    fn same_script_names_are_held_to_their_own_letters() {
        // 영 and 용 share a romanisation in one Korean scheme ("yong").
        assert!(person_score("최영수", "최용수") < 0.72);
        assert_eq!(person_score("최영수", "최영수"), 1.0);
        assert!(person_score("최영수", "최 영수") >= 0.9);
        // Vowel points and hamza seats are a writer's choice.
        assert!(person_score("أمين سعيد", "امين سَعيد") >= 0.95);
        assert!(person_score("امين سعيد", "امين سعدي") < 0.72);
    }

    #[test]
    fn an_initial_before_a_surname_stands_for_a_given_name() {
        assert!(person_score("T. Abenova", "Talgat Abenova") > 0.85);
        assert!(person_score("T. Abenova", "Aizhan Abenova") < 0.72);
    }

    fn org_score(a: &str, b: &str) -> f64 {
        name_score(a, b, Schema::Organization)
    }

    #[test]
    fn legal_forms_of_other_jurisdictions_mean_other_companies() {
        assert!(org_score("Harrowgate Tooling GmbH", "Harrowgate Tooling Sdn. Bhd.") < 0.72);
        assert!(org_score("Harrowgate Tooling GmbH", "Harrowgate Tooling Inc.") < 0.72);
        // Spellings of one form, and a form with its English rendering, agree.
        let spelled = org_score(
            "Harrowgate Tooling AG",
            "Harrowgate Tooling Aktiengesellschaft",
        );
        assert_eq!(spelled, 1.0);
        assert_eq!(
            org_score("Tooling Harrowgate TOV", "Tooling Harrowgate OOO"),
            1.0
        );
        assert!(org_score("Harrowgate Tooling OOO", "Harrowgate Tooling LLC") > 0.9);
        assert!(org_score("Harrowgate Tooling GmbH", "Harrowgate Tooling Ltd") > 0.9);
        assert!(org_score("Harrowgate Tooling GmbH", "Harrowgate Tooling AB") < 0.72);
    }

    #[test]
    fn a_legal_form_meets_a_word_spelled_nearly_like_it() {
        // "Corp" is a legal form, "Corps" a word: an abbreviated "Corps".
        let corps = org_score("Harrowgate Guard Corp", "Harrowgate Guard Corps");
        assert!(corps > 0.95, "{corps}");
        // Only a near spelling: "Co" and "Coy", "Inc" and "Inca" stay apart.
        let inca = org_score("Harrowgate Guard Inc", "Harrowgate Guard Inca");
        assert!(inca < 0.9, "{inca}");
        // Two legal forms still compare as legal forms.
        assert!(org_score("Harrowgate Guard Corp", "Harrowgate Guard Corporation") > 0.95);
    }

    #[test]
    fn a_generic_word_meets_its_misspelling_with_a_letter_left_out_or_added() {
        let org = |a: &str, b: &str| org_score(a, b);
        // A letter left out mid-word: Jaro-Winkler alone reads transpositions.
        let left_out = org("Harrowgate Invesment Group", "Harrowgate Investment Group");
        assert!(left_out > 0.9, "{left_out}");
        let added = org("Harrowgate Logisstics", "Harrowgate Logistics");
        assert!(added > 0.9, "{added}");
        // A letter changed often spells another word.
        let changed = org("Pellmoor Timber Experts Ltd", "Pellmoor Timber Exports Ltd");
        assert!(changed < 0.72, "{changed}");
        // Short generic words are not read as misspelt: one letter in six
        // is as often another word ("Marie", "Marine").
        let short = org("Harrowgate Marie", "Harrowgate Marine");
        assert!(short < 0.72, "{short}");
    }

    #[test]
    fn qualifiers_cut_from_both_names_must_not_be_ignored() {
        let other_branch = org_score(
            "Tellmark Trust (Jersey) Limited",
            "Tellmark Trust (Guernsey) Limited",
        );
        assert!(other_branch < 0.72, "{other_branch}");
        assert!(org_score("Tellmark Trust (Jersey) Limited", "Tellmark Trust Limited") > 0.9);
        let described = person_score("Anna Tellmark (journalist)", "Anna Tellmark (born 1950)");
        assert!(described > 0.72, "{described}");
    }

    #[test]
    fn a_country_qualifier_and_another_legal_form_name_a_subsidiary() {
        let uk = org_score("Orvalle Tooling Inc.", "Orvalle Tooling (UK) Ltd.");
        assert!(uk < 0.72, "{uk}");
        let de = org_score(
            "Orvalle Tooling (Germany) GmbH",
            "Orvalle Tooling Co., Ltd.",
        );
        assert!(de < 0.72, "{de}");
        // The same form, spelt either way: where the company is registered.
        assert!(org_score("Orvalle Tooling (UK) Ltd.", "Orvalle Tooling Limited") > 0.9);
        // Both name the country.
        assert!(org_score("Orvalle Tooling (UK) Ltd.", "Orvalle Tooling UK Inc.") > 0.72);
        // A qualifier that is no country is cut as before.
        assert!(org_score("Orvalle Tooling (Holdings) Ltd.", "Orvalle Tooling Inc.") > 0.72);
    }

    #[test]
    fn a_country_or_group_role_names_another_entity_of_the_group() {
        assert!(org_score("Orvalle Tooling Inc.", "Orvalle Tooling Brazil Inc.") < 0.72);
        assert!(org_score("Orvalle Tooling LLC", "Orvalle Tooling Holdings LLC") < 0.72);
        assert!(org_score("Orvalle Tooling Norway", "Orvalle Tooling Japan") < 0.72);
        // A country opening the name is part of it.
        assert!(org_score("Korea Orvalle Tooling Corp", "Orvalle Tooling Corp") > 0.72);
    }

    #[test]
    fn father_and_son_are_not_one_person() {
        assert!(person_score("Karim bin Yusuf al-Tahiri", "Yusuf bin Karim al-Tahiri") < 0.72);
        assert!(person_score("Karim bin Yusuf al-Tahiri", "Karim bin Yusuf al-Tahiri") > 0.99);
        assert!(person_score("bin Yusuf, Karim", "Karim bin Yusuf") > 0.9);
        assert!(person_score("Ben Kowalczyk", "KOWALCZYK, Ben") > 0.9);
        assert!(person_score("Karim ibn Yusuf ibn Salih", "Karim ibn Yusuf") > 0.72);
    }

    #[test]
    fn fast_string_measures_agree_with_strsim() {
        let words = shared_words();
        assert!(words.len() > 300, "only {} words", words.len());
        let mut compared = 0;
        for a in words.iter().step_by(3) {
            for b in words.iter().step_by(7) {
                let lev = levenshtein(a, b);
                assert_eq!(lev, strsim::levenshtein(a, b), "{a} / {b}");
                assert_eq!(
                    jaro_winkler(a, b).to_bits(),
                    strsim::jaro_winkler(a, b).to_bits(),
                    "{a} / {b}"
                );
                assert!(letter_bag_distance(a, b) <= lev, "{a} / {b}");
                compared += 1;
            }
        }
        assert!(compared > 10_000);
    }
}

//! Splitting one name string into the names it contains. Lists and customer
//! records write former names and annotations into the same field:
//! "Ocean Pioneer (ex-Cape Diamond)", "BEIRUT CEDAR TRADING SAL, f.k.a. LEBANON
//! CEDAR IMPORT EXPORT SAL", "Kisumu Motors Ltd (Kakamega Branch)",
//! "BENEFICIARY: Sarıkaya Hububat Ltd. Şti.". Each name found becomes its own
//! [`Segment`]; annotations are dropped. The marker phrases live in
//! `data/name_markers.txt`.

use crate::lexicon::{lexicon, marker_key, squash, MarkerKind};
use crate::normalize::normalize_text;
use kordon_model::Schema;

/// How a name found inside a name string relates to the party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SegmentKind {
    /// The name itself (possibly with trailing qualifiers).
    Main,
    /// The main name without trailing comma/parenthesis qualifiers.
    Short,
    /// A name the party had before ("ex", "f.k.a.", "formerly").
    Former,
    /// Another current name ("a.k.a.", "d/b/a").
    Alias,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub kind: SegmentKind,
    /// Normalised text.
    pub text: String,
}

/// Break `raw` at brackets, commas, semicolons and colons (commas only for
/// non-persons: "PUTIN, Vladimir" is one name), then at marker phrases.
pub fn split_segments(raw: &str, schema: Schema) -> Vec<Segment> {
    let person = schema == Schema::Person;
    let mut pieces: Vec<(String, bool)> = Vec::new(); // (text, opened by a bracket)
    let mut cur = String::new();
    let mut bracket = false;
    for c in raw.chars() {
        let split = matches!(c, '(' | ')' | '[' | ']' | ';' | '（' | '）') || (!person && c == ',');
        if split || c == ':' {
            if c == ':' {
                // "FIELD 59: NAME", "BENEFICIARY: NAME": a short label before a colon.
                if normalize_text(&cur).split_whitespace().count() <= 3 && pieces.is_empty() {
                    cur.clear();
                    continue;
                }
            }
            pieces.push((std::mem::take(&mut cur), bracket));
            bracket = matches!(c, '(' | '[' | '（');
        } else {
            cur.push(c);
        }
    }
    pieces.push((cur, bracket));

    let lex = lexicon();
    let mut main: Vec<String> = Vec::new();
    let mut first_len = 0usize;
    let mut others: Vec<Segment> = Vec::new();
    let mut first = true;
    // Whether the last text added to `main` came in brackets.
    let mut last_bracketed = false;
    for (piece, bracketed) in pieces {
        let norm = normalize_text(&piece);
        if norm.is_empty() {
            continue;
        }
        let words: Vec<&str> = norm.split(' ').collect();
        let squashed: Vec<String> = words.iter().map(|w| marker_key(w)).collect();
        // Cut at marker phrases; the part before belongs to whatever came before.
        let mut kind: Option<MarkerKind> = None;
        let mut start = 0;
        let mut i = 0;
        let mut parts: Vec<(Option<MarkerKind>, String)> = Vec::new();
        while i < words.len() {
            let hit = if person {
                None
            } else {
                lex.markers.iter().find(|(m, k)| {
                    i + m.len() <= words.len() && m.iter().zip(&squashed[i..]).all(|(a, b)| a == b)
                        // A name marker only counts when a name follows it.
                        && (*k == MarkerKind::Drop || i + m.len() < words.len())
                        // A marker opening the whole string is part of the
                        // name: "Branch 215" (a Syrian intelligence branch),
                        // "Ex-Cle C.A." (a Venezuelan firm).
                        && !(first && i == 0)
                })
            };
            match hit {
                Some((m, k)) => {
                    parts.push((kind, words[start..i].join(" ")));
                    kind = Some(*k);
                    i += m.len();
                    start = i;
                }
                None => i += 1,
            }
        }
        parts.push((kind, words[start..].join(" ")));
        let before = main.len();
        let mut dropped_rest = false;
        for (k, text) in parts {
            if dropped_rest {
                break;
            }
            match k {
                Some(MarkerKind::Drop) => {
                    dropped_rest = true;
                }
                _ if text.is_empty() => {}
                None => {
                    main.push(text);
                    last_bracketed = bracketed;
                    if first {
                        first_len = main.len();
                    }
                }
                Some(MarkerKind::Former) => others.push(Segment {
                    kind: SegmentKind::Former,
                    text: strip_years(&text),
                }),
                Some(MarkerKind::Alias) => others.push(Segment {
                    kind: SegmentKind::Alias,
                    text: strip_years(&text),
                }),
            }
        }
        // A drop marker in a later bracket or comma segment drops the whole segment.
        if dropped_rest && !first {
            main.truncate(before);
        }
        first = false;
    }
    let mut out = Vec::new();
    if !main.is_empty() {
        out.push(Segment {
            kind: SegmentKind::Main,
            text: main.join(" "),
        });
        let first_words = main[..first_len]
            .iter()
            .map(|m| m.split(' ').count())
            .sum::<usize>();
        if main.len() > first_len && first_len > 0 && first_words >= 2 {
            // The first segment plus any later segment that is only a legal form.
            let mut short: Vec<String> = main[..first_len].to_vec();
            for extra in &main[first_len..] {
                let sq = squash(extra);
                // Legal forms and numbers stay: "(2011)" tells two companies apart.
                if lex.legal_form(&sq).is_some() || sq.chars().all(|c| c.is_ascii_digit()) {
                    short.push(extra.clone());
                }
            }
            out.push(Segment {
                kind: SegmentKind::Short,
                text: short.join(" "),
            });
        }
    }
    // "Islamic Revolutionary Guard Corps (IRGC)": a closing bracket holding
    // the initials of the name before it is the party's abbreviation, a name
    // of its own.
    if let [before @ .., last] = main.as_slice() {
        if !person && last_bracketed && is_initialism(last, before) {
            out.push(Segment {
                kind: SegmentKind::Alias,
                text: last.clone(),
            });
        }
    }
    out.extend(others.into_iter().filter(|s| !s.text.is_empty()));
    out
}

/// Whether `abbreviation` is one word of three to eight letters, not a legal
/// form, spelling the initials of the words of `name` (stopwords skipped).
fn is_initialism(abbreviation: &str, name: &[String]) -> bool {
    let lex = lexicon();
    let letters = abbreviation.chars().count();
    if !(3..=8).contains(&letters)
        || abbreviation.contains(' ')
        || !abbreviation.chars().all(char::is_alphabetic)
        || lex.legal_form(abbreviation).is_some()
    {
        return false;
    }
    let initials: String = name
        .iter()
        .flat_map(|part| part.split(' '))
        .filter(|w| !lex.stopwords.contains_key(*w))
        .filter_map(|w| w.chars().next())
        .collect();
    initials == abbreviation
}

/// "Warri Osprey 2006" → "Warri Osprey": a trailing year dates a former name.
fn strip_years(text: &str) -> String {
    let mut words: Vec<&str> = text.split(' ').collect();
    while words.len() > 1
        && words.last().is_some_and(|w| {
            w.len() == 4
                && w.chars().all(|c| c.is_ascii_digit())
                && (w.starts_with("19") || w.starts_with("20"))
        })
    {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(raw: &str) -> Vec<(SegmentKind, String)> {
        split_segments(raw, Schema::Unknown)
            .into_iter()
            .map(|s| (s.kind, s.text))
            .collect()
    }

    #[test]
    fn former_names_become_their_own_segment() {
        let s = kinds("Ocean Pioneer (ex-Cape Diamond)");
        assert_eq!(s[0], (SegmentKind::Main, "ocean pioneer".into()));
        assert!(s.contains(&(SegmentKind::Former, "cape diamond".into())));
        let s = kinds("Kalliopi Dawn ex Orion Tanager");
        assert!(s.contains(&(SegmentKind::Former, "orion tanager".into())));
        let s = kinds("MV Apapa Falcon (ex Warri Osprey, 2020)");
        assert!(s.contains(&(SegmentKind::Former, "warri osprey".into())));
    }

    #[test]
    fn labels_and_branches_are_dropped() {
        assert_eq!(
            kinds("FIELD 59: BLACKWOOD CATTLE CO PTY LTD")[0].1,
            "blackwood cattle co pty ltd"
        );
        assert_eq!(
            kinds("Kisumu Lakeside Motors Ltd (Kakamega Branch)")[0].1,
            "kisumu lakeside motors ltd"
        );
        // Unless the marker opens the name: then it is the name.
        assert_eq!(
            kinds("Branch 215")[0],
            (SegmentKind::Main, "branch 215".into())
        );
        assert_eq!(
            kinds("EX-CLE C.A."),
            [(SegmentKind::Main, "ex cle c.a.".into())]
        );
    }

    #[test]
    fn a_closing_abbreviation_of_the_name_is_an_alias() {
        let s = kinds("Islamic Revolutionary Guard Corps (IRGC)");
        assert!(s.contains(&(SegmentKind::Alias, "irgc".into())), "{s:?}");
        let s = kinds("Bank of Industry and Mine (BIM)");
        assert!(s.contains(&(SegmentKind::Alias, "bim".into())), "{s:?}");
        // Not the initials, not closing the name, or a legal form: no alias.
        for raw in [
            "Hong Kong Mining (Pty)",
            "Islamic Revolutionary Guard Corps (IRGC) Qods Force",
            "Limited Liability Company (LLC)",
            "Lucky Star Trading (HK)",
        ] {
            let s = kinds(raw);
            assert!(
                !s.iter().any(|(k, _)| *k == SegmentKind::Alias),
                "{raw}: {s:?}"
            );
        }
    }

    #[test]
    fn person_commas_keep_the_name_whole() {
        let s = split_segments("PUTIN, Vladimir", Schema::Person);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].text, "putin vladimir");
    }
}

//! Hangul romanisation computed from the Unicode syllable decomposition
//! (initial, medial, final jamo), with tables from
//! `data/translit/hangul-jamo.tsv`, plus the customary spellings of Korean
//! surnames so "김정은" also gives "kim jong un".

use std::sync::OnceLock;

use super::names;
use super::rules::fold_char;

const SYLLABLE_BASE: u32 = 0xAC00;
const SYLLABLE_COUNT: u32 = 11172;
const MEDIALS_TIMES_FINALS: u32 = 21 * 28;
const FINALS: u32 = 28;

/// One romanisation system: Latin per initial, medial and final jamo.
#[derive(Debug, Default)]
struct JamoSystem {
    initials: Vec<String>,
    medials: Vec<String>,
    finals: Vec<String>,
}

#[derive(Debug, Default)]
struct JamoTables {
    revised: JamoSystem,
    mccune: JamoSystem,
}

fn parse_tables(text: &str) -> Result<JamoTables, String> {
    let mut tables = JamoTables::default();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let section = fields.next().unwrap_or_default();
        let position: usize = fields
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("line {}: missing jamo index", index + 1))?;
        let latin = fields.next().unwrap_or("").to_string();
        let (system, part) = section
            .split_once('.')
            .ok_or_else(|| format!("line {}: section {section:?} is not system.part", index + 1))?;
        let system = match system {
            "rr" => &mut tables.revised,
            "mr" => &mut tables.mccune,
            other => return Err(format!("line {}: unknown system {other:?}", index + 1)),
        };
        let column = match part {
            "initial" => &mut system.initials,
            "medial" => &mut system.medials,
            "final" => &mut system.finals,
            other => return Err(format!("line {}: unknown jamo part {other:?}", index + 1)),
        };
        if column.len() != position {
            return Err(format!(
                "line {}: jamo index {position} out of order",
                index + 1
            ));
        }
        column.push(latin);
    }
    for system in [&tables.revised, &tables.mccune] {
        if system.initials.len() != 19 || system.medials.len() != 21 || system.finals.len() != 28 {
            return Err("a system lacks some of the 19/21/28 jamo".to_string());
        }
    }
    Ok(tables)
}

fn tables() -> &'static JamoTables {
    static TABLES: OnceLock<JamoTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        parse_tables(include_str!("../../data/translit/hangul-jamo.tsv"))
            .unwrap_or_else(|e| panic!("data/translit/hangul-jamo.tsv: {e}"))
    })
}

fn romanise_syllable(system: &JamoSystem, syllable: char) -> String {
    let offset = u32::from(syllable).wrapping_sub(SYLLABLE_BASE);
    if offset >= SYLLABLE_COUNT {
        return fold_char(syllable);
    }
    let index = |value: u32| usize::try_from(value).unwrap_or_default();
    let initial = &system.initials[index(offset / MEDIALS_TIMES_FINALS)];
    let medial = &system.medials[index(offset % MEDIALS_TIMES_FINALS / FINALS)];
    let final_ = &system.finals[index(offset % FINALS)];
    format!("{initial}{medial}{final_}")
}

fn syllables(system: &JamoSystem, word: &[char]) -> Vec<String> {
    word.iter().map(|&c| romanise_syllable(system, c)).collect()
}

/// Renderings of one Hangul word, most common first. A word of a known
/// surname and a one- or two-syllable given name is read as a personal name:
/// customary surname spelling, then the given name joined, split into
/// syllables, and in McCune-Reischauer style; otherwise the word is
/// rendered whole.
pub(crate) fn word_renderings(word: &[char]) -> Vec<String> {
    let tables = tables();
    let revised = syllables(&tables.revised, word);
    let mccune = syllables(&tables.mccune, word);
    let mut out = Vec::new();
    // Korean personal names are two or three syllables; four only with a
    // two-syllable surname. Longer words are company or place names.
    if (2..=4).contains(&word.len()) {
        let surnames = names::korean_surnames();
        // Compound surnames (황보, 남궁) first.
        let split = [2usize, 1]
            .into_iter()
            .filter(|&n| n < word.len() && word.len() - n <= 2)
            .find_map(|n| {
                let surname: String = word[..n].iter().collect();
                surnames.native(&surname).map(|spellings| (n, spellings))
            });
        if let Some((n, spellings)) = split {
            let customary = spellings
                .first()
                .cloned()
                .unwrap_or_else(|| revised[..n].concat());
            let given_rr_joined = revised[n..].concat();
            let given_rr_split = revised[n..].join(" ");
            let given_mr_split = mccune[n..].join(" ");
            out.push(format!("{customary} {given_rr_joined}"));
            out.push(format!("{customary} {given_rr_split}"));
            out.push(format!("{customary} {given_mr_split}"));
            out.push(format!("{} {given_rr_joined}", revised[..n].concat()));
            for other in spellings.iter().skip(1) {
                out.push(format!("{other} {given_rr_split}"));
            }
        }
    }
    out.push(revised.concat());
    out.push(revised.join(" "));
    out.push(mccune.concat());
    out
}

//! Country names and codes to ISO 3166-1 alpha-2. The table is a data file
//! (`data/countries.tsv`) compiled in, so adding a list's odd spelling is a data
//! change, not a code change.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/countries.tsv");

struct Countries {
    by_key: HashMap<String, &'static str>,
    names: HashMap<&'static str, &'static str>,
}

fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

fn countries() -> &'static Countries {
    static C: OnceLock<Countries> = OnceLock::new();
    C.get_or_init(|| {
        let mut by_key = HashMap::new();
        let mut names = HashMap::new();
        for line in TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let mut cols = line.split('\t');
            let (Some(a2), Some(a3)) = (cols.next(), cols.next()) else {
                continue;
            };
            by_key.insert(a2.to_ascii_lowercase(), a2);
            by_key.insert(a3.to_ascii_lowercase(), a2);
            for (i, name) in cols.enumerate() {
                if i == 0 {
                    names.insert(a2, name);
                }
                by_key.entry(key(name)).or_insert(a2);
            }
        }
        Countries { by_key, names }
    })
}

/// Map a country name or ISO code as a list writes it to ISO 3166-1 alpha-2.
/// Accepts alpha-2, alpha-3, English short and official names and common forms
/// ("Burma", "Korea, North"). Returns `None` for regions or unknown text.
pub fn country_code(text: &str) -> Option<&'static str> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let c = countries();
    if t.len() <= 3 && t.chars().all(|ch| ch.is_ascii_alphabetic()) {
        if let Some(code) = c.by_key.get(&t.to_ascii_lowercase()) {
            return Some(code);
        }
    }
    c.by_key.get(&key(t)).copied()
}

/// The display name of an ISO alpha-2 code.
pub fn country_name(code: &str) -> Option<&'static str> {
    let c = countries();
    let code = c.by_key.get(&code.to_ascii_lowercase())?;
    c.names.get(code).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_list_spellings() {
        assert_eq!(country_code("Russia"), Some("RU"));
        assert_eq!(country_code("RUSSIAN FEDERATION"), Some("RU"));
        assert_eq!(country_code("ru"), Some("RU"));
        assert_eq!(country_code("RUS"), Some("RU"));
        assert_eq!(country_code("Korea, North"), Some("KP"));
        assert_eq!(country_code("Burma"), Some("MM"));
        assert_eq!(country_code("China"), Some("CN"));
        assert_eq!(country_code("Hong Kong"), Some("HK"));
        assert_eq!(country_code("Atlantis"), None);
        // A country's own name, as firms write it in theirs.
        assert_eq!(country_code("Deutschland"), Some("DE"));
        assert_eq!(country_code("ESPAÑA"), Some("ES"));
        assert_eq!(country_code("espana"), Some("ES"));
        assert_eq!(country_code("Polska"), Some("PL"));
        assert_eq!(country_name("de"), Some("Germany"));
    }
}

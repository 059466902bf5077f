//! Lookup tables a list's own codes map through (alias qualities, document
//! types, column roles). They live in `data/*.tsv`, compiled in, so teaching a
//! parser a new spelling is a data change. Format: one entry per line, key and
//! values separated by tabs, `#` starts a comment line. Keys match
//! case-insensitively with whitespace collapsed.

use std::collections::HashMap;

pub(crate) struct CodeTable {
    rows: HashMap<String, Vec<&'static str>>,
}

/// The form keys are compared in.
pub(crate) fn table_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl CodeTable {
    pub fn parse(text: &'static str) -> CodeTable {
        let mut rows = HashMap::new();
        for line in text.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t').map(str::trim);
            let Some(key) = cols.next() else { continue };
            rows.insert(table_key(key), cols.collect());
        }
        CodeTable { rows }
    }

    /// The values of the row for `key`.
    pub fn get(&self, key: &str) -> Option<&[&'static str]> {
        self.rows.get(&table_key(key)).map(Vec::as_slice)
    }

    /// The first value of the row for `key`.
    pub fn first(&self, key: &str) -> Option<&'static str> {
        self.get(key).and_then(|v| v.first().copied())
    }
}

//! The writing system of a name, as an ISO 15924 code ("Cyrl", "Arab", "Hani"),
//! so names in original script can be told apart from their Latin forms.

use unicode_script::{Script, UnicodeScript};

/// The dominant script of `text`, or `None` when it is Latin (or has no letters).
/// Common characters (digits, punctuation, spaces) do not count.
pub(crate) fn script_of(text: &str) -> Option<String> {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for c in text.chars() {
        let s = c.script();
        if matches!(s, Script::Common | Script::Inherited | Script::Unknown) {
            continue;
        }
        match counts.iter_mut().find(|(k, _)| *k == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s, 1)),
        }
    }
    let (script, _) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    // Japanese kana and Korean hangul are reported under their own codes;
    // Han characters under "Hani".
    (script != Script::Latin).then(|| script.short_name().to_string())
}

#[cfg(test)]
mod tests {
    use super::script_of;

    #[test]
    fn detects_scripts() {
        assert_eq!(script_of("АО «ИЭМЗ «Купол»"), Some("Cyrl".into()));
        assert_eq!(script_of("عبد الله"), Some("Arab".into()));
        assert_eq!(
            script_of("厦门林巴贺航空发动机股份有限公司"),
            Some("Hani".into())
        );
        assert_eq!(script_of("Kupol JSC 123"), None);
        assert_eq!(script_of("1958"), None);
    }
}

//! A minimal INI reader for the two SDK credentials files (`[section]`, `key = value`, `#`/`;`
//! comments). Pure; values are returned as written, so callers must treat them as secrets.

/// One `[section]` and its keys, in file order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// `(key, value, 1-based line)`.
    pub entries: Vec<(String, String, usize)>,
}

impl Section {
    /// The value of a key (case-insensitive name); the last one wins, as in the SDKs' readers.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The line of the key [`Section::get`] reads, for errors that must name a place but never
    /// the value.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.entries.iter().rev().find(|(k, _, _)| k.eq_ignore_ascii_case(key)).map(|(_, _, line)| *line)
    }
}

/// Parses INI text. Lines outside a section and lines that are neither a section, a key nor a
/// comment are skipped: a typo elsewhere in the file must not lock the user out.
pub fn parse(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push(Section { name: name.trim().to_owned(), entries: Vec::new() });
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        if let Some(section) = sections.last_mut() {
            section.entries.push((key.trim().to_owned(), unquote(value.trim()).to_owned(), index + 1));
        }
    }
    sections
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner;
        }
    }
    value
}

/// The first section with this name.
pub fn section<'a>(sections: &'a [Section], name: &str) -> Option<&'a Section> {
    sections.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_keys_comments_and_quotes() {
        let text = "\u{feff}# top comment\nstray = ignored\n[default]\ntype = access_key\naccess_key_id = AK1\n\
                    ; comment\naccess_key_secret = \"S=1\"\n\n[ other ]\nKey=v\nnonsense line\n";
        let sections = parse(text);
        assert_eq!(sections.len(), 2);
        let d = section(&sections, "default").unwrap();
        assert_eq!(d.get("type"), Some("access_key"));
        assert_eq!(d.get("access_key_secret"), Some("S=1"));
        assert_eq!(d.get("missing"), None);
        let o = section(&sections, "other").unwrap();
        assert_eq!(o.get("key"), Some("v"));
        assert!(section(&sections, "nope").is_none());
    }

    #[test]
    fn empty_values_count_as_missing_and_last_key_wins() {
        let sections = parse("[basic]\nak =\nsk = one\nsk = two\n");
        let b = section(&sections, "basic").unwrap();
        assert_eq!(b.get("ak"), None);
        assert_eq!(b.get("sk"), Some("two"));
    }
}

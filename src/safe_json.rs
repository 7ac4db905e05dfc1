//! JSON for output a person may read in a terminal (`--json`, JSON reports): serde_json's pretty
//! layout, with every character a terminal must not receive written as a `\uXXXX` escape.
//!
//! Owns that one writer. The rule of which characters is [`crate::sanitize`]'s; strings stay
//! byte-exact once the document is parsed.

/// Pretty-printed JSON (as `serde_json::to_string_pretty`) in which every character
/// [`crate::sanitize::is_forbidden`] names is a `\uXXXX` escape. serde_json already escapes C0
/// controls; the rest would otherwise reach stdout as raw bytes. Parsing the result gives back the
/// same strings.
pub fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, EscapingFormatter::default());
    value.serialize(&mut serializer)?;
    // Only whole UTF-8 strings and ASCII escapes were written.
    Ok(String::from_utf8(out).unwrap_or_default())
}

#[derive(Default)]
struct EscapingFormatter {
    pretty: serde_json::ser::PrettyFormatter<'static>,
}

impl serde_json::ser::Formatter for EscapingFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if crate::sanitize::is_forbidden(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // Layout is the pretty printer's; only string contents differ.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_a_terminal_must_not_receive_and_parses_back_exactly() {
        let hostile =
            "a\u{7f}b\u{85}c\u{9b}2Jd\u{202e}gpj.exe\u{200b}\u{2028}\u{2029}\u{feff}\u{1b}]52;c;x\u{7}中文😀\"\\";
        let text = pretty(&serde_json::json!({ "message": hostile, "k\u{202e}": [1, "x"] })).unwrap();
        assert!(text.chars().all(|c| c == '\n' || !crate::sanitize::is_forbidden(c)), "{text:?}");
        for escape in
            ["\\u007f", "\\u0085", "\\u009b", "\\u202e", "\\u200b", "\\u2028", "\\u2029", "\\ufeff", "\\u001b"]
        {
            assert!(text.contains(escape), "{escape} missing in {text}");
        }
        assert!(text.contains("中文😀"), "printable text stays as it is");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["message"], hostile);
        assert_eq!(text.lines().next(), Some("{"), "pretty layout kept");
        assert_eq!(
            pretty(&serde_json::json!({"a": [1, {"b": null}]})).unwrap(),
            serde_json::to_string_pretty(&serde_json::json!({"a": [1, {"b": null}]})).unwrap()
        );
    }
}

//! Bounds on what a document may cost to read: its size and its nesting depth.
//!
//! Owns the two limits and the checks that enforce them before a parser sees the text. Every
//! document we read goes through here: local specs (`import`, `check`, `retry-spec`, the
//! dashboard's `R`), exported documents a server sent, and specs the simulator receives.
//!
//! Why a separate pass: libyaml (behind serde_yaml_ng) rescans its stack of possible simple keys
//! on every token, so a flow collection nested d deep costs O(d²) before serde's own recursion
//! limit can stop it (25,000 levels 1.3 s, 100,000 levels 20 s; at 16 MiB, hours). saphyr's
//! streaming parser hands out events as it scans, so the depth check below stops at the first
//! event past [`MAX_DEPTH`], having spent at most O(MAX_DEPTH) per token: linear in the input.
//! JSON needs no pass of its own: serde_json is linear and stops at the same depth.
//!
//! The depth matches serde's own recursion limit (128 for both crates): deeper documents would
//! fail there anyway, only later and slower.

use std::io::Read as _;
use std::path::Path;

use super::{ErrorKind, Format, OpenApiError};

/// Largest document read, in bytes: the same as the cap on an HTTP answer, and 64 times the
/// largest text either console accepts for an import.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// Deepest nesting of objects and arrays accepted (serde_json's and serde_yaml_ng's own limit).
pub const MAX_DEPTH: usize = 128;

/// Reads a file of at most [`MAX_DOCUMENT_BYTES`], whatever kind of file it is (a FIFO or
/// `/dev/zero` stops at the cap instead of filling memory).
pub fn read_bounded(path: &Path) -> Result<String, OpenApiError> {
    let source = path.display().to_string();
    let io_error =
        |err: std::io::Error| OpenApiError::new(&source, ErrorKind::Io, format!("cannot read the file: {err}"));
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    let cap = u64::try_from(MAX_DOCUMENT_BYTES).unwrap_or(u64::MAX);
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(&source));
    }
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        OpenApiError::new(&source, ErrorKind::Io, format!("cannot read the file: not UTF-8 text (byte {at})"))
    })
}

fn too_large(source: &str) -> OpenApiError {
    OpenApiError::new(
        source,
        ErrorKind::Io,
        format!(
            "the document is larger than {} MiB; neither gateway imports a document this big",
            MAX_DOCUMENT_BYTES >> 20
        ),
    )
}

/// Why [`check`] refused a text.
#[derive(Debug)]
pub enum Refusal {
    /// Too large or too deep: the document must not reach a parser.
    Limit(OpenApiError),
    /// saphyr found a YAML syntax error at `byte` (its nesting was within bounds up to there).
    Syntax { error: OpenApiError, byte: usize },
}

/// How far past saphyr's error libyaml may read to describe the same error in its own words:
/// a few tokens, so whatever follows costs nothing.
pub const SYNTAX_ERROR_LOOKAHEAD: usize = 64;

/// Refuses text over the size limit, and YAML nested deeper than [`MAX_DEPTH`], in time linear
/// in the text.
///
/// A YAML syntax error stops the check. The caller may then let libyaml describe it, but only
/// from the text up to [`Refusal::Syntax`]'s byte plus [`SYNTAX_ERROR_LOOKAHEAD`]: a document
/// only libyaml accepts must not get past the depth bound.
pub fn check(text: &str, format: Format, source: &str) -> Result<(), Refusal> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Refusal::Limit(too_large(source)));
    }
    match format {
        Format::Json => Ok(()),
        Format::Yaml => check_yaml_depth(text, source),
    }
}

fn check_yaml_depth(text: &str, source: &str) -> Result<(), Refusal> {
    use saphyr_parser::{Event, Parser};
    let mut depth = 0usize;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|err| {
            let at = err.marker();
            // saphyr's scanner has a flow-depth limit of its own, a little above ours.
            if err.info() == "recursion limit exceeded" {
                return Refusal::Limit(too_deep(source).at(at.line(), at.col() + 1));
            }
            let error = OpenApiError::new(source, ErrorKind::Syntax, err.info().to_owned()).at(at.line(), at.col() + 1);
            // saphyr counts characters; the caller slices bytes.
            let byte = text.char_indices().nth(at.index()).map_or(text.len(), |(i, _)| i);
            Refusal::Syntax { error, byte }
        })?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Refusal::Limit(too_deep(source).at(span.start.line(), span.start.col() + 1)));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn too_deep(source: &str) -> OpenApiError {
    OpenApiError::new(
        source,
        ErrorKind::Syntax,
        format!("objects and arrays are nested more than {MAX_DEPTH} levels deep here; no OpenAPI document needs that"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_yaml_is_refused_with_its_line_in_linear_time() {
        // 200,000 levels took libyaml minutes; the check stops at level 129.
        let text = format!("openapi: 3.0.0\nx: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
        let Err(Refusal::Limit(err)) = check(&text, Format::Yaml, "deep.yaml") else { panic!("accepted") };
        assert!(err.message.contains("nested more than 128 levels"), "{err}");
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn deep_block_and_compact_yaml_are_refused() {
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        let compact = format!("{}x\n", "- ".repeat(300));
        for text in [block, compact] {
            let Err(Refusal::Limit(err)) = check(&text, Format::Yaml, "deep.yaml") else { panic!("accepted") };
            assert!(err.message.contains("nested more than"), "{err}");
        }
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let text = format!("x: {}1{}\n", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(check(&text, Format::Yaml, "ok.yaml").is_ok());
    }

    #[test]
    fn the_parse_of_a_deep_document_fails_on_depth_not_later() {
        let text = format!("openapi: 3.0.0\ninfo: {}{}\n", "{a: ".repeat(50_000), "}".repeat(50_000));
        let err = crate::openapi::parse(&text, "deep.yaml").unwrap_err();
        assert!(err.message.contains("nested more than"), "{err}");
        let json = format!("{{\"openapi\": \"3.0.0\", \"x\": {}{}}}", "[".repeat(50_000), "]".repeat(50_000));
        let err = crate::openapi::parse(&json, "deep.json").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax, "{err}");
    }

    #[test]
    fn a_syntax_error_before_deep_nesting_lets_libyaml_read_only_a_few_bytes_past_it() {
        // saphyr stops at the tab; whatever libyaml would make of the rest, it never sees it.
        let text = format!("a: b\n\tc: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let err = crate::openapi::parse(&text, "tab.yaml").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax, "{err}");
        assert_eq!(err.line, Some(2), "{err}");
    }

    #[test]
    fn reading_stops_at_the_cap_for_endless_files() {
        let err = read_bounded(Path::new("/dev/zero")).unwrap_err();
        assert!(err.message.contains("larger than 16 MiB"), "{err}");
    }

    #[test]
    fn oversized_text_is_refused_before_parsing() {
        let text = "a".repeat(MAX_DOCUMENT_BYTES + 1);
        let Err(Refusal::Limit(err)) = check(&text, Format::Json, "big.json") else { panic!("accepted") };
        assert!(err.message.contains("larger than"), "{err}");
    }

    #[test]
    fn every_built_in_spec_passes() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/specs");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = read_bounded(&path).unwrap();
            assert!(check(&text, Format::sniff(&text), &path.display().to_string()).is_ok(), "{}", path.display());
        }
    }
}

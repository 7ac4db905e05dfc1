//! Names of the files the dashboard writes: failure reports and exported documents.
//!
//! Owns turning a task reference, a time or a provider's file name into one safe path component
//! (no separator, no `..`, no control character, no colon, bounded length). Pure: the time
//! comes in, and the host that writes the file adds ` (1)` when a name is taken. May not touch
//! the file system.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;

use crate::domain::{ExportFile, TaskRef};
use crate::failure_report::Format;

/// Longest stem kept from a provider's file name; file systems allow 255 bytes per component.
const MAX_STEM_CHARS: usize = 120;

/// `oaswatch-report-<task id>-<UTC yyyymmddThhmmss>.<md|csv|json>`.
pub fn report_file_name(task_ref: &TaskRef, format: Format, at: SystemTime) -> String {
    let id = safe_component(task_ref.task_id(), "task");
    format!("oaswatch-report-{id}-{}.{}", utc_stamp(at), format.extension())
}

/// `20231114T221320`: sorts by time and holds no colon (not allowed in Windows file names).
pub fn utc_stamp(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let Ok(t) = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0)) else {
        return secs.to_string();
    };
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

/// The exported document's file name: the provider's `file_name` plus `file_type` (Huawei sends
/// `".json"` with the dot), colons replaced, made one safe path component.
pub fn export_file_name(export: &ExportFile) -> String {
    let stem = safe_component(export.file_name.trim(), "export");
    let ext: String = export.file_type.trim().trim_start_matches('.').to_ascii_lowercase();
    let ext_ok = !ext.is_empty() && ext.len() <= 10 && ext.chars().all(|c| c.is_ascii_alphanumeric());
    if !ext_ok || stem.to_ascii_lowercase().ends_with(&format!(".{ext}")) {
        return stem;
    }
    format!("{stem}.{ext}")
}

/// A file name made from provider text: separators and characters that file systems or shells
/// choke on become `_` (colons `-`, so times stay readable); control, bidi and zero-width
/// characters go (a U+202E would make `ls` show a spoofed extension); leading dots and spaces go
/// (no hidden files, no `..`), and the length is bounded.
pub fn safe_component(raw: &str, fallback: &str) -> String {
    let mapped: String = raw
        .chars()
        .filter(|c| !crate::sanitize::is_forbidden(*c))
        .map(|c| match c {
            ':' => '-',
            '/' | '\\' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .take(MAX_STEM_CHARS)
        .collect();
    let trimmed = mapped.trim_start_matches(['.', ' ']).trim_end_matches(['.', ' ']);
    if trimmed.is_empty() { fallback.to_owned() } else { trimmed.to_owned() }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn export(name: &str, ty: &str) -> ExportFile {
        ExportFile { file_name: name.into(), file_type: ty.into(), content: String::new() }
    }

    #[test]
    fn names_from_server_text_lose_bidi_and_invisible_characters() {
        assert_eq!(export_file_name(&export("invoice\u{202e}fdp.exe", "yaml")), "invoicefdp.exe.yaml");
        assert_eq!(safe_component("a\u{200b}b\u{2066}c\u{feff}\u{85}d\u{2028}", "x"), "abcd");
        assert_eq!(safe_component("\u{202e}\u{200f}", "fallback"), "fallback");
    }

    #[test]
    fn report_names_carry_the_task_id_and_utc_time() {
        let r: TaskRef = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            report_file_name(&r, Format::Markdown, at),
            "oaswatch-report-4c53ccf1d40c489686d1adf5c2644a7f-20231114T221320.md"
        );
        assert!(report_file_name(&r, Format::Csv, at).ends_with("T221320.csv"));
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000");
    }

    #[test]
    fn export_names_are_one_safe_component() {
        assert_eq!(
            export_file_name(&export("APIGroup_2024-05-01 12:00:00", ".json")),
            "APIGroup_2024-05-01 12-00-00.json"
        );
        assert_eq!(export_file_name(&export("../../etc/passwd", ".yaml")), "_.._etc_passwd.yaml");
        assert_eq!(export_file_name(&export("..", ".json")), "export.json");
        assert_eq!(export_file_name(&export("spec.json", ".json")), "spec.json", "no doubled extension");
        assert_eq!(export_file_name(&export("a\u{1b}[2Jb", ".j/s")), "a[2Jb", "odd types are dropped");
        assert_eq!(export_file_name(&export("", "")), "export");
        assert_eq!(safe_component(&"x".repeat(500), "f").len(), MAX_STEM_CHARS);
    }
}

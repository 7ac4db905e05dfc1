//! Each format is parsed back: Markdown tables by column count, CSV with the `csv` reader, JSON
//! with serde.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::Value;

use super::csv_rows::{COLUMNS, guard};
use super::*;
use crate::analysis::group_failures;
use crate::domain::{ApiError, ApiErrorRef, SubtaskKind, SubtaskState, SubtaskText, TaskKind, TaskRef, TaskState};
use crate::sanitize;

/// Pipes, backticks, HTML, CRLF, an OSC 52 clipboard write, Markdown syntax and a formula.
/// Built at run time so this file holds no literal escape sequence (tests/architecture.rs).
fn hostile() -> String {
    let (esc, bel) = ('\u{1b}', '\u{7}');
    format!(
        "=HYPERLINK(\"http://evil\")|pipe `tick` <b>bold</b> & co\nline2\r\nline3 {esc}]52;c;eA=={bel} *em* _u_ [l](x) ~s~ $x$ \\| end\t\n"
    )
}

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_714_564_800)
}

fn sub(kind: SubtaskKind, name: &str, path: &str, state: SubtaskState, error: Option<(&str, &str)>) -> Subtask {
    Subtask::new(
        kind,
        state,
        SubtaskText {
            id: &if state == SubtaskState::Succeeded { format!("id-{name}") } else { String::new() },
            name,
            method: if kind == SubtaskKind::Api { "GET" } else { "" },
            path,
            raw_status: match state {
                SubtaskState::Failed => "FAIL",
                SubtaskState::Cancelled => "CANCEL",
                _ => "OVER",
            },
            error: error.map(|(c, m)| ApiErrorRef::new(c, m)),
        },
    )
}

fn aliyun_task() -> Task {
    use SubtaskKind::{Api, Model};
    use SubtaskState::{Cancelled, Failed, Succeeded};
    let task_ref: TaskRef = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap();
    let mut task = Task::new(task_ref, TaskKind::Import, TaskState::PartiallyFailed, "Finished").with_subtasks(vec![
        sub(Api, "listPets", "/pets", Succeeded, None),
        sub(
            Api,
            "getPet",
            "/pets/{petId}",
            Failed,
            Some(("", "Path /pets/{petId} conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c")),
        ),
        sub(Api, "hostile", "/h", Failed, Some(("", &hostile()))),
        sub(
            Api,
            "getUser",
            "/users/{id}",
            Failed,
            Some(("", "Path /users/{id} conflicts with existing API 9b8c3d2e1f0a9b8c3f2a9c81d0e54b6f")),
        ),
        sub(Model, "Pet", "", Failed, Some(("", "Model Pet already exists in group 736508d885074167ba8fbce3bc95ea0b"))),
        sub(Api, "查询", "/q", Failed, Some(("", "这个API用于查询 Internal Error\n"))),
        sub(Api, "cancelled", "/c", Cancelled, None),
    ]);
    task.group_id = Some("736508d885074167ba8fbce3bc95ea0b".into());
    task
}

fn huawei_failed_task() -> Task {
    let task_ref: TaskRef = "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25/f01d2772".parse().unwrap();
    let mut task = Task::new(task_ref, TaskKind::Import, TaskState::Failed, "failed");
    task.error = Some(ApiError::new("APIG.3201", "The API group name already exists"));
    task
}

fn report(task: &Task, format: Format) -> String {
    render(task, &group_failures(task), format, at())
}

/// Cells of a Markdown table row, split on pipes that are not backslash-escaped.
fn md_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let last = cells.last_mut().unwrap();
                last.push(c);
                last.extend(chars.next());
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    // The leading and trailing pipes frame the row.
    assert!(cells.first().is_some_and(|c| c.trim().is_empty()), "row does not start with a pipe: {line:?}");
    assert!(cells.last().is_some_and(|c| c.trim().is_empty()), "row does not end with a pipe: {line:?}");
    cells[1..cells.len() - 1].iter().map(|c| c.trim().to_owned()).collect()
}

/// Every table of the document as rows of cells, checking that every row has the header's width.
fn md_tables(doc: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in doc.lines() {
        if line.starts_with('|') {
            if !in_table {
                tables.push(Vec::new());
            }
            in_table = true;
            tables.last_mut().unwrap().push(md_cells(line));
        } else {
            in_table = false;
        }
    }
    for table in &tables {
        let width = table[0].len();
        for row in table {
            assert_eq!(row.len(), width, "row {row:?} has {} cells, header has {width}", row.len());
        }
    }
    tables
}

#[test]
fn markdown_tables_keep_their_shape_whatever_the_messages_contain() {
    let doc = report(&aliyun_task(), Format::Markdown);
    let tables = md_tables(&doc);
    assert_eq!(tables.len(), 3, "summary, groups, failures");
    assert_eq!(tables[0][0], ["Field", "Value"]);
    assert_eq!(tables[1].len(), 2 + 5, "header, rule, 5 groups");
    assert_eq!(tables[2].len(), 2 + 6, "header, rule, 6 failures");
    assert_eq!(tables[2][0].len(), 11);
    // The hostile message stays on its row, whole, with its line breaks as <br>.
    let hostile = tables[2].iter().find(|row| row[0] == "2").unwrap();
    assert_eq!(
        hostile[9],
        "=HYPERLINK(\"http://evil\")\\|pipe \\`tick\\` &lt;b&gt;bold&lt;/b&gt; &amp; co<br>line2<br>line3 \
         ^\\[\\]52;c;eA==^G \\*em\\* \\_u\\_ \\[l\\](x) \\~s\\~ \\$x\\$ \\\\\\| end"
    );
    assert!(sanitize::is_clean(&doc));
    assert!(!doc.contains("<b>"));
}

#[test]
fn markdown_summarises_the_task_and_its_groups() {
    let doc = report(&aliyun_task(), Format::Markdown);
    let tables = md_tables(&doc);
    let summary: Vec<(String, String)> = tables[0][2..].iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let value = |name: &str| summary.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap();
    assert_eq!(value("Task"), "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f");
    assert_eq!(value("State"), "partially\\_failed");
    assert_eq!(value("Raw status"), "Finished");
    assert_eq!(value("Subtasks"), "7 total: 1 succeeded, 5 failed, 1 cancelled, 0 skipped, 0 running, 0 waiting");
    assert_eq!(value("Task error"), "none");
    assert_eq!(value("Generated"), "2024-05-01T12:00:00Z");
    let first_group = &tables[1][2];
    assert_eq!(first_group[..5], ["1", "", "2", "2", "0"], "number, caused by, count, APIs, models");
    assert_eq!(first_group[6], "Path {path} conflicts with existing API {id}");
    // Each failure names its group number.
    let failures = &tables[2][2..];
    let group_of = |index: &str| failures.iter().find(|r| r[0] == index).map(|r| r[10].clone()).unwrap();
    assert_eq!(group_of("1"), "1");
    assert_eq!(group_of("3"), "1");
}

#[test]
fn markdown_without_failures_says_so() {
    let doc = report(&huawei_failed_task(), Format::Markdown);
    assert_eq!(md_tables(&doc).len(), 1);
    assert!(doc.contains("| Task error | APIG.3201: The API group name already exists |"));
    assert!(doc.contains("## Failed and cancelled subtasks (0)\n\nNo failed or cancelled subtasks."));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(report(&aliyun_task(), Format::Markdown));
}

fn read_csv(doc: &str) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(doc.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(doc.as_bytes());
    let headers = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (headers, rows)
}

#[test]
fn csv_reads_back_with_one_row_per_failure() {
    let task = aliyun_task();
    let doc = report(&task, Format::Csv);
    let (headers, rows) = read_csv(&doc);
    assert_eq!(headers, COLUMNS);
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.len() == COLUMNS.len()));
    assert!(doc.contains("\r\n"), "RFC 4180 line ends");
    let column = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
    let row = |index: &str| rows.iter().find(|r| r[column("subtask_index")] == index).unwrap();
    assert_eq!(row("1")[column("task")], "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f");
    assert_eq!(row("1")[column("group_signature")], "Path {path} conflicts with existing API {id}");
    assert_eq!(row("1")[column("group_count")], "2");
    assert_eq!(row("4")[column("kind")], "model");
    assert_eq!(row("5")[column("error_message")], "这个API用于查询 Internal Error");
    assert_eq!(row("6")[column("state")], "cancelled");
    assert_eq!(row("6")[column("group_signature")], "cancelled; no error text returned by the API");
    // The hostile message survives the round trip, defused and with control characters visible.
    let hostile_cell = &row("2")[column("error_message")];
    assert_eq!(*hostile_cell, format!("'{}", sanitize::text(&hostile()).trim_end()));
    assert!(hostile_cell.contains("line2\nline3"), "line breaks kept inside the quoted cell");
    assert!(sanitize::is_clean(&doc.replace('\u{feff}', "").replace("\r\n", "\n")));
}

#[test]
fn csv_defuses_formulas() {
    for (input, expected) in [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'    =1"),
        ("  =1", "'  =1"),
        ("\r=1", "^M=1"),
        ("/pets", "/pets"),
        ("a=1", "a=1"),
        ("", ""),
    ] {
        assert_eq!(guard(input), expected, "{input:?}");
    }
}

#[test]
fn csv_without_failures_has_only_the_header() {
    let (headers, rows) = read_csv(&report(&huawei_failed_task(), Format::Csv));
    assert_eq!(headers.len(), COLUMNS.len());
    assert!(rows.is_empty());
}

#[test]
fn json_keeps_provider_text_verbatim_in_a_stable_shape() {
    let task = aliyun_task();
    let doc: Value = serde_json::from_str(&report(&task, Format::Json)).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["generated_at"], "2024-05-01T12:00:00Z");
    assert_eq!(doc["task"]["ref"], "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f");
    assert_eq!(doc["task"]["provider"], "aliyun");
    assert_eq!(doc["task"]["state"], "partially_failed");
    assert_eq!(doc["task"]["counts"]["failed"], 5);
    assert_eq!(doc["task"]["group_id"], "736508d885074167ba8fbce3bc95ea0b");
    assert!(doc["task"]["error"].is_null());
    let groups = doc["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 5);
    assert_eq!(groups[0]["number"], 1);
    assert_eq!(groups[0]["count"], 2);
    assert_eq!(groups[0]["members"], serde_json::json!([1, 3]));
    let failures = doc["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 6);
    let hostile_text = hostile();
    let item = failures.iter().find(|f| f["index"] == 2).unwrap();
    assert_eq!(item["error"]["message"], hostile_text, "verbatim, control characters and all");
    assert_eq!(item["error"]["code"], "");
    assert_eq!(item["kind"], "api");
    assert_eq!(item["state"], "failed");
    // `group` refers to a group's number, and that group lists the failure.
    for failure in failures {
        let number = failure["group"].as_u64().unwrap();
        let group = groups.iter().find(|g| g["number"] == number).unwrap();
        assert!(group["members"].as_array().unwrap().contains(&failure["index"]));
    }
    let cancelled = failures.iter().find(|f| f["index"] == 6).unwrap();
    assert!(cancelled["error"].is_null());
}

#[test]
fn json_of_a_failed_task_without_subtasks() {
    let doc: Value = serde_json::from_str(&report(&huawei_failed_task(), Format::Json)).unwrap();
    assert_eq!(doc["task"]["provider"], "huawei");
    assert_eq!(doc["task"]["error"]["code"], "APIG.3201");
    assert_eq!(doc["groups"], serde_json::json!([]));
    assert_eq!(doc["failures"], serde_json::json!([]));
}

#[test]
fn formats_and_timestamps() {
    assert_eq!(Format::from_name(" MD "), Some(Format::Markdown));
    assert_eq!(Format::from_name("markdown"), Some(Format::Markdown));
    assert_eq!(Format::from_name("CSV"), Some(Format::Csv));
    assert_eq!(Format::from_name("json"), Some(Format::Json));
    assert_eq!(Format::from_name("xml"), None);
    assert_eq!(Format::ALL.map(Format::extension), ["md", "csv", "json"]);
    assert_eq!(timestamp(at()), "2024-05-01T12:00:00Z");
    assert_eq!(timestamp(UNIX_EPOCH - Duration::from_secs(60)), "1969-12-31T23:59:00Z");
    assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(400_000_000_000)), "unix:400000000000");
}

proptest! {
    #[test]
    fn any_message_keeps_every_format_parseable(messages in prop::collection::vec(any::<String>(), 1..6)) {
        let task_ref: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        let subtasks = messages
            .iter()
            .map(|m| sub(SubtaskKind::Api, m, m, SubtaskState::Failed, Some((m.as_str(), m.as_str()))))
            .collect();
        let task = Task::new(task_ref, TaskKind::Import, TaskState::Failed, "Finished").with_subtasks(subtasks);
        let groups = group_failures(&task);

        let md = render(&task, &groups, Format::Markdown, at());
        let tables = md_tables(&md);
        prop_assert_eq!(tables.last().map(Vec::len), Some(2 + messages.len()));
        prop_assert!(sanitize::is_clean(&md));

        let (_, rows) = read_csv(&render(&task, &groups, Format::Csv, at()));
        prop_assert_eq!(rows.len(), messages.len());
        for (row, message) in rows.iter().zip(&messages) {
            prop_assert_eq!(&row[10], &guard(message).into_owned());
        }

        let json: Value = serde_json::from_str(&render(&task, &groups, Format::Json, at())).unwrap();
        for (failure, message) in json["failures"].as_array().unwrap().iter().zip(&messages) {
            prop_assert_eq!(failure["error"]["message"].as_str(), Some(message.as_str()));
        }
    }
}

//! Stack traces inside messages: which lines say what went wrong, and which only where.
//!
//! Owns [`keep_headlines`]: of a multi-line message, every line except the stack frames after
//! the first frame of each trace (Java, JavaScript and .NET `at …`, Python `File "…", line N`
//! with its source line, gdb `#N …`, and Java's `... N more`). Two failures of one cause reached
//! from different callers then read the same. Pure.

/// Whether `message` has more than one line, the only case [`keep_headlines`] changes.
pub(super) fn has_lines(message: &str) -> bool {
    message.trim_end().contains('\n')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    /// A frame line.
    Frame,
    /// Python's `File "…", line N`: its next, more indented line is the source it points at.
    PythonFrame,
    Other,
}

fn kind(line: &str) -> Line {
    let t = line.trim_start();
    if t.starts_with("File \"") && t.contains("\", line ") {
        return Line::PythonFrame;
    }
    let java_like = t.strip_prefix("at ").is_some_and(|rest| rest.contains('(') || rest.contains(':'));
    let gdb = t.strip_prefix('#').is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(' ')
    });
    let more = t.starts_with("... ") && t.ends_with(" more");
    if java_like || gdb || more { Line::Frame } else { Line::Other }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Writes `message` into `out` without the frames below the first of each trace.
pub(super) fn keep_headlines(message: &str, out: &mut String) {
    out.clear();
    let mut in_trace = false;
    let mut python_source_after: Option<usize> = None;
    for line in message.lines() {
        if let Some(frame_indent) = python_source_after.take()
            && indent(line) > frame_indent
            && kind(line) == Line::Other
        {
            // The source line under a Python frame belongs to that frame.
            if !in_trace_kept(out) {
                continue;
            }
            push_line(out, line);
            continue;
        }
        match kind(line) {
            Line::Other => {
                in_trace = false;
                push_line(out, line);
            }
            frame => {
                if frame == Line::PythonFrame {
                    python_source_after = Some(indent(line));
                }
                if !in_trace {
                    push_line(out, line);
                    mark_kept(out);
                }
                in_trace = true;
            }
        }
    }
    unmark(out);
}

// The one frame kept per trace carries its source line (Python); later frames carry none. A
// marker at the end of `out` remembers that the last line written was a kept frame.
const KEPT: char = '\u{0}';

fn mark_kept(out: &mut String) {
    out.push(KEPT);
}

fn in_trace_kept(out: &mut String) -> bool {
    if out.ends_with(KEPT) {
        out.pop();
        true
    } else {
        false
    }
}

fn unmark(out: &mut String) {
    if out.ends_with(KEPT) {
        out.pop();
    }
}

fn push_line(out: &mut String, line: &str) {
    unmark(out);
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(message: &str) -> String {
        let mut out = String::new();
        keep_headlines(message, &mut out);
        out
    }

    #[test]
    fn java_traces_keep_headlines_and_the_first_frame() {
        let trace = "java.lang.IllegalStateException: pool closed\n\tat a.b.Pool.get(Pool.java:10)\n\tat a.b.Svc.run(Svc.java:20)\nCaused by: java.io.IOException: reset\n\tat x.Y.z(Y.java:5)\n\t... 12 more";
        assert_eq!(
            kept(trace),
            "java.lang.IllegalStateException: pool closed\n\tat a.b.Pool.get(Pool.java:10)\nCaused by: java.io.IOException: reset\n\tat x.Y.z(Y.java:5)"
        );
        let other_caller =
            trace.replace("a.b.Svc.run(Svc.java:20)", "a.b.Batch.go(Batch.java:99)\n\tat a.b.Main.main(Main.java:1)");
        assert_eq!(kept(&other_caller), kept(trace));
    }

    #[test]
    fn python_traces_keep_the_first_frame_and_its_source_line() {
        let trace = "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    main()\n  File \"a.py\", line 9, in main\n    raise ValueError(x)\nValueError: bad";
        assert_eq!(
            kept(trace),
            "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    main()\nValueError: bad"
        );
    }

    #[test]
    fn other_lines_are_kept_whole() {
        let text = "first line\nsecond: at noon\n{\n  \"code\": 1\n}";
        assert_eq!(kept(text), text);
        assert!(!has_lines("one line\n"));
        assert!(has_lines("a\nb"));
    }
}

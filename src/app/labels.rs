//! Words and time labels shared by the app (to know when a tick changes the screen) and the UI.
//!
//! Owns how states, badges and durations read ("✘ failed", "⚠ throttled", "12s ago"). Pure:
//! time arrives as values. May not draw.

use std::time::{Duration, SystemTime};

use crate::domain::{FetchErrorKind, SubtaskState, TaskState};

/// Glyph and word for a task state; colour is never the only signal.
pub fn task_state(state: TaskState) -> (&'static str, &'static str) {
    match state {
        TaskState::Succeeded => ("✔", "succeeded"),
        TaskState::Failed => ("✘", "failed"),
        TaskState::PartiallyFailed => ("◐", "partial"),
        TaskState::Running => ("●", "running"),
        TaskState::Waiting => ("○", "waiting"),
        TaskState::Unknown => ("?", "unknown"),
    }
}

/// Glyph and word for a subtask state.
pub fn subtask_state(state: SubtaskState) -> (&'static str, &'static str) {
    match state {
        SubtaskState::Succeeded => ("✔", "succeeded"),
        SubtaskState::Failed => ("✘", "failed"),
        SubtaskState::Cancelled => ("⊘", "cancelled"),
        SubtaskState::Running => ("●", "running"),
        SubtaskState::Waiting => ("○", "waiting"),
        SubtaskState::Skipped => ("–", "skipped"),
    }
}

/// The badge shown on a task whose last fetch failed.
pub fn fetch_badge(kind: FetchErrorKind) -> &'static str {
    match kind {
        FetchErrorKind::Auth => "⚠ auth",
        FetchErrorKind::NotFound => "⚠ not found",
        FetchErrorKind::Throttled => "⚠ throttled",
        FetchErrorKind::Network => "⚠ network",
        FetchErrorKind::Server => "⚠ server",
        FetchErrorKind::Protocol => "⚠ protocol",
    }
}

/// `7s`, `3m12s`, `2h05m`, `3d04h`: compact and stable in width class.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Time from `then` to `now`, zero if the clock went backwards.
pub fn since(now: SystemTime, then: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or_default()
}

/// Time from `now` until `then`, zero if it already passed.
pub fn until(now: SystemTime, then: SystemTime) -> Duration {
    then.duration_since(now).unwrap_or_default()
}

/// `1,204` — thousands separators make big subtask counts readable at a glance.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_compactly() {
        assert_eq!(duration(Duration::from_secs(7)), "7s");
        assert_eq!(duration(Duration::from_secs(192)), "3m12s");
        assert_eq!(duration(Duration::from_secs(7500)), "2h05m");
        assert_eq!(duration(Duration::from_secs(3 * 86_400 + 4 * 3600)), "3d04h");
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1204), "1,204");
        assert_eq!(count(100_000), "100,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn since_and_until_saturate() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(since(t, t + Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(until(t, t + Duration::from_secs(5)), Duration::from_secs(5));
    }
}

//! Words and time labels shared by the app (to know when a tick changes the screen) and the UI.
//!
//! Owns how states, badges and durations read ("✘ failed", "⚠ throttled", "12s ago"). Pure:
//! time arrives as values. May not draw.

use std::time::{Duration, SystemTime};

use crate::analysis::Eta;
use crate::domain::{FetchErrorKind, ProviderKind, SubtaskState, TaskState};

/// Where an import went, as its label names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportedInto<'a> {
    /// An existing group, by name when it was read, else by id.
    Group(&'a str),
    /// A group the import creates, named after the spec's title.
    NewGroup(&'a str),
    /// Not known (a saved entry from before labels named it).
    Unknown,
}

impl<'a> ImportedInto<'a> {
    /// An existing group if one is named (by name or id), else [`ImportedInto::Unknown`].
    pub fn group_if_known(group: Option<&'a str>) -> ImportedInto<'a> {
        group.map_or(ImportedInto::Unknown, ImportedInto::Group)
    }
}

/// The label `oaswatch import` gives its task: the spec's file name and where it went
/// (`shop-2.0.json → group acme-shop`, `fleet-3.0.yaml → new group Fleet API`).
pub fn import_label(spec: &std::path::Path, into: ImportedInto<'_>) -> String {
    let file = spec.file_name().map_or_else(|| spec.display().to_string(), |f| f.to_string_lossy().into_owned());
    let named = |name: &str| Some(name.trim()).filter(|n| !n.is_empty()).map(str::to_owned);
    match into {
        ImportedInto::Group(group) => named(group).map_or_else(|| file.clone(), |g| format!("{file} → group {g}")),
        ImportedInto::NewGroup(title) => {
            named(title).map_or_else(|| format!("{file} → new group"), |t| format!("{file} → new group {t}"))
        }
        ImportedInto::Unknown => file,
    }
}

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

/// `812 B`, `12.3 KB`, `4.1 MB` — a size at a glance.
pub fn bytes(n: usize) -> String {
    #[expect(clippy::cast_precision_loss, reason = "one decimal of a display size")]
    let value = n as f64;
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KB", value / 1024.0)
    } else {
        format!("{:.1} MB", value / (1024.0 * 1024.0))
    }
}

/// How a progress label should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    Normal,
    /// No estimate to give: said quietly.
    Quiet,
    /// Something looks wrong (stalled).
    Warn,
}

/// Rate and ETA of a running task, in a long and a short form for narrow places.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProgressLabel {
    pub full: String,
    pub short: String,
    pub tone: Tone,
}

/// What the task list and the activity line say about `eta`; `None` once the task is done.
pub fn progress(eta: Eta, provider: ProviderKind, now: SystemTime) -> Option<ProgressLabel> {
    let (full, short, tone) = match eta {
        Eta::Done => return None,
        Eta::Estimate { remaining, rate_per_min } => {
            let left = coarse_up(remaining);
            (format!("{}/min · ETA {left}", rate(rate_per_min)), format!("ETA {left}"), Tone::Normal)
        }
        Eta::NotEnoughData { .. } => ("ETA: not enough data yet".to_owned(), "ETA …".to_owned(), Tone::Quiet),
        Eta::NoSubtaskProgress => {
            let who = provider.facts().display_name;
            (format!("no per-subtask progress ({who})"), "no progress data".to_owned(), Tone::Quiet)
        }
        Eta::Stalled { since: at } => {
            let text = format!("stalled {}", coarse(since(now, at)));
            (text.clone(), text, Tone::Warn)
        }
    };
    Some(ProgressLabel { full, short, tone })
}

/// `12`, `2.5`, `0.4`: whole numbers once the rate is big enough for decimals to be noise.
pub fn rate(per_min: f64) -> String {
    if per_min >= 9.95 {
        format!("{per_min:.0}")
    } else if per_min >= 0.05 {
        format!("{per_min:.1}")
    } else {
        "<0.1".to_owned()
    }
}

/// `45s`, `3m`, `2h05m`: minutes are precise enough for how long something has been stuck.
pub fn coarse(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// How long a running task has been watched, in whole minutes (`<1m`, `3m`, `1h05m`): a row
/// that counted seconds would be redrawn every second for a number nobody reads that closely.
pub fn running_for(d: Duration) -> String {
    if d.as_secs() < 60 { "<1m".to_owned() } else { coarse(d) }
}

/// An estimate rounded up to whole minutes (`<1m`, `3m`, `1h05m`): seconds would be false precision.
fn coarse_up(d: Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    if s < 60 {
        return "<1m".to_owned();
    }
    let m = s.div_ceil(60);
    if m < 60 { format!("{m}m") } else { format!("{}h{:02}m", m / 60, m % 60) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_label_names_the_file_and_where_it_went() {
        let spec = std::path::Path::new("/specs/fleet-3.0.yaml");
        assert_eq!(import_label(spec, ImportedInto::Group("fleet")), "fleet-3.0.yaml → group fleet");
        assert_eq!(import_label(spec, ImportedInto::NewGroup("Fleet API")), "fleet-3.0.yaml → new group Fleet API");
        assert_eq!(import_label(spec, ImportedInto::NewGroup(" ")), "fleet-3.0.yaml → new group");
        assert_eq!(import_label(spec, ImportedInto::Group("")), "fleet-3.0.yaml");
        assert_eq!(import_label(spec, ImportedInto::Unknown), "fleet-3.0.yaml");
    }

    #[test]
    fn running_for_is_in_whole_minutes() {
        let s = Duration::from_secs;
        assert_eq!(
            [running_for(s(0)), running_for(s(59)), running_for(s(60)), running_for(s(3599)), running_for(s(3900))],
            ["<1m", "<1m", "1m", "59m", "1h05m"]
        );
    }

    #[test]
    fn progress_labels_are_honest_and_short_when_asked() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let label = |eta| progress(eta, ProviderKind::Aliyun, now).unwrap();
        let est = label(Eta::Estimate { remaining: Duration::from_secs(150), rate_per_min: 12.04 });
        assert_eq!((est.full.as_str(), est.short.as_str()), ("12/min · ETA 3m", "ETA 3m"));
        let soon = label(Eta::Estimate { remaining: Duration::from_secs(20), rate_per_min: 2.5 });
        assert_eq!(soon.full, "2.5/min · ETA <1m");
        let stalled = label(Eta::Stalled { since: now - Duration::from_secs(130) });
        assert_eq!((stalled.full.as_str(), stalled.tone), ("stalled 2m", Tone::Warn));
        let wait = label(Eta::NotEnoughData { reason: crate::analysis::NotEnoughData::NoSamples });
        assert_eq!(wait.full, "ETA: not enough data yet");
        let huawei = progress(Eta::NoSubtaskProgress, ProviderKind::Huawei, now).unwrap();
        assert_eq!(huawei.full, "no per-subtask progress (Huawei)");
        assert_eq!(progress(Eta::Done, ProviderKind::Aliyun, now), None);
        assert_eq!(rate(0.01), "<0.1");
        assert_eq!(coarse_up(Duration::from_secs(3600)), "1h00m");
    }

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

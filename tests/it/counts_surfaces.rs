//! One definition of the counts: for every task of every built-in scenario, fetched from the
//! simulator over HTTP while it runs and once it has finished, every surface that counts
//! subtasks says the same numbers — the task row and its gauge, the subtask pane's title,
//! `status`'s `--json` and human summary, `wait`'s progress line, the failure reports (their
//! summary line and the heading of their table of failures), the report prompt, the flash of
//! `n` (the next subtask not imported) and the notification a finish raises. Cancelled subtasks
//! are never called failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use oaswatch::app::{Action, App, AppOptions, Command, Effect};
use oaswatch::domain::{Counts, SubtaskState, Task};
use oaswatch::failure_report::{self, Format};
use oaswatch::poller::Polled;
use oaswatch::report::{self, TaskOutcome};
use oaswatch::sim::scenario;
use oaswatch::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn number(text: &str) -> u32 {
    text.replace(',', "").parse().unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

/// `{"failed": 3, …}` from words like "3 failed, 16 cancelled".
fn by_word(text: &str) -> BTreeMap<String, u32> {
    text.split(", ")
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, word) = p.split_once(' ').unwrap_or_else(|| panic!("{p:?}"));
            (word.trim().to_owned(), number(n))
        })
        .collect()
}

/// The failed and cancelled counts by state word, as the surfaces that count problems say them.
fn expected_problems(c: &Counts) -> BTreeMap<String, u32> {
    expected_words(c).into_iter().filter(|(w, _)| ["failed", "cancelled"].contains(&w.as_str())).collect()
}

/// The non-zero counts by state word, as every surface should say them.
fn expected_words(c: &Counts) -> BTreeMap<String, u32> {
    c.parts().iter().filter(|(_, n)| *n > 0).map(|(s, n)| (s.as_str().to_owned(), *n)).collect()
}

fn glyph(state: SubtaskState) -> char {
    oaswatch::app::labels::subtask_state(state).0.chars().next().unwrap()
}

/// Renders the dashboard on `task` and checks its row, gauge and pane title.
fn check_dashboard(name: &str, task: &Task, c: &Counts) {
    let mut app = App::new(vec![(task.task_ref.clone(), Some(task.clone()))], AppOptions::default());
    app.update(Action::Resize { w: 200, h: 50 });
    app.update(Action::Tick(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal.draw(|f| ui::render(&app, f)).unwrap();
    let screen = terminal.backend().to_string();
    if c.total == 0 {
        return;
    }
    let row = screen
        .lines()
        .find(|l| l.contains('▕') && l.contains('▏'))
        .unwrap_or_else(|| panic!("{name}: no row\n{screen}"));
    let after = &row[row.find('▏').unwrap() + '▏'.len_utf8()..];
    let mut words = after.split_whitespace();
    let done_total = words.next().unwrap();
    let (done, total) = done_total.split_once('/').unwrap();
    assert_eq!((number(done), number(total)), (c.done(), c.total), "{name}: row {row}");
    let mut shown: BTreeMap<char, u32> = BTreeMap::new();
    for w in words.take_while(|w| w.chars().next().is_some_and(|g| "✔✘⊘–●○".contains(g))) {
        let g = w.chars().next().unwrap();
        shown.insert(g, number(&w[g.len_utf8()..]));
    }
    for (state, n) in c.parts() {
        let optional = matches!(state, SubtaskState::Cancelled | SubtaskState::Skipped);
        match shown.get(&glyph(state)) {
            Some(&k) => assert_eq!(k, n, "{name}: {state} in the row {row}"),
            None => assert!(optional && n == 0, "{name}: {state} missing from the row {row}"),
        }
    }
    // The gauge: a segment of its own for every state that has subtasks, none for the others.
    let bar = &row[row.find('▕').unwrap()..row.find('▏').unwrap()];
    for (state, segment) in [
        (SubtaskState::Succeeded, '█'),
        (SubtaskState::Failed, '▓'),
        (SubtaskState::Cancelled, '╳'),
        (SubtaskState::Skipped, '▁'),
        (SubtaskState::Running, '▒'),
    ] {
        assert_eq!(bar.contains(segment), c.get(state) > 0, "{name}: {state} in the gauge {bar}");
    }
    // The subtask pane's title: failed always, cancelled and skipped when there are some.
    let title = screen.lines().find(|l| l.contains("[Subtasks]")).unwrap();
    let n = |k: u32| oaswatch::app::labels::count(k as usize);
    let failed = format!("✘ {} failed", n(c.failed));
    assert!(title.contains(&failed), "{name}: {title}");
    for (state, word) in [(SubtaskState::Cancelled, "cancelled"), (SubtaskState::Skipped, "skipped")] {
        let part = format!("{} {} {word}", glyph(state), n(c.get(state)));
        assert_eq!(title.contains(&part), c.get(state) > 0, "{name}: {title}");
    }
    assert!(title.contains(&format!("/ {} ", n(c.total))), "{name}: {title}");

    // The report prompt: "14 failed, 22 cancelled in 8 groups".
    app.update(Action::Command(Command::Report));
    terminal.draw(|f| ui::render(&app, f)).unwrap();
    let prompt = terminal.backend().to_string();
    if c.problems() > 0 {
        let line = prompt.lines().find(|l| l.contains(" groups")).unwrap_or_else(|| panic!("{name}: {prompt}"));
        let words = line.trim_matches(|ch: char| !ch.is_alphanumeric());
        let said = by_word(words.rsplit_once(" in ").unwrap().0);
        assert_eq!(said, expected_problems(c), "{name}: report prompt {line}");
    }
    app.update(Action::Command(Command::Cancel));
    // `n`: the flash marks the subtask it reached by its state's glyph, out of all not imported.
    app.update(Action::Command(Command::NextFailure));
    let flash = app.flash().map(|f| f.text.clone()).unwrap_or_default();
    if c.problems() > 0 {
        let marked = [SubtaskState::Failed, SubtaskState::Cancelled].map(glyph);
        assert!(flash.starts_with(marked), "{name}: {flash}");
        assert!(flash.contains(&format!("/{} not imported", n(c.problems()))), "{name}: {flash}");
        assert!(!flash.contains("failure"), "{name}: {flash}");
    }
}

/// The notification a finish raises, after a running snapshot was shown.
fn check_notification(name: &str, running: &Task, last: &Task, c: &Counts) {
    let mut app = App::new(vec![(running.task_ref.clone(), None)], AppOptions::default());
    let polled = |task: &Task, secs: u64| Polled {
        task_ref: task.task_ref.clone(),
        at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs),
        result: Ok(Box::new(task.clone())),
        next_poll_in: Some(Duration::from_secs(1)),
        groups: None,
        share: None,
    };
    app.update(Action::Polled(polled(running, 1)));
    let effects = app.update(Action::Polled(polled(last, 2)));
    let Some(body) = effects.iter().find_map(|e| match e {
        Effect::Notify(n) => Some(n.body.clone()),
        _ => None,
    }) else {
        // Nothing to announce: the first failure was announced already, or the answer was not news.
        return;
    };
    let said = body.rsplit_once("subtasks: ").map(|(_, words)| by_word(words)).unwrap_or_default();
    let not_imported: BTreeMap<String, u32> = expected_words(c)
        .into_iter()
        .filter(|(w, _)| ["failed", "cancelled", "skipped"].contains(&w.as_str()))
        .collect();
    assert_eq!(said, not_imported, "{name}: {body}");
}

fn check(name: &str, task: &Task) {
    let c = Counts::of(task.subtasks.iter());
    assert_eq!(task.counts, c, "{name}: the provider layer's counts");
    let outcome = TaskOutcome {
        task_ref: task.task_ref.clone(),
        label: None,
        task: Some(task.clone()),
        fetch_error: None,
        never_sent: false,
    };

    // status --json
    let doc: serde_json::Value = serde_json::from_str(&report::json_document(std::slice::from_ref(&outcome))).unwrap();
    let json = &doc["tasks"][0]["counts"];
    for (state, n) in c.parts() {
        assert_eq!(json[state.as_str()], n, "{name}: --json {state}");
    }
    assert_eq!(json["total"], c.total);
    // status (human): "N subtasks: a succeeded, b failed, …"
    let human = report::human_summary(std::slice::from_ref(&outcome), false);
    let line = human.lines().nth(1).unwrap();
    let words = line
        .split_once("subtasks: ")
        .or_else(|| line.split_once("subtask: "))
        .map_or_else(BTreeMap::new, |(_, w)| by_word(w));
    assert_eq!(words, expected_words(&c), "{name}: {line}");
    // wait's progress line: "x/y done, a failed, b cancelled, c skipped"
    let progress = report::progress_body(&task.task_ref, Some(task), None);
    if c.total > 0 {
        assert!(progress.contains(&format!(" {}/{} done", c.done(), c.total)), "{name}: {progress}");
        let tail = progress.split_once(" done").unwrap().1.trim_start_matches(", ");
        let said = by_word(tail);
        let not_imported: BTreeMap<String, u32> = expected_words(&c)
            .into_iter()
            .filter(|(w, _)| ["failed", "cancelled", "skipped"].contains(&w.as_str()))
            .collect();
        assert_eq!(said, not_imported, "{name}: {progress}");
    }
    // Failure reports: JSON counts, the Markdown summary line.
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let groups = oaswatch::analysis::group_failures(task);
    let json: serde_json::Value =
        serde_json::from_str(&failure_report::render(task, &groups, Format::Json, at)).unwrap();
    for (state, n) in c.parts() {
        assert_eq!(json["task"]["counts"][state.as_str()], n, "{name}: report {state}");
    }
    let md = failure_report::render(task, &groups, Format::Markdown, at);
    let heading = md.lines().find(|l| l.starts_with("## Failed and cancelled subtasks (")).unwrap();
    let inside = heading.split_once('(').unwrap().1.trim_end_matches(')');
    let said = inside.split_once(": ").map_or_else(BTreeMap::new, |(_, words)| by_word(words));
    assert_eq!(said, expected_problems(&c), "{name}: {heading}");
    let subtasks_line = md.lines().find(|l| l.starts_with("| Subtasks |")).unwrap();
    let all: Vec<String> = c.parts().iter().map(|(s, n)| format!("{n} {s}")).collect();
    assert!(subtasks_line.contains(&format!("{} total: {}", c.total, all.join(", "))), "{name}: {subtasks_line}");
    // Grouped members add up to the failures and cancellations.
    let grouped: usize = groups.iter().map(oaswatch::analysis::FailureGroup::count).sum();
    assert!(grouped >= c.problems() as usize, "{name}: {grouped} grouped < {} problems", c.problems());

    check_dashboard(name, task, &c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_surface_counts_every_builtin_scenarios_tasks_alike() {
    let mut checked = 0;
    for scenario_name in scenario::builtin_names() {
        let sim = common::start(scenario_name, 11, 100.0).await;
        let clients = common::sim_clients(&sim, Duration::from_secs(3));
        for (task_name, task_ref) in sim.named_task_refs() {
            let name = format!("{scenario_name}/{task_name}");
            let snapshots = common::fetch_until_finished(&clients, &task_ref).await;
            let last = snapshots.last().unwrap();
            // One snapshot from while it ran (with subtasks, if the cloud lists them then).
            let running = snapshots
                .iter()
                .rev()
                .find(|t| !t.is_finished() && t.counts.total > 0)
                .or_else(|| snapshots.iter().find(|t| !t.is_finished()));
            for task in running.into_iter().chain([last]) {
                check(&name, task);
                checked += 1;
            }
            if let Some(running) = running {
                check_notification(&name, running, last, &last.counts);
            }
        }
        sim.shutdown().await;
    }
    assert!(checked > 20, "{checked} snapshots checked");
}

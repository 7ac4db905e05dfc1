//! What each key does, in words: the one source of the help overlay and the README's key table.
//!
//! Owns which commands each pane's help lists first, what a command means in a pane where it
//! does something particular ("n" in the viewer walks the search), the legend, and the README
//! table built from the default keymap. Every line reads "key · action name · what it does";
//! the action name is the one the config's `[keys]` table takes. Pure: the overlay lays these
//! rows out (`ui::help`), a test compares the README with [`markdown_table`].

use std::fmt::Write as _;

use super::action::Command;
use super::keymap::{KeyContext, KeySpec, Keymap};

/// One line of help: the keys, the command (its name is the config's action name) and what it
/// does where the help was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub keys: Vec<KeySpec>,
    pub command: Command,
    pub what: &'static str,
}

impl HelpRow {
    pub fn keys_label(&self) -> String {
        self.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
    }
}

/// A titled group of help lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    pub title: String,
    pub rows: Vec<HelpRow>,
}

/// The glyphs and words the dashboard draws, for the end of the help.
pub const LEGEND: &[(&str, &str)] = &[
    ("Task states", "✔ succeeded  ✘ failed  ◐ partial  ● running  ○ waiting  ? unknown"),
    ("Subtasks", "⊘ cancelled  – skipped"),
    ("Progress bar", "█ succeeded  ▓ failed  ▒ running  ░ waiting"),
    ("⚠ auth, throttled…", "the last fetch failed; the data shown is older"),
    ("stale", "no fresh answer for 3 poll intervals, or a saved snapshot of an unfinished task"),
    ("final (saved)", "a finished task's saved snapshot: its data cannot change (r fetches it once)"),
    ("•", "changed since you last looked at the task (marks clear when you leave it)"),
    ("done/10s", "subtasks completed per 10 s; ETA from the rate of the last 3 minutes"),
    ("sort: state ↑", "the task list's sort column and direction (s cycles them)"),
    ("Reports, exports", "go to $OASWATCH_REPORT_DIR, else the current directory"),
];

/// The commands that matter most in each pane, in the order help lists them.
fn pane_commands(context: KeyContext) -> &'static [Command] {
    match context {
        KeyContext::Tasks => &[
            Command::Enter,
            Command::NextFailure,
            Command::PrevFailure,
            Command::NextFailedTask,
            Command::PrevFailedTask,
            Command::FilterTasks,
            Command::SortTasks,
            Command::Label,
            Command::OpenConsole,
            Command::OpenError,
            Command::Groups,
            Command::Report,
            Command::SaveExport,
            Command::Add,
            Command::Remove,
            Command::Refresh,
            Command::RefreshAll,
            Command::Pause,
            Command::Copy,
        ],
        KeyContext::Subtasks => &[
            Command::Enter,
            Command::OpenError,
            Command::NextFailure,
            Command::PrevFailure,
            Command::Groups,
            Command::Values,
            Command::Report,
            Command::ChangesOnly,
            Command::Filter,
            Command::FailuresOnly,
            Command::CycleSort,
            Command::Copy,
            Command::SaveExport,
            Command::Back,
            Command::NextFailedTask,
            Command::PrevFailedTask,
        ],
        KeyContext::Viewer => &[
            Command::Down,
            Command::Up,
            Command::PageDown,
            Command::PageUp,
            Command::Top,
            Command::Bottom,
            Command::Search,
            Command::NextMatch,
            Command::PrevMatch,
            Command::ToggleWrap,
            Command::ToggleRaw,
            Command::Left,
            Command::Right,
            Command::OpenPager,
            Command::OpenEditor,
            Command::Copy,
            Command::SaveExport,
            Command::Report,
            Command::Back,
        ],
        KeyContext::Global | KeyContext::Help | KeyContext::Input | KeyContext::Confirm | KeyContext::Report => &[],
    }
}

/// What `command` does in `context`, where that differs from its general description.
pub fn describe_in(command: Command, context: KeyContext) -> &'static str {
    match (context, command) {
        (KeyContext::Viewer, Command::Down) => "scroll down",
        (KeyContext::Viewer, Command::Up) => "scroll up",
        (KeyContext::Viewer, Command::Left) => "scroll left (wrap off)",
        (KeyContext::Viewer, Command::Right) => "scroll right (wrap off)",
        (KeyContext::Viewer, Command::Copy) => "copy the text shown",
        (KeyContext::Viewer, Command::Back) => "close the viewer",
        (KeyContext::Viewer, Command::OpenPager) => "open this text in $PAGER (else less, more)",
        (KeyContext::Viewer, Command::OpenEditor) => "open this text in $VISUAL / $EDITOR (else vi)",
        (KeyContext::Subtasks, Command::Enter) => "error details; in Groups: list the group's failures",
        (KeyContext::Subtasks, Command::Back) => "clear the filter / back to the groups / back to the tasks",
        (KeyContext::Subtasks, Command::Groups) => "Groups tab: failures by cause, biggest first",
        (KeyContext::Subtasks, Command::Values) => "in Groups: the values each variable took ({model}: Money ×7)",
        (KeyContext::Subtasks, Command::NextFailure) => "next failure (in a group: within it)",
        (KeyContext::Subtasks, Command::ChangesOnly) => "only subtasks changed since you last looked (•)",
        (KeyContext::Subtasks, Command::CycleSort) => {
            "cycle the subtasks' sort: failures first, path, name, state, kind (the column is marked ↑)"
        }
        (KeyContext::Tasks, Command::Enter) => "show the task's subtasks",
        (KeyContext::Tasks, Command::Refresh) => "fetch this task now (a finished one: once)",
        _ => command.describe(),
    }
}

/// The help for `context`: this pane's keys first, then the rest that work there.
pub fn sections(keymap: &Keymap, context: KeyContext) -> Vec<HelpSection> {
    let mut first = HelpSection { title: format!("In the {} pane", context.name()), rows: Vec::new() };
    for &command in pane_commands(context) {
        let keys = keymap.keys_for(context, command);
        if !keys.is_empty() {
            first.rows.push(HelpRow { keys, command, what: describe_in(command, context) });
        }
    }
    let mut rest = HelpSection { title: "Everywhere".to_owned(), rows: Vec::new() };
    for (command, keys) in keymap.commands_in(context) {
        if !first.rows.iter().any(|r| r.command == command) {
            rest.rows.push(HelpRow { keys, command, what: describe_in(command, context) });
        }
    }
    vec![first, rest]
}

/// The README's key table: every pane's own keys, then the ones that work everywhere, each
/// "key | action | what it does", from the default keymap.
pub fn markdown_table(keymap: &Keymap) -> String {
    let panes = [KeyContext::Tasks, KeyContext::Subtasks, KeyContext::Viewer];
    let mut out = String::from("| key | action | what it does |\n|---|---|---|\n");
    for context in panes {
        let Some(own) = sections(keymap, context).into_iter().next() else { continue };
        let _ = writeln!(out, "| **{}** | | |", own.title);
        for row in own.rows {
            out.push_str(&markdown_row(&row));
        }
    }
    out.push_str("| **Everywhere** | | |\n");
    for (command, keys) in keymap.commands_in(KeyContext::Global) {
        if !panes.iter().any(|&c| pane_commands(c).contains(&command)) {
            out.push_str(&markdown_row(&HelpRow { keys, command, what: command.describe() }));
        }
    }
    out
}

fn markdown_row(row: &HelpRow) -> String {
    let keys: Vec<String> = row.keys.iter().map(|k| format!("`{}`", k.to_string().replace('|', "\\|"))).collect();
    format!("| {} | `{}` | {} |\n", keys.join(" "), row.command.name(), row.what.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_its_action_as_the_config_does_and_remaps_show() {
        let km = Keymap::default().with_overrides(&[("label", "ctrl-l")]).unwrap();
        let rows: Vec<HelpRow> = sections(&km, KeyContext::Tasks).into_iter().flat_map(|s| s.rows).collect();
        let label = rows.iter().find(|r| r.command == Command::Label).unwrap();
        assert_eq!(label.keys_label(), "Ctrl-l");
        assert_eq!(label.command.name(), "label");
        assert!(rows.iter().all(|r| Command::from_name(r.command.name()) == Some(r.command)));
    }

    #[test]
    fn the_viewer_help_says_what_n_does_there() {
        let rows: Vec<HelpRow> =
            sections(&Keymap::default(), KeyContext::Viewer).into_iter().flat_map(|s| s.rows).collect();
        let n = rows.iter().find(|r| r.keys_label() == "n").unwrap();
        assert_eq!(n.command, Command::NextMatch);
        assert!(rows.iter().any(|r| r.command == Command::Search && r.keys_label() == "/"));
    }

    #[test]
    fn the_table_lists_every_pane_and_the_keys_that_work_everywhere() {
        let table = markdown_table(&Keymap::default());
        for needle in ["**In the tasks pane**", "**In the viewer pane**", "**Everywhere**", "| `q` | `quit` |", "`L`"] {
            assert!(table.contains(needle), "{needle} in\n{table}");
        }
    }
}

#[cfg(test)]
mod readme {
    use super::*;

    const START: &str = "<!-- keys: generated from the keymap (src/app/keyhelp.rs); a test checks it -->\n";
    const END: &str = "<!-- keys: end -->";

    /// README's key table is the help overlay's rows: the same function makes both. On a
    /// mismatch the message holds the table to paste.
    #[test]
    fn the_readme_key_table_is_the_one_help_shows() {
        let readme = include_str!("../../README.md");
        let expected = markdown_table(&Keymap::default());
        let found = readme.split_once(START).and_then(|(_, rest)| rest.split_once(END)).map(|(table, _)| table);
        assert_eq!(found, Some(expected.as_str()), "README.md's key table should be:\n{START}{expected}{END}");
    }
}

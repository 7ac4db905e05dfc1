//! What the dashboard remembers between runs: the selected task, the pane, the task list's
//! filter and sort.
//!
//! Owns the [`Session`] value and taking it from, and giving it back to, the app. Reading and
//! writing the file (`<state_dir>/session.json`) is the caller's; a session that names a task no
//! longer watched restores the rest. Pure.

use serde::{Deserialize, Serialize};

use super::task_filter::TaskSort;
use super::{App, Focus};
use crate::domain::TaskRef;

/// The dashboard's place, as saved at exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The selected task's reference.
    #[serde(default)]
    pub selected: Option<String>,
    /// `tasks` or `subtasks` (the viewer reopens as its subtask list).
    #[serde(default)]
    pub pane: Option<String>,
    #[serde(default)]
    pub filter: String,
    #[serde(default)]
    pub sort: Option<TaskSort>,
}

impl App {
    /// Where the user is now, to save at exit.
    pub fn session(&self) -> Session {
        let pane = match self.focus {
            Focus::Tasks => "tasks",
            Focus::Subtasks | Focus::Viewer => "subtasks",
        };
        Session {
            selected: self.selected_entry().map(|e| e.task_ref.to_string()),
            pane: Some(pane.to_owned()),
            filter: self.task_view.filter.clone(),
            sort: Some(self.task_view.sort),
        }
    }

    /// Goes back to where the last session ended, as far as the current list allows.
    pub fn restore_session(&mut self, session: &Session) {
        self.task_view.filter.clone_from(&session.filter);
        self.task_view.sort = session.sort.unwrap_or_default();
        self.reapply_task_view();
        let selected = session.selected.as_deref().and_then(|r| r.parse::<TaskRef>().ok());
        if let Some(task_ref) = selected {
            self.select_task_ref(&task_ref);
        }
        // A saved snapshot still being read will have subtasks to show.
        let has_subtasks = self.selected_entry().is_some_and(|e| e.task.is_some() || e.reading_snapshot);
        if session.pane.as_deref() == Some("subtasks") && has_subtasks {
            self.focus = Focus::Subtasks;
        }
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Command;
    use crate::app::fixtures::{aliyun, app, cmd, huawei, mixed, task, type_text};
    use crate::domain::TaskState;

    fn list() -> App {
        let (a, b, c) = (aliyun("aaaa"), huawei("bbbb"), aliyun("cccc"));
        app(vec![
            (a.clone(), Some(task(&a, TaskState::Succeeded, mixed(5, 0, 0)))),
            (b.clone(), Some(task(&b, TaskState::PartiallyFailed, mixed(6, 3, 0)))),
            (c.clone(), Some(task(&c, TaskState::Running, mixed(4, 0, 2)))),
        ])
    }

    #[test]
    fn a_session_comes_back_with_its_task_pane_filter_and_sort() {
        let mut before = list();
        cmd(&mut before, Command::SortTasks);
        cmd(&mut before, Command::FilterTasks);
        type_text(&mut before, "aliyun");
        cmd(&mut before, Command::Submit);
        cmd(&mut before, Command::Down);
        cmd(&mut before, Command::Enter);
        let saved = before.session();
        let text = serde_json::to_string(&saved).unwrap();
        assert!(text.contains("aliyun://cn-hangzhou/aaaa") && text.contains("\"subtasks\""), "{text}");

        let mut after = list();
        after.restore_session(&serde_json::from_str(&text).unwrap());
        assert_eq!(after.session(), saved);
        assert_eq!(after.selected_entry().unwrap().task_ref, aliyun("aaaa"));
        assert_eq!(after.focus(), Focus::Subtasks);
        assert_eq!(after.task_view().sort.label(), "added ↓");
        assert_eq!(after.shown_count(), 2);
    }

    #[test]
    fn a_session_naming_a_task_gone_restores_the_rest() {
        let mut app = list();
        let session = Session {
            selected: Some("aliyun://cn-hangzhou/gone".into()),
            pane: Some("subtasks".into()),
            filter: String::new(),
            sort: None,
        };
        app.restore_session(&session);
        assert_eq!(app.selected_index(), 0);
        assert!(serde_json::from_str::<Session>("{}").is_ok(), "an empty or older file reads");
    }
}

//! `y`: what goes on the clipboard (the viewer's text, an error, a reference) and how much.
//!
//! Owns choosing the text and capping it; the OSC 52 sequence is the terminal's business. Part of
//! `App::update`; pure like it.

use crate::sanitize;

use super::effect::Effect;
use super::labels;
use super::{App, Focus};

/// Most a copy puts on the clipboard; terminals cap OSC 52 payloads (k9s `K9S_OSC52_MAX`).
const COPY_LIMIT: usize = 1 << 20;

impl App {
    /// What the viewer shows, for messages: "the error of GET /orders", "the raw JSON of …".
    fn viewer_subject(&self) -> String {
        let Some(viewer) = self.viewer.as_ref() else { return String::new() };
        let entry = self.selected_entry();
        let of = match &viewer.target {
            super::viewer::ViewerTarget::Subtask { pos, .. } => entry
                .and_then(|e| e.task.as_ref()?.subtasks.get(*pos))
                .map(|s| sanitize::line(&s.label()).trim().to_owned())
                .unwrap_or_default(),
            super::viewer::ViewerTarget::Task | super::viewer::ViewerTarget::Export => {
                entry.map(super::Entry::display_name).unwrap_or_default()
            }
        };
        let what = match (&viewer.target, viewer.raw) {
            (_, true) => "the raw JSON",
            (super::viewer::ViewerTarget::Export, false) => "the exported document",
            (_, false) => "the error",
        };
        format!("{what} of {of}")
    }

    pub(super) fn copy(&mut self) -> Vec<Effect> {
        // The text, and what it is, for the message: "copied the error of GET /orders, 53 characters".
        let copied: Option<(String, String)> = match self.focus {
            Focus::Viewer => self.viewer.as_ref().map(|v| (v.doc.as_str().to_owned(), self.viewer_subject())),
            Focus::Subtasks if self.in_groups_tab() => {
                self.group_copy_text().map(|t| (t, "the failure group".to_owned()))
            }
            Focus::Subtasks => self.selected_entry().and_then(|e| {
                let sub = e.task.as_ref()?.subtasks.get(e.view.selected_pos()?)?;
                let what = sanitize::line(&sub.label()).trim().to_owned();
                Some(match sub.error() {
                    Some(err) if !err.trimmed_message().is_empty() => {
                        (sanitize::text(err.trimmed_message()).into_owned(), format!("the error of {what}"))
                    }
                    _ => (what.clone(), format!("the route {what}")),
                })
            }),
            Focus::Tasks => self.selected_entry().map(|e| {
                (sanitize::line(&e.task_ref.to_string()).into_owned(), format!("the reference of {}", e.display_name()))
            }),
        };
        let (text, what) = copied.unzip();
        let what = what.unwrap_or_default();
        let Some(mut text) = text.filter(|t| !t.is_empty()) else {
            self.flash_info("nothing to copy");
            return Vec::new();
        };
        let chars = text.chars().count();
        if text.len() > COPY_LIMIT {
            let mut cut = COPY_LIMIT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            self.flash_info(format!(
                "copied {what}: the first {} of {} characters (clipboard limit)",
                labels::count(text.chars().count()),
                labels::count(chars)
            ));
        } else {
            self.flash_info(format!("copied {what}, {} characters", labels::count(chars)));
        }
        vec![Effect::CopyToClipboard(text)]
    }
}

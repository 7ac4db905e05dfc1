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
    pub(super) fn copy(&mut self) -> Vec<Effect> {
        let text: Option<String> = match self.focus {
            Focus::Viewer => self.viewer.as_ref().map(|v| v.doc.as_str().to_owned()),
            Focus::Subtasks if self.in_groups_tab() => self.group_copy_text(),
            Focus::Subtasks => self.selected_entry().and_then(|e| {
                let sub = e.task.as_ref()?.subtasks.get(e.view.selected_pos()?)?;
                Some(match sub.error() {
                    Some(err) if !err.trimmed_message().is_empty() => {
                        sanitize::text(err.trimmed_message()).into_owned()
                    }
                    _ => sanitize::line(&format!("{} {}", sub.method(), sub.path())).trim().to_owned(),
                })
            }),
            Focus::Tasks => self.selected_entry().map(|e| sanitize::line(&e.task_ref.to_string()).into_owned()),
        };
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
                "copied the first {} of {} characters (clipboard limit)",
                labels::count(text.chars().count()),
                labels::count(chars)
            ));
        } else {
            self.flash_info(format!("copied {} characters", labels::count(chars)));
        }
        vec![Effect::CopyToClipboard(text)]
    }
}

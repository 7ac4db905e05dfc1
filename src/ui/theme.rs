//! Colours and text styles: dark (default), light, high-contrast and monochrome.
//!
//! Owns every `Style` the panes use, by role. The caller picks the theme (config, `NO_COLOR`);
//! this module never reads the environment. Monochrome uses only bold, dim, reverse and
//! underline, so states stay distinguishable by glyph, word and emphasis.

use ratatui::style::{Color, Modifier, Style};

use crate::app::labels::Tone;
use crate::config::ThemeName;
use crate::domain::{SubtaskState, TaskState};

/// Styles by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub header_row: Style,
    pub ok: Style,
    pub fail: Style,
    pub partial: Style,
    pub running: Style,
    pub waiting: Style,
    pub unknown: Style,
    pub warn: Style,
    pub stale: Style,
    pub paused: Style,
    pub key: Style,
    pub flash_info: Style,
    pub flash_error: Style,
    pub input: Style,
    pub input_error: Style,
    pub gauge_empty: Style,
    /// The `•` of a subtask that changed since the user last looked.
    pub changed: Style,
    /// The variable parts of a failure group's template (`{path}`): set apart from its wording.
    pub variable: Style,
    /// The rest of that row: emphasis, not colour, so the mark reads in monochrome too.
    pub changed_row: Style,
}

impl Theme {
    pub fn of(kind: ThemeName) -> Theme {
        match kind {
            ThemeName::Dark => Theme::coloured(
                Color::Gray,
                Color::DarkGray,
                Color::Cyan,
                Color::Green,
                Color::Red,
                Color::Yellow,
                Color::Blue,
            ),
            ThemeName::Light => Theme::coloured(
                Color::Black,
                Color::DarkGray,
                Color::Blue,
                Color::Green,
                Color::Red,
                Color::Magenta,
                Color::Blue,
            ),
            ThemeName::HighContrast => {
                let mut t = Theme::coloured(
                    Color::White,
                    Color::Gray,
                    Color::LightCyan,
                    Color::LightGreen,
                    Color::LightRed,
                    Color::LightYellow,
                    Color::LightBlue,
                );
                t.selected = Style::new().fg(Color::Black).bg(Color::LightYellow).add_modifier(Modifier::BOLD);
                t.border = Style::new().fg(Color::White);
                t.border_focused = Style::new().fg(Color::LightYellow).add_modifier(Modifier::BOLD);
                t
            }
            ThemeName::Mono => Theme::mono(),
        }
    }

    fn coloured(text: Color, dim: Color, accent: Color, ok: Color, fail: Color, warn: Color, running: Color) -> Theme {
        Theme {
            text: Style::new().fg(text),
            dim: Style::new().fg(dim),
            title: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            border: Style::new().fg(dim),
            border_focused: Style::new().fg(accent),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header_row: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(ok),
            fail: Style::new().fg(fail).add_modifier(Modifier::BOLD),
            partial: Style::new().fg(warn).add_modifier(Modifier::BOLD),
            running: Style::new().fg(running),
            waiting: Style::new().fg(dim),
            unknown: Style::new().fg(warn),
            warn: Style::new().fg(warn).add_modifier(Modifier::BOLD),
            stale: Style::new().fg(warn).add_modifier(Modifier::ITALIC),
            paused: Style::new().fg(Color::Black).bg(warn).add_modifier(Modifier::BOLD),
            key: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            flash_info: Style::new().fg(accent),
            flash_error: Style::new().fg(fail).add_modifier(Modifier::BOLD),
            input: Style::new().fg(text),
            input_error: Style::new().fg(fail),
            gauge_empty: Style::new().fg(dim),
            changed: Style::new().fg(accent).add_modifier(Modifier::BOLD),
            variable: Style::new().fg(accent).add_modifier(Modifier::ITALIC),
            changed_row: Style::new().add_modifier(Modifier::BOLD),
        }
    }

    fn mono() -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        Theme {
            text: plain,
            dim,
            title: bold,
            border: plain,
            border_focused: bold,
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header_row: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ok: plain,
            fail: bold,
            partial: bold,
            running: plain,
            waiting: dim,
            unknown: Style::new().add_modifier(Modifier::ITALIC),
            warn: bold,
            stale: Style::new().add_modifier(Modifier::ITALIC),
            paused: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            key: bold,
            flash_info: plain,
            flash_error: bold,
            input: plain,
            input_error: bold,
            gauge_empty: dim,
            changed: bold,
            variable: Style::new().add_modifier(Modifier::UNDERLINED),
            changed_row: bold,
        }
    }

    pub fn task_state(&self, state: TaskState) -> Style {
        match state {
            TaskState::Succeeded => self.ok,
            TaskState::Failed => self.fail,
            TaskState::PartiallyFailed => self.partial,
            TaskState::Running => self.running,
            TaskState::Waiting => self.waiting,
            TaskState::Unknown => self.unknown,
        }
    }

    /// The style of a progress label (rate and ETA, "not enough data", "stalled").
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Normal => self.text,
            Tone::Quiet => self.dim,
            Tone::Warn => self.warn,
        }
    }

    pub fn subtask_state(&self, state: SubtaskState) -> Style {
        match state {
            SubtaskState::Succeeded => self.ok,
            SubtaskState::Failed | SubtaskState::Cancelled => self.fail,
            SubtaskState::Running => self.running,
            SubtaskState::Waiting | SubtaskState::Skipped => self.waiting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_has_no_colour_anywhere() {
        let t = Theme::of(ThemeName::Mono);
        let all =
            [t.text, t.dim, t.title, t.border, t.selected, t.ok, t.fail, t.partial, t.running, t.warn, t.paused, t.key];
        assert!(all.iter().all(|s| s.fg.is_none() && s.bg.is_none()));
        assert_ne!(t.fail, t.ok, "failure still stands out by emphasis");
    }
}

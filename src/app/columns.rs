//! How wide each column of the subtask table is: measured from what the visible rows hold.
//!
//! Owns the column set and the split of a width between them. A column no visible row fills is
//! dropped (Huawei's empty name column, the method of a page of models); the short columns get
//! what their widest cell needs; the error text and the path are first in line for what is
//! left, and the error column takes the rest. Pure: the layout asks it how wide the table
//! would like to be, the subtask pane how to split the width it got.

use unicode_width::UnicodeWidthStr as _;

use crate::app::labels;
use crate::domain::{ChangeAction, Subtask, SubtaskKind};

/// One column of the subtask table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// `•` when the subtask changed since the user last looked.
    Mark,
    State,
    Kind,
    Method,
    Path,
    Name,
    Error,
}

impl Col {
    pub fn header(self) -> &'static str {
        match self {
            Col::Mark => "",
            Col::State => "state",
            Col::Kind => "kind",
            Col::Method => "method",
            Col::Path => "path",
            Col::Name => "name",
            Col::Error => "error",
        }
    }
}

/// The widest cell of each column among the rows measured (0: no row has anything there).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted {
    pub state: usize,
    /// Shown only when the rows mix APIs and models.
    pub kind: usize,
    pub method: usize,
    pub path: usize,
    pub name: usize,
    pub error: usize,
}

/// The text of a row's error cell: the code and the start of the message, or what happened.
pub fn error_cell(sub: &Subtask) -> (String, bool) {
    if sub.has_error() {
        let (code, preview) = (sub.error_code(), sub.error_preview());
        let preview = preview.trim_end();
        let text = if code.is_empty() { preview.to_owned() } else { format!("{code} {preview}") };
        return (text, true);
    }
    if sub.state.is_problem() {
        return ("(no error text)".to_owned(), false);
    }
    let done = sub.action.map_or("", |a| match a {
        ChangeAction::Create => "created",
        ChangeAction::Update => "updated",
    });
    (done.to_owned(), false)
}

/// Measures `rows` (the visible ones).
pub fn wanted<'a>(rows: impl IntoIterator<Item = &'a Subtask>) -> Wanted {
    let mut w = Wanted::default();
    let (mut apis, mut models) = (false, false);
    for sub in rows {
        let (glyph, word) = labels::subtask_state(sub.state);
        w.state = w.state.max(glyph.width() + 1 + word.width());
        match sub.kind {
            SubtaskKind::Api => apis = true,
            SubtaskKind::Model => models = true,
        }
        w.kind = w.kind.max(sub.kind.as_str().width());
        w.method = w.method.max(text_width(sub.method()));
        w.path = w.path.max(text_width(sub.path()));
        w.name = w.name.max(text_width(sub.name()));
        w.error = w.error.max(text_width(&error_cell(sub).0));
    }
    if !(apis && models) {
        w.kind = 0;
    }
    w
}

/// Display width of server text, bounded: a 1 MB message is as wide as any cell can be.
fn text_width(s: &str) -> usize {
    const MOST: usize = 400;
    let bounded = match s.char_indices().nth(MOST) {
        Some((cut, _)) => &s[..cut],
        None => s,
    };
    crate::sanitize::line(bounded).width()
}

/// Below these, a column that has content is not worth showing at all.
const PATH_MIN: usize = 12;
const NAME_MIN: usize = 12;
const ERROR_MIN: usize = 16;
/// A name up to this wide is shown whole before the error text takes the rest.
const NAME_WHOLE: usize = 24;

/// The error column's share of the table that it gets before the path and name grow.
const ERROR_SHARE: usize = 40;

impl Wanted {
    /// The columns that have content, headers included, each as wide as its widest cell.
    fn present(&self) -> Vec<(Col, usize)> {
        let with_header = |col: Col, w: usize| (w > 0).then(|| (col, w.max(col.header().width())));
        [
            Some((Col::Mark, 1)),
            with_header(Col::State, self.state),
            with_header(Col::Kind, self.kind),
            with_header(Col::Method, self.method),
            with_header(Col::Path, self.path),
            with_header(Col::Name, self.name),
            with_header(Col::Error, self.error),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The width the table would like: every column whole, with its spacing (and the
    /// selection marker's column).
    pub fn total(&self) -> usize {
        let present = self.present();
        1 + present.iter().map(|(_, w)| w).sum::<usize>() + present.len().saturating_sub(1)
    }

    /// Splits `width` (the table's, selection marker included) between the columns.
    ///
    /// Short columns first, whole. Then the error text up to its share of the table, the path
    /// whole, a short name whole, the error whole, a long name whole, each as far as the width
    /// goes; what is left
    /// widens the error column (or the last column when there is no error text). A column that
    /// would be narrower than its minimum is dropped, the name first, then the path.
    pub fn split(&self, width: u16) -> Vec<(Col, u16)> {
        let width = usize::from(width);
        let mut cols = self.present();
        loop {
            let spacing = cols.len().saturating_sub(1);
            let fixed: usize =
                cols.iter().filter(|(c, _)| !matches!(c, Col::Path | Col::Name | Col::Error)).map(|(_, w)| w).sum();
            let mut left = width.saturating_sub(1 + spacing + fixed);
            let wants = |col: Col| cols.iter().find(|(c, _)| *c == col).map(|(_, w)| *w);
            let mut got = [0usize; 3]; // path, name, error
            let wanted = [wants(Col::Path), wants(Col::Name), wants(Col::Error)];
            let mins = [PATH_MIN, NAME_MIN, ERROR_MIN];
            // Everyone's minimum (or whole width when smaller) first.
            for k in 0..3 {
                if let Some(w) = wanted[k] {
                    let give = w.min(mins[k]).min(left);
                    got[k] = give;
                    left -= give;
                }
            }
            let mut grow = |k: usize, upto: usize, left: &mut usize| {
                if let Some(w) = wanted[k] {
                    let target = w.min(upto).max(got[k]);
                    let give = (target - got[k]).min(*left);
                    got[k] += give;
                    *left -= give;
                }
            };
            grow(2, (width * ERROR_SHARE).div_ceil(100), &mut left);
            grow(0, usize::MAX, &mut left);
            grow(1, NAME_WHOLE, &mut left);
            grow(2, usize::MAX, &mut left);
            grow(1, usize::MAX, &mut left);
            // Too narrow for a column's minimum: drop the least telling one and split again.
            let starved = (0..3).any(|k| wanted[k].is_some_and(|w| got[k] < w.min(mins[k])));
            let drop = [Col::Name, Col::Kind, Col::Path].into_iter().find(|d| cols.iter().any(|(c, _)| c == d));
            if starved && let Some(drop) = drop {
                cols.retain(|(c, _)| *c != drop);
                continue;
            }
            // The rest widens the error text, else the last column.
            let last = if wanted[2].is_some() { Some(2) } else { (0..3).rev().find(|&k| wanted[k].is_some()) };
            if let Some(k) = last {
                got[k] += left;
                left = 0;
            }
            let mut out: Vec<(Col, u16)> = cols
                .iter()
                .map(|&(col, w)| {
                    let w = match col {
                        Col::Path => got[0],
                        Col::Name => got[1],
                        Col::Error => got[2],
                        _ => w,
                    };
                    (col, u16::try_from(w).unwrap_or(u16::MAX))
                })
                .collect();
            if left > 0
                && let Some(last) = out.last_mut()
            {
                last.1 = last.1.saturating_add(u16::try_from(left).unwrap_or(0));
            }
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(path: usize, name: usize, error: usize) -> Wanted {
        Wanted { state: 11, kind: 0, method: 6, path, name, error }
    }

    fn width_of(cols: &[(Col, u16)], col: Col) -> u16 {
        cols.iter().find(|(c, _)| *c == col).map_or(0, |(_, w)| *w)
    }

    fn used(cols: &[(Col, u16)]) -> usize {
        1 + cols.iter().map(|(_, w)| usize::from(*w)).sum::<usize>() + cols.len() - 1
    }

    #[test]
    fn empty_columns_are_dropped_and_the_error_takes_the_rest() {
        let cols = wanted(26, 0, 120).split(118);
        assert!(cols.iter().all(|(c, _)| *c != Col::Name && *c != Col::Kind), "{cols:?}");
        assert_eq!(width_of(&cols, Col::Path), 26, "the path whole");
        assert_eq!(used(&cols), 118, "{cols:?}");
        assert!(width_of(&cols, Col::Error) >= 118 * 2 / 5, "{cols:?}");
    }

    #[test]
    fn the_error_gets_its_share_before_the_path_and_name_grow() {
        for width in [72u16, 90, 118, 136, 198] {
            let cols = wanted(40, 30, 200).split(width);
            assert_eq!(used(&cols), usize::from(width), "{width}: {cols:?}");
            let error = usize::from(width_of(&cols, Col::Error));
            assert!(error >= ERROR_MIN, "{width}: {cols:?}");
            if width >= 118 {
                assert!(error * 100 >= usize::from(width) * 40, "{width}: {cols:?}");
            }
        }
    }

    #[test]
    fn short_content_leaves_the_spare_width_to_the_error_column() {
        let cols = wanted(10, 12, 8).split(120);
        assert_eq!(width_of(&cols, Col::Path), 10);
        assert_eq!(width_of(&cols, Col::Name), 12);
        assert_eq!(used(&cols), 120);
    }

    #[test]
    fn a_narrow_table_drops_the_name_before_the_path() {
        let cols = wanted(40, 30, 200).split(56);
        assert_eq!(width_of(&cols, Col::Name), 0, "{cols:?}");
        assert!(width_of(&cols, Col::Path) >= 12, "{cols:?}");
        assert!(used(&cols) <= 56);
    }
}

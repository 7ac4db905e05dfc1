//! Shortening a template to a column without losing what tells it apart.
//!
//! Owns [`elide`]: where a template is wider than its column, the words it shares with its
//! neighbours go first (the shared middle becomes `…`), so seven groups that all begin "The
//! import of API [{method} {path}] was cancelled because model…" still show the words that
//! differ. Pure; widths are terminal columns.

use unicode_width::UnicodeWidthStr;

const ELLIPSIS: &str = "…";

/// Ranks (see [`elide`]) whose words fill from the start without gaps: a run of plain words
/// reads better whole than with holes in it.
const RUNS: [u8; 2] = [3, 7];

/// `text` in at most `width` columns: whole if it fits; else, as many as fit in this order, its
/// first word; the words no neighbour has (a neighbour is one of `others` that differs from it),
/// variables (`{path}`) and the words beside them first, then the others from the start; the
/// variables and the words beside them that neighbours share; its last word; then the rest from
/// the start. `…` stands for each run left out; the text is cut at the end if even its first
/// word is too wide.
pub fn elide(text: &str, others: &[&str], width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let differing: Vec<&str> = others.iter().copied().filter(|o| *o != text).collect();
    let shared: Vec<bool> = shared_words(&words, &differing);
    let variable: Vec<bool> = words.iter().map(|w| w.contains('{') && w.contains('}')).collect();
    let beside_variable = |i: usize| (i > 0 && variable[i - 1]) || variable.get(i + 1).copied().unwrap_or(false);
    let telling = |i: usize| !shared[i] && !differing.is_empty();
    let rank = |i: usize| -> u8 {
        match (i == 0, telling(i), variable[i], beside_variable(i)) {
            (true, ..) => 0,
            (_, true, true, _) => 1,
            (_, true, _, true) => 2,
            (_, true, false, false) => 3,
            (_, false, true, _) => 4,
            (_, false, _, true) => 5,
            _ if i + 1 == words.len() => 6,
            _ => 7,
        }
    };
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by_key(|&i| (rank(i), i));
    // A word wider than half the column (`value,parameterName:{name}.location,value:COOKIE.`)
    // shows its beginning: whole, it would never fit beside anything.
    let shown: Vec<String> =
        words
            .iter()
            .map(|w| {
                if words.len() > 1 && w.width() > width / 2 && width >= 8 { cut(w, width / 2) } else { (*w).to_owned() }
            })
            .collect();
    let words: Vec<&str> = shown.iter().map(String::as_str).collect();
    let mut keep = vec![false; words.len()];
    let mut stopped: Option<u8> = None;
    for i in order {
        let r = rank(i);
        if stopped == Some(r) {
            continue;
        }
        keep[i] = true;
        if rendered_width(&words, &keep) > width {
            keep[i] = false;
            if RUNS.contains(&r) {
                stopped = Some(r);
            }
        }
    }
    let elided = render(&words, &keep);
    // Words too long to keep whole (`value,parameterName:{name}.location,value:COOKIE.`) would
    // leave most of the column empty: the plain cut says more then.
    if !keep.iter().any(|k| *k) || elided.width() * 2 < width {
        return cut(text, width);
    }
    elided
}

/// For each word of `words`, whether a neighbour has it too, in the same order (the words of
/// the longest common subsequence with each neighbour).
fn shared_words(words: &[&str], others: &[&str]) -> Vec<bool> {
    let mut shared = vec![false; words.len()];
    for other in others {
        let theirs: Vec<&str> = other.split(' ').filter(|w| !w.is_empty()).collect();
        for i in common_subsequence(words, &theirs) {
            shared[i] = true;
        }
    }
    shared
}

/// Indices into `a` of a longest common subsequence of `a` and `b`.
fn common_subsequence(ours: &[&str], theirs: &[&str]) -> Vec<usize> {
    let (rows, cols) = (ours.len(), theirs.len());
    let mut lcs = vec![0u16; (rows + 1) * (cols + 1)];
    let at = |row: usize, col: usize| row * (cols + 1) + col;
    for row in (0..rows).rev() {
        for col in (0..cols).rev() {
            lcs[at(row, col)] = if ours[row] == theirs[col] {
                lcs[at(row + 1, col + 1)] + 1
            } else {
                lcs[at(row + 1, col)].max(lcs[at(row, col + 1)])
            };
        }
    }
    let (mut row, mut col, mut out) = (0, 0, Vec::new());
    while row < rows && col < cols {
        if ours[row] == theirs[col] {
            out.push(row);
            row += 1;
            col += 1;
        } else if lcs[at(row + 1, col)] >= lcs[at(row, col + 1)] {
            row += 1;
        } else {
            col += 1;
        }
    }
    out
}

fn render(words: &[&str], keep: &[bool]) -> String {
    let mut out = String::new();
    let mut gap = false;
    for (word, kept) in words.iter().zip(keep) {
        if !kept {
            gap = true;
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if gap && !out.is_empty() && !out.trim_end().ends_with(ELLIPSIS) {
            out.push_str(ELLIPSIS);
            out.push(' ');
        }
        gap = false;
        out.push_str(word);
    }
    if gap && !out.ends_with(ELLIPSIS) {
        out.push(' ');
        out.push_str(ELLIPSIS);
    }
    out
}

fn rendered_width(words: &[&str], keep: &[bool]) -> usize {
    render(words, keep).width()
}

/// The first columns of `text` that fit with `…`.
fn cut(text: &str, width: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    if width > 0 {
        out.push_str(ELLIPSIS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "The import of API [{method} {path}] was cancelled because model [{model}] failed to import.";
    const B: &str = "The import of API [{method} {path}] was cancelled because the group quota was exceeded.";

    #[test]
    fn what_fits_is_whole() {
        assert_eq!(elide("Internal Error", &[A], 20), "Internal Error");
    }

    #[test]
    fn the_shared_middle_goes_first() {
        let a = elide(A, &[B], 50);
        let b = elide(B, &[A], 50);
        assert!(a.contains("model [{model}] failed"), "{a}");
        assert!(b.contains("quota was exceeded"), "{b}");
        assert!(a.starts_with("The "), "{a}");
        assert!(a.contains('…'));
        assert!(a.width() <= 50 && b.width() <= 50);
        assert_ne!(a, b);
    }

    #[test]
    fn without_neighbours_it_keeps_the_variables_and_the_words_beside_them() {
        assert_eq!(elide(A, &[], 60), "The … API [{method} {path}] was … model [{model}] failed …");
        assert_eq!(elide(A, &[A], 60), elide(A, &[], 60), "an identical neighbour tells nothing");
        assert_eq!(elide("one two three four five six", &[], 14), "one two … six");
    }

    #[test]
    fn long_glued_words_show_their_beginning() {
        let text = "Invalid parameter value,parameterName:{name}.location,value:COOKIE. Please refer to the support documentation";
        let out = elide(text, &["System error"], 40);
        assert!(out.starts_with("Invalid parameter value,parameter"), "{out}");
        assert!(!out.contains("… …"), "{out}");
        assert!(out.width() <= 40, "{out}");
    }

    #[test]
    fn a_word_wider_than_the_column_is_cut() {
        let long = "x".repeat(50);
        assert_eq!(elide(&long, &[], 10).width(), 10);
        assert_eq!(elide("abc def", &[], 0), "");
    }
}

//! Shortening a template to a column without losing what tells it apart.
//!
//! Owns [`elide`]: where a template is wider than its column, the words it shares with its
//! neighbours go first (the shared middle becomes `…`), so seven groups that all begin "The
//! import of API [{method} {path}] was cancelled because model…" still show the words that
//! differ. Pure; widths are terminal columns.

use unicode_width::UnicodeWidthStr;

const ELLIPSIS: &str = "…";

/// `text` in at most `width` columns: whole if it fits; else its first word, every word that
/// does not appear in a neighbour (one of `others`), then as many shared words as fit, nearest
/// the start first, with `…` for each run left out; cut at the end if even that is too wide.
pub fn elide(text: &str, others: &[&str], width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let shared: Vec<bool> = shared_words(&words, others);
    let mut order: Vec<usize> = (0..words.len()).collect();
    // First word, then the telling words, then the last, then the rest from the start.
    order.sort_by_key(|&i| {
        let rank = if i == 0 {
            0
        } else if !shared[i] {
            1
        } else if i + 1 == words.len() {
            2
        } else {
            3
        };
        (rank, i)
    });
    let mut keep = vec![false; words.len()];
    for i in order {
        keep[i] = true;
        if rendered_width(&words, &keep) > width {
            keep[i] = false;
        }
    }
    if !keep.iter().any(|k| *k) {
        return cut(text, width);
    }
    render(&words, &keep)
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
fn common_subsequence(a: &[&str], b: &[&str]) -> Vec<usize> {
    let (n, m) = (a.len(), b.len());
    let mut dp = vec![0u16; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[at(i, j)] = if a[i] == b[j] { dp[at(i + 1, j + 1)] + 1 } else { dp[at(i + 1, j)].max(dp[at(i, j + 1)]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(i);
            i += 1;
            j += 1;
        } else if dp[at(i + 1, j)] >= dp[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
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
        if gap && !out.is_empty() {
            out.push_str(ELLIPSIS);
            out.push(' ');
        }
        gap = false;
        out.push_str(word);
    }
    if gap {
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
    fn without_neighbours_it_keeps_the_beginning_at_a_word() {
        let out = elide(A, &[], 30);
        assert_eq!(out, "The import of API [{method} …");
    }

    #[test]
    fn a_word_wider_than_the_column_is_cut() {
        let long = "x".repeat(50);
        assert_eq!(elide(&long, &[], 10).width(), 10);
        assert_eq!(elide("abc def", &[], 0), "");
    }
}

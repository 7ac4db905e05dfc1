//! Dates and times in masked text: one `{time}` for a whole timestamp, whatever its format.
//!
//! Owns the two timestamp rules of [`super`]: an ISO 8601 date-time read from the raw text
//! ([`iso_len`]), and runs of already-masked date and time words ([`collapse`]) such as
//! `Sun Jul {n} {n}:{n}:{n} {n}` (C's `asctime`, syslog, RFC 2822). Without them a timestamp is
//! four to six separate variables, and its weekday and month names, which take only a few values,
//! read as words that tell messages apart. Pure.

/// English weekday and month names, as `asctime`, syslog and RFC 2822 write them.
fn is_name(w: &str) -> bool {
    matches!(
        w,
        "Mon"
            | "Tue"
            | "Wed"
            | "Thu"
            | "Fri"
            | "Sat"
            | "Sun"
            | "Monday"
            | "Tuesday"
            | "Wednesday"
            | "Thursday"
            | "Friday"
            | "Saturday"
            | "Sunday"
            | "Jan"
            | "Feb"
            | "Mar"
            | "Apr"
            | "May"
            | "Jun"
            | "Jul"
            | "Aug"
            | "Sep"
            | "Sept"
            | "Oct"
            | "Nov"
            | "Dec"
            | "January"
            | "February"
            | "March"
            | "April"
            | "June"
            | "July"
            | "August"
            | "September"
            | "October"
            | "November"
            | "December"
    )
}

/// Words a timestamp is made of, after masking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `{n}:{n}:{n}` or a date `{n}-{n}-{n}`: a timestamp by itself.
    Stamp,
    /// A weekday or month name: a timestamp only beside a number.
    Name,
    /// `{n}`, `{n}:{n}`, `UTC`: part of a timestamp only beside one of the above.
    Filler,
}

fn part(word: &str) -> Option<Part> {
    let w = word.strip_suffix(',').unwrap_or(word);
    match *w.as_bytes().first()? {
        b'{' => match w {
            "{n}:{n}:{n}" | "{n}-{n}-{n}" | "{n}/{n}/{n}" | "{time}" => Some(Part::Stamp),
            "{n}" | "{n}:{n}" => Some(Part::Filler),
            _ => None,
        },
        b'A'..=b'Z' if w.len() <= 9 => match w {
            "UTC" | "GMT" => Some(Part::Filler),
            _ if is_name(w) => Some(Part::Name),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a word of `text` is a weekday or month name, found without splitting it.
fn has_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        b.is_ascii_uppercase()
            && (i == 0 || bytes[i - 1] == b' ')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase)
            && {
                let end = text[i..].find([' ', ',']).map_or(text.len(), |e| i + e);
                is_name(&text[i..end])
            }
    })
}

/// Whether a run of parts is a timestamp: a stamp, or a name with a number beside it.
fn is_timestamp(run: &[Part]) -> bool {
    run.contains(&Part::Stamp) || (run.contains(&Part::Name) && run.contains(&Part::Filler))
}

/// Rewrites `text` into `out` with every run of date and time words as one `{time}`; false
/// (and `out` untouched) when there is none. A comma after the run's last word stays after it.
/// `replaced` receives the byte range of `text` each `{time}` stands for.
pub(super) fn collapse(text: &str, out: &mut String, replaced: &mut Vec<(usize, usize)>) -> bool {
    replaced.clear();
    // Every timestamp holds a stamp, or a name beside a number; most messages have neither,
    // and finding out allocates nothing.
    let stamp = ["}:{n}:{", "}-{n}-{", "}/{n}/{"].iter().any(|s| text.contains(s));
    if !(stamp || text.contains("{n}") && has_name(text)) {
        return false;
    }
    let words: Vec<&str> = text.split(' ').collect();
    let mut offsets = Vec::with_capacity(words.len());
    let mut offset = 0;
    for word in &words {
        offsets.push(offset);
        offset += word.len() + 1;
    }
    let parts: Vec<Option<Part>> = words.iter().map(|w| part(w)).collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some(first) = parts[i] else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        let mut run = vec![first];
        // A comma ends a run (`Jul 17, 2005` aside: the comma after a day number is kept inside).
        while j < words.len() && !ends_run(words[j - 1], &run) {
            let Some(p) = parts[j] else { break };
            run.push(p);
            j += 1;
        }
        let lone = run.len() == 1 && first == Part::Stamp && words[i].trim_end_matches(',') == "{time}";
        if is_timestamp(&run) && !lone {
            runs.push((i, j));
        }
        i = j;
    }
    if runs.is_empty() {
        return false;
    }
    out.clear();
    let (mut n, mut next) = (0, 0);
    while n < words.len() {
        if n > 0 {
            out.push(' ');
        }
        match runs.get(next) {
            Some(&(start, end)) if n == start => {
                out.push_str("{time}");
                let last = words[end - 1];
                let mut stop = offsets[end - 1] + last.len();
                if last.ends_with(',') {
                    out.push(',');
                    stop -= 1;
                }
                replaced.push((offsets[start], stop));
                n = end;
                next += 1;
            }
            _ => {
                out.push_str(words[n]);
                n += 1;
            }
        }
    }
    true
}

/// A comma ends a run, except after a day number that follows a month name (`Jul 17, 2005`).
fn ends_run(word: &str, run: &[Part]) -> bool {
    word.ends_with(',') && !(run.len() >= 2 && run[run.len() - 2] == Part::Name && word == "{n},")
}

/// The length of an ISO 8601 date-time at the start of `rest`:
/// `YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|±HH[:MM]]`, not glued to a following word.
pub(super) fn iso_len(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let digits = |at: usize, n: usize| b.len() >= at + n && b[at..at + n].iter().all(u8::is_ascii_digit);
    if !(digits(0, 4) && b.get(4) == Some(&b'-') && digits(5, 2) && b.get(7) == Some(&b'-') && digits(8, 2)) {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't')) || !digits(11, 2) || b.get(13) != Some(&b':') || !digits(14, 2) {
        return None;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') && digits(i + 1, 2) {
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) && digits(i + 1, 1) {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(b'+' | b'-') if digits(i + 1, 2) => {
            i += 3;
            if b.get(i) == Some(&b':') && digits(i + 1, 2) {
                i += 3;
            } else if digits(i, 2) {
                i += 2;
            }
        }
        _ => {}
    }
    let glued = rest[i..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_');
    (!glued).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collapsed(text: &str) -> String {
        let mut out = String::new();
        if collapse(text, &mut out, &mut Vec::new()) { out } else { text.to_owned() }
    }

    #[test]
    fn timestamp_runs_become_one_mask() {
        assert_eq!(
            collapsed("connection from {ip} () at Sun Jul {n} {n}:{n}:{n} {n}"),
            "connection from {ip} () at {time}"
        );
        assert_eq!(collapsed("on {n}-{n}-{n} at {n}:{n}:{n}"), "on {time} at {time}");
        assert_eq!(collapsed("since Jul {n}, {n} {n}:{n}:{n}, retrying"), "since {time}, retrying");
        assert_eq!(collapsed("at {n}:{n}:{n} UTC."), "at {time} UTC.", "a word with a dot is not part of it");
        assert_eq!(collapsed("{n}:{n}:{n}, then"), "{time}, then");
    }

    #[test]
    fn names_and_numbers_alone_stay() {
        for text in ["May I retry", "limit {n} of {n}", "ratio {n}:{n}", "Sun and Mon", "{time} {x}"] {
            assert_eq!(collapsed(text), text);
        }
        assert_eq!(collapsed("Mon {n}"), "{time}");
    }

    #[test]
    fn collapsing_twice_changes_nothing() {
        let once = collapsed("at Sun Jul {n} {n}:{n}:{n} {n} and {n}:{n}:{n}");
        assert_eq!(collapsed(&once), once);
    }

    #[test]
    fn iso_date_times_are_read_whole() {
        assert_eq!(iso_len("2023-07-11T19:54:22Z rest"), Some(20));
        assert_eq!(iso_len("2023-07-11T19:54:22.123+08:00"), Some(29));
        assert_eq!(iso_len("2023-07-11T19:54"), Some(16));
        assert_eq!(iso_len("2023-07-11 19:54:22"), None, "a space: the date and time mask on their own");
        assert_eq!(iso_len("2023-07-11T19:54:22Zx"), None);
        assert_eq!(iso_len("2023-07-11"), None);
    }
}

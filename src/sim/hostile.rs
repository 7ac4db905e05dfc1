//! Hostile text the simulator can put into names and error messages, so the sanitiser and the
//! renderer are exercised over real HTTP (RELIABILITY.md §1).

/// Named samples; scenarios pick one by name, or `all` for every sample joined.
pub(crate) const SAMPLES: &[(&str, &str)] = &[
    ("csi", "\u{1b}[2J\u{1b}[H\u{1b}[31mFAKE OVER\u{1b}[0m"),
    ("osc52", "x\u{1b}]52;c;ZXZpbA==\u{7}y"),
    ("osc0", "\u{1b}]0;pwned\u{7}title"),
    ("osc8", "\u{1b}]8;;http://evil.example/\u{7}click me\u{1b}]8;;\u{7}"),
    ("c1", "\u{9b}2J\u{9d}0;c1-title\u{9c}"),
    ("cr_bs_bel", "status: OK\rFAIL\u{8}\u{8}\u{7}"),
    ("bidi", "api\u{202e}txt.exe"),
    ("zero_width", "a\u{200b}b\u{feff}c\u{2060}d\u{2028}e"),
    ("cjk", "这个API用于查询"),
    ("emoji", "🚀 déploiement réussi ✅ 👩‍💻"),
];

/// One sample by name; `all` joins every sample, `huge` is [`huge_message`].
pub(crate) fn sample(name: &str) -> Option<String> {
    match name {
        "all" => Some(SAMPLES.iter().map(|(_, text)| *text).collect::<Vec<_>>().join(" | ")),
        "huge" => Some(huge_message()),
        _ => SAMPLES.iter().find(|(n, _)| *n == name).map(|(_, text)| (*text).to_owned()),
    }
}

/// The `i`-th hostile sample with its name.
pub(crate) fn nth_named(i: usize) -> (&'static str, &'static str) {
    SAMPLES[i % SAMPLES.len()]
}

/// A message of just over 1 MiB that mixes CJK, colour escapes and plain text.
pub(crate) fn huge_message() -> String {
    const UNIT: &str = "这个API用于查询 \u{1b}[31mred\u{1b}[0m padding text; ";
    let mut out = String::with_capacity((1 << 20) + UNIT.len());
    while out.len() < 1 << 20 {
        out.push_str(UNIT);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_resolve() {
        assert!(sample("osc52").unwrap().contains("\u{1b}]52"));
        assert!(sample("all").unwrap().contains("\u{202e}"));
        assert!(sample("huge").unwrap().len() >= 1 << 20);
        assert_eq!(sample("nope"), None);
        assert_eq!(nth_named(SAMPLES.len()), SAMPLES[0]);
    }
}

//! Module boundaries that a single crate cannot enforce through Cargo (docs/architecture.md):
//! the pure layers never do I/O, never spawn, never read the clock or touch the terminal, and
//! only `tui.rs` writes escape sequences.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly on a broken checkout")]

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Source of a module: `src/<name>.rs` plus everything under `src/<name>/`, without the
/// `#[cfg(test)]` parts of files (tests may use what they like).
fn module_sources(name: &str) -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join(format!("{name}.rs"))];
    files.extend(rust_files(&src.join(name)));
    files
        .into_iter()
        .filter(|p| p.exists())
        .filter(|p| !is_test_file(&p.to_string_lossy()))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p, code_only(&text))
        })
        .collect()
}

/// Files that exist only under `#[cfg(test)]` (`mod tests;`, fixtures).
fn is_test_file(relative: &str) -> bool {
    relative.ends_with("tests.rs") || relative.ends_with("fixtures.rs") || relative.contains("/tests/")
}

/// The production part of a file (before `#[cfg(test)]`) without comment lines, so a doc
/// comment that says "may not use reqwest" does not count as using it.
fn code_only(text: &str) -> String {
    let mut kept = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            // `#[cfg(test)] mod fixtures;` drops one declaration; a test block runs to the end.
            match lines.peek() {
                Some(next) if next.trim_end().ends_with(';') => {
                    lines.next();
                    continue;
                }
                _ => break,
            }
        }
        if !line.trim_start().starts_with("//") {
            kept.push(line);
        }
    }
    kept.join("\n")
}

fn assert_module_avoids(module: &str, forbidden: &[&str]) {
    let sources = module_sources(module);
    for (path, text) in &sources {
        for pattern in forbidden {
            assert!(!text.contains(pattern), "{} uses `{pattern}`, which the {module} layer may not", path.display());
        }
    }
}

#[test]
fn domain_is_pure() {
    assert_module_avoids(
        "domain",
        &["reqwest", "tokio", "ratatui", "crossterm", "SystemTime::now", "Instant::now", "std::fs", "std::net"],
    );
}

#[test]
fn app_is_pure() {
    assert_module_avoids(
        "app",
        &[
            "reqwest",
            "tokio::spawn",
            "crossterm::terminal",
            "SystemTime::now",
            "Instant::now",
            "std::fs",
            "std::net",
            "println!",
        ],
    );
}

#[test]
fn ui_only_reads_state() {
    assert_module_avoids(
        "ui",
        &[
            "reqwest",
            "tokio",
            "&mut App",
            "SystemTime::now",
            "Instant::now",
            "std::fs",
            "std::env",
            "crossterm::terminal",
        ],
    );
}

#[test]
fn analysis_and_failure_reports_are_pure() {
    for module in ["analysis", "failure_report"] {
        assert_module_avoids(
            module,
            &["reqwest", "tokio", "ratatui", "crossterm", "SystemTime::now", "Instant::now", "std::fs", "std::net"],
        );
    }
}

#[test]
fn sanitize_and_report_do_no_io() {
    assert_module_avoids("sanitize", &["std::fs", "std::io", "tokio", "reqwest"]);
    assert_module_avoids("report", &["std::fs", "tokio", "reqwest", "ratatui", "println!"]);
}

#[test]
fn poller_and_provider_know_nothing_of_the_ui() {
    for module in ["poller", "provider"] {
        assert_module_avoids(module, &["crate::app", "crate::ui", "ratatui", "crossterm"]);
    }
}

#[test]
fn only_cli_and_report_print() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        if relative.starts_with("cli") || relative == "main.rs" || is_test_file(&relative) {
            continue;
        }
        let production = code_only(&fs::read_to_string(&path).unwrap());
        for pattern in ["println!", "eprintln!", "print!(", "eprint!("] {
            assert!(!production.contains(pattern), "{relative} uses {pattern}; only cli prints");
        }
    }
}

#[test]
fn only_tui_writes_escape_sequences() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        // The simulator's hostile text is served over HTTP to test our defences, never printed.
        let serves_hostile_text = relative == "sim/hostile.rs";
        if relative == "tui.rs"
            || relative.starts_with("tui/")
            || relative == "sanitize.rs"
            || serves_hostile_text
            || is_test_file(&relative)
        {
            continue;
        }
        let production = code_only(&fs::read_to_string(&path).unwrap());
        for pattern in ["\\x1b[", "\\x1b]", "\\u{1b}[", "\\u{1b}]", "\\u{9b}", "\\x07"] {
            assert!(!production.contains(pattern), "{relative} writes an escape sequence ({pattern}); only tui.rs may");
        }
    }
}

/// The variant name of each cloud (`Aliyun`), from its registered name.
fn cloud_variants() -> Vec<String> {
    oaswatch::domain::ProviderKind::ALL
        .iter()
        .map(|kind| {
            let name = kind.as_str();
            let mut chars = name.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
        .collect()
}

/// Every `Type::Cloud` path in `text`, for the types that have a variant per cloud.
fn cloud_paths(text: &str, clouds: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for ty in ["ProviderKind", "TaskRef", "Target"] {
        for cloud in clouds {
            let path = format!("{ty}::{cloud}");
            let mut rest = text;
            while let Some(at) = rest.find(&path) {
                let after = &rest[at + path.len()..];
                // `ProviderKind::AliyunFoo` is another name, not this variant.
                if !after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                    found.push(path.clone());
                }
                rest = after;
            }
        }
    }
    found
}

#[test]
fn only_the_clouds_folders_tell_clouds_apart() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // Where a cloud may be named: its folders, and the domain types that list the clouds.
    let allowed = ["provider", "sim", "domain/provider_kind.rs", "domain/task_ref.rs"];
    let clouds = cloud_variants();
    let mut offenders = Vec::new();
    for path in rust_files(&src) {
        let relative = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        if is_test_file(&relative) || allowed.iter().any(|a| relative == format!("{a}.rs") || relative.starts_with(a)) {
            continue;
        }
        let production = code_only(&fs::read_to_string(&path).unwrap());
        for variant in cloud_paths(&production, &clouds) {
            offenders.push(format!("{relative}: {variant}"));
        }
    }
    assert!(offenders.is_empty(), "ask ProviderKind::facts() or the cloud's module instead: {offenders:#?}");
}

#[test]
fn the_cloud_finder_sees_a_comparison() {
    let clouds = cloud_variants();
    assert_eq!(clouds, ["Aliyun", "Huawei"]);
    let code = "if task.provider() == ProviderKind::Huawei { } for k in ProviderKind::ALL {} Target::Task";
    assert_eq!(cloud_paths(code, &clouds), ["ProviderKind::Huawei"]);
}

/// The `crate::module` paths a module's production code names (its internal dependencies).
fn internal_dependencies(module: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for (_, text) in module_sources(module) {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if !name.is_empty() && name != module {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

#[test]
fn domain_depends_on_nothing() {
    let deps = internal_dependencies("domain");
    assert!(deps.is_empty(), "domain uses {deps:?}");
}

#[test]
fn dependencies_point_one_way() {
    // The app is the state; the UI draws it. The app never reaches into the UI, and the I/O
    // layers never reach into either.
    for (module, forbidden) in [
        ("app", &["ui", "runtime", "tui", "cli"][..]),
        ("ui", &["runtime", "tui", "cli", "provider", "store", "poller"][..]),
        ("analysis", &["app", "ui", "runtime", "tui", "cli", "provider"][..]),
        ("provider", &["app", "ui", "runtime", "tui", "cli", "poller", "store"][..]),
        ("poller", &["app", "ui", "runtime", "tui", "cli"][..]),
        ("config", &["app", "ui", "runtime", "tui", "cli"][..]),
    ] {
        let deps = internal_dependencies(module);
        let wrong: Vec<&&str> = forbidden.iter().filter(|f| deps.contains(**f)).collect();
        assert!(wrong.is_empty(), "{module} depends on {wrong:?} (all: {deps:?})");
    }
}

/// The simulator's shared files never name a cloud's module: they ask the registration of each
/// cloud (`SimCloud` in `CLOUDS`), so a new cloud is its folder plus its line in `src/sim.rs`
/// (docs/adding-a-provider.md, "The simulator side").
#[test]
fn only_the_simulators_registration_names_a_cloud_module() {
    let sim = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim");
    let clouds: Vec<&str> = oaswatch::domain::ProviderKind::ALL.iter().map(|kind| kind.as_str()).collect();
    let mut shared: Vec<PathBuf> = fs::read_dir(&sim)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| !clouds.iter().any(|cloud| path.file_stem().is_some_and(|stem| stem == *cloud)))
        .collect();
    shared.sort();
    assert!(shared.len() > 10, "{shared:?}");
    let mut offenders = Vec::new();
    for path in &shared {
        let production = code_only(&fs::read_to_string(path).unwrap());
        for cloud in &clouds {
            if production.contains(&format!("{cloud}::")) || production.contains(&format!("mod {cloud}")) {
                offenders.push(format!("{}: names `{cloud}`", path.display()));
            }
        }
    }
    // The registration: the module, its handle's credential type, its line in `CLOUDS`.
    let registration = code_only(&fs::read_to_string(sim.with_extension("rs")).unwrap());
    for line in registration.lines() {
        for cloud in &clouds {
            let names = line.contains(&format!("{cloud}::")) || line.contains(&format!("mod {cloud}"));
            let allowed = line.trim() == format!("mod {cloud};")
                || line.trim_start().starts_with(&format!("pub use {cloud}::"))
                || line.trim_start().starts_with("const CLOUDS:");
            if names && !allowed {
                offenders.push(format!("src/sim.rs: `{}`", line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "only the registration in src/sim.rs names a cloud's module: {offenders:#?}");
}

//! Shell completions and the manual page come from the command definitions: sourced in a real
//! bash, the completion script completes subcommands and their flags; the man page names every
//! subcommand.

#![allow(clippy::unwrap_used, reason = "test setup fails loudly")]

use std::process::Command;

fn oaswatch(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_oaswatch")).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// What bash offers after typing `line` (words split on spaces; the last one is being typed).
fn bash_completes(script: &str, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source /dev/stdin; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT={point}; \
         _oaswatch oaswatch '{current}' '{previous}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = quoted.join(" "),
        point = line.len(),
        current = words[cword],
        previous = if cword > 0 { words[cword - 1] } else { "" },
    );
    let mut child = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn bash_completes_subcommands_and_their_flags() {
    let script = oaswatch(&["completions", "bash"]);
    let offered = bash_completes(&script, "oaswatch st");
    assert_eq!(offered, ["status"], "{offered:?}");
    let offered = bash_completes(&script, "oaswatch ");
    for sub in ["status", "wait", "import", "export", "report", "retry-spec", "completions", "man"] {
        assert!(offered.iter().any(|o| o == sub), "{sub} not offered: {offered:?}");
    }
    let offered = bash_completes(&script, "oaswatch wait --ti");
    assert_eq!(offered, ["--timeout"], "{offered:?}");
}

#[test]
fn every_shell_gets_a_script_and_the_man_page_names_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(oaswatch(&["completions", shell]).contains("status"), "{shell}");
    }
    let man = oaswatch(&["man"]);
    assert!(man.starts_with(".ie") || man.contains(".TH oaswatch 1"), "{}", &man[..200.min(man.len())]);
    for sub in ["status", "wait", "import", "export", "report", "completions"] {
        assert!(man.contains(sub), "{sub} missing from the man page");
    }
}

/// `oaswatch console TASK` prints the task's console page and hands it to `$BROWSER`: the
/// region and ids only, never a profile name or a credential from the environment.
#[test]
fn console_prints_the_page_and_opens_it_with_browser() {
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("opened");
    let browser = dir.path().join("browser.sh");
    std::fs::write(&browser, format!("#!/bin/sh\nprintf '%s' \"$1\" > {}\n", seen.display())).unwrap();
    std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_oaswatch"))
        .args(["console", "huawei://prod@cn-north-4/p0123/i4567/t89ab"])
        .env_clear()
        .env("OASWATCH_CONFIG_DIR", dir.path().join("c"))
        .env("OASWATCH_DATA_DIR", dir.path().join("d"))
        .env("HUAWEICLOUD_SDK_SK", "secret-never-in-a-url")
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.starts_with("https://") && printed.contains("cn-north-4") && printed.contains("i4567"),
        "{printed}"
    );
    assert!(!printed.contains('\u{1b}'), "no link escape when stdout is not a terminal: {printed:?}");
    assert!(!printed.contains("prod") && !printed.contains("secret"), "{printed}");
    // The command waits for the browser launcher, as `git web--browse` does.
    let opened = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(opened, printed.trim_end());
}

/// Every file of the repository that README and docs/ name in an example (`assets/specs/…`,
/// `assets/scenarios/…`) exists, so an example can be pasted as it is.
#[test]
fn the_files_the_docs_name_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md")];
    docs.extend(std::fs::read_dir(root.join("docs")).unwrap().map(|e| e.unwrap().path()));
    let mut named = 0;
    for doc in docs.iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(doc).unwrap();
        for (at, _) in text.match_indices("assets/") {
            let path: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'))
                .collect();
            let path = path.trim_end_matches('.');
            if path.ends_with('/') || !path.contains('.') {
                continue; // a directory
            }
            named += 1;
            assert!(root.join(path).exists(), "{} names {path}, which is not in the repository", doc.display());
        }
    }
    assert!(named >= 5, "the docs name {named} files");
}

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

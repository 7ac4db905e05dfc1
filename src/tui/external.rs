//! Outside programs for the viewer's text: `$PAGER` (else `less`, then `more`) and
//! `$VISUAL` / `$EDITOR` (else `vi`).
//!
//! Owns choosing the program from values the caller read from the environment plus a `PATH`
//! lookup, running it on a file through `sh -c` the way git runs an editor (so `PAGER="less -R"`
//! and `EDITOR="code --wait"` work), and the messages that name the variable to set. Handing the
//! terminal over and back is `tui.rs`'s; this module never touches the terminal modes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::app::ExternalProgram;

/// The program that will show the text, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Command {
        /// Shell words, as the user wrote them in the variable (or a fallback's name).
        command: String,
        /// The variable it came from (`$PAGER`), or `None` for a fallback found on `PATH`.
        var: Option<&'static str>,
    },
    /// No program: the message says which variable to set.
    Missing(String),
}

/// The pager and the editor, resolved once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programs {
    pub pager: Choice,
    pub editor: Choice,
}

impl Programs {
    /// Resolves both from `env` (the caller's reader of the real environment) and its `PATH`.
    pub fn resolve(env: impl Fn(&str) -> Option<String>) -> Programs {
        let path = env("PATH");
        Programs::resolve_with(&env, |name| on_path(name, path.as_deref()))
    }

    /// [`Programs::resolve`] with the `PATH` lookup passed in, for tests.
    pub fn resolve_with(env: &impl Fn(&str) -> Option<String>, exists: impl Fn(&str) -> bool) -> Programs {
        let pick = |vars: &[&'static str], fallbacks: &[&str], missing: String| {
            for &var in vars {
                if let Some(command) = env(var).filter(|v| !v.trim().is_empty()) {
                    return Choice::Command { command: command.trim().to_owned(), var: Some(var) };
                }
            }
            fallbacks
                .iter()
                .find(|name| exists(name))
                .map_or(Choice::Missing(missing), |name| Choice::Command { command: (*name).to_owned(), var: None })
        };
        Programs {
            pager: pick(&["PAGER"], &["less", "more"], "no pager found (tried less and more): set $PAGER".to_owned()),
            editor: pick(
                &["VISUAL", "EDITOR"],
                &["vi"],
                "no editor found (tried vi): set $VISUAL or $EDITOR".to_owned(),
            ),
        }
    }

    pub fn get(&self, program: ExternalProgram) -> &Choice {
        match program {
            ExternalProgram::Pager => &self.pager,
            ExternalProgram::Editor => &self.editor,
        }
    }
}

/// Whether an executable file `name` is in one of `path`'s directories.
pub fn on_path(name: &str, path: Option<&str>) -> bool {
    path.unwrap_or_default().split(':').filter(|dir| !dir.is_empty()).any(|dir| {
        std::fs::metadata(Path::new(dir).join(name)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Runs `command "file"` through `sh -c` and waits for it. The terminal must already be handed
/// over. Exit codes mean nothing for a pager (`q` is success, Ctrl-C is not), except the
/// shell's own 127 (not found) and 126 (not executable).
pub fn run(program: ExternalProgram, command: &str, var: Option<&str>, file: &Path) -> Result<(), String> {
    let mut shell = Command::new("sh");
    let status = crate::provider::scrub_child_env(&mut shell)
        .arg("-c")
        .arg(format!("{command} \"$1\""))
        .arg("oaswatch")
        .arg(file)
        .status()
        .map_err(|e| format!("cannot start sh to run {command}: {e}"))?;
    let problem = match status.code() {
        Some(127) => "cannot be found",
        Some(126) => "cannot be executed",
        _ => return Ok(()),
    };
    let (what, set) = match program {
        ExternalProgram::Pager => ("pager", "$PAGER"),
        ExternalProgram::Editor => ("editor", "$VISUAL or $EDITOR"),
    };
    Err(match var {
        Some(var) => format!("${var} is \"{command}\", which {problem}: set {set} to an installed {what}"),
        None => format!("{command} {problem}: set {set}"),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn programs(vars: &[(&str, &str)], installed: &[&str]) -> Programs {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Programs::resolve_with(&|k: &str| vars.get(k).cloned(), |name| installed.contains(&name))
    }

    fn cmd(command: &str, var: Option<&'static str>) -> Choice {
        Choice::Command { command: command.to_owned(), var }
    }

    #[test]
    fn variables_win_then_fallbacks_on_path() {
        let p = programs(&[("PAGER", "less -R"), ("EDITOR", "nano"), ("VISUAL", "code --wait")], &[]);
        assert_eq!(p.pager, cmd("less -R", Some("PAGER")));
        assert_eq!(p.editor, cmd("code --wait", Some("VISUAL")), "VISUAL before EDITOR");
        let p = programs(&[("PAGER", "  "), ("EDITOR", "nano")], &["more", "vi"]);
        assert_eq!(p.pager, cmd("more", None), "an empty PAGER is unset; less is missing");
        assert_eq!(p.editor, cmd("nano", Some("EDITOR")));
        let p = programs(&[], &["less", "more"]);
        assert_eq!(p.get(ExternalProgram::Pager), &cmd("less", None));
    }

    #[test]
    fn nothing_found_names_the_variable_to_set() {
        let p = programs(&[], &[]);
        assert!(matches!(&p.pager, Choice::Missing(m) if m.contains("set $PAGER")), "{p:?}");
        assert!(matches!(&p.editor, Choice::Missing(m) if m.contains("set $VISUAL or $EDITOR")), "{p:?}");
    }

    #[test]
    fn the_command_runs_on_the_file_and_a_missing_one_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("in file.txt");
        std::fs::write(&file, "hello").unwrap();
        let out = dir.path().join("out.txt");
        let copy = format!("cp -- \"$1\" '{}'; true", out.display());
        // `sh -c '<PAGER> "$1"'`: the variable may hold several words and shell syntax.
        let pager = format!("sh -c '{}' pager", copy.replace('\'', "'\\''"));
        run(ExternalProgram::Pager, &pager, Some("PAGER"), &file).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "hello");
        let err = run(ExternalProgram::Pager, "no-such-pager-xyz", Some("PAGER"), &file).unwrap_err();
        assert_eq!(err, "$PAGER is \"no-such-pager-xyz\", which cannot be found: set $PAGER to an installed pager");
        let err = run(ExternalProgram::Editor, "no-such-editor-xyz", None, &file).unwrap_err();
        assert!(err.ends_with("set $VISUAL or $EDITOR"), "{err}");
    }

    #[test]
    fn path_lookup_needs_an_executable_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tool"), "#!/bin/sh\n").unwrap();
        std::fs::write(dir.path().join("data"), "").unwrap();
        std::fs::set_permissions(dir.path().join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("/nonexistent:{}", dir.path().display());
        assert!(on_path("tool", Some(&path)));
        assert!(!on_path("data", Some(&path)), "not executable");
        assert!(!on_path("tool", None));
    }
}

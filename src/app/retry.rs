//! `R`: the retry spec of the selected task — only its failed operations and what they need —
//! and the offer to import it right away.
//!
//! Part of `App::update`; pure like it. The spec file is read and the retry spec written by the
//! host (`Effect::WriteRetrySpec`); the import runs in the background (`Effect::StartImport`) and
//! comes back as `Action::ImportStarted`.

use std::path::PathBuf;

use crate::domain::{Target, TaskRef};
use crate::poller::PollCmd;

use super::effect::{Effect, ImportRequest, RetrySpecRequest, SpecFit};
use super::input::InputPurpose;
use super::overlay::{Checked, Overlay};
use super::{App, Entry};

/// A written retry spec the user may import with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOffer {
    pub path: PathBuf,
    pub target: Target,
    /// The Huawei API group to import into (the one the failed task imported into).
    pub group: Option<String>,
    pub operations: usize,
    /// What the gateway's rules would still reject, shown before `y`.
    pub precheck: Option<String>,
}

impl App {
    /// Remembers which spec a task imported (from the watch list), so `R` need not ask.
    pub fn set_spec(&mut self, task_ref: TaskRef, spec: PathBuf) {
        self.specs.insert(task_ref, spec);
    }

    /// `R` on the selected task.
    pub(super) fn start_retry_spec(&mut self) -> Vec<Effect> {
        let Some(entry) = self.entries.get(self.selected) else { return Vec::new() };
        let Some(task) = entry.task.as_ref() else {
            self.flash_info("no data for this task yet");
            return Vec::new();
        };
        if task.counts.failed + task.counts.cancelled == 0 {
            self.flash_info("no failed subtasks: nothing to retry");
            return Vec::new();
        }
        // Importing a retry while the first import is still at work would race it, and the
        // failures still to come would be missing from the spec.
        if !task.is_finished() {
            self.flash_info("the task is still running: R makes its retry spec once it has finished");
            return Vec::new();
        }
        if let Some(spec) = self.specs.get(&entry.task_ref).cloned() {
            return self.retry_spec_request(spec);
        }
        // A task started elsewhere: ask which spec it imported.
        self.open_input(InputPurpose::SpecPath, "");
        Vec::new()
    }

    /// The host checks the path as it is typed: can it be read, is it OpenAPI, is it this task's.
    pub(super) fn check_spec_path(&self, text: &str) -> Vec<Effect> {
        let spec = text.trim();
        if spec.is_empty() {
            return Vec::new();
        }
        self.retry_request(PathBuf::from(spec))
            .map(|request| Effect::CheckRetrySpec { text: text.to_owned(), request })
            .into_iter()
            .collect()
    }

    /// The host's verdict, shown while the text it was given is still what the prompt holds.
    pub(super) fn on_spec_path_checked(&mut self, text: &str, verdict: Result<SpecFit, String>) {
        let Some(Overlay::Input { line, check }) = self.overlays.top_mut() else { return };
        if line.purpose != InputPurpose::SpecPath || line.text() != text {
            return;
        }
        *check = Some(match verdict {
            Ok(fit) => Checked::Good(fit_note(fit)),
            Err(problem) => Checked::Bad(problem),
        });
    }

    /// Enter at the prompt of [`App::start_retry_spec`]: a path the check refused asks again.
    pub(super) fn submit_spec_path(&mut self, text: &str) -> Vec<Effect> {
        let text = text.trim();
        if text.is_empty() {
            self.close_input();
            return Vec::new();
        }
        if self.input_error().is_some() {
            // The problem is on screen under the path; the prompt stays for a better one.
            return Vec::new();
        }
        self.close_input();
        let spec = PathBuf::from(text);
        if let Some(entry) = self.entries.get(self.selected) {
            self.typed_spec = Some((entry.task_ref.clone(), spec.clone()));
        }
        self.retry_spec_request(spec)
    }

    fn retry_request(&self, spec: PathBuf) -> Option<RetrySpecRequest> {
        let task = self.entries.get(self.selected).and_then(|e| e.task.clone())?;
        Some(RetrySpecRequest { task: Box::new(task), spec, dir: self.options.output_dir.clone() })
    }

    fn retry_spec_request(&mut self, spec: PathBuf) -> Vec<Effect> {
        self.flash_info(format!("writing the retry spec from {}", spec.display()));
        self.retry_request(spec).map(Effect::WriteRetrySpec).into_iter().collect()
    }

    /// The spec could not give a retry spec: forget it if it was remembered, and ask again with
    /// the problem shown, while that task is still the selected one.
    pub(super) fn on_retry_spec_refused(&mut self, task_ref: &TaskRef, spec: &std::path::Path, problem: String) {
        if self.specs.get(task_ref).is_some_and(|known| known == spec) {
            self.specs.remove(task_ref);
        }
        self.typed_spec = None;
        let selected = self.entries.get(self.selected).is_some_and(|e| e.task_ref == *task_ref);
        if selected && self.input().is_none() {
            self.reopen_input(InputPurpose::SpecPath, &spec.display().to_string(), problem);
        } else {
            self.flash_error(format!("no retry spec for {}: {problem}", task_ref.short()));
        }
    }

    /// The host wrote it: offer the import when we know where the task imported into.
    pub(super) fn on_retry_spec_written(
        &mut self,
        task_ref: &TaskRef,
        path: PathBuf,
        operations: usize,
        precheck: Option<String>,
    ) -> Vec<Effect> {
        // A typed path worked: `R` on this task uses it from now on without asking.
        if let Some((typed_for, spec)) = self.typed_spec.take_if(|(typed_for, _)| typed_for == task_ref) {
            self.specs.insert(typed_for, spec);
        }
        let group =
            self.entries.iter().find(|e| e.task_ref == *task_ref).and_then(|e| e.task.as_ref()?.group_id.clone());
        let target = group.as_deref().map(|group| task_ref.import_target(group));
        match target {
            Some(target) => {
                // Where the target names the group, the import needs no group option.
                let group = group.filter(|_| !task_ref.provider().facts().group_in_target);
                self.overlays.open(Overlay::ImportOffer(ImportOffer { path, target, group, operations, precheck }));
            }
            None => self.flash_info(format!(
                "retry spec ({operations} operations) written to {} — import it with `oaswatch import`{}",
                path.display(),
                precheck.map(|p| format!(" (check it first: {p})")).unwrap_or_default()
            )),
        }
        Vec::new()
    }

    /// `y` on the offer.
    pub(super) fn accept_import_offer(&mut self) -> Vec<Effect> {
        // Only the dialog on top gets keys, so the offer is the top one here.
        let Some(Overlay::ImportOffer(offer)) = self.overlays.close_top() else { return Vec::new() };
        self.flash_info(format!("importing {} into {}", offer.path.display(), offer.target));
        vec![Effect::StartImport(ImportRequest { spec: offer.path, target: offer.target, group: offer.group })]
    }

    /// The background import created a task: watch it like one added with `a`.
    pub(super) fn on_import_started(&mut self, task_ref: TaskRef) -> Vec<Effect> {
        if let Some(i) = self.entries.iter().position(|e| e.task_ref == task_ref) {
            self.select_task(i);
            return Vec::new();
        }
        let i = self.push_entry(Entry::new(task_ref.clone(), None, true));
        self.select_task(i);
        self.flash_info(format!("import started: watching {}", task_ref.short()));
        vec![Effect::Poll(PollCmd::Watch(task_ref)), Effect::SaveWatchlist(self.task_refs())]
    }
}

/// "✔ 12 failed operations to retry" (and what the spec lacks), for the prompt.
fn fit_note(fit: SpecFit) -> String {
    let operations =
        if fit.operations == 1 { "1 operation".to_owned() } else { format!("{} operations", fit.operations) };
    match fit.missing {
        0 => format!("{operations} to retry — Enter writes the retry spec"),
        missing => format!("{operations} to retry, {missing} failed subtasks not in it — Enter writes the retry spec"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::app::Action;
    use crate::app::action::Command;
    use crate::app::effect::{Effect, SpecFit};
    use crate::app::fixtures::{aliyun, app, cmd, huawei, mixed, task, type_text};
    use crate::app::input::InputLine;
    use crate::domain::{TaskRef, TaskState};

    fn failed_task(task_ref: &TaskRef, group: Option<&str>) -> crate::domain::Task {
        let mut t = task(task_ref, TaskState::PartiallyFailed, mixed(4, 2, 0));
        t.group_id = group.map(str::to_owned);
        t
    }

    #[test]
    fn update_r_with_a_known_spec_asks_the_host_for_the_retry_spec() {
        let r = aliyun("aaaa");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g1"))))]);
        a.set_spec(r.clone(), PathBuf::from("/specs/shop.json"));
        let effects = cmd(&mut a, Command::RetrySpec);
        let [Effect::WriteRetrySpec(request)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(request.spec, PathBuf::from("/specs/shop.json"));
        assert_eq!(request.task.task_ref, r);
    }

    #[test]
    fn update_r_without_a_spec_asks_for_its_path_first() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        assert!(cmd(&mut a, Command::RetrySpec).is_empty());
        assert!(a.input().is_some(), "a prompt for the spec's path");
        type_text(&mut a, "/tmp/fleet.yaml");
        let effects = cmd(&mut a, Command::Submit);
        let [Effect::WriteRetrySpec(request)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(request.spec, PathBuf::from("/tmp/fleet.yaml"));
        a.update(Action::RetrySpecWritten {
            task_ref: r,
            path: "/out/retry.yaml".into(),
            operations: 2,
            precheck: None,
        });
        // The path worked, so it is remembered for the next R.
        a.update(Action::Command(Command::Back));
        assert!(matches!(cmd(&mut a, Command::RetrySpec).as_slice(), [Effect::WriteRetrySpec(_)]));
    }

    #[test]
    fn update_the_spec_path_is_checked_as_it_is_typed_and_a_refused_one_keeps_the_prompt() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        cmd(&mut a, Command::RetrySpec);
        let effects = a.update(Action::Insert('/'));
        let [Effect::CheckRetrySpec { text, request }] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!((text.as_str(), request.spec.as_path()), ("/", std::path::Path::new("/")));
        assert!(a.input().is_some_and(|i| i.text() == "/"), "a leading / is typed, not the filter key");
        type_text(&mut a, "tmp/fleet.yml");
        let problem = "cannot read /tmp/fleet.yml: No such file or directory (os error 2)";
        // An answer about older text is stale and ignored.
        a.update(Action::SpecPathChecked { text: "/tmp/fleet.ym".into(), verdict: Err("old".into()) });
        assert_eq!(a.input_error(), None);
        a.update(Action::SpecPathChecked { text: "/tmp/fleet.yml".into(), verdict: Err(problem.into()) });
        assert_eq!(a.input_error(), Some(problem));
        assert!(cmd(&mut a, Command::Submit).is_empty(), "Enter on a refused path writes nothing");
        assert!(a.input().is_some(), "and the prompt stays for a better path");
        // Typing clears the old verdict until the host answers about the new text.
        a.update(Action::Command(Command::Backspace));
        a.update(Action::Command(Command::Backspace));
        type_text(&mut a, "aml");
        assert_eq!(a.input_error(), None);
        let fit = SpecFit { operations: 12, missing: 0 };
        a.update(Action::SpecPathChecked { text: "/tmp/fleet.yaml".into(), verdict: Ok(fit) });
        assert_eq!(a.input_note(), Some("12 operations to retry — Enter writes the retry spec"));
        assert!(matches!(cmd(&mut a, Command::Submit).as_slice(), [Effect::WriteRetrySpec(_)]));
    }

    #[test]
    fn update_a_spec_that_cannot_give_a_retry_spec_is_forgotten_and_the_prompt_asks_again_with_the_reason() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        a.set_spec(r.clone(), PathBuf::from("/gone/fleet.yaml"));
        assert!(matches!(cmd(&mut a, Command::RetrySpec).as_slice(), [Effect::WriteRetrySpec(_)]));
        let problem = "cannot read /gone/fleet.yaml: No such file or directory (os error 2)".to_owned();
        a.update(Action::RetrySpecRefused { task_ref: r, spec: "/gone/fleet.yaml".into(), problem: problem.clone() });
        assert_eq!(a.input().map(InputLine::text), Some("/gone/fleet.yaml"), "the path to correct");
        assert_eq!(a.input_error(), Some(problem.as_str()));
        a.update(Action::Command(Command::Cancel));
        // The remembered spec is gone: R asks for the path rather than failing the same way.
        assert!(cmd(&mut a, Command::RetrySpec).is_empty());
        assert!(a.input().is_some_and(|i| i.text().is_empty()));
    }

    #[test]
    fn update_r_on_a_task_without_failures_says_there_is_nothing_to_retry() {
        let r = aliyun("ok");
        let mut a = app(vec![(r.clone(), Some(task(&r, TaskState::Succeeded, mixed(3, 0, 0))))]);
        assert!(cmd(&mut a, Command::RetrySpec).is_empty());
        assert!(a.input().is_none());
        assert!(a.flash().is_some_and(|f| f.text.contains("nothing to retry")));
    }

    #[test]
    fn update_r_on_a_task_still_running_waits_for_its_end() {
        let r = aliyun("busy");
        let mut a = app(vec![(r.clone(), Some(task(&r, TaskState::Running, mixed(4, 2, 0))))]);
        a.set_spec(r.clone(), PathBuf::from("/specs/shop.json"));
        assert!(cmd(&mut a, Command::RetrySpec).is_empty(), "no retry spec, no import offer");
        assert!(a.flash().is_some_and(|f| f.text.contains("still running")));
    }

    #[test]
    fn update_retry_spec_written_offers_the_import_and_n_declines_it() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        a.update(Action::RetrySpecWritten {
            task_ref: r.clone(),
            path: "/out/retry.yaml".into(),
            operations: 2,
            precheck: None,
        });
        let offer = a.import_offer().expect("an offer");
        assert_eq!(
            offer.target.to_string(),
            "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341"
        );
        assert_eq!(offer.group.as_deref(), Some("g9"));
        assert!(cmd(&mut a, Command::Deny).is_empty());
        assert!(a.import_offer().is_none());

        a.update(Action::RetrySpecWritten {
            task_ref: r,
            path: "/out/retry.yaml".into(),
            operations: 2,
            precheck: None,
        });
        let effects = cmd(&mut a, Command::Confirm);
        let [Effect::StartImport(request)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(request.group.as_deref(), Some("g9"));
    }

    #[test]
    fn update_retry_spec_written_without_a_known_group_only_says_where_it_is() {
        let r = aliyun("aaaa");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, None)))]);
        a.update(Action::RetrySpecWritten {
            task_ref: r,
            path: "/out/retry.json".into(),
            operations: 5,
            precheck: None,
        });
        assert!(a.import_offer().is_none());
        assert!(a.flash().is_some_and(|f| f.text.contains("/out/retry.json")));
    }

    #[test]
    fn an_offer_that_arrives_over_the_report_prompt_takes_the_keys_and_is_drawn_on_top() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        cmd(&mut a, Command::Report);
        assert!(a.report_prompt().is_some());
        a.update(Action::RetrySpecWritten {
            task_ref: r,
            path: "/out/retry.yaml".into(),
            operations: 2,
            precheck: None,
        });
        assert_eq!(a.key_context(), crate::app::keymap::KeyContext::Confirm, "the offer has the keys");
        let order: Vec<bool> =
            a.overlays().bottom_to_top().map(|o| matches!(o, crate::app::overlay::Overlay::ImportOffer(_))).collect();
        assert_eq!(order, [false, true], "and is drawn over the prompt");
        // y answers the offer, not the prompt; the prompt is still there after it.
        let effects = cmd(&mut a, Command::Confirm);
        assert!(matches!(effects.as_slice(), [Effect::StartImport(_)]), "{effects:?}");
        assert!(a.report_prompt().is_some() && a.import_offer().is_none());
    }
}

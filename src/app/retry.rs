//! `R`: the retry spec of the selected task — only its failed operations and what they need —
//! and the offer to import it right away.
//!
//! Part of `App::update`; pure like it. The spec file is read and the retry spec written by the
//! host (`Effect::WriteRetrySpec`); the import runs in the background (`Effect::StartImport`) and
//! comes back as `Action::ImportStarted`.

use std::path::PathBuf;

use crate::domain::{Target, TaskRef};
use crate::poller::PollCmd;

use super::effect::{Effect, ImportRequest, RetrySpecRequest};
use super::input::InputPurpose;
use super::overlay::Overlay;
use super::{App, Entry};

/// A written retry spec the user may import with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOffer {
    pub path: PathBuf,
    pub target: Target,
    /// The Huawei API group to import into (the one the failed task imported into).
    pub group: Option<String>,
    pub operations: usize,
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
        if let Some(spec) = self.specs.get(&entry.task_ref).cloned() {
            return self.retry_spec_request(spec);
        }
        // A task started elsewhere: ask which spec it imported.
        self.open_input(InputPurpose::SpecPath, "");
        Vec::new()
    }

    /// The path typed at the prompt of [`App::start_retry_spec`].
    pub(super) fn submit_spec_path(&mut self, text: &str) -> Vec<Effect> {
        self.close_input();
        let text = text.trim();
        if text.is_empty() {
            return Vec::new();
        }
        let spec = PathBuf::from(text);
        if let Some(entry) = self.entries.get(self.selected) {
            self.specs.insert(entry.task_ref.clone(), spec.clone());
        }
        self.retry_spec_request(spec)
    }

    fn retry_spec_request(&mut self, spec: PathBuf) -> Vec<Effect> {
        let Some(task) = self.entries.get(self.selected).and_then(|e| e.task.clone()) else { return Vec::new() };
        self.flash_info(format!("writing the retry spec from {}", spec.display()));
        vec![Effect::WriteRetrySpec(RetrySpecRequest {
            task: Box::new(task),
            spec,
            dir: self.options.output_dir.clone(),
        })]
    }

    /// The host wrote it: offer the import when we know where the task imported into.
    pub(super) fn on_retry_spec_written(
        &mut self,
        task_ref: &TaskRef,
        path: PathBuf,
        operations: usize,
    ) -> Vec<Effect> {
        let group =
            self.entries.iter().find(|e| e.task_ref == *task_ref).and_then(|e| e.task.as_ref()?.group_id.clone());
        let target = group.as_deref().map(|group| task_ref.import_target(group));
        match target {
            Some(target) => {
                // Where the target names the group, the import needs no group option.
                let group = group.filter(|_| !task_ref.provider().facts().group_in_target);
                self.overlays.open(Overlay::ImportOffer(ImportOffer { path, target, group, operations }));
            }
            None => self.flash_info(format!(
                "retry spec ({operations} operations) written to {} — import it with `oaswatch import`",
                path.display()
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
        self.entries.push(Entry::new(task_ref.clone(), None, true));
        self.select_task(self.entries.len() - 1);
        self.flash_info(format!("import started: watching {}", task_ref.short()));
        vec![Effect::Poll(PollCmd::Watch(task_ref)), Effect::SaveWatchlist(self.task_refs())]
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::app::Action;
    use crate::app::action::Command;
    use crate::app::effect::Effect;
    use crate::app::fixtures::{aliyun, app, cmd, huawei, mixed, task, type_text};
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
        // The path is remembered for the next R.
        assert!(matches!(cmd(&mut a, Command::RetrySpec).as_slice(), [Effect::WriteRetrySpec(_)]));
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
    fn update_retry_spec_written_offers_the_import_and_n_declines_it() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        a.update(Action::RetrySpecWritten { task_ref: r.clone(), path: "/out/retry.yaml".into(), operations: 2 });
        let offer = a.import_offer().expect("an offer");
        assert_eq!(
            offer.target.to_string(),
            "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341"
        );
        assert_eq!(offer.group.as_deref(), Some("g9"));
        assert!(cmd(&mut a, Command::Deny).is_empty());
        assert!(a.import_offer().is_none());

        a.update(Action::RetrySpecWritten { task_ref: r, path: "/out/retry.yaml".into(), operations: 2 });
        let effects = cmd(&mut a, Command::Confirm);
        let [Effect::StartImport(request)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(request.group.as_deref(), Some("g9"));
    }

    #[test]
    fn update_retry_spec_written_without_a_known_group_only_says_where_it_is() {
        let r = aliyun("aaaa");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, None)))]);
        a.update(Action::RetrySpecWritten { task_ref: r, path: "/out/retry.json".into(), operations: 5 });
        assert!(a.import_offer().is_none());
        assert!(a.flash().is_some_and(|f| f.text.contains("/out/retry.json")));
    }

    #[test]
    fn an_offer_that_arrives_over_the_report_prompt_takes_the_keys_and_is_drawn_on_top() {
        let r = huawei("hhhh");
        let mut a = app(vec![(r.clone(), Some(failed_task(&r, Some("g9"))))]);
        cmd(&mut a, Command::Report);
        assert!(a.report_prompt().is_some());
        a.update(Action::RetrySpecWritten { task_ref: r, path: "/out/retry.yaml".into(), operations: 2 });
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

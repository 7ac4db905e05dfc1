//! The dashboard end to end, as a user sees it: the real binary in a pseudo-terminal, polling
//! the simulator over HTTP. It waits for the task to finish, presses `n`, and must find the
//! failed subtask's full error text on screen; `q` must hand the terminal back restored. And a
//! saved watch list: final snapshots shown without a fetch, unfinished ones watched.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test setup fails loudly")]

use crate::common;
use crate::pty_support;

use std::time::SystemTime;

use oaswatch::domain::{
    ProviderKind, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::provider::huawei::HuaweiClient;
use oaswatch::provider::{Fetch as _, build_client};
use oaswatch::store::{Change, Store};
use pty_support::PtyApp;
use secrecy::ExposeSecret as _;

/// Screen text without whitespace and box-drawing borders, so a message wrapped over several
/// rows of a bordered pane can be found as one string.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{257f}').contains(c) && *c != '▌' && *c != '▐')
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_on_a_finished_task_shows_the_full_error_of_its_failed_subtask_and_q_restores() {
    let sim = common::start("partial-fail", 17, 20.0).await;
    let task = sim.task_ref("huawei-petstore2").unwrap();
    let url = sim.base_url();
    let creds = sim.huawei_credentials().unwrap();

    // What the cloud will say about the failure, fetched independently with the library client.
    let http = build_client(&oaswatch::provider::HttpConfig::default()).unwrap();
    let client = HuaweiClient::new(
        http,
        Some(url.parse().unwrap()),
        oaswatch::provider::huawei::HuaweiCredentials::AkSk {
            access_key: creds.access_key.clone(),
            secret_key: creds.secret_key.clone(),
            security_token: None,
            source: oaswatch::credentials::CredentialSource::Env { variable: "test" },
        },
    );
    let finished = loop {
        let fetched = client.fetch(&task).await.unwrap();
        if fetched.is_finished() {
            break fetched;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(finished.provider, ProviderKind::Huawei);
    let failures: Vec<_> = finished.subtasks.iter().filter(|s| s.state.is_problem()).collect();
    assert_eq!(failures.len(), 1, "this scenario task has exactly one failure");
    let message = failures[0].error().unwrap().trimmed_message().to_owned();
    assert!(message.len() > 60, "a message long enough to wrap: {message}");

    let root = tempfile::tempdir().unwrap();
    let env: Vec<(String, String)> = vec![
        ("OASWATCH_CONFIG_DIR".into(), root.path().join("config").display().to_string()),
        ("OASWATCH_DATA_DIR".into(), root.path().join("data").display().to_string()),
        ("OASWATCH_HUAWEI_ENDPOINT".into(), url),
        ("HUAWEICLOUD_SDK_AK".into(), creds.access_key),
        ("HUAWEICLOUD_SDK_SK".into(), creds.secret_key.expose_secret().to_owned()),
        ("HOME".into(), root.path().display().to_string()),
    ];
    let task_arg = task.to_string();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = PtyApp::spawn(&[&task_arg], &env, 100, 30);
        assert!(app.wait_for_text("◐ partial"), "the task finishes as partially failed: {}", app.screen_text());
        // The footer tells a new user how to get to the failure.
        assert!(app.screen_text().contains("n next failure"), "{}", app.screen_text());

        app.send(b"n");
        let wanted = squeeze(&message);
        assert!(
            app.wait_for(|screen| squeeze(&screen.contents()).contains(&wanted)),
            "the full error text is on screen.\nwanted: {message}\nscreen:\n{}",
            app.screen_text()
        );

        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
        let restored = app.wait_restored();
        assert!(restored.is_restored(), "{restored:?}");
    })
    .await
    .unwrap();
}

/// A finished task of `n` succeeded APIs, saved as its final snapshot.
fn finished_snapshot(task_ref: &TaskRef, n: usize) -> Task {
    let subtasks = (0..n)
        .map(|i| {
            Subtask::new(
                SubtaskKind::Api,
                SubtaskState::Succeeded,
                SubtaskText {
                    id: &format!("{i:032x}"),
                    name: &format!("operation{i}"),
                    method: "GET",
                    path: &format!("/saved/{i}"),
                    raw_status: "OVER",
                    ..SubtaskText::default()
                },
            )
            .at_index(u32::try_from(i).unwrap())
        })
        .collect();
    Task::new(task_ref.clone(), TaskKind::Import, TaskState::Succeeded, "Finished").with_subtasks(subtasks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_snapshots_read_after_the_first_frame_show_without_a_fetch_and_unfinished_ones_are_watched() {
    let sim = common::start("partial-fail", 23, 20.0).await;
    let live = sim.task_ref("huawei-petstore2").unwrap();
    let root = tempfile::tempdir().unwrap();
    let env = pty_support::sim_env(&sim, root.path());

    // Eight finished tasks (made-up ids the simulator does not know: a fetch would show "not
    // found") of 3,000 subtasks each, then the live task saved while it was still running.
    let store = Store::new(root.path().join("data").join("watchlist.json"));
    let region = sim.aliyun_region().to_owned();
    let saved: Vec<TaskRef> = (0..8).map(|i| format!("aliyun://{region}/saved{i}").parse().unwrap()).collect();
    let mut refs = saved.clone();
    refs.push(live.clone());
    store.update(Change::Add(refs), SystemTime::now()).unwrap();
    let mut snapshots: Vec<(TaskRef, Task)> = saved.iter().map(|r| (r.clone(), finished_snapshot(r, 3_000))).collect();
    snapshots.push((live.clone(), Task::new(live.clone(), TaskKind::Import, TaskState::Running, "processing")));
    store.update(Change::Snapshots(snapshots), SystemTime::now()).unwrap();

    let screen = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = PtyApp::spawn(&[], &env, 120, 30);
        // Every saved task shows its snapshot, and the live one, watched once its snapshot was
        // read, reaches its real end.
        let all_there = app.wait_for(|screen| {
            let header = screen.contents().lines().next().unwrap_or_default().to_owned();
            header.contains("◐ 1 partial") && header.contains("✔ 8 succeeded")
        });
        let screen = app.screen_text();
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
        assert!(all_there, "{screen}");
        screen
    })
    .await
    .unwrap();
    assert!(!screen.contains("not found") && !screen.contains("reading the saved"), "{screen}");
    let stats = sim.stats();
    assert_eq!(stats.requests.get("aliyun DescribeImportOASTask"), None, "final snapshots are not fetched: {stats:?}");
    assert!(stats.requests.get("huawei GET async-tasks").is_some_and(|n| *n > 0), "{stats:?}");
    sim.shutdown().await;
}

/// `r` on a finished task reopened from its saved snapshot: the row says "final (saved)", not
/// "stale", and the refresh costs exactly one request, with no confirming poll after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_on_a_reopened_finished_task_makes_exactly_one_request() {
    let sim = common::start("happy", 29, 50.0).await;
    let task = sim.task_ref("aliyun-petstore").unwrap();
    let clients = common::sim_clients(&sim, std::time::Duration::from_secs(10));
    let finished = common::fetch_until_finished(&clients, &task).await.pop().unwrap();
    let root = tempfile::tempdir().unwrap();
    let env = pty_support::sim_env(&sim, root.path());
    std::fs::create_dir_all(root.path().join("config")).unwrap();
    // Polls 200 ms apart: a confirming poll after the refresh would come within the wait below.
    std::fs::write(root.path().join("config").join("config.toml"), "[poll]\ninterval = \"200ms\"\njitter = 0.0\n")
        .unwrap();
    let store = Store::new(root.path().join("data").join("watchlist.json"));
    store.update(Change::Add(vec![task.clone()]), SystemTime::now()).unwrap();
    store.update(Change::Snapshots(vec![(task.clone(), finished)]), SystemTime::now()).unwrap();
    let before = sim.stats().requests_for("aliyun DescribeImportOASTask");

    let (shown, refreshed) = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = PtyApp::spawn(&[], &env, 200, 40);
        assert!(app.wait_for_text("final (saved)"), "{}", app.screen_text());
        let shown = app.screen_text();
        app.send(b"r");
        // The answer replaces the saved snapshot: the row loses its "saved" mark.
        let answered = app.wait_for(|s| !s.contents().contains("saved") && s.contents().contains("✔ succeeded"));
        // Ten poll intervals for a confirming poll to show up in the count, if one were made.
        std::thread::sleep(std::time::Duration::from_secs(2));
        let refreshed = app.screen_text();
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
        assert!(answered, "{refreshed}");
        (shown, refreshed)
    })
    .await
    .unwrap();
    assert!(!shown.contains("stale"), "a finished task's saved data is final: {shown}");
    let after = sim.stats().requests_for("aliyun DescribeImportOASTask");
    assert_eq!(after - before, 1, "one refresh, one request: {refreshed}");
    sim.shutdown().await;
}

/// The dashboard comes back where it was left: the selected task, the pane, the task list's
/// filter and sort (the session file in the state directory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_start_comes_back_to_the_same_task_pane_filter_and_sort() {
    let sim = common::start("happy", 31, 20.0).await;
    let root = tempfile::tempdir().unwrap();
    let env = pty_support::sim_env(&sim, root.path());
    let store = Store::new(root.path().join("data").join("watchlist.json"));
    let region = sim.aliyun_region().to_owned();
    let refs: Vec<TaskRef> = (0..3).map(|i| format!("aliyun://{region}/kept{i}").parse().unwrap()).collect();
    store.update(Change::Add(refs.clone()), SystemTime::now()).unwrap();
    let snapshots = refs.iter().map(|r| (r.clone(), finished_snapshot(r, 3))).collect();
    store.update(Change::Snapshots(snapshots), SystemTime::now()).unwrap();
    store.update(Change::Label(vec![(refs[2].clone(), Some("orders".into()))]), SystemTime::now()).unwrap();

    let (first, second) = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = PtyApp::spawn(&[], &env, 120, 30);
        assert!(app.wait_for_text("kept2"), "{}", app.screen_text());
        // Sort (added ↓ puts kept2 first; the selection stays on kept0, now last), filter, take
        // the one above, open its subtasks.
        app.send(b"s");
        assert!(app.wait_for_text("sort: added ↓"), "{}", app.screen_text());
        app.send(b"/kept\r");
        app.send(b"k");
        app.send(b"\r");
        assert!(app.wait_for_text("Tasks 2/3"), "{}", app.screen_text());
        let first = app.screen_text();
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
        let mut again = PtyApp::spawn(&[], &env, 120, 30);
        assert!(again.wait_for_text("Tasks 2/3"), "{}", again.screen_text());
        let second = again.screen_text();
        again.send(b"q");
        assert_eq!(again.wait_exit(), Some(0));
        (first, second)
    })
    .await
    .unwrap();
    for screen in [&first, &second] {
        assert!(screen.contains("sort: added ↓") && screen.contains("filter \"kept\""), "{screen}");
        assert!(screen.contains("\"orders\"") || screen.contains("orders"), "the label is on its row: {screen}");
    }
    // The same task is selected (the marker is on its row) and the subtasks have the keys.
    let marked = |s: &str| s.lines().find(|l| l.contains('▌') && l.contains("kept")).map(str::to_owned);
    assert_eq!(marked(&first), marked(&second), "{first}\n{second}");
    assert!(marked(&second).is_some_and(|l| l.contains("kept1")), "{second}");
    sim.shutdown().await;
}

/// The fix loop as a user lives it: `R` on a task started elsewhere asks for its spec; a path
/// that does not exist is refused as it is typed, naming the whole path, and Enter keeps the
/// prompt; another API's spec is refused as not this task's; the right one says what the retry
/// spec will hold, Enter writes it, and `y` imports it into the same group, watched as a new row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_refuses_a_wrong_path_and_a_wrong_spec_as_they_are_typed_then_the_right_one_imports_with_y() {
    let sim = common::start("partial-fail", 17, 20.0).await;
    let task = sim.task_ref("aliyun-shop").unwrap().to_string();
    let creds = sim.aliyun_credentials().unwrap();
    let root = tempfile::tempdir().unwrap();
    let reports = root.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let env: Vec<(String, String)> = vec![
        ("OASWATCH_CONFIG_DIR".into(), root.path().join("config").display().to_string()),
        ("OASWATCH_DATA_DIR".into(), root.path().join("data").display().to_string()),
        ("OASWATCH_REPORT_DIR".into(), reports.display().to_string()),
        ("OASWATCH_ALIYUN_ENDPOINT".into(), sim.base_url()),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID".into(), creds.access_key_id.clone()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(), creds.access_key_secret.expose_secret().to_owned()),
        ("HOME".into(), root.path().display().to_string()),
    ];
    let missing = root.path().join("no-such-directory").join("shop-2.0.json").display().to_string();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut app = PtyApp::spawn(&[&task], &env, 120, 40);
        assert!(app.wait_for_text("◐ partial"), "the task finishes with failures: {}", app.screen_text());

        app.send(b"R");
        assert!(app.wait_for_text("Spec this task imported"), "{}", app.screen_text());
        app.send(missing.as_bytes());
        let refused = format!("cannot read {missing}");
        assert!(
            app.wait_for(|screen| squeeze(&screen.contents()).contains(&squeeze(&refused))),
            "the whole path and why, as it is typed:\n{}",
            app.screen_text()
        );
        assert!(!app.screen_text().contains("Filter:"), "the leading / was typed, not the filter key");
        app.send(b"\r");
        assert!(app.wait_for_text("Spec this task imported"), "Enter keeps the prompt: {}", app.screen_text());

        app.send(b"\x15assets/specs/fleet-3.0.yaml");
        assert!(app.wait_for_text("not look like the spec this task imported"), "{}", app.screen_text());

        app.send(b"\x15assets/specs/shop-2.0.json");
        assert!(app.wait_for_text("to retry — Enter writes the retry spec"), "{}", app.screen_text());
        app.send(b"\r");
        assert!(app.wait_for_text("Import the retry spec?"), "{}", app.screen_text());
        // The spec repeats an operationId (listOrders): the offer says so before y, by the rules.
        assert!(app.screen_text().contains("by the gateway's rules"), "{}", app.screen_text());
        app.send(b"y");
        assert!(app.wait_for_text("import started: watching"), "{}", app.screen_text());
        let written: Vec<_> = std::fs::read_dir(&reports).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(written.len(), 1, "one retry spec written: {written:?}");

        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
    })
    .await
    .unwrap();
}

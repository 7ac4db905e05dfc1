//! Hostile server text end to end (RELIABILITY.md §1): escape sequences (CSI, OSC 0/8/52),
//! 8-bit C1, CR/BS/BEL, bidi overrides, zero-width characters, a 1 MiB message, CJK and emoji,
//! served by the simulator's `hostile-text` scenario over real HTTP.
//!
//! - The dashboard (real binary, pty, vt100) shows all of it *visibly* and lays out exactly like
//!   its benign twin: the same scenario served through a proxy that pre-sanitises every string,
//!   so the screens must match cell for cell (outside the raw-JSON viewer, whose JSON escaping
//!   differs by design). The window title, the clipboard and hyperlinks are never touched.
//! - Human output (`status`, `wait` progress lines, `list`, errors on stderr) holds no raw
//!   control character at all.
//! - `--json` keeps the provider's strings byte-exact.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;
use crate::pty_support;
use crate::rel_support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use cli_support::{Auth, Run, code, json, text};
use oaswatch::domain::TaskRef;
use oaswatch::sim::SimHandle;
use pty_support::PtyApp;
use rel_support::{Rewrite, attacks_in, start_proxy, terminal_hostile_chars};
use serde_json::Value;

type Grid = Vec<Vec<String>>;

/// Every cell of the screen (wide characters: the cell, then an empty continuation cell).
fn grid(app: &PtyApp) -> Grid {
    let out = Mutex::new(Vec::new());
    app.wait_for(|screen| {
        let (rows, cols) = screen.size();
        let cells = (0..rows.get())
            .map(|r| {
                (0..cols.get())
                    .map(|c| match screen.cell(r, c) {
                        Some(cell) if cell.is_wide_continuation() => String::new(),
                        // A blank cell is blank whether it was cleared or overwritten with a space.
                        Some(cell) if cell.contents().is_empty() => " ".to_owned(),
                        Some(cell) => cell.contents().to_owned(),
                        None => " ".to_owned(),
                    })
                    .collect()
            })
            .collect();
        *out.lock().unwrap() = cells;
        true
    });
    out.into_inner().unwrap()
}

fn render(grid: &Grid) -> String {
    grid.iter().map(|row| row.concat()).collect::<Vec<_>>().join("\n")
}

/// Waits until the screen has stayed the same for 0.8 s and returns it.
fn settle(app: &PtyApp) -> Grid {
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut last = grid(app);
    let mut stable_since = Instant::now();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let now = grid(app);
        if now == last {
            if stable_since.elapsed() >= Duration::from_millis(800) {
                return now;
            }
        } else {
            last = now;
            stable_since = Instant::now();
        }
    }
    panic!("the screen never settled:\n{}", render(&last));
}

/// Sends `key` and returns the screen once it has changed and settled.
fn press(app: &mut PtyApp, key: &[u8], before: &Grid) -> Grid {
    app.send(key);
    let deadline = Instant::now() + Duration::from_secs(20);
    while grid(app) == *before {
        assert!(Instant::now() < deadline, "key {key:?} changed nothing:\n{}", render(before));
        std::thread::sleep(Duration::from_millis(50));
    }
    settle(app)
}

/// The box around the viewer: (top row, bottom row, left col, right col) of its border.
fn viewer_box(grid: &Grid, title: &str) -> (usize, usize, usize, usize) {
    let top = grid.iter().position(|row| row.concat().contains(title)).unwrap_or_else(|| {
        panic!("no viewer titled {title:?}:\n{}", render(grid));
    });
    let corners = ["┏", "┌", "╭"];
    let left = grid[top].iter().rposition(|c| corners.contains(&c.as_str())).unwrap();
    let right = grid[top].iter().rposition(|c| ["┓", "┐", "╮"].contains(&c.as_str())).unwrap();
    let bottom = (top + 1..grid.len()).find(|&r| ["┗", "└", "╰"].contains(&grid[r][left].as_str())).unwrap();
    (top, bottom, left, right)
}

/// The header's right side shows flash messages ("✘ 2/4 not imported") for a few seconds: when a
/// screen is captured decides whether it is there, so it is not compared.
const FLASH_FROM_COLUMN: usize = 60;

/// Cells that differ between two screens, the flash area aside.
fn differences(a: &Grid, b: &Grid) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (r, (ra, rb)) in a.iter().zip(b).enumerate() {
        for (c, (ca, cb)) in ra.iter().zip(rb).enumerate() {
            if ca != cb && !(r == 0 && c >= FLASH_FROM_COLUMN) {
                out.push((r, c));
            }
        }
    }
    out
}

fn assert_same_screen(step: &str, hostile: &Grid, benign: &Grid) {
    assert!(
        differences(hostile, benign).is_empty(),
        "{step}: the hostile run differs from its benign twin\n--- hostile ---\n{}\n--- benign ---\n{}",
        render(hostile),
        render(benign)
    );
}

fn dashboard_env(sim_url: &str, sim: &SimHandle, root: &std::path::Path) -> Vec<(String, String)> {
    let mut env = pty_support::dirs(root);
    // The endpoints are `sim_url`: the benign twin is reached through a proxy.
    let endpoint = |key: &str, value: String| if key.ends_with("_ENDPOINT") { sim_url.to_owned() } else { value };
    env.extend(sim.client_env().into_iter().map(|(k, v)| (k.to_owned(), endpoint(k, v))));
    env.push(("HOME".to_owned(), root.display().to_string()));
    env
}

fn spawn(args: &[String], env: &[(String, String)]) -> PtyApp {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    PtyApp::spawn(&args, &env, 120, 36)
}

/// Neither a title, a clipboard write, a hyperlink nor any other server escape reached the
/// terminal, and no bell rang.
fn assert_terminal_untouched(app: &PtyApp) {
    let recorded = app.recorded();
    assert!(recorded.titles.is_empty(), "window title changed: {recorded:?}");
    assert!(recorded.clipboard_writes.is_empty(), "clipboard written: {recorded:?}");
    assert!(recorded.other_osc.iter().all(|osc| osc.first().map(Vec::as_slice) != Some(b"8")), "OSC 8: {recorded:?}");
    assert_eq!(recorded.bells, 0, "a bell rang");
    let raw = app.raw_output();
    assert_eq!(attacks_in(&raw), Vec::<String>::new(), "attack sequences in the bytes sent to the terminal");
    assert!(!raw.contains(&0x07), "a raw BEL in the output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_hostile_text_visibly_and_lays_out_like_its_benign_twin() {
    let hostile_sim = common::start("hostile-text", 21, 50.0).await;
    let benign_sim = common::start("hostile-text", 21, 50.0).await;
    let proxy = start_proxy(&benign_sim.base_url(), Rewrite::Sanitize).await;
    let names = ["aliyun-hostile", "huawei-hostile"];
    let refs: Vec<TaskRef> = names.iter().map(|n| hostile_sim.task_ref(n).unwrap()).collect();
    assert_eq!(refs, names.iter().map(|n| benign_sim.task_ref(n).unwrap()).collect::<Vec<_>>(), "same seed, same ids");
    // Both runs open on finished tasks: nothing on screen depends on timing.
    for sim in [&hostile_sim, &benign_sim] {
        let poller = common::Poller::new(sim);
        for task in &refs {
            poller.until_finished(task).await;
        }
    }

    let (hostile_root, benign_root) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let hostile_env = dashboard_env(&hostile_sim.base_url(), &hostile_sim, hostile_root.path());
    let benign_env = dashboard_env(&proxy.url, &benign_sim, benign_root.path());
    let args: Vec<String> = refs.iter().map(ToString::to_string).collect();
    let sims = [&hostile_sim, &benign_sim];
    let before = sims.map(status_polls);
    // Borrows the simulators, so it blocks in place instead of on a 'static blocking task.
    tokio::task::block_in_place(move || {
        let mut hostile = spawn(&args, &hostile_env);
        let mut benign = spawn(&args, &benign_env);
        for (app, (sim, before)) in [&hostile, &benign].into_iter().zip(sims.into_iter().zip(before)) {
            assert!(app.wait_for_text("2 partial"), "{}", app.screen_text());
            // A finished task is polled once more to confirm it, then never again: after the
            // two polls of each task both screens are final (what the task list says about
            // polling depends on its width, so the simulator's count is the signal).
            let deadline = Instant::now() + Duration::from_secs(30);
            while status_polls(sim) < before + 2 * 2 {
                assert!(Instant::now() < deadline, "the confirming polls never came: {}", app.screen_text());
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let (mut h, mut b) = std::thread::scope(|scope| {
            let (hostile, benign) = (&mut hostile, &mut benign);
            let h = scope.spawn(move || settle(hostile));
            let b = scope.spawn(move || settle(benign));
            (h.join().unwrap(), b.join().unwrap())
        });
        assert_same_screen("task list and subtasks", &h, &b);
        let mut seen_text = render(&h);

        // Through the failures of the first task (the third carries the 1 MiB message), the raw
        // view, wrapping, scrolling, the next failed task, and the help overlay.
        let steps: [(&str, &[u8]); 14] = [
            ("first failure", b"n"),
            ("second failure", b"n"),
            ("third failure (1 MiB)", b"n"),
            ("scrolled down", b"jjj"),
            ("raw JSON", b"r"),
            ("back from raw", b"r"),
            ("unwrapped", b"w"),
            ("scrolled right", b"llll"),
            ("fourth failure", b"n"),
            ("fifth failure", b"n"),
            ("next failed task", b"]"),
            ("its first failure", b"n"),
            ("viewer closed", b"\x1b"),
            ("help", b"?"),
        ];
        for (step, key) in steps {
            (h, b) = std::thread::scope(|scope| {
                let (hostile, benign, h, b) = (&mut hostile, &mut benign, &h, &b);
                let h = scope.spawn(move || press(hostile, key, h));
                let b = scope.spawn(move || press(benign, key, b));
                (h.join().unwrap(), b.join().unwrap())
            });
            seen_text.push_str(&render(&h));
            if step == "raw JSON" {
                // JSON escaping differs from ours by design (`\u001b` vs `^[`), inside the viewer
                // only: everything around it must be the benign screen.
                let (top, bottom, left, right) = viewer_box(&h, "Raw JSON");
                assert_eq!(viewer_box(&b, "Raw JSON"), (top, bottom, left, right), "same viewer box");
                let outside: Vec<_> = differences(&h, &b)
                    .into_iter()
                    .filter(|&(r, c)| r <= top || r >= bottom || c <= left || c >= right)
                    .collect();
                assert!(outside.is_empty(), "raw view: cells outside the viewer differ: {outside:?}\n{}", render(&h));
                let inside = render(&h);
                assert!(inside.contains("\\u001b]52;c;ZXZpbA==\\u0007"), "the raw view shows JSON escapes: {inside}");
            } else {
                assert_same_screen(step, &h, &b);
            }
        }

        // The hostile text was on screen, visibly.
        for visible in [
            "^[]52;c;ZXZpbA==^G",
            "^[[31mred^[[0m",
            "OK^MFAIL^H^H^G",
            "这个API用于查询",
            "🚀",
            "zero\\u{20",
            "api\\u{202",
        ] {
            assert!(seen_text.contains(visible), "never shown: {visible}\n{seen_text}");
        }
        assert!(!seen_text.lines().any(|l| l.starts_with("FAKE OVER")), "a cursor-home escape took effect");

        // `q` closes the help overlay; the next one quits.
        hostile.send(b"q");
        std::thread::sleep(Duration::from_millis(300));
        hostile.send(b"q");
        assert_eq!(hostile.wait_exit(), Some(0));
        let restored = hostile.wait_restored();
        assert!(restored.is_restored(), "{restored:?}");
        assert_terminal_untouched(&hostile);
        benign.send(b"q");
        std::thread::sleep(Duration::from_millis(300));
        benign.send(b"q");
        assert_eq!(benign.wait_exit(), Some(0));
    });
}

/// Status requests of both clouds a simulator has answered.
fn status_polls(sim: &SimHandle) -> u64 {
    let polls = |key: &String| key.starts_with("aliyun DescribeImportOASTask") || key.starts_with("huawei GET");
    sim.stats().requests.iter().filter(|(key, _)| polls(key)).map(|(_, n)| n).sum()
}

/// The hostile-text scenario plus faults that keep hostile (and 1 MiB) error bodies coming.
fn hostile_faults_scenario() -> String {
    let mut text = include_str!("../../assets/scenarios/hostile-text.toml").to_owned();
    text.push_str(
        r#"
[[tasks]]
name = "huge-error"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
behaviour = { duration_secs = 20 }

[[tasks]]
name = "huawei-hostile-errors"
provider = "huawei"
spec = "petstore-3.0.yaml"
behaviour = { duration_secs = 20 }

[[faults]]
kind = "hostile_error"
task = "huge-error"
endpoint = "poll"
hostile = "huge"

[[faults]]
kind = "hostile_error"
task = "huawei-hostile-errors"
endpoint = "poll"
hostile = "all"

[[faults]]
kind = "hostile_error"
endpoint = "import"
hostile = "all"

[[faults]]
kind = "hostile_error"
endpoint = "export"
hostile = "all"
"#,
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_fetch_errors_with_hostile_and_huge_text_stay_visible_and_contained() {
    let sim = common::start_toml(&hostile_faults_scenario(), 4, 50.0).await;
    let root = tempfile::tempdir().unwrap();
    let env = dashboard_env(&sim.base_url(), &sim, root.path());
    let args: Vec<String> =
        ["huawei-hostile-errors", "huge-error"].iter().map(|n| sim.task_ref(n).unwrap().to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut app = spawn(&args, &env);
        assert!(
            app.wait_for_text("APIG.2012 — ^[[2J^[[H"),
            "the error badge shows the text visibly: {}",
            app.screen_text()
        );
        assert!(app.wait_for_text("InvalidParameter — 这个AP"), "{}", app.screen_text());
        // Ages tick every second here, so each step waits for its own text instead of a still
        // screen.
        let list = grid(&app);
        let border = ["┃", "│", "┏", "┗", "┌", "└", "┓", "┛", "┐", "┘"];
        for row in &list[1..list.len() - 1] {
            let (left, right) = (row[0].as_str(), row[row.len() - 1].as_str());
            assert!(border.contains(&left) && border.contains(&right), "a border is broken:\n{}", render(&list));
        }
        app.send(b"e");
        assert!(app.wait_for_text("^[]0;pwned^Gtitle"), "the error viewer: {}", app.screen_text());
        app.send(b"G");
        // Esc closes the viewer, a second Esc returns to the task list; a pause after each keeps
        // a lone ESC from being read as Alt+<next key>.
        for _ in 0..2 {
            std::thread::sleep(Duration::from_millis(300));
            app.send(b"\x1b");
        }
        // The viewer's title is gone (the task list's own badge may show the same text).
        assert!(app.wait_for(|s| !s.contents().contains("Fetch error")), "{}", app.screen_text());
        std::thread::sleep(Duration::from_millis(300));
        app.send(b"je");
        assert!(app.wait_for_text("^[[31mred^[[0m padding text"), "the 1 MiB message, escaped: {}", app.screen_text());
        app.send(b"G");
        std::thread::sleep(Duration::from_millis(500));
        let end = grid(&app);
        for row in &end[1..end.len() - 1] {
            assert!(border.contains(&row[0].as_str()), "a border is broken:\n{}", render(&end));
        }
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
        assert!(app.wait_restored().is_restored());
        assert_terminal_untouched(&app);
    })
    .await
    .unwrap();
}

fn assert_clean_output(what: &str, bytes: &[u8]) {
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| panic!("{what}: not UTF-8"));
    let bad = terminal_hostile_chars(&text);
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {:?} in:\n{}",
        &bad[..bad.len().min(10)],
        text.escape_debug()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_output_and_error_messages_carry_no_raw_control_characters() {
    let sim = common::start_toml(&hostile_faults_scenario(), 8, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let names = ["aliyun-hostile", "huawei-hostile", "huge-error", "huawei-hostile-errors"];
    let refs: Vec<String> = names.iter().map(|n| sim.task_ref(n).unwrap().to_string()).collect();
    let poller = common::Poller::new(&sim);
    for task in &refs[..2] {
        poller.until_finished(&task.parse().unwrap()).await;
    }

    let mut status = vec!["status", "--timeout", "20s"];
    status.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&status).await;
    assert_eq!(code(&out), 4, "{}", text(&out.stderr));
    assert_clean_output("status stdout", &out.stdout);
    assert_clean_output("status stderr", &out.stderr);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("^[]52;c;ZXZpbA==^G"), "hostile text is shown escaped: {stdout}");
    assert!(stdout.contains("这个API用于查询"), "CJK is kept: {stdout}");

    // `wait`: progress lines on stdout (not a terminal), then the summary; with --json the
    // progress goes to stderr.
    let mut wait = vec!["wait", "--timeout", "20s", "--interval", "300ms"];
    wait.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&wait).await;
    assert_eq!(code(&out), 4);
    assert!(text(&out.stdout).lines().count() > refs.len(), "progress lines: {}", text(&out.stdout));
    assert_clean_output("wait stdout", &out.stdout);
    assert_clean_output("wait stderr", &out.stderr);
    wait.push("--json");
    let out = run.oaswatch(&wait).await;
    assert!(text(&out.stderr).contains(&refs[3]), "progress on stderr: {}", text(&out.stderr));
    assert_clean_output("wait --json stderr", &out.stderr);

    // `list` shows saved snapshots: one saved from a hostile server.
    assert_eq!(code(&run.oaswatch(&["add", &refs[0], &refs[1]]).await), 0);
    let wait_saved = run.oaswatch(&["wait", "--interval", "200ms", "--timeout", "30s"]).await;
    assert_eq!(code(&wait_saved), 1, "{}", text(&wait_saved.stderr));
    let path = run.dir.path().join("data").join("watchlist.json");
    let mut saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    saved["tasks"][0]["snapshot"]["raw_status"] = Value::String("Finished\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}".into());
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();
    let out = run.oaswatch(&["list"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Finished^[]0;pwned^G"), "{}", text(&out.stdout));
    assert_clean_output("list stdout", &out.stdout);
    assert_clean_output("list stderr", &out.stderr);

    // Errors that quote the server go to stderr escaped: import and export refused with hostile
    // text, and a task reference with escapes in it.
    let spec = run.dir.path().join("spec.json");
    std::fs::write(&spec, oaswatch::sim::scenario::builtin_spec("petstore-2.0.json").unwrap()).unwrap();
    let spec = spec.display().to_string();
    let aliyun_target = sim.aliyun_target().unwrap().to_string();
    let huawei_target = sim.huawei_target().unwrap().to_string();
    let out_file = run.dir.path().join("export.json").display().to_string();
    for args in [
        vec!["import", spec.as_str(), "--to", aliyun_target.as_str(), "--no-watch"],
        vec!["import", spec.as_str(), "--to", huawei_target.as_str(), "--no-watch"],
        vec![
            "export",
            "--from",
            huawei_target.as_str(),
            "--group",
            "9100ae30705947cc9543d37cd7fb388c",
            "-o",
            out_file.as_str(),
        ],
        vec!["add", "aliyun://cn-hangzhou/abc\u{1b}]0;pwned\u{7}"],
        vec!["status", "huawei://cn-north-4/p/i/t\u{9b}2J"],
    ] {
        let out = run.oaswatch(&args).await;
        assert_ne!(code(&out), 0, "{args:?} must fail");
        assert!(!out.stderr.is_empty(), "{args:?}: an error message");
        assert_clean_output(&format!("{args:?} stdout"), &out.stdout);
        assert_clean_output(&format!("{args:?} stderr"), &out.stderr);
    }
}

/// Alibaba items in answer order: APIs then models.
fn aliyun_items(body: &Value) -> Vec<Value> {
    common::aliyun_items(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_keeps_every_server_string_byte_exact() {
    let sim = common::start_toml(&hostile_faults_scenario(), 13, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let poller = common::Poller::new(&sim);
    let ali = sim.task_ref("aliyun-hostile").unwrap();
    let hw = sim.task_ref("huawei-hostile").unwrap();
    let ali_body = poller.until_finished(&ali).await;
    let hw_body = poller.until_finished(&hw).await;
    let huge = sim.task_ref("huge-error").unwrap().to_string();

    let out = run.oaswatch(&["status", "--json", "--timeout", "20s", &ali.to_string(), &hw.to_string(), &huge]).await;
    let doc = json(&out);
    let tasks = doc["tasks"].as_array().unwrap();

    let items = aliyun_items(&ali_body);
    let subtasks = tasks[0]["subtasks"].as_array().unwrap();
    assert_eq!(subtasks.len(), items.len());
    let mut compared = 0;
    for (item, subtask) in items.iter().zip(subtasks) {
        let name = item.get("ApiName").or_else(|| item.get("ModelName")).unwrap();
        assert_eq!(&subtask["name"], name, "names are the provider's bytes");
        if !subtask["error"].is_null() {
            assert_eq!(subtask["error"]["message"], item["ErrorMessage"]);
            compared += 1;
        }
    }
    assert!(compared >= 4, "the failed items were compared");

    let result = common::huawei_result(&hw_body);
    let failures = result["failure"].as_array().unwrap();
    let failed: Vec<&Value> =
        tasks[1]["subtasks"].as_array().unwrap().iter().filter(|s| s["state"] == "failed").collect();
    assert_eq!(failed.len(), failures.len());
    for (item, subtask) in failures.iter().zip(&failed) {
        assert_eq!(subtask["error"]["message"], item["error_msg"]);
        assert_eq!(subtask["error"]["code"], item["error_code"]);
        assert_eq!(subtask["path"], item["path"]);
    }
    assert!(
        failures.iter().any(|f| f["error_msg"].as_str().unwrap().contains('\u{1b}')),
        "the server did send escapes"
    );

    // The 1 MiB hostile error body of a failed fetch, verbatim.
    let (status, raw) = poller.poll(&huge.parse().unwrap()).await;
    assert_eq!(status, 400);
    let served: Value = serde_json::from_str(&raw).unwrap();
    assert!(served["Message"].as_str().unwrap().len() >= 1 << 20);
    assert_eq!(tasks[2]["fetch_error"]["message"], served["Message"]);
}

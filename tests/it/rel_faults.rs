//! Faults over real HTTP (RELIABILITY.md §2): the real binary against the simulator, with a
//! recording proxy in between where request times matter.
//!
//! - `wait` through a 5xx burst, Alibaba `Throttling.User` (HTTP 400 + TimeLeft) and Huawei
//!   429 + `Retry-After: 7`: request counts stay inside the backoff bounds, nothing reaches a
//!   throttled endpoint before its pause is over, and every task recovers.
//! - `wait` through oversize, 10,000-deep JSON, a dripping body, a hanging server and a
//!   cross-host redirect: all recover, and the redirect target never sees a request.
//! - An expired Huawei token is one request and an `auth` error, never a retry storm; a token
//!   that expires mid-session leaves the last good data on screen with the auth badge.
//! - The dashboard answers keys while a request hangs, and keeps the last good data with an
//!   error badge during a 5xx window, then recovers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;
use crate::pty_support;
use crate::rel_support;

use std::time::{Duration, Instant};

use cli_support::{Auth, Run, code, json, task_ref, text};
use oaswatch::sim::SimHandle;
use pty_support::PtyApp;
use rel_support::{Rewrite, Seen, start_proxy};

/// The credentials, region, groups and instance of the built-in scenarios, without their tasks.
fn scenario_base() -> &'static str {
    let full = include_str!("../../assets/scenarios/faults.toml");
    &full[..full.find("\n[[tasks]]").unwrap()]
}

fn set_env(run: &mut Run, key: &str, value: &str) {
    run.env.retain(|(k, _)| k != key);
    run.env.push((key.to_owned(), value.to_owned()));
}

fn spawn_dashboard(run: &Run, args: &[String]) -> PtyApp {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = run.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    PtyApp::spawn(&args, &env, 120, 30)
}

/// Requests for the Huawei / Alibaba poll endpoints, in arrival order.
fn polls(seen: &[Seen], huawei: bool) -> Vec<Seen> {
    seen.iter().filter(|s| s.path_and_query.starts_with("/v2/") == huawei).cloned().collect()
}

/// After every answer with `status` (a throttling refusal): the refused task's own next request
/// came `pause` later or more (exact: a task has one request in flight at a time), and no
/// request for any task of the endpoint arrived between 1 s and `pause` after it (requests
/// already on their way when the refusal was sent arrive within milliseconds; the margin keeps
/// a loaded machine from blaming the client for them). Returns the number of refusals.
fn assert_paused_after(endpoint: &[Seen], status: u16, pause: Duration, what: &str) -> usize {
    let refusals: Vec<&Seen> = endpoint.iter().filter(|s| s.status == status).collect();
    for refusal in &refusals {
        let task = refusal.path_and_query.as_str();
        if let Some(next) = endpoint.iter().find(|s| s.at > refusal.at && s.path_and_query == task) {
            let gap = next.at - refusal.at;
            assert!(gap >= pause, "{what}: the throttled task came back after {gap:?} (pause {pause:?})");
        }
        for later in endpoint.iter().filter(|s| s.at > refusal.at + Duration::from_secs(1)) {
            let gap = later.at - refusal.at;
            assert!(gap >= pause, "{what}: a request {gap:?} after a throttled answer (pause {pause:?})");
        }
    }
    refusals.len()
}

const BURST_AND_THROTTLE: &str = r#"
[[tasks]]
name = "burst"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true
behaviour = { duration_secs = 16 }

[[tasks]]
name = "ali-throttled"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true
behaviour = { duration_secs = 16 }

[[tasks]]
name = "hw-throttled"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"
behaviour = { duration_secs = 16 }

[[tasks]]
name = "hw-neighbour"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"
behaviour = { duration_secs = 16 }

[[faults]]
kind = "server_error"
task = "burst"
endpoint = "poll"
status = 503
until_secs = 8

[[faults]]
kind = "throttle"
task = "ali-throttled"
endpoint = "poll"
until_request = 2
time_left_ms = 2000

[[faults]]
kind = "throttle"
task = "hw-throttled"
endpoint = "poll"
until_request = 2
retry_after_secs = 7
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_through_5xx_and_throttling_stays_within_the_backoff_bounds_and_recovers() {
    let sim = common::start_toml(&format!("{}{BURST_AND_THROTTLE}", scenario_base()), 2, 1.0).await;
    let proxy = start_proxy(&sim.base_url(), Rewrite::None).await;
    let started = Instant::now();
    let mut run = Run::new(&sim, Auth::Keys);
    set_env(&mut run, "OASWATCH_ALIYUN_ENDPOINT", &proxy.url);
    set_env(&mut run, "OASWATCH_HUAWEI_ENDPOINT", &proxy.url);
    let names = ["burst", "ali-throttled", "hw-throttled", "hw-neighbour"];
    let refs: Vec<String> = names.iter().map(|n| task_ref(&sim, n)).collect();
    let mut args = vec!["wait", "--json", "--interval", "500ms", "--timeout", "90s"];
    args.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&args).await;
    assert_eq!(code(&out), 0, "every task recovered and succeeded: {}", text(&out.stderr));
    for t in json(&out)["tasks"].as_array().unwrap() {
        assert_eq!(t["state"], "succeeded", "{t}");
    }

    let seen = proxy.seen();
    // 8 s of 503 for one task: full-jitter backoff (1, 2, 4 s caps…) allows only a handful of
    // requests; 10 would need the first five delays to sum under 8 s *and* more after them.
    let burst_id = sim.task_ref("burst").unwrap().task_id().to_owned();
    let burst: Vec<&Seen> = seen.iter().filter(|s| s.is_for(&burst_id) && s.status == 503).collect();
    let burst_window = burst.last().unwrap().at - started;
    println!("5xx burst: {} requests answered 503 over {burst_window:?}", burst.len());
    assert!((2..=10).contains(&burst.len()), "{} requests during an 8 s 5xx burst", burst.len());

    // Throttled endpoints: nothing for the whole pause after each refusal, for every task on
    // that endpoint (the neighbour of the throttled Huawei task waits too).
    let huawei = polls(&seen, true);
    let aliyun = polls(&seen, false);
    let hw_refusals = assert_paused_after(&huawei, 429, Duration::from_secs(7), "huawei (Retry-After 7)");
    let ali_refusals = assert_paused_after(&aliyun, 400, Duration::from_secs(2), "aliyun (TimeLeft 2000 ms)");
    assert_eq!((hw_refusals, ali_refusals), (2, 2), "each throttling fault fired twice");
    let stats = sim.stats();
    println!("sim stats: {:?} faults {:?}", stats.requests, stats.faults);
    assert_eq!(stats.faults.get("throttle"), Some(&4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_through_oversize_deep_json_drip_hang_and_redirect_recovers_and_never_follows_the_redirect() {
    let sim = common::start("faults", 9, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    // A cap below the 12 MiB oversize body, and short timeouts so the hang and the drip end soon.
    run.config("[http]\nbody_cap_mib = 4\nconnect_timeout = \"1s\"\nread_timeout = \"1s\"\ntotal_timeout = \"2s\"\n");
    let names = ["oversize", "deep-json", "drip", "hang", "redirect"];
    let refs: Vec<String> = names.iter().map(|n| task_ref(&sim, n)).collect();
    let mut args = vec!["wait", "--json", "--interval", "300ms", "--timeout", "90s"];
    args.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&args).await;
    let progress = text(&out.stderr);
    assert_eq!(code(&out), 0, "{progress}");
    for t in json(&out)["tasks"].as_array().unwrap() {
        assert_eq!(t["state"], "succeeded", "{t}");
    }
    for seen_on_the_way in ["larger than 4 MiB", "redirect", "timed out", "unexpected response body"] {
        assert!(progress.contains(seen_on_the_way), "no {seen_on_the_way:?} in the progress lines: {progress}");
    }
    let stats = sim.stats();
    for kind in ["oversize", "deep_json", "drip", "hang", "redirect"] {
        assert!(stats.faults.get(kind).copied().unwrap_or(0) >= 1, "{kind} never fired: {:?}", stats.faults);
    }
    assert_eq!(stats.redirect_target_requests, 0, "a request followed the redirect");
    assert_eq!(stats.redirect_target_credential_headers, 0);
}

const PERMANENT: &str = r#"
[[tasks]]
name = "moved"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"
behaviour = { duration_secs = 600 }

[[faults]]
kind = "redirect"
task = "moved"
endpoint = "poll"
until_request = 1000
status = 301
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_redirect_is_reported_after_one_confirming_request_and_wait_ends() {
    let sim = common::start_toml(&format!("{}{PERMANENT}", scenario_base()), 3, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let moved = task_ref(&sim, "moved");
    for command in ["status", "wait"] {
        let before = huawei_polls(&sim);
        // No --timeout: before, both sat out the retries until the 10-minute task finished.
        let out = run.oaswatch(&[command, "--json", &moved]).await;
        assert_eq!(code(&out), 4, "{command}: {}", text(&out.stderr));
        let task = &json(&out)["tasks"][0];
        assert_eq!(task["fetch_error"]["kind"], "protocol", "{command}: {task}");
        assert!(task["fetch_error"]["message"].as_str().unwrap().contains("redirect"), "{task}");
        assert_eq!(huawei_polls(&sim) - before, 2, "{command}: one request and one that confirms it");
    }
    assert_eq!(sim.stats().redirect_target_requests, 0);
}

const TOKENS: &str = r#"
[[huawei.tokens]]
token = "MIIshortLivedTokenForTheExpiryTest000000000000000000003"
expires_in_secs = 5

[[tasks]]
name = "long"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"
behaviour = { duration_secs = 120 }
"#;
const EXPIRED: &str = "MIIsimulatedExpiredIamToken00000000000000000000000002";
const SHORT_LIVED: &str = "MIIshortLivedTokenForTheExpiryTest000000000000000000003";

fn huawei_polls(sim: &SimHandle) -> u64 {
    sim.stats().requests.iter().filter(|(k, _)| k.starts_with("huawei GET")).map(|(_, n)| n).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_one_request_and_an_auth_error_never_a_retry_storm() {
    let sim = common::start_toml(&format!("{}{TOKENS}", scenario_base()), 3, 1.0).await;
    let mut run = Run::new(&sim, Auth::Token);
    set_env(&mut run, "OASWATCH_HUAWEI_TOKEN", EXPIRED);
    let task = task_ref(&sim, "long");
    let out = run.oaswatch(&["wait", &task, "--json", "--interval", "200ms", "--timeout", "20s"]).await;
    assert_eq!(code(&out), 4, "{}", text(&out.stderr));
    let t = &json(&out)["tasks"][0];
    assert_eq!(
        (t["fetch_error"]["kind"].as_str(), t["fetch_error"]["code"].as_str()),
        (Some("auth"), Some("APIG.1001"))
    );
    assert!(t["fetch_error"]["message"].as_str().unwrap().contains("OASWATCH_HUAWEI_TOKEN"), "names the source: {t}");
    assert_eq!(huawei_polls(&sim), 1, "wait gave up after the one refused request");

    // The dashboard: the auth badge, and still no second request after a while.
    let args = vec![task.clone()];
    let before = huawei_polls(&sim);
    let sim_polls = tokio::task::spawn_blocking(move || {
        let mut app = spawn_dashboard(&run, &args);
        assert!(app.wait_for_text("⚠ auth: APIG.1001"), "{}", app.screen_text());
        std::thread::sleep(Duration::from_secs(5));
        assert!(app.screen_text().contains("⚠ auth: APIG.1001"));
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
    });
    sim_polls.await.unwrap();
    assert_eq!(huawei_polls(&sim) - before, 1, "one request in five seconds of a refused token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_mid_session_keeps_the_last_good_data_with_the_auth_badge() {
    let sim = common::start_toml(&format!("{}{TOKENS}", scenario_base()), 4, 1.0).await;
    let mut run = Run::new(&sim, Auth::Token);
    set_env(&mut run, "OASWATCH_HUAWEI_TOKEN", SHORT_LIVED);
    let args = vec![task_ref(&sim, "long")];
    let counts = tokio::task::spawn_blocking(move || {
        let app = spawn_dashboard(&run, &args);
        assert!(app.wait_for_text("● running"), "{}", app.screen_text());
        assert!(app.wait_for_text("⚠ auth: APIG.1001"), "{}", app.screen_text());
        let screen = app.screen_text();
        assert!(
            // Marked stale in the row, or in the header when the row has no room for it.
            screen.contains("● running") && (screen.contains("stale") || screen.contains("⚠ 1 not updating")),
            "last good data kept, marked stale: {screen}"
        );
        app
    })
    .await
    .unwrap();
    let at_expiry = huawei_polls(&sim);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(huawei_polls(&sim), at_expiry, "no retry of a refused token");
    let mut app = counts;
    app.send(b"q");
    assert_eq!(tokio::task::spawn_blocking(move || app.wait_exit()).await.unwrap(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_answers_keys_while_a_request_hangs() {
    let sim = common::start("faults", 5, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    // Long enough that the hang outlasts the test.
    run.config("[http]\nread_timeout = \"60s\"\ntotal_timeout = \"60s\"\n");
    let args = vec![task_ref(&sim, "hang")];
    let hanging = || sim.stats().faults.get("hang").copied().unwrap_or(0) == 1;
    let app = tokio::task::spawn_blocking(move || spawn_dashboard(&run, &args)).await.unwrap();
    assert!(rel_support::eventually(Duration::from_secs(30), hanging).await, "the request reached the hang");
    let mut app = tokio::task::spawn_blocking(move || {
        assert!(app.wait_for_text("waiting for the first answer"), "{}", app.screen_text());
        app
    })
    .await
    .unwrap();
    for (key, shows) in [(&b"?"[..], "Help"), (b"\x1b", "waiting for the first answer"), (b"a", "Add task:")] {
        app.send(key);
        app = tokio::task::spawn_blocking(move || {
            assert!(app.wait_for_text(shows), "{shows}: {}", app.screen_text());
            app
        })
        .await
        .unwrap();
        let stats = sim.stats();
        assert_eq!(stats.requests_for("aliyun DescribeImportOASTask"), 1, "still the one hanging request: {stats:?}");
    }
    app.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    app.send(b"q");
    let (exit, state) = tokio::task::spawn_blocking(move || (app.wait_exit(), app.terminal_state())).await.unwrap();
    assert_eq!(exit, Some(0), "quits while the request still hangs");
    assert!(state.is_restored(), "{state:?}");
}

const FLAKY: &str = r#"
[[tasks]]
name = "steady"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true
behaviour = { duration_secs = 120 }

[[faults]]
kind = "server_error"
task = "steady"
endpoint = "poll"
status = 503
from_secs = 3
until_secs = 9
"#;

/// One task whose polls meet every fault kind in turn, one poll each, after two good answers.
const EVERY_FAULT: &str = r#"
[[tasks]]
name = "battered"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true
behaviour = { duration_secs = 120 }

[[faults]]
kind = "server_error"
task = "battered"
endpoint = "poll"
status = 503
from_request = 2
until_request = 3

[[faults]]
kind = "html"
task = "battered"
endpoint = "poll"
status = 502
from_request = 3
until_request = 4

[[faults]]
kind = "truncated"
task = "battered"
endpoint = "poll"
from_request = 4
until_request = 5

[[faults]]
kind = "empty"
task = "battered"
endpoint = "poll"
from_request = 5
until_request = 6

[[faults]]
kind = "deep_json"
task = "battered"
endpoint = "poll"
from_request = 6
until_request = 7

[[faults]]
kind = "oversize"
task = "battered"
endpoint = "poll"
size_bytes = 6291456
from_request = 7
until_request = 8

[[faults]]
kind = "redirect"
task = "battered"
endpoint = "poll"
from_request = 8
until_request = 9

# Twice: the second hang keeps the first one's network badge on screen for the 2 s read timeout.
# Once, the badge could last only the jittered back-off (down to a few ms) before the throttling
# answer replaced it, within one 250 ms passive frame, and the test saw no network badge.
[[faults]]
kind = "hang"
task = "battered"
endpoint = "poll"
from_request = 9
until_request = 11

[[faults]]
kind = "throttle"
task = "battered"
endpoint = "poll"
time_left_ms = 1000
from_request = 11
until_request = 12

[[faults]]
kind = "hostile_error"
task = "battered"
endpoint = "poll"
hostile = "osc52"
from_request = 12
until_request = 13
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_keeps_the_last_good_data_with_an_error_badge_then_recovers() {
    let sim = common::start_toml(&format!("{}{FLAKY}", scenario_base()), 6, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let args = vec![task_ref(&sim, "steady")];
    tokio::task::spawn_blocking(move || {
        let mut app = spawn_dashboard(&run, &args);
        assert!(app.wait_for_text("● running"), "{}", app.screen_text());
        assert!(app.wait_for_text("⚠ server: ServiceUnavailable"), "{}", app.screen_text());
        let during = app.screen_text();
        assert!(during.contains("● running") && during.contains("import ▕"), "the last good data stays: {during}");
        assert!(during.contains("stale"), "and is marked stale: {during}");
        assert!(app.wait_for(|s| !s.contents().contains("⚠ server")), "recovers: {}", app.screen_text());
        let after = app.screen_text();
        assert!(after.contains("● running") && !after.contains("stale"), "{after}");
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_every_fault_kind_the_dashboard_keeps_the_last_good_data_and_recovers() {
    let sim = common::start_toml(&format!("{}{EVERY_FAULT}", scenario_base()), 7, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    run.config(
        "[poll]\ninterval = \"1s\"\nbackoff_max = \"1s\"\n\n\
         [http]\nread_timeout = \"2s\"\ntotal_timeout = \"3s\"\nbody_cap_mib = 4\n",
    );
    let args = vec![task_ref(&sim, "battered")];
    let faults = || sim.stats().faults.values().sum::<u64>();
    let app = tokio::task::spawn_blocking(move || {
        let app = spawn_dashboard(&run, &args);
        assert!(app.wait_for_text("import ▕"), "{}", app.screen_text());
        app
    })
    .await
    .unwrap();
    // Watch the screen through all eleven faulty answers: the progress row never goes away, and the badge
    // names what went wrong each time.
    let mut badges = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while faults() < 11 || badges.is_empty() {
        assert!(Instant::now() < deadline, "faults fired: {:?}, badges: {badges:?}", sim.stats().faults);
        let screen = app.screen_text();
        assert!(screen.contains("import ▕"), "the last good data went away:\n{screen}");
        for line in screen.lines() {
            if let Some((_, badge)) = line.split_once("⚠ ")
                && let Some((kind, rest)) = badge.split_once(": ")
            {
                badges.insert(format!("{kind}: {}", rest.split_whitespace().next().unwrap_or_default()));
            }
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let mut app = tokio::task::spawn_blocking(move || {
        assert!(app.wait_for(|s| !s.contents().contains("⚠ ") && !s.contents().contains("stale")), "recovers");
        app
    })
    .await
    .unwrap();
    println!("badges seen: {badges:?}");
    let kinds: std::collections::BTreeSet<&str> = badges.iter().filter_map(|b| b.split(':').next()).collect();
    assert!(kinds.is_superset(&["network", "protocol", "server"].into()), "badges seen: {badges:?}");
    assert!(badges.len() >= 5, "most faults were shown with their own code: {badges:?}");
    assert_eq!(sim.stats().redirect_target_requests, 0);
    app.send(b"q");
    assert_eq!(tokio::task::spawn_blocking(move || app.wait_exit()).await.unwrap(), Some(0));
}

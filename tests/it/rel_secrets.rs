//! Secrets never leak (RELIABILITY.md §4). With credentials of every kind set (AccessKeys, STS
//! keys and tokens, temporary AK/SK with a security token, a Huawei IAM token, credentials files,
//! roles assumed through STS, OIDC and IAM federation, the metadata service, an external process,
//! KooCLI, a credentials URI with a token in its query)
//! and logging at `trace`, every error path we can reach is driven through `status`, `wait`,
//! `import`, `export`, `list`, `config` and the dashboard: wrong secrets, an expired token,
//! unknown tasks, throttling, 5xx, a redirect, missing and broken credentials files, a
//! world-readable credentials file, a bad config, `auth`. Then stdout, stderr, the terminal's
//! bytes, the log, the watch list, the environment a `--on-finish` hook saw and every file
//! oaswatch wrote are searched for every secret value (the temporary keys the simulator issued
//! included) and for
//! every credential header a proxy saw on the wire (`Authorization` and its signature,
//! `X-Auth-Token`, the security tokens): zero hits. `/proc/<pid>/cmdline` of a running oaswatch
//! holds no secret (and no flag could carry one), and files oaswatch writes are 0600 in 0700
//! directories, under the default paths too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;
use crate::pty_support;
use crate::rel_support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cli_support::{Auth, Run, code, text};
use oaswatch::sim::SimHandle;
use pty_support::PtyApp;
use rel_support::{Proxy, Rewrite, start_proxy};

/// Every secret of the scenario below (the built-in scenarios' fake credentials) and the wrong
/// ones the harness uses.
const SECRETS: [&str; 10] = [
    "SimulatorSecretNotARealKey000001",
    "SimulatorStsSecretNotReal0000001",
    "CAISsimulatorSecurityTokenNotARealOne000000000000000001",
    "SimulatorSecretKeyNotARealOne000000000001",
    "SimulatorTemporarySecretKeyNotReal000001",
    "gQpjbi1ub3J0aC00simulatedSecurityTokenNotReal0001",
    "MIIsimulatedIamTokenNotARealOne0000000000000000000001",
    "MIIsimulatedExpiredIamToken00000000000000000000000002",
    "wrong-secret-0123456789",
    "wrong-sk-0123456789",
];

const TASKS: &str = r#"
[[tasks]]
name = "ok-aliyun"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true
behaviour = { duration_secs = 20 }

[[tasks]]
name = "ok-huawei"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"
behaviour = { duration_secs = 20 }

[[tasks]]
name = "throttled-aliyun"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true

[[tasks]]
name = "throttled-huawei"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"

[[tasks]]
name = "broken"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "736508d885074167ba8fbce3bc95ea0b"
overwrite = true

[[tasks]]
name = "redirected"
provider = "huawei"
spec = "petstore-3.0.yaml"
group = "9100ae30705947cc9543d37cd7fb388c"
is_create_group = false
api_mode = "override"

[[faults]]
kind = "throttle"
task = "throttled-aliyun"
until_request = 2
time_left_ms = 500

[[faults]]
kind = "throttle"
task = "throttled-huawei"
until_request = 2
retry_after_secs = 1

[[faults]]
kind = "server_error"
task = "broken"
status = 500
until_request = 3

[[faults]]
kind = "redirect"
task = "redirected"
until_request = 3
"#;

fn scenario() -> String {
    let full = include_str!("../../assets/scenarios/faults.toml");
    format!("{}{TASKS}", &full[..full.find("\n[[tasks]]").unwrap()])
}

/// How the child gets its credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Creds {
    Keys,
    Temporary,
    Token,
    WrongSecrets,
    ExpiredToken,
    /// aliyun CLI config (StsToken profile) and Huawei INI file, both mode 0644.
    LooseFiles,
    /// A truncated aliyun CLI config holding a secret, and an INI file without `sk`.
    BrokenFiles,
    /// Nothing at all.
    Missing,
    /// An aliyun CLI RamRoleArn profile (a key exchanged with STS) and a Huawei profile section
    /// federated through IAM with an ID token file.
    AssumedRoles,
    /// The default chains' ends: an OIDC role from the environment for Alibaba, the ECS metadata
    /// service for Huawei.
    OidcAndMetadata,
    /// An aliyun CLI External profile (a process that prints the key) and, for Huawei, a KooCLI
    /// profile; plus a credentials URI with a token in its query in the environment.
    ProcessAndKooCli,
}

fn write_private(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A run of the binary whose endpoints point at `proxy`, logging at trace.
fn run_for(sim: &SimHandle, proxy: &Proxy, creds: Creds) -> (Run, Vec<PathBuf>) {
    let auth = match creds {
        Creds::Keys => Auth::Keys,
        Creds::Temporary => Auth::Temporary,
        Creds::Token | Creds::ExpiredToken => Auth::Token,
        Creds::WrongSecrets => Auth::WrongSecrets,
        Creds::LooseFiles
        | Creds::BrokenFiles
        | Creds::Missing
        | Creds::AssumedRoles
        | Creds::OidcAndMetadata
        | Creds::ProcessAndKooCli => Auth::None,
    };
    let mut run = Run::new(sim, auth);
    run.env.retain(|(k, _)| !k.ends_with("_ENDPOINT") && k != "OASWATCH_LOG");
    run.env.extend([
        ("OASWATCH_REPORT_DIR".to_owned(), run.dir.path().join("reports").display().to_string()),
        ("OASWATCH_ALIYUN_ENDPOINT".to_owned(), proxy.url.clone()),
        ("OASWATCH_HUAWEI_ENDPOINT".to_owned(), proxy.url.clone()),
        ("OASWATCH_LOG".to_owned(), "trace".to_owned()),
        ("RUST_LOG".to_owned(), "trace".to_owned()),
    ]);
    if creds == Creds::ExpiredToken {
        run.env.retain(|(k, _)| k != "OASWATCH_HUAWEI_TOKEN");
        run.env.push(("OASWATCH_HUAWEI_TOKEN".to_owned(), SECRETS[7].to_owned()));
    }
    let home = run.dir.path().join("home");
    let mut ours = Vec::new();
    match creds {
        Creds::LooseFiles => {
            let aliyun = home.join(".aliyun/config.json");
            write_private(
                &aliyun,
                &format!(
                    r#"{{"current":"sts","profiles":[{{"name":"sts","mode":"StsToken","access_key_id":"STS.NSimulatorTemporaryKey01","access_key_secret":"{}","sts_token":"{}","region_id":"cn-hangzhou"}}]}}"#,
                    SECRETS[1], SECRETS[2]
                ),
                0o644,
            );
            let huawei = home.join(".huaweicloud/credentials");
            write_private(&huawei, &format!("[basic]\nak = SIMULATORAKNOTREAL001\nsk = {}\n", SECRETS[3]), 0o644);
            ours.extend([aliyun, huawei]);
        }
        Creds::BrokenFiles => {
            let aliyun = home.join(".aliyun/config.json");
            write_private(
                &aliyun,
                &format!(
                    r#"{{"current":"default","profiles":[{{"name":"default","mode":"AK","access_key_secret":"{}""#,
                    SECRETS[0]
                ),
                0o600,
            );
            let huawei = home.join(".huaweicloud/credentials");
            write_private(&huawei, &format!("[basic]\nak = SIMULATORAKNOTREAL001\nsecret = {}\n", SECRETS[3]), 0o600);
            ours.extend([aliyun, huawei]);
        }
        Creds::AssumedRoles | Creds::OidcAndMetadata | Creds::ProcessAndKooCli => {
            configure_temporary(sim, &mut run, &home, creds, &mut ours);
        }
        _ => {}
    }
    (run, ours)
}

/// The sources that hand out temporary keys or run a process: files and variables for them.
fn configure_temporary(sim: &SimHandle, run: &mut Run, home: &Path, creds: Creds, ours: &mut Vec<PathBuf>) {
    match creds {
        Creds::AssumedRoles => {
            let aliyun = home.join(".aliyun/config.json");
            write_private(
                &aliyun,
                &format!(
                    r#"{{"current":"role","profiles":[{{"name":"role","mode":"RamRoleArn","access_key_id":"LTAI5tSimulatorKey0000001","access_key_secret":"{}","ram_role_arn":"acs:ram::1234567890123456:role/reader","ram_session_name":"s"}}]}}"#,
                    SECRETS[0]
                ),
                0o600,
            );
            let token = home.join("run/id-token");
            write_private(&token, oaswatch::sim::creds::HUAWEI_ID_TOKEN, 0o600);
            let huawei = home.join(".huaweicloud/credentials");
            write_private(
                &huawei,
                &format!(
                    "[basic]\nidp_id = {}\nid_token_file = {}\n",
                    oaswatch::sim::creds::HUAWEI_IDP,
                    token.display()
                ),
                0o600,
            );
            ours.extend([aliyun, token, huawei]);
            run.env.push(("OASWATCH_ALIYUN_STS_ENDPOINT".to_owned(), sim.base_url()));
            run.env.push(("HUAWEICLOUD_SDK_IAM_ENDPOINT".to_owned(), sim.base_url()));
        }
        Creds::OidcAndMetadata => {
            let token = home.join("run/oidc-token");
            write_private(&token, oaswatch::sim::creds::ALIYUN_OIDC_TOKEN, 0o600);
            ours.push(token.clone());
            run.env.extend([
                ("ALIBABA_CLOUD_ROLE_ARN".to_owned(), "acs:ram::1234567890123456:role/ci".to_owned()),
                ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN".to_owned(), "acs:ram::1234567890123456:oidc-provider/ci".to_owned()),
                ("ALIBABA_CLOUD_OIDC_TOKEN_FILE".to_owned(), token.display().to_string()),
                ("OASWATCH_ALIYUN_STS_ENDPOINT".to_owned(), sim.base_url()),
            ]);
            run.env.retain(|(k, _)| k != "OASWATCH_HUAWEI_METADATA_ENDPOINT");
            run.env.push(("OASWATCH_HUAWEI_METADATA_ENDPOINT".to_owned(), sim.base_url()));
        }
        Creds::ProcessAndKooCli => {
            let script = home.join("bin/aliyun-creds");
            write_private(
                &script,
                &format!(
                    "#!/bin/sh\nprintf '%s' '{{\"mode\":\"AK\",\"access_key_id\":\"LTAI5tSimulatorKey0000001\",\"access_key_secret\":\"{}\"}}'\n",
                    SECRETS[0]
                ),
                0o700,
            );
            let aliyun = home.join(".aliyun/config.json");
            write_private(
                &aliyun,
                &format!(
                    r#"{{"current":"ext","profiles":[{{"name":"ext","mode":"External","process_command":"{}"}}]}}"#,
                    script.display()
                ),
                0o600,
            );
            let koocli = home.join(".hcloud/config.json");
            write_private(
                &koocli,
                &format!(
                    r#"{{"current":"dev","profiles":[{{"name":"dev","mode":"AKSK","accessKeyId":"SIMULATORAKNOTREAL001","secretAccessKey":"{}"}}]}}"#,
                    SECRETS[3]
                ),
                0o600,
            );
            ours.extend([script, aliyun, koocli]);
            // Not used (the CLI profile comes first), but in the environment: it must not reach a
            // child, and its token must not reach any output.
            run.env.push(("ALIBABA_CLOUD_CREDENTIALS_URI".to_owned(), sim.credentials_uri()));
        }
        _ => {}
    }
}

/// Everything a run showed or wrote, labelled.
#[derive(Default)]
struct Evidence {
    items: Vec<(String, Vec<u8>)>,
}

impl Evidence {
    fn add(&mut self, label: impl Into<String>, bytes: &[u8]) {
        self.items.push((label.into(), bytes.to_vec()));
    }

    /// Every file under `root` except the credentials files the test wrote itself.
    fn add_files(&mut self, root: &Path, except: &[PathBuf]) -> usize {
        let mut count = 0;
        for path in walk(root) {
            if path.is_file() && !except.contains(&path) {
                self.add(path.display().to_string(), &std::fs::read(&path).unwrap());
                count += 1;
            }
        }
        count
    }

    fn assert_free_of(&self, needles: &[String]) {
        for (label, bytes) in &self.items {
            for needle in needles.iter().filter(|n| n.len() >= 8) {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "a secret ({}…) leaked into {label}",
                    &needle[..6]
                );
            }
        }
    }
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// Every task of the scenario, and an unknown one on each cloud.
fn task_refs(sim: &SimHandle) -> Vec<String> {
    let task = |name: &str| sim.task_ref(name).unwrap().to_string();
    let project = sim.huawei_project_id().to_owned();
    let instance = sim.task_ref("ok-huawei").unwrap().to_string().split('/').nth(4).unwrap().to_owned();
    vec![
        task("ok-aliyun"),
        task("ok-huawei"),
        task("throttled-aliyun"),
        task("throttled-huawei"),
        task("broken"),
        task("redirected"),
        "aliyun://cn-hangzhou/00000000000000000000000000000bad".to_owned(),
        format!("huawei://cn-north-4/{project}/{instance}/00000000000000000000000000000bad"),
    ]
}

/// Drives every command and error path for one kind of credentials.
async fn exercise(creds: Creds) {
    let sim = common::start_toml(&scenario(), 31, 30.0).await;
    let proxy = start_proxy(&sim.base_url(), Rewrite::None).await;
    let (run, ours) = run_for(&sim, &proxy, creds);
    let temporary = matches!(creds, Creds::AssumedRoles | Creds::OidcAndMetadata | Creds::ProcessAndKooCli);
    let refs = task_refs(&sim);
    let mut evidence = Evidence::default();
    let mut record = |label: &str, out: &std::process::Output| {
        evidence.add(format!("{creds:?} {label} stdout"), &out.stdout);
        evidence.add(format!("{creds:?} {label} stderr"), &out.stderr);
    };

    let mut status = vec!["status", "--json", "--timeout", "2s"];
    status.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&status).await;
    assert_ne!(code(&out), 0, "{creds:?}: some of these fail");
    record("status --json", &out);
    // The hook writes its whole environment where the evidence search looks: a credential
    // variable that reached it would be found.
    let hook = format!("env > '{}'", run.dir.path().join("hook-env.txt").display());
    let mut wait = vec!["wait", "--timeout", "3s", "--interval", "300ms", "--on-finish", hook.as_str()];
    wait.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&wait).await;
    record("wait", &out);
    for args in [
        vec!["add", refs[0].as_str(), refs[1].as_str()],
        vec!["list"],
        vec!["config"],
        vec!["auth"],
        vec!["auth", "--json", "aliyun:nobody", "huawei:nobody"],
    ] {
        let out = run.oaswatch(&args).await;
        record(&args.join(" "), &out);
    }
    let spec = run.dir.path().join("petstore.json");
    std::fs::write(&spec, oaswatch::sim::scenario::builtin_spec("petstore-2.0.json").unwrap()).unwrap();
    let spec = spec.display().to_string();
    let (aliyun_target, huawei_target) =
        (sim.aliyun_target().unwrap().to_string(), sim.huawei_target().unwrap().to_string());
    let exported = run.dir.path().join("exported.json").display().to_string();
    for args in [
        vec!["import", spec.as_str(), "--to", aliyun_target.as_str(), "--no-watch"],
        vec!["import", spec.as_str(), "--to", huawei_target.as_str(), "--wait", "--timeout", "20s"],
        vec![
            "export",
            "--from",
            huawei_target.as_str(),
            "--group",
            "9100ae30705947cc9543d37cd7fb388c",
            "-o",
            exported.as_str(),
            "--timeout",
            "20s",
        ],
    ] {
        let out = run.oaswatch(&args).await;
        record(args[0], &out);
    }
    // A bad config is reported, with the credentials still in the environment.
    let bad = run.oaswatch_with_config("[poll]\ninterval = \"soon\"\n", &["status", refs[0].as_str()]).await;
    assert_eq!(code(&bad), 2, "{}", text(&bad.stderr));
    record("bad config", &bad);

    if creds == Creds::LooseFiles {
        let out = run.oaswatch(&["status", refs[0].as_str()]).await;
        assert!(text(&out.stderr).contains("readable by group or others"), "{}", text(&out.stderr));
    }

    // The dashboard, with a look at what `ps` shows of it.
    let (env, args, loose) = (run.env.clone(), refs.clone(), creds == Creds::LooseFiles);
    let with_data = matches!(creds, Creds::Keys | Creds::Temporary | Creds::Token | Creds::LooseFiles) || temporary;
    let (raw, cmdline) = tokio::task::spawn_blocking(move || dashboard(&env, &args, loose, with_data)).await.unwrap();
    evidence.add(format!("{creds:?} dashboard terminal"), &raw);
    evidence.add(format!("{creds:?} /proc/pid/cmdline and ps"), &cmdline);

    let files = evidence.add_files(run.dir.path(), &ours);
    let log = run.dir.path().join("data").join("oaswatch.log");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains("TRACE") || log_text.contains("DEBUG"), "{creds:?}: the log is verbose: {log_text}");
    assert!(files >= 3, "{creds:?}: the log, the watch list and its lock were searched");

    let mut needles = secrets_of(&sim, creds, temporary, &run);
    let wire = proxy.credential_values();
    if !matches!(creds, Creds::Missing | Creds::BrokenFiles) {
        assert!(!wire.is_empty(), "{creds:?}: the proxy saw credential headers");
    }
    needles.extend(wire);
    evidence.assert_free_of(&needles);

    // Everything oaswatch created under the data and report directories is private.
    for path in walk(&run.dir.path().join("data")).into_iter().chain(walk(&run.dir.path().join("reports"))) {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        let wanted = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{creds:?}: {} is {mode:o}", path.display());
    }
    for dir in ["data", "reports"] {
        // The report directory exists only where a report could be written.
        if let Ok(meta) = std::fs::metadata(run.dir.path().join(dir)) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o700, "{creds:?}: {dir}");
        }
    }
    assert_eq!(sim.stats().redirect_target_credential_headers, 0);
}

/// Every secret a run could leak: the fixed ones, what the credential services issued, and the
/// tokens that proved who we are.
fn secrets_of(sim: &SimHandle, creds: Creds, temporary: bool, run: &Run) -> Vec<String> {
    let mut needles: Vec<String> = SECRETS.iter().map(|s| (*s).to_owned()).collect();
    needles.extend(sim.issued_secrets());
    needles.extend(
        [
            oaswatch::sim::creds::ALIYUN_OIDC_TOKEN,
            oaswatch::sim::creds::HUAWEI_ID_TOKEN,
            oaswatch::sim::creds::CREDENTIALS_URI_TOKEN,
        ]
        .map(str::to_owned),
    );
    if temporary {
        if creds != Creds::ProcessAndKooCli {
            assert!(!sim.issued_secrets().is_empty(), "{creds:?}: temporary keys were issued");
        }
        let hook = std::fs::read_to_string(run.dir.path().join("hook-env.txt"));
        assert!(hook.is_ok_and(|env| env.contains("OASWATCH_RESULT")), "{creds:?}: the hook ran");
    }
    needles
}

/// Runs the dashboard on `args`, presses a few keys, writes failure reports (three of them when
/// the credentials work and there is data), quits; returns the bytes it sent to the terminal and
/// what `/proc/<pid>/cmdline` and `ps` showed while it ran.
fn dashboard(env: &[(String, String)], args: &[String], loose: bool, with_data: bool) -> (Vec<u8>, Vec<u8>) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut app = PtyApp::spawn(&args, &env, 120, 40);
    assert!(app.wait_for_text("Tasks"), "{}", app.screen_text());
    if loose {
        assert!(app.wait_for_text("could not start cleanly: credentials file"), "warned: {}", app.screen_text());
    }
    std::thread::sleep(Duration::from_secs(2));
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", app.pid())).unwrap();
    let ps = std::process::Command::new("ps").args(["-ww", "-o", "args=", "-p", &app.pid().to_string()]).output();
    let mut cmdline_and_ps = cmdline.clone();
    if let Ok(ps) = ps {
        cmdline_and_ps.extend_from_slice(&ps.stdout);
    }
    for key in [&b"]"[..], b"e", b"r", b"\x1b", b"j", b"e"] {
        app.send(key);
        std::thread::sleep(Duration::from_millis(200));
    }
    app.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    // Failure reports of a failed task in the three formats, into $OASWATCH_REPORT_DIR.
    app.send(b"]");
    std::thread::sleep(Duration::from_millis(300));
    let reports = env.iter().find(|(k, _)| *k == "OASWATCH_REPORT_DIR").map(|(_, v)| PathBuf::from(v)).unwrap();
    for format in [b"m", b"c", b"j"] {
        app.send(b"x");
        std::thread::sleep(Duration::from_millis(300));
        app.send(format);
        std::thread::sleep(Duration::from_millis(300));
    }
    let written = || std::fs::read_dir(&reports).map_or(0, Iterator::count);
    if with_data {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while written() < 3 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(written(), 3, "three reports written: {}", app.screen_text());
    }
    app.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0));
    // The arguments are exactly the task references: there is no way to pass a secret.
    let expected: Vec<u8> = std::iter::once(env!("CARGO_BIN_EXE_oaswatch"))
        .chain(args.iter().copied())
        .flat_map(|a| a.bytes().chain(std::iter::once(0)))
        .collect();
    assert_eq!(cmdline, expected, "argv is the binary and the task references");
    (app.raw_output(), cmdline_and_ps)
}

trait WithConfig {
    async fn oaswatch_with_config(&self, config: &str, args: &[&str]) -> std::process::Output;
}

impl WithConfig for Run {
    /// Runs with `config` as the config file, then removes it again.
    async fn oaswatch_with_config(&self, config: &str, args: &[&str]) -> std::process::Output {
        self.config(config);
        let out = self.oaswatch(args).await;
        std::fs::remove_file(self.dir.path().join("config").join("config.toml")).unwrap();
        out
    }
}

/// All kinds at once: each runs its own simulator, proxy and directories, and most of the time
/// is spent waiting on child processes, so running them together keeps the suite fast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_of_any_kind_reaches_output_logs_files_or_the_process_list() {
    let kinds = [
        Creds::Keys,
        Creds::Temporary,
        Creds::Token,
        Creds::WrongSecrets,
        Creds::ExpiredToken,
        Creds::LooseFiles,
        Creds::BrokenFiles,
        Creds::Missing,
        Creds::AssumedRoles,
        Creds::OidcAndMetadata,
        Creds::ProcessAndKooCli,
    ];
    let runs: Vec<_> = kinds.into_iter().map(|kind| tokio::spawn(exercise(kind))).collect();
    for (kind, run) in kinds.iter().zip(runs) {
        if let Err(error) = run.await {
            std::panic::resume_unwind(
                error.try_into_panic().unwrap_or_else(|_| Box::new(format!("{kind:?} cancelled"))),
            );
        }
    }
}

#[test]
fn no_command_line_flag_can_carry_a_secret() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_oaswatch")).args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let mut pages = vec![help(&["--help"])];
    for command in ["demo", "sim", "status", "wait", "import", "export", "list", "add", "rm", "config", "auth"] {
        pages.push(help(&[command, "--help"]));
    }
    for page in &pages {
        for line in page.lines().map(str::trim_start).filter(|l| l.starts_with('-')) {
            let flag = line.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
            let words: Vec<&str> = flag.trim_start_matches('-').split(['-', '=', ',', '<']).collect();
            let forbidden = ["secret", "token", "password", "credential", "credentials", "ak", "sk", "accesskey"];
            assert!(
                !words.iter().any(|w| forbidden.contains(w)) && !flag.contains("access-key"),
                "a flag that could carry a secret: {line}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_under_the_default_paths_are_private() {
    let sim = common::start_toml(&scenario(), 32, 10.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let home = run.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // No OASWATCH_*_DIR: the `directories` defaults under $HOME (XDG variables unset).
    let env: Vec<(String, String)> =
        run.env.iter().filter(|(k, _)| !k.ends_with("_DIR") && !k.starts_with("XDG_")).cloned().collect();
    let task = sim.task_ref("ok-aliyun").unwrap().to_string();
    for args in [vec!["add", task.as_str()], vec!["wait", "--timeout", "30s", "--interval", "200ms"]] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_oaswatch"))
            .args(&args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(run.dir.path())
            .output()
            .await
            .unwrap();
        assert_eq!(code(&out), 0, "{args:?}: {}", text(&out.stderr));
    }
    let written: Vec<PathBuf> = walk(&home);
    let names: Vec<String> = written.iter().map(|p| p.strip_prefix(&home).unwrap().display().to_string()).collect();
    for wanted in [
        ".local/share/oaswatch/watchlist.json",
        ".local/share/oaswatch/watchlist.lock",
        ".local/state/oaswatch/oaswatch.log",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} not in {names:?}");
    }
    for path in &written {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let wanted = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{} is {mode:o}", path.display());
    }
}

//! `oaswatch sim` as a user runs it: the banner's `export` lines, pasted as they are, point
//! `oaswatch status` at the simulator and its tasks; Ctrl-C stops it cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test setup fails loudly")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_banner_is_enough_to_use_the_simulator_and_ctrl_c_stops_it() {
    let mut sim = Command::new(env!("CARGO_BIN_EXE_oaswatch"))
        .args(["sim", "--scenario", "happy", "--seed", "4", "--speed", "50"])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    let mut lines = BufReader::new(sim.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let text = banner.join("\n");
    assert!(text.contains("listening on http://127.0.0.1:"), "{text}");
    assert!(text.contains("--endpoint aliyun=http://127.0.0.1:"), "{text}");

    // Every `export A=B C=D` line of the banner, as a shell would apply it.
    let mut env: Vec<(String, String)> = Vec::new();
    for line in banner.iter().filter(|l| l.starts_with("export ")) {
        for pair in line.trim_start_matches("export ").split_whitespace() {
            let (key, value) = pair.split_once('=').unwrap();
            env.push((key.to_owned(), value.to_owned()));
        }
    }
    let tasks: Vec<String> = banner
        .iter()
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("aliyun://") || w.starts_with("huawei://")))
        .map(str::to_owned)
        .collect();
    assert!(tasks.len() >= 2, "{text}");

    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_oaswatch"))
        .arg("status")
        .args(&tasks)
        .env_clear()
        .envs(env)
        .env("OASWATCH_CONFIG_DIR", dir.path().join("c"))
        .env("OASWATCH_DATA_DIR", dir.path().join("d"))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(status.status.code() == Some(0), "{stderr}\n{}", String::from_utf8_lossy(&status.stdout));
    assert!(!String::from_utf8_lossy(&status.stdout).contains("fetch failed"));

    let killed = Command::new("kill").args(["-INT", &sim.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let exit = sim.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "a clean shutdown on Ctrl-C");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(rest.iter().any(|l| l.contains("simulator stopped")), "{rest:?}");
}

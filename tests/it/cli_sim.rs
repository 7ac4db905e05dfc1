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
    let section = |title: &str| -> Vec<String> {
        banner
            .iter()
            .skip_while(|l| !l.starts_with(title))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("aliyun://") || w.starts_with("huawei://")))
            .map(str::to_owned)
            .collect()
    };
    let tasks = section("tasks:");
    assert!(tasks.len() >= 2, "{text}");
    // The ids `import --to` needs: a group on Alibaba, an instance (and its groups) on Huawei.
    let targets = section("import targets");
    assert!(
        targets.iter().any(|t| t.starts_with("aliyun://")) && targets.iter().any(|t| t.starts_with("huawei://")),
        "{text}"
    );
    assert!(text.contains("--group "), "Huawei imports name a group: {text}");

    let dir = tempfile::tempdir().unwrap();
    // oaswatch with nothing from our environment, its files in `dir`.
    let oaswatch = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oaswatch"));
        command
            .env_clear()
            .env("OASWATCH_CONFIG_DIR", dir.path().join("c"))
            .env("OASWATCH_DATA_DIR", dir.path().join("d"))
            .env("HOME", dir.path());
        command
    };
    let status = oaswatch().arg("status").args(&tasks).envs(env.clone()).output().unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(status.status.code() == Some(0), "{stderr}\n{}", String::from_utf8_lossy(&status.stdout));
    assert!(!String::from_utf8_lossy(&status.stdout).contains("fetch failed"));

    // The README's example, with the printed target: a spec file that exists, a task created,
    // labelled with the spec and the group's name as the check read it (the banner prints it
    // beside the id); without the check, the id is all it knows.
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/specs/shop-2.0.json");
    let target = targets.iter().find(|t| t.starts_with("aliyun://")).unwrap();
    let target_line = banner.iter().find(|l| l.contains(target.as_str())).unwrap();
    let group_name = target_line.split("(group ").nth(1).unwrap().trim_end_matches(')');
    let group_id = target.rsplit('/').next().unwrap();
    let import = |check: &str| {
        let run = oaswatch()
            .args(["import", spec.to_str().unwrap(), "--to", target, "--no-watch", check])
            .envs(env.clone())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&run.stderr).into_owned();
        assert_eq!(run.status.code(), Some(0), "{said}");
        said
    };
    let said = import("--force");
    assert!(said.contains(&format!("labelled \"shop-2.0.json → group {group_name}\"")), "{said}");
    let said = import("--no-check");
    assert!(said.contains(&format!("labelled \"shop-2.0.json → group {group_id}\"")), "{said}");
    let list = oaswatch().arg("list").output().unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains(&format!("\"shop-2.0.json → group {group_name}\"")), "{listed}");

    let killed = Command::new("kill").args(["-INT", &sim.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let exit = sim.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "a clean shutdown on Ctrl-C");
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(rest.iter().any(|l| l.contains("simulator stopped")), "{rest:?}");
}

//! Runs the real `oaswatch` binary against an in-process simulator: a private config/data
//! directory per run, endpoints pointed at the simulator, and the credentials of one auth mode.

#![allow(dead_code, reason = "each test file uses a different part of the harness")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test harness: fail loudly")]

use std::process::Output;

use oaswatch::sim::SimHandle;
use secrecy::ExposeSecret as _;
use serde_json::Value;

/// Which credentials the child process gets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// AccessKey (ACS3) and AK/SK.
    Keys,
    /// STS key + token (ACS3 with x-acs-security-token) and a temporary AK/SK + security token.
    Temporary,
    /// Huawei X-Auth-Token (Alibaba keys as usual).
    Token,
    /// Alibaba key with a wrong secret, Huawei AK with a wrong SK.
    WrongSecrets,
    /// No credentials at all.
    None,
}

pub struct Run {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl Run {
    pub fn new(sim: &SimHandle, auth: Auth) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let url = sim.base_url();
        let mut env = vec![
            ("PATH".to_owned(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".to_owned(), dir.path().join("home").display().to_string()),
            ("OASWATCH_CONFIG_DIR".to_owned(), dir.path().join("config").display().to_string()),
            ("OASWATCH_DATA_DIR".to_owned(), dir.path().join("data").display().to_string()),
            ("OASWATCH_ALIYUN_ENDPOINT".to_owned(), url.clone()),
            ("OASWATCH_HUAWEI_ENDPOINT".to_owned(), url),
            ("OASWATCH_LOG".to_owned(), "debug".to_owned()),
            // The end of both default chains is the machine's metadata service; here nothing
            // listens there, as off a cloud instance, and no test reaches for the real one.
            ("OASWATCH_ALIYUN_IMDS_ENDPOINT".to_owned(), "http://127.0.0.1:1".to_owned()),
            ("OASWATCH_HUAWEI_METADATA_ENDPOINT".to_owned(), "http://127.0.0.1:1".to_owned()),
        ];
        let ali = if auth == Auth::Temporary { sim.aliyun_sts_credentials() } else { sim.aliyun_credentials() };
        let hw = if auth == Auth::Temporary { sim.huawei_temporary_credentials() } else { sim.huawei_credentials() };
        let (ali, hw) = (ali.unwrap(), hw.unwrap());
        let mut push = |k: &str, v: String| env.push((k.to_owned(), v));
        match auth {
            Auth::None => {}
            Auth::WrongSecrets => {
                push("ALIBABA_CLOUD_ACCESS_KEY_ID", ali.access_key_id);
                push("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-secret-0123456789".into());
                push("HUAWEICLOUD_SDK_AK", hw.access_key);
                push("HUAWEICLOUD_SDK_SK", "wrong-sk-0123456789".into());
            }
            Auth::Keys | Auth::Temporary | Auth::Token => {
                push("ALIBABA_CLOUD_ACCESS_KEY_ID", ali.access_key_id);
                push("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ali.access_key_secret.expose_secret().to_owned());
                if let Some(token) = ali.security_token {
                    push("ALIBABA_CLOUD_SECURITY_TOKEN", token.expose_secret().to_owned());
                }
                if auth == Auth::Token {
                    push("OASWATCH_HUAWEI_TOKEN", sim.huawei_token().unwrap().expose_secret().to_owned());
                } else {
                    push("HUAWEICLOUD_SDK_AK", hw.access_key);
                    push("HUAWEICLOUD_SDK_SK", hw.secret_key.expose_secret().to_owned());
                    if let Some(token) = hw.security_token {
                        push("HUAWEICLOUD_SDK_SECURITY_TOKEN", token.expose_secret().to_owned());
                    }
                }
            }
        }
        Run { dir, env }
    }

    /// Writes `config.toml` for this run.
    pub fn config(&self, text: &str) {
        let dir = self.dir.path().join("config");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), text).unwrap();
    }

    pub async fn oaswatch(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_oaswatch"))
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.dir.path())
            .output()
            .await
            .unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("data").join("oaswatch.log")).unwrap_or_default()
    }
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", text(&output.stdout), text(&output.stderr))
    })
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

pub fn task_ref(sim: &SimHandle, name: &str) -> String {
    sim.task_ref(name).unwrap_or_else(|| panic!("scenario has no task {name}")).to_string()
}

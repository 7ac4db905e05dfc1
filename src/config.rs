//! Configuration: the `config.toml` file, environment and flags merged into one [`Config`].
//!
//! Owns the file format, its validation (an unknown or invalid key is an error naming the line),
//! the precedence flags > env > file > defaults, and where every effective value came from
//! (`oaswatch config`). The merge is pure; [`Paths`] and [`load_file`] are the thin I/O around it.
//! May not touch the network, credentials or the terminal.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::domain::ProviderKind;
use crate::poller::{Policy, PollerConfig};

/// Where a setting's effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    /// The config file, with the line of the value.
    File {
        path: PathBuf,
        line: usize,
    },
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Env(var) => write!(f, "env {var}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A configuration problem the user must fix. Always says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}: {message}")]
    File { path: PathBuf, line: usize, message: String },
    #[error("{origin}: {message}")]
    Value { origin: String, message: String },
    #[error("cannot read {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("no usable directory for {what}: set {var}")]
    NoDirectory { what: &'static str, var: &'static str },
}

/// Colour scheme of the dashboard (`ui::theme` has its styles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    HighContrast,
    /// No colour at all: what `NO_COLOR` selects.
    Mono,
}

impl ThemeName {
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::HighContrast => "high-contrast",
            ThemeName::Mono => "mono",
        }
    }
}

/// What the file may contain. Every section and key is optional; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    endpoints: EndpointsSection,
    #[serde(default)]
    poll: PollSection,
    #[serde(default)]
    http: HttpSection,
    #[serde(default)]
    ui: UiSection,
    #[serde(default)]
    keys: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    notify: NotifySection,
    #[serde(default)]
    defaults: DefaultsSection,
}

/// `[endpoints]`: one URL per provider name; a name no provider has is an error.
#[derive(Debug, Default, Deserialize)]
struct EndpointsSection(BTreeMap<Spanned<String>, Spanned<String>>);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PollSection {
    interval: Option<Spanned<String>>,
    jitter: Option<Spanned<f64>>,
    backoff_max: Option<Spanned<String>>,
    max_interval: Option<Spanned<String>>,
    policy: Option<Spanned<String>>,
    requests_per_second: Option<Spanned<u32>>,
    max_in_flight: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpSection {
    connect_timeout: Option<Spanned<String>>,
    read_timeout: Option<Spanned<String>>,
    total_timeout: Option<Spanned<String>>,
    body_cap_mib: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiSection {
    theme: Option<Spanned<ThemeName>>,
    mouse: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifySection {
    bell: Option<Spanned<bool>>,
    desktop: Option<Spanned<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsSection {
    aliyun_profile: Option<Spanned<String>>,
    import_target: Option<Spanned<String>>,
    export_source: Option<Spanned<String>>,
}

/// A value with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    fn default(value: T) -> Self {
        Sourced { value, source: Source::Default }
    }
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Endpoint override per provider (validated by the provider module when clients are built).
    pub endpoints: BTreeMap<ProviderKind, Sourced<String>>,
    pub poll_interval: Sourced<Duration>,
    pub poll_jitter: Sourced<f64>,
    pub backoff_max: Sourced<Duration>,
    /// Longest time an unfinished task goes unpolled (while the budget allows).
    pub poll_max_interval: Sourced<Duration>,
    /// `adaptive`, or `round-robin` (the schedule before issue 21, for comparisons).
    pub poll_policy: Sourced<Policy>,
    pub requests_per_second: Sourced<u32>,
    pub max_in_flight: Sourced<u32>,
    pub connect_timeout: Sourced<Duration>,
    pub read_timeout: Sourced<Duration>,
    pub total_timeout: Sourced<Duration>,
    pub body_cap_mib: Sourced<u32>,
    pub theme: Sourced<ThemeName>,
    pub mouse: Sourced<bool>,
    pub notify_bell: Sourced<bool>,
    pub notify_desktop: Sourced<bool>,
    /// Key remapping: action name → key spec, checked by the keymap.
    pub keys: BTreeMap<String, Sourced<String>>,
    pub defaults: BTreeMap<&'static str, Sourced<String>>,
}

impl Default for Config {
    fn default() -> Self {
        let poll = PollerConfig::default();
        Config {
            endpoints: BTreeMap::new(),
            poll_interval: Sourced::default(poll.interval),
            poll_jitter: Sourced::default(poll.jitter),
            backoff_max: Sourced::default(poll.backoff_max),
            poll_max_interval: Sourced::default(poll.max_interval),
            poll_policy: Sourced::default(poll.policy),
            requests_per_second: Sourced::default(poll.requests_per_second),
            max_in_flight: Sourced::default(u32::try_from(poll.max_in_flight).unwrap_or(4)),
            connect_timeout: Sourced::default(Duration::from_secs(5)),
            read_timeout: Sourced::default(Duration::from_secs(10)),
            total_timeout: Sourced::default(Duration::from_secs(30)),
            body_cap_mib: Sourced::default(16),
            theme: Sourced::default(ThemeName::Dark),
            mouse: Sourced::default(false),
            notify_bell: Sourced::default(true),
            notify_desktop: Sourced::default(true),
            keys: BTreeMap::new(),
            defaults: BTreeMap::new(),
        }
    }
}

/// Values given on the command line, highest precedence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlagOverrides {
    pub endpoints: BTreeMap<ProviderKind, String>,
    pub poll_interval: Option<Duration>,
}

/// The longest duration accepted anywhere (a timeout, an interval): a year. Longer values are
/// typos, and added to a clock reading they would overflow it.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Parses a duration a user wrote (`500ms`, `2s`, `10m`, `1h30m`), at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let value = humantime::parse_duration(text.trim()).map_err(|e| format!("invalid duration {text:?} ({e})"))?;
    if value > MAX_DURATION {
        return Err(format!("duration {text:?} is longer than the limit of 365 days"));
    }
    Ok(value)
}

/// `[defaults]` keys: the aliyun CLI profile to use when `ALIBABA_CLOUD_PROFILE` is unset, and the
/// target `import` uses without `--to` / the source `export` uses without `--from`.
pub const DEFAULT_ALIYUN_PROFILE: &str = "aliyun_profile";
pub const DEFAULT_IMPORT_TARGET: &str = "import_target";
pub const DEFAULT_EXPORT_SOURCE: &str = "export_source";

/// The environment variables the config reads (secrets are read elsewhere).
pub const ENV_CONFIG_DIR: &str = "OASWATCH_CONFIG_DIR";
pub const ENV_DATA_DIR: &str = "OASWATCH_DATA_DIR";
/// The poll policy (`adaptive`, `round-robin`): for benchmarks that compare the two.
pub const ENV_POLL_POLICY: &str = "OASWATCH_POLL_POLICY";

/// The config file as read from disk: its path and text.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
}

impl Config {
    /// Merges defaults, the file, the environment and the flags, in rising precedence.
    pub fn resolve(
        file: Option<&ConfigFile>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &FlagOverrides,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(file) = file {
            config.apply_file(file)?;
        }
        for provider in ProviderKind::ALL {
            let var = provider.facts().endpoint_env;
            if let Some(value) = env(var).filter(|v| !v.trim().is_empty()) {
                config.endpoints.insert(provider, Sourced { value: value.trim().to_owned(), source: Source::Env(var) });
            }
        }
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            config.theme = Sourced { value: ThemeName::Mono, source: Source::Env("NO_COLOR") };
        }
        for (provider, value) in &flags.endpoints {
            config.endpoints.insert(*provider, Sourced { value: value.clone(), source: Source::Flag("--endpoint") });
        }
        if let Some(value) = env(ENV_POLL_POLICY).filter(|v| !v.trim().is_empty()) {
            let value = value
                .trim()
                .parse()
                .map_err(|message| ConfigError::Value { origin: Source::Env(ENV_POLL_POLICY).to_string(), message })?;
            config.poll_policy = Sourced { value, source: Source::Env(ENV_POLL_POLICY) };
        }
        if let Some(interval) = flags.poll_interval {
            config.poll_interval = Sourced { value: interval, source: Source::Flag("--interval") };
        }
        config.check()?;
        Ok(config)
    }

    fn apply_file(&mut self, file: &ConfigFile) -> Result<(), ConfigError> {
        let parsed: FileConfig = toml::from_str(&file.text).map_err(|err| ConfigError::File {
            path: file.path.clone(),
            line: err.span().map_or(1, |span| line_of(&file.text, &span)),
            message: err.message().to_owned(),
        })?;
        let at = |span: &Range<usize>| Source::File { path: file.path.clone(), line: line_of(&file.text, span) };
        let take_string = |slot: &Option<Spanned<String>>| {
            slot.as_ref().map(|s| Sourced { value: s.get_ref().trim().to_owned(), source: at(&s.span()) })
        };
        let take_duration = |slot: &Option<Spanned<String>>, target: &mut Sourced<Duration>| {
            if let Some(spanned) = slot {
                let value = parse_duration(spanned.get_ref()).map_err(|e| ConfigError::File {
                    path: file.path.clone(),
                    line: line_of(&file.text, &spanned.span()),
                    message: format!("{e}; write it like \"2s\", \"500ms\" or \"1m\""),
                })?;
                *target = Sourced { value, source: at(&spanned.span()) };
            }
            Ok::<(), ConfigError>(())
        };
        for (name, url) in &parsed.endpoints.0 {
            let provider: ProviderKind = name.get_ref().parse().map_err(|e: String| ConfigError::File {
                path: file.path.clone(),
                line: line_of(&file.text, &name.span()),
                message: format!("endpoints: {e}"),
            })?;
            if let Some(v) = take_string(&Some(url.clone())) {
                self.endpoints.insert(provider, v);
            }
        }
        take_duration(&parsed.poll.interval, &mut self.poll_interval)?;
        take(parsed.poll.jitter.as_ref(), &mut self.poll_jitter, &at);
        take_duration(&parsed.poll.backoff_max, &mut self.backoff_max)?;
        take_duration(&parsed.poll.max_interval, &mut self.poll_max_interval)?;
        if let Some(policy) = take_string(&parsed.poll.policy) {
            let value = policy
                .value
                .parse()
                .map_err(|message| ConfigError::Value { origin: policy.source.to_string(), message })?;
            self.poll_policy = Sourced { value, source: policy.source };
        }
        take(parsed.poll.requests_per_second.as_ref(), &mut self.requests_per_second, &at);
        take(parsed.poll.max_in_flight.as_ref(), &mut self.max_in_flight, &at);
        take_duration(&parsed.http.connect_timeout, &mut self.connect_timeout)?;
        take_duration(&parsed.http.read_timeout, &mut self.read_timeout)?;
        take_duration(&parsed.http.total_timeout, &mut self.total_timeout)?;
        take(parsed.http.body_cap_mib.as_ref(), &mut self.body_cap_mib, &at);
        take(parsed.ui.theme.as_ref(), &mut self.theme, &at);
        take(parsed.ui.mouse.as_ref(), &mut self.mouse, &at);
        take(parsed.notify.bell.as_ref(), &mut self.notify_bell, &at);
        take(parsed.notify.desktop.as_ref(), &mut self.notify_desktop, &at);
        // `next-failure = "x"`, or per context: `[keys.viewer] raw = "J"` / `viewer.raw = "J"`.
        for (name, entry) in &parsed.keys {
            let source = at(&entry.span());
            let not_a_key = |what: &str| ConfigError::Value {
                origin: source.to_string(),
                message: format!("keys.{what}: expected a key like \"x\", \"ctrl-d\" or \"pgdn\""),
            };
            match entry.get_ref() {
                toml::Value::String(key) => {
                    self.keys.insert(name.clone(), Sourced { value: key.clone(), source: source.clone() });
                }
                toml::Value::Table(actions) => {
                    for (action, key) in actions {
                        let key = key.as_str().ok_or_else(|| not_a_key(&format!("{name}.{action}")))?;
                        self.keys.insert(
                            format!("{name}.{action}"),
                            Sourced { value: key.to_owned(), source: source.clone() },
                        );
                    }
                }
                _ => return Err(not_a_key(name)),
            }
        }
        for (name, slot) in [
            (DEFAULT_ALIYUN_PROFILE, &parsed.defaults.aliyun_profile),
            (DEFAULT_IMPORT_TARGET, &parsed.defaults.import_target),
            (DEFAULT_EXPORT_SOURCE, &parsed.defaults.export_source),
        ] {
            if let Some(v) = take_string(slot) {
                // A target that does not parse is reported now, at its line, not at first use.
                if name != DEFAULT_ALIYUN_PROFILE
                    && let Err(error) = v.value.parse::<crate::domain::Target>()
                {
                    return Err(ConfigError::Value { origin: v.source.to_string(), message: error.to_string() });
                }
                self.defaults.insert(name, v);
            }
        }
        Ok(())
    }

    /// Range checks that serde cannot express. Errors name the value's origin.
    fn check(&self) -> Result<(), ConfigError> {
        let bad = |source: &Source, message: String| ConfigError::Value { origin: source.to_string(), message };
        if self.poll_interval.value < Duration::from_millis(200) {
            return Err(bad(&self.poll_interval.source, "poll interval must be at least 200ms".into()));
        }
        if self.poll_max_interval.value < self.poll_interval.value {
            return Err(bad(
                &self.poll_max_interval.source,
                format!(
                    "poll max_interval must be at least the poll interval ({})",
                    humantime::format_duration(self.poll_interval.value)
                ),
            ));
        }
        if !(0.0..=0.9).contains(&self.poll_jitter.value) {
            return Err(bad(&self.poll_jitter.source, "poll jitter must be between 0.0 and 0.9".into()));
        }
        if self.requests_per_second.value == 0 {
            return Err(bad(&self.requests_per_second.source, "requests_per_second must be at least 1".into()));
        }
        if self.max_in_flight.value == 0 {
            return Err(bad(&self.max_in_flight.source, "max_in_flight must be at least 1".into()));
        }
        if self.body_cap_mib.value == 0 || self.body_cap_mib.value > 1024 {
            return Err(bad(&self.body_cap_mib.source, "body_cap_mib must be between 1 and 1024".into()));
        }
        for timeout in [&self.connect_timeout, &self.read_timeout, &self.total_timeout] {
            if timeout.value.is_zero() {
                return Err(bad(&timeout.source, "timeouts must be longer than zero".into()));
            }
        }
        Ok(())
    }

    /// The poller settings this config asks for.
    pub fn poller(&self) -> PollerConfig {
        PollerConfig {
            interval: self.poll_interval.value,
            jitter: self.poll_jitter.value,
            backoff_max: self.backoff_max.value,
            max_interval: self.poll_max_interval.value,
            policy: self.poll_policy.value,
            requests_per_second: self.requests_per_second.value,
            max_in_flight: self.max_in_flight.value as usize,
            ..PollerConfig::default()
        }
    }

    /// `oaswatch config`: every effective value and where it came from.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let mut row = |key: &str, value: String, source: &Source| {
            let _ = writeln!(out, "{key:<26} = {value:<40} # {source}");
        };
        for provider in ProviderKind::ALL {
            match self.endpoints.get(&provider) {
                Some(v) => {
                    row(
                        &format!("endpoints.{provider}"),
                        quote(&crate::provider::redact_endpoint(&v.value)),
                        &v.source,
                    );
                }
                None => row(&format!("endpoints.{provider}"), "(cloud default per region)".into(), &Source::Default),
            }
        }
        row(
            "poll.interval",
            quote(&humantime::format_duration(self.poll_interval.value).to_string()),
            &self.poll_interval.source,
        );
        row("poll.jitter", self.poll_jitter.value.to_string(), &self.poll_jitter.source);
        row(
            "poll.backoff_max",
            quote(&humantime::format_duration(self.backoff_max.value).to_string()),
            &self.backoff_max.source,
        );
        row(
            "poll.max_interval",
            quote(&humantime::format_duration(self.poll_max_interval.value).to_string()),
            &self.poll_max_interval.source,
        );
        row("poll.policy", quote(self.poll_policy.value.as_str()), &self.poll_policy.source);
        row("poll.requests_per_second", self.requests_per_second.value.to_string(), &self.requests_per_second.source);
        row("poll.max_in_flight", self.max_in_flight.value.to_string(), &self.max_in_flight.source);
        for (key, value) in [
            ("http.connect_timeout", &self.connect_timeout),
            ("http.read_timeout", &self.read_timeout),
            ("http.total_timeout", &self.total_timeout),
        ] {
            row(key, quote(&humantime::format_duration(value.value).to_string()), &value.source);
        }
        row("http.body_cap_mib", self.body_cap_mib.value.to_string(), &self.body_cap_mib.source);
        row("ui.theme", quote(self.theme.value.as_str()), &self.theme.source);
        row("ui.mouse", self.mouse.value.to_string(), &self.mouse.source);
        row("notify.bell", self.notify_bell.value.to_string(), &self.notify_bell.source);
        row("notify.desktop", self.notify_desktop.value.to_string(), &self.notify_desktop.source);
        for (name, value) in &self.defaults {
            row(&format!("defaults.{name}"), quote(&value.value), &value.source);
        }
        for (action, key) in &self.keys {
            row(&format!("keys.{action}"), quote(&key.value), &key.source);
        }
        out
    }
}

fn quote(text: &str) -> String {
    format!("{text:?}")
}

fn take<T: Clone>(slot: Option<&Spanned<T>>, target: &mut Sourced<T>, at: &dyn Fn(&Range<usize>) -> Source) {
    if let Some(spanned) = slot {
        *target = Sourced { value: spanned.get_ref().clone(), source: at(&spanned.span()) };
    }
}

/// 1-based line number of a byte offset range's start.
fn line_of(text: &str, span: &Range<usize>) -> usize {
    text.get(..span.start).unwrap_or(text).matches('\n').count() + 1
}

/// The directories oaswatch reads and writes, from `directories` or the `OASWATCH_*` overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn watchlist_file(&self) -> PathBuf {
        self.data_dir.join("watchlist.json")
    }

    pub fn log_file(&self) -> PathBuf {
        self.log_dir.join("oaswatch.log")
    }

    /// Where the dashboard remembers its place between runs (the state directory, like the log).
    pub fn session_file(&self) -> PathBuf {
        self.log_dir.join("session.json")
    }

    /// Resolves the directories; the overrides win (tests and sandboxes use them).
    pub fn discover(env: &dyn Fn(&str) -> Option<String>) -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "oaswatch");
        let from_env = |var: &str| env(var).filter(|v| !v.is_empty()).map(PathBuf::from);
        let config_dir = from_env(ENV_CONFIG_DIR)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .ok_or(ConfigError::NoDirectory { what: "the config file", var: ENV_CONFIG_DIR })?;
        let data_dir = from_env(ENV_DATA_DIR)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .ok_or(ConfigError::NoDirectory { what: "the watch list", var: ENV_DATA_DIR })?;
        // With an overridden data dir (tests), keep the log beside it rather than in the real home.
        let log_dir = if env(ENV_DATA_DIR).is_some_and(|v| !v.is_empty()) {
            data_dir.clone()
        } else {
            dirs.as_ref()
                .map_or_else(|| data_dir.clone(), |d| d.state_dir().unwrap_or_else(|| d.cache_dir()).to_path_buf())
        };
        Ok(Paths { config_dir, data_dir, log_dir })
    }
}

/// Reads the config file if it exists. A missing file is not an error; an unreadable one is.
pub fn load_file(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(ConfigFile { path: path.to_path_buf(), text })),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(ConfigError::Io { path: path.to_path_buf(), message: err.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn file(text: &str) -> ConfigFile {
        ConfigFile { path: PathBuf::from("/cfg/config.toml"), text: text.to_owned() }
    }

    #[test]
    fn defaults_without_file_env_or_flags() {
        let config = Config::resolve(None, &no_env, &FlagOverrides::default()).unwrap();
        assert_eq!(config.poll_interval.value, Duration::from_secs(2));
        assert_eq!(config.poll_interval.source, Source::Default);
        assert!(config.endpoints.is_empty());
        assert_eq!(config.theme.value, ThemeName::Dark);
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let f = file("[endpoints]\naliyun = \"https://file.example\"\nhuawei = \"https://hw-file.example\"\n");
        let env = |var: &str| (var == "OASWATCH_ALIYUN_ENDPOINT").then(|| "http://127.0.0.1:9".to_owned());
        let mut flags = FlagOverrides::default();
        let config = Config::resolve(Some(&f), &env, &flags).unwrap();
        assert_eq!(config.endpoints[&ProviderKind::Aliyun].value, "http://127.0.0.1:9");
        assert_eq!(config.endpoints[&ProviderKind::Aliyun].source, Source::Env("OASWATCH_ALIYUN_ENDPOINT"));
        assert_eq!(
            config.endpoints[&ProviderKind::Huawei].source,
            Source::File { path: "/cfg/config.toml".into(), line: 3 }
        );
        flags.endpoints.insert(ProviderKind::Aliyun, "http://127.0.0.2:1".into());
        let config = Config::resolve(Some(&f), &env, &flags).unwrap();
        assert_eq!(config.endpoints[&ProviderKind::Aliyun].value, "http://127.0.0.2:1");
    }

    #[test]
    fn unknown_key_is_an_error_naming_the_line() {
        let err = Config::resolve(
            Some(&file("[poll]\ninterval = \"3s\"\nintervall = \"4s\"\n")),
            &no_env,
            &FlagOverrides::default(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/cfg/config.toml:3:"), "{text}");
        assert!(text.contains("intervall"), "{text}");
    }

    #[test]
    fn invalid_values_name_their_line() {
        let err = Config::resolve(Some(&file("\n[poll]\ninterval = \"soon\"\n")), &no_env, &FlagOverrides::default())
            .unwrap_err();
        assert!(err.to_string().starts_with("/cfg/config.toml:3: invalid duration \"soon\""), "{err}");
        let err =
            Config::resolve(Some(&file("[ui]\ntheme = \"purple\"\n")), &no_env, &FlagOverrides::default()).unwrap_err();
        assert!(err.to_string().starts_with("/cfg/config.toml:2:"), "{err}");
        let err = Config::resolve(Some(&file("[poll]\nrequests_per_second = 0\n")), &no_env, &FlagOverrides::default())
            .unwrap_err();
        assert_eq!(err.to_string(), "/cfg/config.toml:2: requests_per_second must be at least 1");
    }

    #[test]
    fn absurd_durations_are_config_errors_not_panics() {
        for key in ["[poll]\ninterval", "[http]\nread_timeout", "[http]\ntotal_timeout"] {
            let f = file(&format!("{key} = \"18446744073709551615s\"\n"));
            let err = Config::resolve(Some(&f), &no_env, &FlagOverrides::default()).unwrap_err().to_string();
            assert!(err.contains("longer than the limit of 365 days"), "{err}");
        }
        assert_eq!(parse_duration("365days").unwrap(), MAX_DURATION);
        assert!(parse_duration("366days").is_err());
    }

    #[test]
    fn keys_may_be_plain_or_per_context() {
        let f = file("[keys]\nnext-failure = \"x\"\nviewer.raw = \"J\"\n[keys.subtasks]\nsort = \"o\"\n");
        let config = Config::resolve(Some(&f), &no_env, &FlagOverrides::default()).unwrap();
        let keys: Vec<(&str, &str)> = config.keys.iter().map(|(k, v)| (k.as_str(), v.value.as_str())).collect();
        assert_eq!(keys, [("next-failure", "x"), ("subtasks.sort", "o"), ("viewer.raw", "J")]);
        assert!(matches!(config.keys["subtasks.sort"].source, Source::File { line: 4 | 5, .. }));
        let bad = file("[keys]\nquit = 3\n");
        let err = Config::resolve(Some(&bad), &no_env, &FlagOverrides::default()).unwrap_err();
        assert!(err.to_string().starts_with("/cfg/config.toml:2: keys.quit: expected a key"), "{err}");
    }

    #[test]
    fn no_color_selects_the_mono_theme() {
        let env = |var: &str| (var == "NO_COLOR").then(|| "1".to_owned());
        let f = file("[ui]\ntheme = \"light\"\n");
        let config = Config::resolve(Some(&f), &env, &FlagOverrides::default()).unwrap();
        assert_eq!(config.theme.value, ThemeName::Mono);
        assert_eq!(config.theme.source, Source::Env("NO_COLOR"));
    }

    #[test]
    fn describe_lists_every_value_with_its_source() {
        let f = file("[poll]\ninterval = \"5s\"\n[keys]\nnext_failure = \"x\"\n");
        let config = Config::resolve(Some(&f), &no_env, &FlagOverrides::default()).unwrap();
        let text = config.describe();
        assert!(text.contains("poll.interval              = \"5s\""), "{text}");
        assert!(text.contains("# /cfg/config.toml:2"), "{text}");
        assert!(text.contains("keys.next_failure"), "{text}");
        assert!(text.contains("ui.theme                   = \"dark\""), "{text}");
    }

    #[test]
    fn defaults_are_checked_where_they_are_written() {
        let f = file("[defaults]\naliyun_profile = \"prod\"\nimport_target = \"aliyun://cn-hangzhou/g1\"\n");
        let config = Config::resolve(Some(&f), &no_env, &FlagOverrides::default()).unwrap();
        assert_eq!(config.defaults[DEFAULT_ALIYUN_PROFILE].value, "prod");
        assert_eq!(config.defaults[DEFAULT_IMPORT_TARGET].value, "aliyun://cn-hangzhou/g1");
        let bad = file("[defaults]\n\nexport_source = \"huawei://cn-north-4\"\n");
        let err = Config::resolve(Some(&bad), &no_env, &FlagOverrides::default()).unwrap_err();
        assert!(err.to_string().starts_with("/cfg/config.toml:3: invalid import/export target"), "{err}");
    }

    #[test]
    fn example_config_in_assets_is_valid() {
        let text = include_str!("../assets/config.example.toml");
        let config = Config::resolve(Some(&file(text)), &no_env, &FlagOverrides::default()).unwrap();
        assert_eq!(config.poll_interval.value, Duration::from_secs(2));
    }

    #[test]
    fn paths_honour_the_overrides() {
        let env = |var: &str| match var {
            ENV_CONFIG_DIR => Some("/tmp/c".to_owned()),
            ENV_DATA_DIR => Some("/tmp/d".to_owned()),
            _ => None,
        };
        let paths = Paths::discover(&env).unwrap();
        assert_eq!(paths.config_file(), PathBuf::from("/tmp/c/config.toml"));
        assert_eq!(paths.watchlist_file(), PathBuf::from("/tmp/d/watchlist.json"));
        assert_eq!(paths.log_file(), PathBuf::from("/tmp/d/oaswatch.log"));
    }
}

//! Diagnostics to `<state_dir>/oaswatch.log`: never to the terminal (it belongs to the
//! dashboard or to the command's output), never a secret (callers log codes and ids, not
//! headers or signed URLs).
//!
//! The filter comes from `OASWATCH_LOG`, else `RUST_LOG`, else `warn`.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Starts logging to `path` (appending, mode 0600, directory 0700). Logging is best effort: if
/// the file cannot be opened the tool still runs, and the reason is returned for a warning.
pub fn init(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let directives = env("OASWATCH_LOG").or_else(|| env("RUST_LOG")).unwrap_or_else(|| "warn".to_owned());
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(true)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|e| format!("logging already initialised: {e}"))
}

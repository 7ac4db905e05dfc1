//! A `Host` for tests that drive the real event loop (`runtime::run`) without a terminal's
//! effects: `idle.rs`, `rel_runtime.rs`.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use oaswatch::app::{ExternalProgram, Notification};
use oaswatch::domain::TaskRef;
use oaswatch::runtime::{EffectError, Host};
use tokio::time::Instant;

/// Does nothing and says so: saves, the clipboard, notifications and external programs succeed
/// silently, files are refused. Its wall clock is 2023-11-14 plus the time elapsed since `start`
/// on tokio's clock, which a test may pause.
pub struct QuietHost {
    pub start: Instant,
}

impl QuietHost {
    pub fn new() -> QuietHost {
        QuietHost { start: Instant::now() }
    }
}

impl Host for QuietHost {
    fn save_watchlist(&mut self, _: &[TaskRef]) -> Result<(), EffectError> {
        Ok(())
    }
    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn copy_to_clipboard(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn notify(&mut self, _: &Notification) -> io::Result<()> {
        Ok(())
    }
    fn write_file(&mut self, _: &Path, _: &str, _: &[u8]) -> Result<PathBuf, EffectError> {
        Err(EffectError::Unavailable("no files here"))
    }
    fn open_external(&mut self, _: ExternalProgram, _: &str, _: &str) -> Result<(), EffectError> {
        Ok(())
    }
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + self.start.elapsed()
    }
}

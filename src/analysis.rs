//! Failure analysis: what the dashboard and the reports say *about* a task beyond its raw rows.
//!
//! Owns four pure parts, each used by the UI (`src/app`, `src/ui`) and the CLI later:
//! - [`signature`]: the normalised error text that makes two failures "the same problem";
//! - [`groups`]: failed and cancelled subtasks clustered by that signature, biggest first;
//! - [`progress`]: completion rate, an honest ETA and a sparkline series from successive polls;
//! - [`changes`]: which subtasks changed state since the user last looked at a task.
//!
//! Must not do I/O, read the clock (time arrives as values), use tokio or draw anything: the
//! callers own presentation, and provider text stays verbatim in the domain types.

pub mod accuracy;
pub mod changes;
pub mod groups;
pub mod miner;
pub mod progress;
pub mod signature;
pub mod tokens;

pub use changes::{ChangeTracker, ChangedSet};
pub use groups::{
    CANCELLED_NO_TEXT, FailureGroup, NO_ERROR_TEXT, SignatureMemo, group_failures, group_subtasks, group_subtasks_memo,
    membership, regroup_subtasks,
};
pub use progress::{Eta, NotEnoughData, ProgressConfig, ProgressTracker, reports_subtask_progress};
pub use signature::{Normaliser, signature};

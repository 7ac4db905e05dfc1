//! Failure analysis: what the dashboard and the reports say *about* a task beyond its raw rows.
//!
//! Owns these pure parts, used by the UI (`src/app`, `src/ui`), the CLI and the reports:
//! - failure groups: [`signature`] masks what the rules know varies (paths, ids, numbers,
//!   times), [`tokens`] splits the result, [`miner`] learns the rest of what varies and clusters
//!   messages by the statement that wrote them, [`consequences`] finds the subtasks stopped by
//!   another's failure, [`grouper`] keeps all of that per task from poll to poll, and [`groups`]
//!   is what callers get: causes biggest first, consequences folded under them; [`values`] reads
//!   a group's variables back out of its members, [`elide`] shortens a template where it repeats
//!   its neighbours; [`accuracy`] scores a grouping against a true one (the benchmarks);
//! - [`stragglers`]: the subtasks a finished task left unfinished, named the same everywhere;
//! - [`progress`]: completion rate, an honest ETA and a sparkline series from successive polls;
//! - [`changes`]: which subtasks changed state since the user last looked at a task.
//!
//! Must not do I/O, read the clock (time arrives as values), use tokio or draw anything: the
//! callers own presentation, and provider text stays verbatim in the domain types.

pub mod accuracy;
pub mod changes;
pub mod consequences;
pub mod elide;
pub mod grouper;
pub mod groups;
pub mod miner;
pub mod progress;
pub mod signature;
pub mod stragglers;
pub mod tokens;
pub mod values;

pub use changes::{ChangeTracker, ChangedSet};
pub use grouper::Grouper;
pub use groups::{CANCELLED_NO_TEXT, FailureGroup, NO_ERROR_TEXT, group_failures, group_subtasks, membership};
pub use progress::{Eta, NotEnoughData, ProgressConfig, ProgressTracker, reports_subtask_progress};
pub use signature::{Normaliser, signature};

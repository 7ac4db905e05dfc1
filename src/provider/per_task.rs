//! What every poll of one task sends the same (its URL, host, canonical URI and query), worked
//! out on the task's first poll and reused after.
//!
//! Building a task's URL again for each poll (joining the path, parsing it, encoding and sorting
//! the query) was about 8,000 instructions of the Huawei client's per-request work, more than
//! the lookup here costs by far (`cargo bench --bench polling -- cost`, BENCHMARKS.md). Bounded:
//! past [`MAX_TASKS`] the memory is dropped and refilled. Pure apart from its lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::TaskRef;

/// Tasks remembered at most before all are forgotten (tasks no longer watched included).
const MAX_TASKS: usize = 4096;

pub struct PerTask<T> {
    /// foldhash: looked up on every request.
    made: Mutex<HashMap<TaskRef, Arc<T>, foldhash::fast::RandomState>>,
}

impl<T> Default for PerTask<T> {
    fn default() -> Self {
        PerTask { made: Mutex::new(HashMap::default()) }
    }
}

/// Only how many: what is kept is request detail.
impl<T> std::fmt::Debug for PerTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("PerTask").field("tasks", &made.len()).finish()
    }
}

impl<T> PerTask<T> {
    /// `task_ref`'s value, made by `make` the first time (an error is not kept: the next poll
    /// tries again).
    pub fn get_or_make<E>(&self, task_ref: &TaskRef, make: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(made) = self.made.lock().unwrap_or_else(PoisonError::into_inner).get(task_ref) {
            return Ok(Arc::clone(made));
        }
        let value = Arc::new(make()?);
        let mut kept = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_TASKS {
            kept.clear();
        }
        kept.insert(task_ref.clone(), Arc::clone(&value));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_per_task_errors_not_kept_and_memory_bounded() {
        let per_task = PerTask::<String>::default();
        let a: TaskRef = "aliyun://cn-hangzhou/t1".parse().unwrap();
        let b: TaskRef = "aliyun://cn-hangzhou/t2".parse().unwrap();
        let mut made = 0;
        for _ in 0..3 {
            let value = per_task.get_or_make(&a, || -> Result<String, ()> {
                made += 1;
                Ok("a".to_owned())
            });
            assert_eq!(value.as_deref().map(String::as_str), Ok("a"));
        }
        assert_eq!(made, 1, "made on the first request only");
        assert_eq!(per_task.get_or_make(&b, || Err::<String, _>("no")), Err("no"));
        assert_eq!(per_task.get_or_make(&b, || Ok::<_, ()>("b".to_owned())).unwrap().as_str(), "b", "tried again");
        for i in 0..MAX_TASKS + 10 {
            let r: TaskRef = format!("aliyun://cn-hangzhou/m{i}").parse().unwrap();
            per_task.get_or_make(&r, || Ok::<_, ()>(String::new())).unwrap();
        }
        assert!(per_task.made.lock().unwrap().len() <= MAX_TASKS);
    }
}

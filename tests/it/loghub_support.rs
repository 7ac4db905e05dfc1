//! The eight Loghub-2k samples beside the repository (`../shared/benchmarks/loghub`) and the
//! scenario that serves them as failure messages: shared by `tests/it/grouping.rs` and
//! `benches/grouping.rs` (which includes this file by `#[path]`).

#![allow(clippy::unwrap_used, reason = "test and bench harness: fail loudly")]

use std::fmt::Write as _;

use oaswatch::sim::{Scenario, scenario};

/// The samples, in the order of the published tables (BENCHMARKS.md).
pub const SAMPLES: [&str; 8] = ["HDFS", "Hadoop", "Spark", "BGL", "Linux", "Mac", "HealthApp", "Proxifier"];

/// A sample's name and its (Content, EventId) rows.
pub type Sample = (String, Vec<(String, String)>);

/// The eight samples, or `None` when they are not beside the repository.
pub fn loghub_samples() -> Option<Vec<Sample>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/benchmarks/loghub");
    let mut samples = Vec::new();
    for name in SAMPLES {
        let mut reader = csv::Reader::from_path(dir.join(format!("{name}_2k.log_structured.csv"))).ok()?;
        let headers = reader.headers().ok()?.clone();
        let content = headers.iter().position(|h| h == "Content")?;
        let event = headers.iter().position(|h| h == "EventId")?;
        let rows = reader.records().map(|r| r.unwrap()).map(|r| (r[content].to_owned(), r[event].to_owned())).collect();
        samples.push((name.to_owned(), rows));
    }
    Some(samples)
}

/// A scenario with one Alibaba import per sample (named after it), each of whose operations
/// fails with one line of the sample.
pub fn loghub_scenario(samples: &[Sample]) -> Scenario {
    let mut text = String::from(
        "name = \"loghub\"\n[aliyun]\nregion = \"cn-hangzhou\"\n[[aliyun.credentials]]\naccess_key_id = \"AK\"\naccess_key_secret = \"SK\"\n\
         [[aliyun.groups]]\nid = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\nname = \"generated\"\nbase_path = \"/gen\"\n\
         [huawei]\n[[huawei.credentials]]\naccess_key = \"HAK\"\nsecret_key = \"HSK\"\n",
    );
    for (name, rows) in samples {
        let _ = write!(
            text,
            "[[tasks]]\nname = \"{name}\"\nprovider = \"aliyun\"\ngroup = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\n\
             generate = {{ operations = {} }}\nbehaviour = {{ duration_secs = 1, queue_secs = 0 }}\n",
            rows.len()
        );
    }
    let mut scenario = scenario::parse(&text, "loghub scenario", None).unwrap();
    for (task, (_, rows)) in scenario.tasks.iter_mut().zip(samples) {
        task.failure_messages = rows.iter().map(|(content, _)| content.clone()).collect();
    }
    scenario
}

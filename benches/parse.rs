//! Parsing and applying a 10,000-subtask (~6 MB) response, against a bare typed `serde_json`
//! parse of the same bytes and a `serde_json::Value` parse (the reference). Target 5.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench code: fail loudly")]

#[path = "support/fixtures.rs"]
mod support;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use oaswatch::app::Action;
use oaswatch::provider::aliyun::wire as aliyun_wire;
use oaswatch::provider::huawei::wire as huawei_wire;
use serde::Deserialize;

/// Every field of an item as owned strings: what "a bare typed parse" means here.
#[derive(Deserialize)]
#[expect(dead_code, reason = "fields are parsed to be measured, not read")]
struct BareItem {
    #[serde(rename = "ApiId")]
    api_id: String,
    #[serde(rename = "ApiName")]
    api_name: String,
    #[serde(rename = "Method")]
    method: String,
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "GroupId")]
    group_id: String,
    #[serde(rename = "UpdateStatus")]
    update_status: String,
    #[serde(rename = "ErrorMessage")]
    error_message: String,
    #[serde(rename = "Description")]
    description: String,
}

#[derive(Deserialize)]
struct BareList {
    #[serde(rename = "ApiResult")]
    api_result: Vec<BareItem>,
}

#[derive(Deserialize)]
struct BareBody {
    #[serde(rename = "TaskStatus")]
    #[expect(dead_code, reason = "parsed to be measured, not read")]
    task_status: String,
    #[serde(rename = "ApiResults")]
    api_results: BareList,
}

fn aliyun(c: &mut Criterion) {
    let body = support::aliyun_body(10_000);
    let bytes = body.as_bytes().to_vec();
    let task_ref = support::aliyun_ref("bench");
    let mut group = c.benchmark_group("parse_aliyun_10k");
    group.sample_size(30);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("bare_typed_serde", |b| {
        b.iter(|| serde_json::from_slice::<BareBody>(black_box(&bytes)).unwrap());
    });
    group.bench_function("value_reference", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap());
    });
    // What the client does with the bytes it read: UTF-8 check, keep them as the raw body, parse.
    group.bench_function("oaswatch_parse", |b| {
        b.iter(|| {
            let text: Arc<str> = Arc::from(std::str::from_utf8(black_box(&bytes)).unwrap());
            aliyun_wire::describe_task(&task_ref, text).unwrap()
        });
    });
    // Parse, then apply to a dashboard showing the previous snapshot of the same task.
    let previous = aliyun_wire::describe_task(&task_ref, Arc::from(body.as_str())).unwrap();
    let mut app =
        oaswatch::app::App::new(vec![(task_ref.clone(), Some(previous))], oaswatch::app::AppOptions::default());
    app.update(Action::Resize { w: support::WIDTH, h: support::HEIGHT });
    app.update(Action::Tick(support::t0()));
    let mut secs = 1;
    // The dashboard prepares each answer on a worker before the UI thread applies it; both count.
    let mut preparer = oaswatch::app::prepare::Preparer::new();
    group.bench_function("oaswatch_parse_and_apply", |b| {
        b.iter_batched(
            || {
                secs += 1;
                // A different snapshot each time, as a running task gives: one item flips
                // between running and finished (same length, so the JSON stays valid).
                let mut changed = bytes.clone();
                if secs % 2 == 0 {
                    let at = body.find("\"RUNNING\"").unwrap();
                    changed[at + 1..at + 8].copy_from_slice(b"OVER   ");
                }
                (changed, secs)
            },
            |(changed, secs)| {
                let text: Arc<str> = Arc::from(std::str::from_utf8(&changed).unwrap());
                let task = aliyun_wire::describe_task(&task_ref, text).unwrap();
                let mut polled = support::polled(task, secs);
                preparer.prepare(&mut polled);
                let effects = app.update(Action::Polled(polled));
                // The replaced snapshot is freed off the UI thread by the runtime; criterion
                // drops what the routine returns outside the timing, which matches that.
                (effects, app.take_garbage())
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn huawei(c: &mut Criterion) {
    let body = support::huawei_body(10_000);
    let task_ref = support::huawei_ref("bench");
    let mut group = c.benchmark_group("parse_huawei_10k");
    group.sample_size(30);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("value_reference", |b| {
        b.iter(|| {
            let outer: serde_json::Value = serde_json::from_str(black_box(&body)).unwrap();
            let inner: serde_json::Value = serde_json::from_str(outer["task_result"].as_str().unwrap()).unwrap();
            (outer, inner)
        });
    });
    group.bench_function("oaswatch_parse", |b| {
        b.iter(|| huawei_wire::async_task(&task_ref, Arc::from(black_box(body.as_str()))).unwrap());
    });
    group.finish();
}

/// What the dashboard no longer waits for before its first frame (`LazyClients`).
fn client_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    group.bench_function("reqwest_client_build", |b| {
        b.iter(|| oaswatch::provider::build_client(&oaswatch::provider::HttpConfig::default()).unwrap());
    });
    group.finish();
}

criterion_group!(benches, aliyun, huawei, client_build);

#[inline(never)]
fn measured_parse(kind: &str, bytes: &[u8], task_ref: &oaswatch::domain::TaskRef) -> usize {
    match kind {
        "value" => usize::from(serde_json::from_slice::<serde_json::Value>(bytes).unwrap().is_object()),
        "bare" => serde_json::from_slice::<BareBody>(bytes).unwrap().api_results.api_result.len(),
        _ => {
            let text: Arc<str> = Arc::from(std::str::from_utf8(bytes).unwrap());
            aliyun_wire::describe_task(task_ref, text).unwrap().subtasks.len()
        }
    }
}

/// `OASWATCH_CALLGRIND=oaswatch|bare|value` parses the 10,000-subtask body 5 times, for
/// instruction counts (`--toggle-collect='*measured_parse*'`).
fn main() {
    if let Ok(kind) = std::env::var("OASWATCH_CALLGRIND") {
        let bytes = support::aliyun_body(10_000).into_bytes();
        let task_ref = support::aliyun_ref("bench");
        for _ in 0..5 {
            black_box(measured_parse(&kind, black_box(&bytes), &task_ref));
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

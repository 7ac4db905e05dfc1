//! oaswatch: watch Alibaba Cloud and Huawei Cloud OpenAPI import/export tasks.
//!
//! Data flows one way (docs/architecture.md):
//!
//! ```text
//! crossterm Event → keymap → Action ─┐
//! Polled (poller task, mpsc) ────────┼→ App::update(Action) → Vec<Effect> → runtime executes them
//! Tick(now), Signal ─────────────────┘            └→ dirty → terminal.draw(|f| ui::render(&app, f))
//! ```
//!
//! `domain` holds the types; `provider` and `poller` do the I/O; `app` is the pure state
//! machine; `ui` draws it; `runtime` and `tui` are the only modules that know a terminal exists.

pub mod analysis;
pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod domain;
pub mod failure_report;
pub mod logging;
pub mod openapi;
pub mod poller;
pub mod provider;
pub mod report;
pub mod retry_spec;
pub mod runtime;
pub mod safe_json;
pub mod sanitize;
pub mod sim;
pub mod store;
pub mod tui;
pub mod ui;

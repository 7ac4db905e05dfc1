//! Every integration test in one binary: the real `oaswatch` binary and library against the
//! simulator over HTTP, in a pty, and the architecture rules. One binary links once instead of
//! once per file (`cargo test` builds it in a fraction of the time the separate ones took).
//!
//! `common`, `cli_support`, `creds_support`, `host_support`, `loghub_support`, `pty_support` and
//! `rel_support` are the shared harness.

mod architecture;
mod check_vs_sim;
mod cli_budget;
mod cli_completions;
mod cli_e2e;
mod cli_sim;
mod cli_support;
mod cli_transfer;
mod common;
mod counts_surfaces;
mod creds_aliyun;
mod creds_auth;
mod creds_huawei;
mod creds_support;
mod grouping;
mod grouping_demo;
mod host_support;
mod idle;
mod journeys;
mod loghub_support;
mod provider_auth;
mod provider_http;
mod pty_accounts;
mod pty_dashboard;
mod pty_support;
mod pty_terminal;
mod rel_backoff;
mod rel_crash;
mod rel_faults;
mod rel_fuzz;
mod rel_hardening;
mod rel_hostile;
mod rel_props;
mod rel_runtime;
mod rel_secrets;
mod rel_support;
mod runtime_loop;
mod screens;
mod sim_auth;
mod sim_faults;
mod sim_groups;
mod sim_import;
mod sim_scenarios;
mod watchlist_durability;
mod wire_parity;

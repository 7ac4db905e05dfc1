//! `oaswatch sim` (the simulator alone, in the foreground) and `oaswatch demo` (the simulator
//! in-process with the dashboard on its tasks).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::Url;

use super::args::{DemoArgs, SimArgs};
use super::{Context, Failure, dashboard, watch_cmds};
use crate::provider::{Clients, LazyClients};
use crate::report::ExitStatus;
use crate::sim::{self, SimConfig, SimHandle, scenario};

fn config(scenario_name: &str, listen: SocketAddr, seed: Option<u64>, speed_factor: f64) -> Result<SimConfig, Failure> {
    let scenario = scenario::load(scenario_name).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(SimConfig { listen, scenario, seed: seed.unwrap_or_else(rand::random), speed: speed_factor })
}

/// `oaswatch sim`: serve until Ctrl-C, after printing how to point clients at it.
pub fn sim(args: &SimArgs, out: &mut dyn Write) -> Result<ExitStatus, Failure> {
    let config = config(&args.scenario, args.listen, args.seed, args.speed)?;
    let mut out = out;
    super::runtime()?.block_on(sim::run_foreground(config, &mut out)).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(ExitStatus::Ok)
}

/// `oaswatch demo`: the simulator on an ephemeral loopback port, clients signed with its
/// credentials (no environment needed), and the dashboard on the tasks it created. Nothing is
/// saved: the watch list of a demo lives and dies with it.
pub fn demo(context: &Context, args: &DemoArgs) -> Result<u8, Failure> {
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let config = config(&args.scenario, listen, args.seed, args.speed)?;
    let options = dashboard::app_options(context)?;
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let handle =
            sim::start(config).await.map_err(|e| Failure::usage(format!("cannot start the simulator: {e}")))?;
        let clients = clients_for_simulator(context, &handle)?;
        let initial = handle.task_refs().into_iter().map(|r| (r, None)).collect();
        // The specs the demo tasks imported, on disk, so `R` can make retry specs from them.
        let spec_dir = tempfile::tempdir().map_err(|e| Failure::usage(format!("cannot create a temp dir: {e}")))?;
        let specs = demo_specs(&handle, spec_dir.path());
        let clients = Arc::new(LazyClients::ready(clients));
        let setup = dashboard::Setup {
            fetcher: Arc::clone(&clients),
            initial,
            store: None,
            notices: Vec::new(),
            select: None,
            importer: Some(clients),
            specs,
            saved: crate::store::SavedSnapshots::default(),
        };
        let code = dashboard::run_async(context, setup, options).await;
        handle.shutdown().await;
        code
    })
}

/// Writes the built-in specs the scenario's tasks imported into `dir`; returns task → file.
fn demo_specs(handle: &SimHandle, dir: &std::path::Path) -> Vec<(crate::domain::TaskRef, std::path::PathBuf)> {
    let mut specs = Vec::new();
    for (name, task_ref) in handle.named_task_refs() {
        let spec_name = handle.scenario().tasks.iter().find(|t| t.name == name).and_then(|t| t.spec.clone());
        let Some(spec_name) = spec_name else { continue };
        let Some(text) = scenario::builtin_spec(&spec_name) else { continue };
        let path = dir.join(&spec_name);
        if std::fs::write(&path, text).is_ok() {
            specs.push((task_ref, path));
        }
    }
    specs
}

/// Clients that talk to the simulator with its (fake) credentials: every cloud's chain, run over
/// the environment the simulator hands out ([`SimHandle::client_env`]) instead of the real one.
pub fn clients_for_simulator(context: &Context, handle: &SimHandle) -> Result<Clients, Failure> {
    let base = Url::parse(&handle.base_url()).map_err(|e| Failure::usage(format!("simulator address: {e}")))?;
    let env: std::collections::HashMap<&str, String> = handle.client_env().into_iter().collect();
    let discovery = crate::provider::discover(&|name| env.get(name).cloned(), None);
    let mut overrides = crate::provider::EndpointOverrides::default();
    for provider in crate::domain::ProviderKind::ALL {
        overrides.set(provider, base.clone());
    }
    let (clients, _) = Clients::build(&watch_cmds::http_config(context), &overrides, discovery)
        .map_err(|e| Failure::usage(format!("cannot set up HTTP: {e}")))?;
    Ok(clients)
}

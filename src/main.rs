//! The `oaswatch` binary: parse the command line, run it, exit with the contract's code.

use std::process::ExitCode;

use clap::Parser as _;
use oaswatch::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(cli::run(cli))
}

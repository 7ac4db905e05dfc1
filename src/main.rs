//! The `oaswatch` binary: parse the command line, run it, exit with the contract's code.

use std::process::ExitCode;

use clap::Parser as _;
use oaswatch::cli::{self, Cli};

fn main() -> ExitCode {
    match Cli::try_parse() {
        Ok(cli) => ExitCode::from(cli::run(cli)),
        Err(error) => ExitCode::from(cli::command_line_error(&error)),
    }
}

//! One module per subcommand: each has an `Args` (clap) and a `run`.

use clap::Subcommand;

use crate::Globals;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {}

/// Runs a subcommand.
pub fn run(command: Command, _globals: Globals) -> anyhow::Result<()> {
    match command {}
}

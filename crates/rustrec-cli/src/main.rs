//! The `rustrec` command-line tool: parses flags, wires the library together, prints.
//!
//! No algorithm lives here; anything a library user would also want is in a library crate.

mod arenas;
mod commands;
mod output;
mod plot;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// rustrec: train, evaluate and use recommender models (matrix factorization, BPR, SLIM,
/// item-KNN, EASE, ALS) on MovieLens files, generic rating logs or built-in synthetic data.
#[derive(Debug, Parser)]
#[command(name = "rustrec", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
    /// Print the figures as one JSON object: standard output holds exactly that object,
    /// human-readable lines go to standard error (keys: docs/json.md).
    #[arg(long, global = true)]
    json: bool,
    /// Hide progress bars.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

/// Options every subcommand sees.
#[derive(Clone, Copy, Debug)]
pub struct Globals {
    /// `--json` was given.
    pub json: bool,
    /// `--quiet` was given.
    pub quiet: bool,
}

/// The error and its causes on one line, leaving out a cause whose text the message
/// already contains (library errors name their cause themselves).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

fn main() -> ExitCode {
    arenas::one_arena_per_core();
    let cli = Cli::parse();
    let globals = Globals {
        json: cli.json,
        quiet: cli.quiet,
    };
    match commands::run(cli.command, globals) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Messages may quote data files: their control characters are shown escaped,
            // line by line (a message of several lines, such as a TOML error with its
            // excerpt of the file, keeps its line breaks).
            let text = one_line(&err);
            let lines: Vec<_> = text
                .trim_end()
                .lines()
                .map(rustrec::data::escape_control)
                .collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::FAILURE
        }
    }
}

//! `rustrec split`: split a rating file into train and test files.

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use rustrec::data::paths::check_outputs;
use rustrec::data::read::{Format, ReadOptions, read_interactions};
use rustrec::data::split::{self, LeaveOut};
use rustrec::data::write::{OutputChoice, OutputFormat, write_files};

use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Split a rating file into train and test files (seeded, reproducible; both in the raw
/// ids of the input): a global random holdout, leave-k-out per user (random or latest),
/// or a global temporal cut. Optionally carve a validation file from train. The outputs
/// are replaced together when all are written (or none is), and none may be the input.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The rating file.
    pub file: PathBuf,
    /// Input format: auto, ml-tab, ml-dat, ml-csv, csv, tsv.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Split kind: holdout, leave-k-out, temporal.
    #[arg(long, default_value = "holdout")]
    pub kind: String,
    /// Fraction of interactions in test (holdout, temporal).
    #[arg(long, default_value_t = 0.2)]
    pub test_fraction: f64,
    /// Interactions per user in test (leave-k-out); users with ≤ k stay whole in train.
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// Which interactions leave-k-out takes: random or latest (needs timestamps).
    #[arg(long, default_value = "random")]
    pub which: String,
    /// Seed.
    #[arg(long, default_value_t = 42, value_parser = super::common::seed_parser())]
    pub seed: u64,
    /// Also carve this fraction of train into a validation file (--validation-out).
    #[arg(long, requires = "validation_out")]
    pub validation: Option<f64>,
    /// Output format: ml-tab, ml-dat, ml-csv, tsv, csv or parquet [default: parquet for an
    /// output named *.parquet or *.pq, else tsv].
    #[arg(long)]
    pub out_format: Option<String>,
    /// Training file to write.
    #[arg(long)]
    pub train_out: PathBuf,
    /// Test file to write.
    #[arg(long)]
    pub test_out: PathBuf,
    /// Validation file to write (with --validation).
    #[arg(long)]
    pub validation_out: Option<PathBuf>,
}

/// Runs `rustrec split`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let mut outputs = vec![
        ("--train-out", args.train_out.as_path()),
        ("--test-out", args.test_out.as_path()),
    ];
    if args.validation.is_some() {
        outputs.extend(
            args.validation_out
                .as_deref()
                .map(|p| ("--validation-out", p)),
        );
    }
    check_outputs(&[("FILE", args.file.as_path())], &outputs)?;
    let bars = Bars::new(globals.quiet);
    let format: Format = args.format.parse()?;
    let choice = OutputChoice::parse(
        "--out-format",
        args.out_format.as_deref(),
        Some(OutputFormat::Tsv),
    )?;
    let format_of = |path: &Path| choice.for_path(path);
    let (train_format, test_format) = (format_of(&args.train_out)?, format_of(&args.test_out)?);
    let validation_format = args.validation_out.as_deref().map(format_of).transpose()?;
    let (x, read) = read_interactions(&args.file, &ReadOptions::new(format), &bars)?;
    let s = match args.kind.as_str() {
        "holdout" => split::holdout(&x, args.test_fraction, args.seed)?,
        "leave-k-out" => {
            let which: LeaveOut = args.which.parse()?;
            split::leave_k_out(&x, args.k, which, args.seed)?
        }
        "temporal" => split::temporal(&x, args.test_fraction)?,
        other => anyhow::bail!("--kind {other}: expected holdout, leave-k-out or temporal"),
    };
    let (train, validation) = match args.validation {
        Some(f) => {
            let v = split::validation_split(&s.train, f, args.seed)?;
            (v.train, Some(v.test))
        }
        None => (s.train.clone(), None),
    };
    let mut files = vec![
        (&train, train_format, args.train_out.as_path()),
        (&s.test, test_format, args.test_out.as_path()),
    ];
    if let (Some(v), Some(path), Some(format)) =
        (&validation, &args.validation_out, validation_format)
    {
        files.push((v, format, path.as_path()));
    }
    write_files(&files)?;
    let r = &s.report;
    say!(
        globals.json,
        "{} lines read; train {} / test {}{} interactions; {} test users, {} cold test users, {} cold test items",
        read.lines,
        train.nnz(),
        s.test.nnz(),
        validation
            .as_ref()
            .map_or(String::new(), |v| format!(" / validation {}", v.nnz())),
        r.test_users,
        r.cold_test_users,
        r.cold_test_items
    );
    let mut report = Report::new();
    report
        .set("train_interactions", train.nnz())
        .set("test_interactions", s.test.nnz())
        .set("test_users", r.test_users)
        .set("cold_test_users", r.cold_test_users)
        .set("cold_test_items", r.cold_test_items)
        .set("cold_test_rows", r.cold_test_rows);
    if let Some(v) = &validation {
        report.set("validation_interactions", v.nnz());
    }
    report.finish(globals.json);
    Ok(())
}

//! `rustrec split`: split a rating file into train and test files.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args as ClapArgs;
use rustrec::data::DuplicatePolicy;
use rustrec::data::Interactions;
use rustrec::data::atomic::check_output_directory;
use rustrec::data::paths::check_outputs;
use rustrec::data::read::{Format, ReadOptions, read_interactions};
use rustrec::data::split::{self, LeaveOut, Split, SplitReport};
use rustrec::data::write::{
    OutputChoice, OutputFormat, check_timestamps, output_format_for, write_files,
};

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
    /// Input format: auto, ml-tab, ml-dat, ml-csv, csv, tsv or parquet.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// What to do with a repeated (user, item) pair in the input: error, keep-last, sum or
    /// mean.
    #[arg(long, default_value = "error")]
    pub duplicates: String,
    /// Split kind: holdout, leave-k-out, temporal.
    #[arg(long, default_value = "holdout")]
    pub kind: String,
    /// Fraction of interactions in test (holdout, temporal) [default: 0.2].
    #[arg(long, allow_negative_numbers = true)]
    pub test_fraction: Option<f64>,
    /// Interactions per user in test (leave-k-out); users with ≤ k stay whole in train
    /// [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    pub k: Option<usize>,
    /// Which interactions leave-k-out takes: random or latest (needs timestamps)
    /// [default: random].
    #[arg(long)]
    pub which: Option<String>,
    /// Seed.
    #[arg(long, default_value_t = 42, value_parser = super::common::seed_parser())]
    pub seed: u64,
    /// Also carve this fraction of train into a validation file (--validation-out).
    #[arg(long, requires = "validation_out", allow_negative_numbers = true)]
    pub validation: Option<f64>,
    /// Output format: ml-tab, ml-dat, ml-csv, tsv, csv or parquet [default: parquet for an
    /// output named *.parquet or *.pq, ml-tab for u.data, ml-csv for ratings.csv (the names
    /// readers take for those layouts), else tsv].
    #[arg(long)]
    pub out_format: Option<String>,
    /// Training file to write.
    #[arg(long)]
    pub train_out: PathBuf,
    /// Test file to write.
    #[arg(long)]
    pub test_out: PathBuf,
    /// Validation file to write (with --validation).
    #[arg(long, requires = "validation")]
    pub validation_out: Option<PathBuf>,
}

/// The split the flags ask for.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A random holdout of this fraction.
    Holdout(f64),
    /// `k` interactions per user.
    LeaveKOut(usize, LeaveOut),
    /// The latest fraction of the interactions.
    Temporal(f64),
}

impl Kind {
    /// The kind of `--kind` with its flags, checked before the file is read: a flag the kind
    /// does not use is an error naming both flags instead of being ignored.
    fn of(args: &Args) -> anyhow::Result<Kind> {
        let kind = args.kind.as_str();
        // `flag`, used by the kinds `used_by`, was `given` to `kind`, which takes `takes`.
        let refuse = |flag: &str, given: bool, takes: &str, used_by: &str| {
            if given {
                bail!(
                    "{flag} does not apply to --kind {kind}, which would ignore it ({kind} takes \
                     {takes}); leave {flag} out, or give --kind {used_by}"
                );
            }
            anyhow::Ok(())
        };
        let fraction = args.test_fraction.unwrap_or(0.2);
        if let Some(v) = args.validation {
            check_flag_fraction("--validation", v)?;
        }
        match kind {
            "holdout" | "temporal" => {
                refuse("--k", args.k.is_some(), "--test-fraction", "leave-k-out")?;
                refuse(
                    "--which",
                    args.which.is_some(),
                    "--test-fraction",
                    "leave-k-out",
                )?;
                check_flag_fraction("--test-fraction", fraction)?;
                Ok(if kind == "holdout" {
                    Kind::Holdout(fraction)
                } else {
                    Kind::Temporal(fraction)
                })
            }
            "leave-k-out" => {
                refuse(
                    "--test-fraction",
                    args.test_fraction.is_some(),
                    "--k and --which",
                    "holdout or temporal",
                )?;
                let which = args.which.as_deref().unwrap_or("random");
                let which: LeaveOut = which
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--which {which}: expected random or latest"))?;
                let k = args.k.unwrap_or(1);
                if k == 0 {
                    bail!("--k 0: expected at least 1 test interaction per user");
                }
                Ok(Kind::LeaveKOut(k, which))
            }
            other => bail!("--kind {other}: expected holdout, leave-k-out or temporal"),
        }
    }

    /// Splits `x`; a split that leaves train or test empty is an error naming the flag and
    /// value that emptied it.
    fn split(self, x: &Interactions, seed: u64) -> anyhow::Result<Split> {
        let (s, fraction) = match self {
            Kind::Holdout(f) => (split::holdout(x, f, seed)?, f),
            Kind::Temporal(f) => (split::temporal(x, f)?, f),
            Kind::LeaveKOut(k, which) => {
                let s = split::leave_k_out(x, k, which, seed)?;
                if s.test.nnz() == 0 {
                    let ptr = x.user_ptr();
                    let most = ptr.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
                    bail!(
                        "--k {k} leaves --test-out empty: users with k or fewer interactions \
                         stay whole in train, and the most active user has {most}; give a \
                         --k below {most} (nothing was written)"
                    );
                }
                return Ok(s);
            }
        };
        check_fraction_parts(&s, "--test-fraction", fraction, "--train-out", "--test-out")?;
        Ok(s)
    }
}

/// Refuses a fraction `value` of `flag` outside (0, 1), naming the flag (checked before the
/// file is read).
pub(super) fn check_flag_fraction(flag: &str, value: f64) -> anyhow::Result<()> {
    if value > 0.0 && value < 1.0 {
        return Ok(());
    }
    bail!("{flag} {value}: expected a fraction strictly between 0 and 1 (for example 0.2 for 20%)")
}

/// Refuses a fraction split `s` with an empty part (`fit` and `eval` reject a file without
/// rows, so writing one would only move the error): the message names `flag`, its value
/// `fraction` and the output flag (`train_out` or `test_out`) of the empty part.
pub(super) fn check_fraction_parts(
    s: &Split,
    flag: &str,
    fraction: f64,
    train_out: &str,
    test_out: &str,
) -> anyhow::Result<()> {
    let (held, total) = (s.test.nnz(), s.train.nnz() + s.test.nnz());
    let empty = match held {
        0 => test_out,
        h if h == total => train_out,
        _ => return Ok(()),
    };
    bail!(
        "{flag} {fraction} holds out {held} of the {total} interactions (round({total} × \
         {fraction})), which leaves {empty} empty; give a fraction that puts at least one \
         interaction in each part (nothing was written)"
    )
}

/// Rows of a file that `--duplicates` merged into an earlier row of the same (user, item):
/// the `rows` read less the `interactions` kept (0 under the default `error`).
pub(super) fn duplicate_rows(rows: u64, interactions: usize) -> u64 {
    rows.saturating_sub(interactions as u64)
}

/// Runs `rustrec split`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let mut outputs = vec![
        ("--train-out", args.train_out.as_path()),
        ("--test-out", args.test_out.as_path()),
    ];
    outputs.extend(
        args.validation_out
            .as_deref()
            .map(|p| ("--validation-out", p)),
    );
    check_outputs(&[("FILE", args.file.as_path())], &outputs)?;
    for &(flag, path) in &outputs {
        check_output_directory(flag, path)?;
    }
    let kind = Kind::of(&args)?;
    let bars = Bars::new(globals.quiet);
    let format: Format = args.format.parse()?;
    let duplicates: DuplicatePolicy = args
        .duplicates
        .parse()
        .map_err(|e| anyhow::anyhow!("--duplicates: {e}"))?;
    let choice = OutputChoice::parse(
        "--out-format",
        args.out_format.as_deref(),
        Some(OutputFormat::Tsv),
    )?;
    let chosen = outputs
        .iter()
        .map(|&(_, path)| {
            output_format_for(&choice, "--out-format", args.out_format.is_some(), path)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let formats: Vec<_> = chosen.iter().map(|(format, _)| *format).collect();
    let options = ReadOptions {
        duplicates,
        ..ReadOptions::new(format)
    };
    let (x, read) = read_interactions(&args.file, &options, &bars)?;
    for (&(flag, path), (format, how)) in outputs.iter().zip(&chosen) {
        let output = format!("{flag} {} ({how})", path.display());
        check_timestamps(*format, x.timestamps().is_some(), &output)?;
    }
    let s = kind.split(&x, args.seed)?;
    let (train, validation) = match args.validation {
        Some(f) => {
            let v = split::validation_split(&s.train, f, args.seed)?;
            check_fraction_parts(&v, "--validation", f, "--train-out", "--validation-out")?;
            (v.train, Some(v.test))
        }
        None => (s.train.clone(), None),
    };
    let mut parts = vec![&train, &s.test];
    parts.extend(validation.as_ref());
    let files: Vec<_> = parts
        .into_iter()
        .zip(formats)
        .zip(&outputs)
        .map(|((x, format), &(_, path))| (x, format, path))
        .collect();
    write_files(&files)?;
    // The cold counts are against the training file written, which --validation shrinks.
    let report = match &validation {
        Some(_) => SplitReport::compute(&train, &s.test),
        None => s.report,
    };
    let r = &report;
    let merged = duplicate_rows(read.rows, x.nnz());
    if merged > 0 {
        say!(
            globals.json,
            "{merged} repeated (user, item) rows merged by --duplicates {}",
            args.duplicates
        );
    }
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
    report.set("duplicate_rows", merged);
    report.finish(globals.json);
    Ok(())
}

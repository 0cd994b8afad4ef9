//! `rustrec synth`: write a synthetic MovieLens-shaped rating file (and optionally a split).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args as ClapArgs;
use rustrec::data::atomic::check_output_directory;
use rustrec::data::paths::check_outputs;
use rustrec::data::split::holdout;
use rustrec::data::synth::{Preset, RatingScale, SynthParams, item_gini, synthesize};
use rustrec::data::write::{
    OutputChoice, OutputFormat, check_timestamps, output_format_for, write_file, write_files,
};
use rustrec::data::{DataError, ItemIdx};

use super::split::check_fraction_parts;
use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Arguments of `rustrec synth`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Copy the shape of this data set: ml-100k, ml-1m, ml-10m, ml-20m (MovieLens) or netflix
    /// (the Netflix Prize training set: 480,189 users, 17,770 items, 100,480,507 ratings 1-5).
    #[arg(long, default_value = "ml-100k", value_parser = parse::<Preset>)]
    like: Preset,
    /// Number of users (overrides the preset).
    #[arg(long, allow_negative_numbers = true)]
    users: Option<usize>,
    /// Number of items (overrides the preset): the size of the catalogue, of which the
    /// rarest may draw no rating (`items_without_interactions` counts them).
    #[arg(long, allow_negative_numbers = true)]
    items: Option<usize>,
    /// Total number of ratings, exact (overrides the preset).
    #[arg(long, allow_negative_numbers = true)]
    ratings: Option<usize>,
    /// Minimum ratings per user (overrides the preset's 20).
    #[arg(long, allow_negative_numbers = true)]
    min_per_user: Option<usize>,
    /// Rating scale: 1-5 (whole stars) or half-stars (0.5 to 5).
    #[arg(long, value_parser = parse::<RatingScale>)]
    scale: Option<RatingScale>,
    /// Random seed: the same seed and sizes give the same file.
    #[arg(long, default_value_t = 42, value_parser = super::common::seed_parser())]
    seed: u64,
    /// Leave out the timestamp column (the users, items and ratings stay those of the same
    /// seed with timestamps). ml-tab and ml-csv need timestamps: use ml-dat, tsv, csv or
    /// parquet.
    #[arg(long)]
    no_timestamps: bool,
    /// Output layout: ml-tab (u.data), ml-dat (ratings.dat), ml-csv (ratings.csv), tsv, csv
    /// or parquet [default: parquet for an output named *.parquet or *.pq, ml-csv for
    /// ratings.csv (the name readers take for that layout), else ml-tab].
    #[arg(long)]
    format: Option<String>,
    /// Where to write the ratings (the training part when --test-fraction is given).
    #[arg(long)]
    out: PathBuf,
    /// Hold out this fraction of the ratings at random (seeded by --seed) into --test-out.
    #[arg(long, requires = "test_out", allow_negative_numbers = true)]
    test_fraction: Option<f64>,
    /// Where to write the held-out ratings.
    #[arg(long, requires = "test_fraction")]
    test_out: Option<PathBuf>,
}

fn parse<T: std::str::FromStr<Err = rustrec::data::DataError>>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|e| e.to_string())
}

/// The error of [`SynthParams::check`] in the words of the flags: `invalid ratings = 3000`
/// becomes `--ratings 3000` (or, for a value the preset chose, `--ratings (ml-100k's
/// 100000)`), with the allowed range in flag names.
fn flag_error(e: DataError, args: &Args) -> anyhow::Error {
    let DataError::InvalidParameter {
        name,
        value,
        expected,
    } = &e
    else {
        return e.into();
    };
    let (flag, given) = match *name {
        "users" => ("--users", args.users.is_some()),
        "items" => ("--items", args.items.is_some()),
        "ratings" => ("--ratings", args.ratings.is_some()),
        "min_per_user" => ("--min-per-user", args.min_per_user.is_some()),
        _ => return e.into(),
    };
    let shown = if given {
        value.clone()
    } else {
        format!("(--like {}'s {value})", args.like.name())
    };
    let expected = expected
        .replace("min_per_user", "--min-per-user")
        .replace("users ×", "--users ×")
        .replace("× items", "× --items")
        .replace("items (", "--items (");
    anyhow::anyhow!("{flag} {shown}: expected {expected}")
}

/// Generates, optionally splits, and writes.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let mut params = SynthParams::like(args.like);
    params.seed = args.seed;
    params.timestamps = !args.no_timestamps;
    if let Some(v) = args.users {
        params.users = v;
    }
    if let Some(v) = args.items {
        params.items = v;
    }
    if let Some(v) = args.ratings {
        params.ratings = v;
    }
    if let Some(v) = args.min_per_user {
        params.min_per_user = v;
    }
    if let Some(v) = args.scale {
        params.scale = v;
    }
    // Checked before anything is generated (a large preset takes a while), naming the flag.
    params.check().map_err(|e| flag_error(e, &args))?;
    if let Some(f) = args.test_fraction {
        super::split::check_flag_fraction("--test-fraction", f)?;
    }
    let mut outputs = vec![("--out", args.out.as_path())];
    outputs.extend(args.test_out.as_deref().map(|p| ("--test-out", p)));
    check_outputs(&[], &outputs)?;
    for &(flag, path) in &outputs {
        check_output_directory(flag, path)?;
    }
    let choice = OutputChoice::parse(
        "--format",
        args.format.as_deref(),
        Some(OutputFormat::MlTab),
    )?;
    let mut formats = Vec::with_capacity(outputs.len());
    for &(flag, path) in &outputs {
        let (format, chosen) = output_format_for(&choice, "--format", args.format.is_some(), path)?;
        let output = format!("{flag} {} ({chosen}) with --no-timestamps", path.display());
        check_timestamps(format, params.timestamps, &output)?;
        formats.push(format);
    }
    let (format, test_format) = (formats[0], formats.get(1).copied());

    let bars = Bars::new(globals.quiet);
    let start = Instant::now();
    let data = synthesize(&params, &bars).context("generating synthetic data")?;
    let generate_seconds = start.elapsed().as_secs_f64();
    // The split, when asked for, is drawn and checked before anything is printed.
    let split = match (args.test_fraction, &args.test_out, test_format) {
        (Some(fraction), Some(test_out), Some(test_format)) => {
            let split = holdout(&data, fraction, params.seed).context("splitting")?;
            check_fraction_parts(&split, "--test-fraction", fraction, "--out", "--test-out")?;
            Some((split, test_out, test_format))
        }
        _ => None,
    };
    let gini = item_gini(&data);
    // The catalogue has --items items, but the rarest may draw no rating and then appear in
    // no line of the file: say how many, as `describe` of the file would.
    let unrated_items = (0..data.n_items())
        .filter(|&i| data.item_degree(ItemIdx(i as u32)) == 0)
        .count();
    say!(
        globals.json,
        "synthesized {} users × {} items, {} ratings (like {}, seed {}): density {:.4}%, \
         item Gini {gini:.3}, mean rating {:.3} — {generate_seconds:.2} s",
        data.n_users(),
        data.n_items(),
        data.nnz(),
        args.like.name(),
        params.seed,
        100.0 * data.density(),
        data.mean_value(),
    );
    if unrated_items > 0 {
        say!(
            globals.json,
            "{unrated_items} of the {} items drew no rating and appear in no line of the file \
             ({} items rated)",
            data.n_items(),
            data.n_items() - unrated_items
        );
    }

    let mut report = Report::new();
    report
        .set("users", data.n_users())
        .set("items", data.n_items())
        .set("interactions", data.nnz())
        .set("items_without_interactions", unrated_items)
        .set_f64("gini", gini)
        .set_f64("density", data.density())
        .set_f64("rating_mean", data.mean_value())
        .set_f64("generate_seconds", generate_seconds)
        .set("format", format.name())
        .set("out", args.out.display().to_string());

    let write_start = Instant::now();
    let mut bytes = 0;
    match split {
        Some((split, test_out, test_format)) => {
            let written = write_files(&[
                (&split.train, format, args.out.as_path()),
                (&split.test, test_format, test_out.as_path()),
            ])?;
            bytes += written.iter().sum::<u64>();
            say!(
                globals.json,
                "wrote {} training ratings to {} ({}) and {} test ratings to {} ({})",
                split.train.nnz(),
                args.out.display(),
                format.name(),
                split.test.nnz(),
                test_out.display(),
                test_format.name()
            );
            report
                .set("train_interactions", split.train.nnz())
                .set("test_interactions", split.test.nnz())
                .set("cold_test_users", split.report.cold_test_users)
                .set("cold_test_items", split.report.cold_test_items)
                .set("test_out", test_out.display().to_string())
                .set("test_format", test_format.name());
        }
        None => {
            bytes += write_file(&data, format, &args.out)?;
            say!(
                globals.json,
                "wrote {} ratings to {} ({})",
                data.nnz(),
                args.out.display(),
                format.name()
            );
        }
    }
    let write_seconds = write_start.elapsed().as_secs_f64();
    say!(
        globals.json,
        "{:.1} MB in {write_seconds:.2} s ({:.1} M lines/s)",
        bytes as f64 / 1e6,
        data.nnz() as f64 / write_seconds.max(1e-9) / 1e6
    );
    report
        .set("bytes", bytes)
        .set_f64("write_seconds", write_seconds)
        .set_f64("seconds", start.elapsed().as_secs_f64());
    report.finish(globals.json);
    Ok(())
}

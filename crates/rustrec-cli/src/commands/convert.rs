//! `rustrec convert`: rewrite a rating file in another format (text formats and Parquet).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args as ClapArgs;
use rustrec::data::atomic::check_output_directory;
use rustrec::data::paths::check_outputs;
use rustrec::data::read::fresh_id_maps;
use rustrec::data::write::{
    FileFormat, OutputChoice, check_timestamps, output_format_for, write_file,
};
use rustrec::data::{DuplicatePolicy, Format, ReadOptions, read_triplets};

use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Arguments of `rustrec convert`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The rating file to read (any format `describe` reads, Parquet included).
    pub input: PathBuf,
    /// The file to write (replaced atomically; must not be the input).
    pub output: PathBuf,
    /// Format of the input: auto, ml-tab, ml-dat, ml-csv, csv, tsv or parquet.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Format of the output: parquet, ml-tab, ml-dat, ml-csv, tsv or csv. By default from the
    /// output's name: *.parquet, *.dat (ml-dat), ratings.csv (ml-csv), *.csv, *.tsv, u.data /
    /// *.data / *.base / *.test (ml-tab).
    #[arg(long)]
    pub to: Option<String>,
    /// Skip (and count) malformed rows instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// What to do with a repeated (user, item) pair: error, keep-last, sum or mean.
    #[arg(long, default_value = "error")]
    pub duplicates: String,
}

/// Runs `rustrec convert`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let started = Instant::now();
    // With no --to the output's name tells the format.
    let choice = OutputChoice::parse("--to", args.to.as_deref(), None)?;
    let (target, _) = output_format_for(&choice, "--to", args.to.is_some(), &args.output)?;
    check_outputs(
        &[("IN", args.input.as_path())],
        &[("OUT", args.output.as_path())],
    )?;
    check_output_directory("OUT", &args.output)?;
    let options = ReadOptions {
        format: args.format.parse::<Format>()?,
        skip_bad_rows: args.skip_bad_rows,
        rating_scale: None,
        duplicates: args.duplicates.parse::<DuplicatePolicy>()?,
        ..ReadOptions::default()
    };
    let options = ReadOptions {
        format: match options.format {
            Format::Auto => rustrec::data::detect_format(&args.input)?,
            other => other,
        },
        ..options
    };
    let (mut users, mut items) = fresh_id_maps(&args.input, &options)?;
    let bars = Bars::new(globals.quiet);
    let (rows, read) = read_triplets(&args.input, &options, &mut users, &mut items, &bars)?;
    let n_rows = rows.len();
    let duplicates = args.duplicates.clone();
    let x = rows.into_interactions(Arc::new(users), Arc::new(items), options.duplicates)?;
    let (out, layout) = (args.output.display(), target.name());
    let output = match args.to {
        Some(_) => format!("OUT {out} (--to {layout})"),
        None => format!("OUT {out} ({layout} by its name; --to sets another format)"),
    };
    check_timestamps(target, x.timestamps().is_some(), &output)?;
    let bytes = match target {
        FileFormat::Parquet => {
            let source = read
                .source_format
                .clone()
                .unwrap_or_else(|| read.format.to_string());
            write_parquet(&x, &source, &args.output)?
        }
        text => write_file(&x, text, &args.output)?,
    };
    let seconds = started.elapsed().as_secs_f64();
    // Rows merged by --duplicates are not written: say so rather than let `rows` suggest
    // the output holds them all.
    let merged = super::split::duplicate_rows(n_rows as u64, x.nnz());
    let written = match merged {
        0 => String::new(),
        m => format!(
            ", {} written: {m} repeated (user, item) rows merged by --duplicates {duplicates}",
            x.nnz()
        ),
    };
    say!(
        globals.json,
        "converted {} ({}, {} rows) to {} ({}, {} bytes{written}) in {seconds:.2} s",
        args.input.display(),
        read.format,
        n_rows,
        args.output.display(),
        target.name(),
        bytes
    );
    let mut report = Report::new();
    report
        .set("file", args.input.display().to_string())
        .set("format", read.format.to_string())
        .set("out", args.output.display().to_string())
        .set("to", target.name())
        .set("rows", n_rows)
        .set("interactions", x.nnz())
        .set("duplicate_rows", merged)
        .set("skipped_rows", read.skipped)
        .set("bytes", bytes)
        .set_f64("seconds", seconds);
    report.finish(globals.json);
    Ok(())
}

#[cfg(feature = "parquet")]
fn write_parquet(
    x: &rustrec::data::Interactions,
    source: &str,
    output: &Path,
) -> anyhow::Result<u64> {
    Ok(rustrec::data::parquet::write_parquet(
        x,
        Some(source),
        output,
    )?)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(_: &rustrec::data::Interactions, _: &str, output: &Path) -> anyhow::Result<u64> {
    anyhow::bail!(
        "{}: this rustrec was built without Parquet support (the `parquet` feature, on by \
         default)",
        output.display()
    )
}

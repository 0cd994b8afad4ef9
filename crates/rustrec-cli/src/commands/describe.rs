//! `rustrec describe`: read a rating file and print its statistics.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args as ClapArgs;
use rustrec::data::content::{ItemContent, ItemTitles, read_movies, read_tags};
use rustrec::data::{
    DelimitedSpec, DuplicatePolicy, Format, ReadOptions, TimestampUse, describe, detect_format,
    escape_control, read_interactions,
};

use crate::Globals;
use crate::output::{Report, say};
use crate::progress::Bars;

/// Read a rating file (MovieLens u.data / ratings.dat / ratings.csv, or any CSV/TSV log) and
/// print its statistics: users, items, interactions, density, interactions per user and
/// per item, Gini index of item popularity.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The rating file.
    pub file: PathBuf,
    /// File format: auto, ml-tab (u.data), ml-dat (ratings.dat), ml-csv (ratings.csv),
    /// csv (comma, header) or tsv (tab, no header); csv and tsv rows are `user item
    /// rating [timestamp]` unless --columns names them.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Field delimiter of a csv/tsv log (one or more characters; `tab` or `\t` for a tab).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// The first line of a csv/tsv log is a header.
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The csv/tsv log has no header line.
    #[arg(long)]
    pub no_header: bool,
    /// Columns of a csv/tsv log in order, among user, item, rating, timestamp, `-` (skip),
    /// e.g. `user,item,rating,timestamp`: the list is the whole row (each row has exactly
    /// that many fields). Without a rating column every row counts 1.
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Ids of a csv/tsv log are strings, not integers.
    #[arg(long)]
    pub string_ids: bool,
    /// Skip (and count) malformed rows instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Allowed rating range `LO,HI` (e.g. `1,5`); a rating outside is an error.
    #[arg(long, value_name = "LO,HI", value_parser = parse_scale)]
    pub rating_scale: Option<(f32, f32)>,
    /// What to do with a repeated (user, item) pair: error, keep-last, sum or mean.
    #[arg(long, default_value = "error")]
    pub duplicates: String,
    /// Movie metadata (u.item, movies.dat or movies.csv): adds the genre and year
    /// item-content matrices and title coverage to the statistics.
    #[arg(long)]
    pub item_file: Option<PathBuf>,
    /// Tags (tags.dat or tags.csv): adds the tag item-content matrix to the statistics.
    #[arg(long)]
    pub tags_file: Option<PathBuf>,
}

impl Args {
    /// The layout `--format auto` finds in the file, as a delimited spec that the csv/tsv
    /// flags then change: its delimiter, header and columns stay unless a flag says
    /// otherwise (a tab-separated `u.data` given `--delimiter tab` keeps its first row). When
    /// the content does not tell, `--header` or `--no-header` settles it on a comma-separated
    /// base; without either, the detection's error stands.
    fn detected_spec(&self) -> anyhow::Result<DelimitedSpec> {
        let with_timestamp = |spec: DelimitedSpec| DelimitedSpec {
            timestamp_col: Some(3),
            ..spec
        };
        Ok(match detect_format(&self.file) {
            Ok(Format::Delimited(spec)) => spec,
            Ok(Format::MlTab) => with_timestamp(DelimitedSpec::tsv()),
            Ok(Format::MlDat) => with_timestamp(DelimitedSpec::new("::")),
            Ok(Format::MlCsv) => with_timestamp(DelimitedSpec::csv()),
            Ok(Format::Parquet) => bail!(
                "{}: a Parquet file has named columns; --delimiter, --header, --no-header, \
                 --columns and --string-ids apply to --format csv or tsv",
                self.file.display()
            ),
            Ok(Format::Auto) => DelimitedSpec::csv(),
            Err(_) if self.header || self.no_header => DelimitedSpec::csv(),
            Err(e) => return Err(e.into()),
        })
    }

    /// The read options the flags describe.
    fn read_options(&self) -> anyhow::Result<ReadOptions> {
        let mut format: Format = self.format.parse().context("--format")?;
        let custom = self.delimiter.is_some()
            || self.header
            || self.no_header
            || self.columns.is_some()
            || self.string_ids;
        if custom {
            let mut spec = match format {
                Format::Delimited(spec) => spec,
                Format::Auto => self.detected_spec()?,
                other => bail!(
                    "--delimiter, --header, --no-header, --columns and --string-ids apply to \
                     --format csv or tsv, not {other}"
                ),
            };
            if let Some(d) = &self.delimiter {
                spec.delimiter = match d.as_str() {
                    "tab" | "\\t" | "\t" => b"\t".to_vec(),
                    "" => bail!("--delimiter must not be empty"),
                    other => other.as_bytes().to_vec(),
                };
            }
            if self.header {
                spec.has_header = true;
            }
            if self.no_header {
                spec.has_header = false;
            }
            if let Some(columns) = &self.columns {
                spec = spec.with_columns(columns).context("--columns")?;
            }
            spec.string_ids |= self.string_ids;
            format = Format::Delimited(spec);
        }
        Ok(ReadOptions {
            format,
            skip_bad_rows: self.skip_bad_rows,
            rating_scale: self.rating_scale,
            duplicates: self
                .duplicates
                .parse::<DuplicatePolicy>()
                .context("--duplicates")?,
            // The statistics need the timestamps' range only.
            timestamps: TimestampUse::RangeOnly,
        })
    }
}

/// Runs `rustrec describe`.
pub fn run(args: Args, globals: Globals) -> anyhow::Result<()> {
    let json = globals.json;
    let options = args.read_options()?;
    // The metadata files are read first: a wrong one fails before the rating file is read
    // and before any statistics are printed.
    let movies = (args.item_file.as_deref())
        .map(|path| read_movies(path).context("--item-file"))
        .transpose()?;
    let tags = (args.tags_file.as_deref())
        .map(|path| read_tags(path).context("--tags-file"))
        .transpose()?;
    let bars = Bars::new(globals.quiet);
    let (x, read) = read_interactions(&args.file, &options, &bars)?;
    let stats = describe(&x);
    let mut report = Report::new();

    say!(
        json,
        "{} ({}, {} bytes): {} lines in {:.2} s ({} lines/s)",
        args.file.display(),
        read.format,
        thousands(read.bytes as usize),
        thousands(read.lines as usize),
        read.seconds,
        thousands(read.lines_per_sec() as usize)
    );
    if read.skipped > 0 {
        say!(json, "skipped rows  {}", thousands(read.skipped as usize));
        for (line, why) in &read.first_skipped {
            say!(json, "  line {line}: {}", escape_control(why));
        }
    }
    say!(
        json,
        "users         {} ({} without interactions)",
        thousands(stats.users),
        stats.users_without_interactions
    );
    say!(
        json,
        "items         {} ({} without interactions)",
        thousands(stats.items),
        stats.items_without_interactions
    );
    say!(
        json,
        "interactions  {} (density {:.3e})",
        thousands(stats.interactions),
        stats.density
    );
    // Rows merged by --duplicates: without this line `lines` and `interactions` differ
    // with no word on why.
    let merged = super::split::duplicate_rows(read.rows, stats.interactions);
    if merged > 0 {
        say!(
            json,
            "duplicates    {} repeated (user, item) rows merged by --duplicates {}",
            thousands(merged as usize),
            args.duplicates
        );
    }
    say!(
        json,
        "values        {} to {}, mean {:.3}",
        stats.value_min,
        stats.value_max,
        stats.value_mean
    );
    say!(
        json,
        "per user      min {}  avg {:.1}  max {}",
        stats.per_user_min,
        stats.per_user_avg,
        stats.per_user_max
    );
    say!(
        json,
        "per item      min {}  avg {:.1}  max {}",
        stats.per_item_min,
        stats.per_item_avg,
        stats.per_item_max
    );
    say!(json, "gini (items)  {:.3}", stats.gini);
    // The reader keeps the range only (not each row's timestamp), so `stats` has none then.
    let time_range = read.time_range.or(stats.time_range);
    if let Some((lo, hi)) = time_range {
        say!(json, "timestamps    {lo} to {hi}");
    }

    report
        .set("file", args.file.display().to_string())
        .set("format", read.format.to_string())
        .set("users", stats.users)
        .set("items", stats.items)
        .set("interactions", stats.interactions)
        .set_f64("rating_min", f64::from(stats.value_min))
        .set_f64("rating_max", f64::from(stats.value_max))
        .set_f64("rating_mean", stats.value_mean)
        .set_f64("density", stats.density)
        .set_f64("gini", stats.gini)
        .set("per_user_min", stats.per_user_min)
        .set_f64("per_user_avg", stats.per_user_avg)
        .set("per_user_max", stats.per_user_max)
        .set("per_item_min", stats.per_item_min)
        .set_f64("per_item_avg", stats.per_item_avg)
        .set("per_item_max", stats.per_item_max)
        .set(
            "users_without_interactions",
            stats.users_without_interactions,
        )
        .set(
            "items_without_interactions",
            stats.items_without_interactions,
        )
        .set("lines", read.lines)
        .set("skipped_rows", read.skipped)
        .set("duplicate_rows", merged)
        .set_f64("read_seconds", read.seconds)
        .set_f64("lines_per_sec", read.lines_per_sec());
    if let Some((first, last)) = time_range {
        report
            .set("first_timestamp", first)
            .set("last_timestamp", last);
    }

    let mut icms = Vec::new();
    if let Some(movies) = &movies {
        let titles = ItemTitles::from_movies(movies, x.item_ids());
        say!(
            json,
            "titles        {} of {} items ({} movies of the file not in the ratings)",
            thousands(titles.len() - titles.missing()),
            thousands(titles.len()),
            titles.unknown_items()
        );
        report.set("items_without_title", titles.missing());
        icms.push(ItemContent::genres(movies, x.item_ids()));
        icms.push(ItemContent::years(movies, x.item_ids()));
    }
    if let Some(tags) = &tags {
        icms.push(ItemContent::tags(tags, x.item_ids()));
    }
    for icm in &icms {
        let s = icm.stats();
        say!(
            json,
            "icm {:<9} {} features, {} occurrences, density {:.3e}, {} items with content, {} unknown items ignored",
            icm.kind(),
            thousands(s.features),
            thousands(s.occurrences),
            s.density,
            thousands(s.items_with_content),
            s.unknown_items
        );
        let key = |what: &str| format!("icm_{}_{what}", icm.kind());
        report
            .set(&key("features"), s.features)
            .set(&key("occurrences"), s.occurrences)
            .set_f64(&key("density"), s.density)
            .set(&key("items_with_content"), s.items_with_content)
            .set(&key("unknown_items"), s.unknown_items);
    }
    report.finish(json);
    Ok(())
}

/// Parses `LO,HI` with finite `LO <= HI`.
fn parse_scale(text: &str) -> Result<(f32, f32), String> {
    let bad = || format!("\"{text}\" is not LO,HI with finite LO <= HI (e.g. 1,5)");
    let (lo, hi) = text.split_once(',').ok_or_else(bad)?;
    let lo: f32 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f32 = hi.trim().parse().map_err(|_| bad())?;
    if lo.is_finite() && hi.is_finite() && lo <= hi {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse_scale, thousands};

    #[test]
    fn rating_scales_parse_and_reject_reversed_bounds() {
        assert_eq!(parse_scale("1,5"), Ok((1.0, 5.0)));
        assert_eq!(parse_scale(" 0.5 , 5 "), Ok((0.5, 5.0)));
        assert!(parse_scale("5,1").is_err());
        assert!(parse_scale("1").is_err());
        assert!(parse_scale("1,inf").is_err());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000_054), "10,000,054");
    }
}

//! [`FileFormat`]: what a written rating file is — one of the text layouts of
//! [`crate::write`], or Parquet — chosen from a flag or from the file's name.
//!
//! A file named `*.parquet` holds Parquet: the commands that write rating files (`convert`,
//! `split`, `synth`) take the name's word when no format flag is given, and refuse a text
//! layout for such a name instead of writing text that other tools would fail to open as
//! Parquet.

use std::path::Path;

use crate::error::{DataError, Result};
use crate::write::OutputFormat;

/// The format of a written rating file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// A text layout.
    Text(OutputFormat),
    /// Parquet (`user`, `item`, `rating` and `timestamp` columns); written only when
    /// rustrec-data is built with the `parquet` feature.
    Parquet,
}

/// The names `FileFormat` parses, for error messages.
const NAMES: &str = "parquet, ml-tab, ml-dat, ml-csv, tsv or csv";

impl FileFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Text(f) => f.name(),
            FileFormat::Parquet => "parquet",
        }
    }

    /// `value` given to the flag `flag`, parsed; an error names the flag, the value and the
    /// formats.
    pub fn parse_flag(flag: &'static str, value: &str) -> Result<FileFormat> {
        value
            .parse()
            .map_err(|_| DataError::invalid_parameter(flag, value, format!("one of {NAMES}")))
    }

    /// The format a file's name asks for: Parquet for `*.parquet` and `*.pq`; ml-dat for
    /// `*.dat`; ml-tab for `u.data`, `*.data`, `*.base` and `*.test` (the MovieLens 100K
    /// files); csv for `*.csv`; tsv for `*.tsv`. `None` for any other name (case is
    /// ignored).
    pub fn from_name(path: &Path) -> Option<FileFormat> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        Some(match ext.as_str() {
            "parquet" | "pq" => FileFormat::Parquet,
            "dat" => FileFormat::Text(OutputFormat::MlDat),
            "csv" => FileFormat::Text(OutputFormat::Csv),
            "tsv" => FileFormat::Text(OutputFormat::Tsv),
            "data" | "base" | "test" => FileFormat::Text(OutputFormat::MlTab),
            _ => return None,
        })
    }
}

/// A command's format flag for the rating files it writes (`split --out-format`, `synth
/// --format`, `convert --to`): parsed once, then asked for the format of each output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputChoice {
    flag: &'static str,
    given: Option<FileFormat>,
    default: Option<OutputFormat>,
}

impl OutputChoice {
    /// The flag `flag` given as `value` (or not given); `default` is the text layout of an
    /// output whose name is not a Parquet name when the flag is not given (`None`: the
    /// name must tell the format, as [`FileFormat::from_name`]). An unknown value is an
    /// error naming the flag, the value and the formats.
    pub fn parse(
        flag: &'static str,
        value: Option<&str>,
        default: Option<OutputFormat>,
    ) -> Result<Self> {
        let given = value.map(|v| FileFormat::parse_flag(flag, v)).transpose()?;
        Ok(OutputChoice {
            flag,
            given,
            default,
        })
    }

    /// The format to write `path` in: the flag's when given, else Parquet for a Parquet
    /// name, else the default (or the name's format). A text layout given for a Parquet
    /// name is an error that names the flag, the value and the file; so is a name that
    /// does not tell the format when there is no default.
    pub fn for_path(&self, path: &Path) -> Result<FileFormat> {
        let by_name = FileFormat::from_name(path);
        let parquet_name = by_name == Some(FileFormat::Parquet);
        match (self.given, self.default) {
            (None, _) if parquet_name => Ok(FileFormat::Parquet),
            (None, Some(layout)) => Ok(FileFormat::Text(layout)),
            (None, None) => by_name.ok_or_else(|| {
                DataError::invalid_parameter(
                    self.flag,
                    "(not given)",
                    format!(
                        "one of {NAMES}: the name {} does not tell the format (it is told by \
                         .parquet, .pq, .dat, .data, .base, .test, .csv or .tsv)",
                        path.display()
                    ),
                )
            }),
            (Some(FileFormat::Text(f)), _) if parquet_name => Err(DataError::invalid_parameter(
                self.flag,
                f.name(),
                format!(
                    "parquet for {} (a *.parquet or *.pq file holds Parquet), or an output \
                     name that is not *.parquet or *.pq for a text layout",
                    path.display()
                ),
            )),
            (Some(f), _) => Ok(f),
        }
    }
}

impl From<OutputFormat> for FileFormat {
    fn from(layout: OutputFormat) -> Self {
        FileFormat::Text(layout)
    }
}

impl std::str::FromStr for FileFormat {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        if s == "parquet" {
            return Ok(FileFormat::Parquet);
        }
        s.parse::<OutputFormat>()
            .map(FileFormat::Text)
            .map_err(|_| DataError::invalid_parameter("format", s, format!("one of {NAMES}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_formats_and_unknown_names_to_none() {
        let cases = [
            ("a/b.parquet", Some(FileFormat::Parquet)),
            ("B.PQ", Some(FileFormat::Parquet)),
            ("ratings.dat", Some(FileFormat::Text(OutputFormat::MlDat))),
            ("u.data", Some(FileFormat::Text(OutputFormat::MlTab))),
            ("u1.base", Some(FileFormat::Text(OutputFormat::MlTab))),
            ("u1.test", Some(FileFormat::Text(OutputFormat::MlTab))),
            ("x.csv", Some(FileFormat::Text(OutputFormat::Csv))),
            ("x.tsv", Some(FileFormat::Text(OutputFormat::Tsv))),
            ("x.txt", None),
            ("ratings", None),
            ("parquet", None),
        ];
        for (name, want) in cases {
            assert_eq!(FileFormat::from_name(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn a_parquet_name_gets_parquet_unless_a_text_layout_is_given_which_is_refused() {
        let tsv = Some(OutputFormat::Tsv);
        let pq = Path::new("out.parquet");
        let choice = |value| OutputChoice::parse("--f", value, tsv).unwrap();
        assert_eq!(choice(None).for_path(pq).unwrap(), FileFormat::Parquet);
        assert_eq!(
            choice(Some("parquet")).for_path(pq).unwrap(),
            FileFormat::Parquet
        );
        let err = choice(Some("ml-dat")).for_path(pq).unwrap_err().to_string();
        assert!(
            err.contains("--f") && err.contains("ml-dat") && err.contains("out.parquet"),
            "{err}"
        );
        // Other names: the default, or what was given (a name never overrides a flag).
        let txt = Path::new("out.csv");
        assert_eq!(
            choice(None).for_path(txt).unwrap(),
            FileFormat::Text(OutputFormat::Tsv)
        );
        assert_eq!(
            choice(Some("parquet")).for_path(txt).unwrap(),
            FileFormat::Parquet
        );
        // An unknown value names the flag and the formats.
        let err = OutputChoice::parse("--f", Some("xlsx"), tsv)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--f") && err.contains("xlsx") && err.contains(NAMES),
            "{err}"
        );
    }

    #[test]
    fn without_a_default_the_name_tells_the_format_or_the_error_names_the_flag_and_file() {
        let choice = OutputChoice::parse("--to", None, None).unwrap();
        assert_eq!(
            choice.for_path(Path::new("r.dat")).unwrap(),
            FileFormat::Text(OutputFormat::MlDat)
        );
        assert_eq!(
            choice.for_path(Path::new("r.pq")).unwrap(),
            FileFormat::Parquet
        );
        let err = choice
            .for_path(Path::new("ratings.out"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--to") && err.contains("ratings.out"), "{err}");
        let given = OutputChoice::parse("--to", Some("csv"), None).unwrap();
        assert_eq!(
            given.for_path(Path::new("ratings.out")).unwrap(),
            FileFormat::Text(OutputFormat::Csv)
        );
    }

    #[test]
    fn every_name_parses_back_and_others_are_refused_with_the_list() {
        for f in [
            FileFormat::Parquet,
            FileFormat::Text(OutputFormat::MlTab),
            FileFormat::Text(OutputFormat::MlDat),
            FileFormat::Text(OutputFormat::MlCsv),
            FileFormat::Text(OutputFormat::Tsv),
            FileFormat::Text(OutputFormat::Csv),
        ] {
            assert_eq!(f.name().parse::<FileFormat>().unwrap(), f);
        }
        let err = "xlsx".parse::<FileFormat>().unwrap_err().to_string();
        assert!(err.contains("xlsx") && err.contains(NAMES), "{err}");
        let err = FileFormat::parse_flag("--to", "xlsx")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--to") && err.contains("xlsx") && err.contains(NAMES),
            "{err}"
        );
        assert_eq!(
            FileFormat::parse_flag("--to", "pq").ok(),
            None,
            "names, not extensions"
        );
    }
}

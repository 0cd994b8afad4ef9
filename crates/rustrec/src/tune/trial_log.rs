//! Trials and the trial log: one JSON line per finished trial.
//!
//! ```json
//! {"number":0,"params":{"model.factors":42,"model.lr":0.0071},"value":0.9213,"state":"complete","epochs":31,"seconds":1.8,"intermediate":[1.02,0.97,...]}
//! ```
//!
//! | key | meaning |
//! |---|---|
//! | `number` | 0-based trial number (the sampler's seed stream depends on it) |
//! | `params` | the value of every parameter of the space, by configuration key |
//! | `value` | the objective on validation data (`null` for a failed trial); for a pruned trial, its best value before it was stopped |
//! | `state` | `complete`, `pruned` or `failed` |
//! | `epochs` | epochs trained (0 for a model that does not train in epochs) |
//! | `seconds` | wall-clock time of the trial |
//! | `intermediate` | the validation metric after each epoch (what the pruners compare) |
//! | `error` | for a failed trial: why (divergence, a parameter out of range, ...) |
//! | `metric`, `direction` | the study's objective (`rmse`, `min`), written by a log opened [`TrialLog::for_objective`] |
//!
//! A value means something only beside the objective it was scored on: `--resume` of a log
//! whose trials were scored on another metric or direction is refused
//! ([`TrialLog::for_objective`]), rather than ranking an RMSE against an MAE. (Logs written
//! before the objective was recorded have no `metric`; their trials are taken as they are.)
//!
//! The log is a journal, not a document: each line is appended (one `write` of the whole
//! line, then flushed and synced) as its trial finishes, so that a search that is stopped
//! keeps every finished trial and `--resume` continues from them. (It is the one output not
//! written through [`rustrec_data::atomic`], whose whole-file replacement would have to
//! rewrite the log after every trial.) A line cut short by a crash is the only damage an
//! append can leave; [`TrialLog::resume`] drops it and says so.
//!
//! Numbers read back bit for bit (serde_json's `float_roundtrip` parser; its default one
//! may land one ulp off), so that a resumed study's sampler and report see the values the
//! trials produced, as an uninterrupted study's do.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rustrec_data::DataError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::samplers::Direction;
use super::study::Objective;
use crate::experiment::{ExperimentError, Result};

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialState {
    /// Trained to the end (or to early stopping) and scored.
    Complete,
    /// Stopped by the pruner.
    Pruned,
    /// Failed: training diverged, or the parameters were refused.
    Failed,
}

impl TrialState {
    /// The name used in the log.
    pub fn name(self) -> &'static str {
        match self {
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Failed => "failed",
        }
    }
}

/// One finished trial (one line of the log).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// 0-based trial number.
    pub number: usize,
    /// The parameters, by configuration key.
    pub params: Map<String, Value>,
    /// The objective (validation metric); `None` for a failed trial.
    pub value: Option<f64>,
    /// How it ended.
    pub state: TrialState,
    /// Epochs trained.
    pub epochs: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The validation metric after each epoch (`None` where it was not a number).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intermediate: Vec<Option<f64>>,
    /// Why a failed trial failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TrialRecord {
    /// The best intermediate value among the first `epochs` epochs.
    pub fn best_until(&self, epochs: usize, minimize: bool) -> Option<f64> {
        best_of(
            self.intermediate.iter().take(epochs).flatten().copied(),
            minimize,
        )
    }
}

/// The best of `values` (NaN ignored).
pub fn best_of(values: impl Iterator<Item = f64>, minimize: bool) -> Option<f64> {
    values
        .filter(|v| !v.is_nan())
        .fold(None, |best, v| match best {
            None => Some(v),
            Some(b) => Some(if (minimize && v < b) || (!minimize && v > b) {
                v
            } else {
                b
            }),
        })
}

/// An open trial log that new trials are appended to.
#[derive(Debug)]
pub struct TrialLog {
    path: PathBuf,
    file: File,
    /// The objective each appended line records (see [`TrialLog::for_objective`]).
    objective: Option<Objective>,
    /// The objective each logged line recorded, by trial number (a continued log).
    logged: Vec<(usize, LoggedObjective)>,
}

/// A trial as a line of a log that records its objective.
#[derive(Serialize)]
struct LineWithObjective<'a> {
    #[serde(flatten)]
    record: &'a TrialRecord,
    metric: &'a str,
    direction: &'a str,
}

/// The objective a log line records (`metric`, `direction`); absent in logs written before
/// it was recorded.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
struct LoggedObjective {
    number: Option<usize>,
    metric: Option<String>,
    direction: Option<String>,
}

fn io(path: &Path, e: std::io::Error) -> ExperimentError {
    ExperimentError::Data(DataError::io(path, e))
}

impl TrialLog {
    /// Starts a new log at `path`. An existing non-empty file is refused (give `resume` to
    /// continue it), so that a search never overwrites another one's trials.
    pub fn create(path: &Path) -> Result<Self> {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(ExperimentError::Config(format!(
                "{}: the trial log exists; continue it with --resume, or give another file",
                path.display()
            )));
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io(path, e))?;
        Ok(TrialLog {
            path: path.to_path_buf(),
            file,
            objective: None,
            logged: Vec::new(),
        })
    }

    /// The log of a study of `objective`: checks that every logged trial was scored on the
    /// same metric in the same direction (a continued log of another study is refused,
    /// naming the trial, its objective and this one), and makes every appended line record
    /// it (`metric`, `direction`).
    pub fn for_objective(mut self, objective: &Objective) -> Result<Self> {
        for (number, logged) in &self.logged {
            let metric_differs = logged
                .metric
                .as_deref()
                .is_some_and(|m| m != objective.metric);
            let direction_differs = logged
                .direction
                .as_deref()
                .is_some_and(|d| Direction::parse(d).ok() != Some(objective.direction));
            if metric_differs || direction_differs {
                return Err(ExperimentError::Config(format!(
                    "{}: logged trial {number} was scored on validation {} ({}), but this \
                     search tunes {} ({}): its values cannot be compared; resume with \
                     --metric {} --direction {}, or start another log",
                    self.path.display(),
                    logged.metric.as_deref().unwrap_or(&objective.metric),
                    logged
                        .direction
                        .as_deref()
                        .unwrap_or(objective.direction.name()),
                    objective.metric,
                    objective.direction.name(),
                    logged.metric.as_deref().unwrap_or(&objective.metric),
                    logged
                        .direction
                        .as_deref()
                        .unwrap_or(objective.direction.name()),
                )));
            }
        }
        self.objective = Some(objective.clone());
        Ok(self)
    }

    /// Opens the log at `path` to continue it (a missing file starts an empty one): the
    /// trials it holds, sorted by number, and whether a line cut short by a crash was
    /// dropped from its end.
    pub fn resume(path: &Path) -> Result<(Self, Vec<TrialRecord>, bool)> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(path, e)),
        };
        let (records, keep) = parse_log(path, &text)?;
        let logged = logged_objectives(&text[..keep]);
        let torn = keep < text.len();
        if torn {
            let f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| io(path, e))?;
            f.set_len(keep as u64).map_err(|e| io(path, e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io(path, e))?;
        Ok((
            TrialLog {
                path: path.to_path_buf(),
                file,
                objective: None,
                logged,
            },
            records,
            torn,
        ))
    }

    /// Appends one trial as a line, flushed and synced before returning.
    pub fn append(&mut self, record: &TrialRecord) -> Result<()> {
        let fail =
            |e: serde_json::Error| ExperimentError::Config(format!("trial {}: {e}", record.number));
        let mut line = match &self.objective {
            None => serde_json::to_string(record).map_err(fail)?,
            Some(o) => serde_json::to_string(&LineWithObjective {
                record,
                metric: &o.metric,
                direction: o.direction.name(),
            })
            .map_err(fail)?,
        };
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io(&self.path, e))
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads the trials of a log file (sorted by number).
pub fn read_log(path: &Path) -> Result<Vec<TrialRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    Ok(parse_log(path, &text)?.0)
}

/// The objective each line of `text` (a log whose lines all parsed) records, by trial
/// number.
fn logged_objectives(text: &str) -> Vec<(usize, LoggedObjective)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<LoggedObjective>(l.trim()).ok())
        .filter_map(|o| o.number.map(|n| (n, o)))
        .collect()
}

/// The records of a log's text and the length of the text they come from (shorter than the
/// text when its last line was cut short: no newline and not valid JSON).
fn parse_log(path: &Path, text: &str) -> Result<(Vec<TrialRecord>, usize)> {
    let mut records: Vec<TrialRecord> = Vec::new();
    let mut offset = 0;
    let mut keep = text.len();
    for (k, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim();
        if body.is_empty() {
            continue;
        }
        match serde_json::from_str::<TrialRecord>(body) {
            Ok(r) => records.push(r),
            Err(_) if !line.ends_with('\n') && offset == text.len() => {
                keep = start;
            }
            Err(e) => {
                return Err(ExperimentError::Data(DataError::Parse {
                    path: path.to_path_buf(),
                    line: k as u64 + 1,
                    message: format!("not a trial record: {e}"),
                }));
            }
        }
    }
    records.sort_by_key(|r| r.number);
    if let Some(w) = records.windows(2).find(|w| w[0].number == w[1].number) {
        return Err(ExperimentError::Config(format!(
            "{}: trial {} is logged twice",
            path.display(),
            w[0].number
        )));
    }
    Ok((records, keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(number: usize, value: Option<f64>, state: TrialState) -> TrialRecord {
        let mut params = Map::new();
        params.insert("model.factors".into(), Value::from(8 + number));
        TrialRecord {
            number,
            params,
            value,
            state,
            epochs: 3,
            seconds: 0.5,
            intermediate: vec![Some(1.0), None, Some(0.9)],
            error: None,
        }
    }

    #[test]
    fn appended_trials_read_back_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trials.jsonl");
        let mut log = TrialLog::create(&path).unwrap();
        log.append(&record(0, Some(0.95), TrialState::Complete))
            .unwrap();
        log.append(&record(1, None, TrialState::Failed)).unwrap();
        drop(log);
        let e = TrialLog::create(&path).unwrap_err().to_string();
        assert!(e.contains("--resume"), "{e}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        for key in ["number", "params", "value", "state", "epochs", "seconds"] {
            assert!(first.get(key).is_some(), "{key}");
        }
        assert_eq!(first["state"], "complete");
        assert_eq!(first["params"]["model.factors"], 8);
        // A crash in the middle of a line.
        std::fs::write(&path, format!("{text}{{\"number\": 2, \"par")).unwrap();
        let (mut log, trials, torn) = TrialLog::resume(&path).unwrap();
        assert!(torn);
        assert_eq!(trials.len(), 2);
        assert_eq!(trials[1].state, TrialState::Failed);
        assert_eq!(trials[0].intermediate, vec![Some(1.0), None, Some(0.9)]);
        log.append(&record(2, Some(0.9), TrialState::Pruned))
            .unwrap();
        assert_eq!(read_log(&path).unwrap().len(), 3);
    }

    fn objective(metric: &str, direction: Direction) -> Objective {
        Objective {
            metric: metric.into(),
            direction,
        }
    }

    /// Regression: `--resume` of a log scored on RMSE with `--metric mae` ranked the logged
    /// RMSE values against the new MAE ones (and picked the "best" across the two).
    #[test]
    fn resuming_a_log_of_another_objective_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trials.jsonl");
        let rmse = objective("rmse", Direction::Minimize);
        let mut log = TrialLog::create(&path)
            .unwrap()
            .for_objective(&rmse)
            .unwrap();
        log.append(&record(0, Some(0.95), TrialState::Complete))
            .unwrap();
        drop(log);
        let line: Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        assert_eq!(line["metric"], "rmse");
        assert_eq!(line["direction"], "min");
        // The record still reads back as it was.
        assert_eq!(
            read_log(&path).unwrap(),
            vec![record(0, Some(0.95), TrialState::Complete)]
        );
        for other in [
            objective("mae", Direction::Minimize),
            objective("ndcg@10", Direction::Maximize),
            objective("rmse", Direction::Maximize),
        ] {
            let (log, trials, _) = TrialLog::resume(&path).unwrap();
            assert_eq!(trials.len(), 1);
            let e = log.for_objective(&other).unwrap_err().to_string();
            assert!(
                e.contains("logged trial 0 was scored on validation rmse (min)")
                    && e.contains(&format!(
                        "this search tunes {} ({})",
                        other.metric,
                        other.direction.name()
                    ))
                    && e.contains("--metric rmse --direction min"),
                "{e}"
            );
        }
        // The same objective continues the log, and a log that recorded none is taken as
        // it is.
        let (log, _, _) = TrialLog::resume(&path).unwrap();
        let mut log = log.for_objective(&rmse).unwrap();
        log.append(&record(1, Some(0.9), TrialState::Complete))
            .unwrap();
        assert_eq!(read_log(&path).unwrap().len(), 2);
        let old = dir.path().join("old.jsonl");
        let mut log = TrialLog::create(&old).unwrap();
        log.append(&record(0, Some(0.95), TrialState::Complete))
            .unwrap();
        drop(log);
        let (log, _, _) = TrialLog::resume(&old).unwrap();
        assert!(
            log.for_objective(&objective("mae", Direction::Minimize))
                .is_ok()
        );
    }

    #[test]
    fn a_damaged_line_in_the_middle_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "{\"number\": 0}\n{}\n").unwrap();
        let e = read_log(&path).unwrap_err().to_string();
        assert!(e.contains(":1:") && e.contains("not a trial record"), "{e}");
    }

    /// Regression: values were read back through serde_json's fast float parser, which can
    /// land one ulp off (`0.9326918000342875` came back as `0.9326918000342876`), so a resumed
    /// study's sampler and report saw other values than the ones logged.
    #[test]
    fn logged_values_read_back_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut log = TrialLog::create(&path).unwrap();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut written = Vec::new();
        for number in 0..500 {
            let mut r = record(number, Some(0.9326918000342875), TrialState::Complete);
            if number > 0 {
                r.value = Some(rng.random::<f64>());
            }
            r.seconds = rng.random::<f64>() * 100.0;
            r.intermediate = (0..4).map(|_| Some(rng.random::<f64>() * 2.0)).collect();
            r.params
                .insert("model.lr".into(), Value::from(rng.random::<f64>() * 0.1));
            log.append(&r).unwrap();
            written.push(r);
        }
        drop(log);
        let read = read_log(&path).unwrap();
        assert_eq!(read.len(), written.len());
        let bits = |t: &TrialRecord| -> Vec<u64> {
            let mut b = vec![t.value.unwrap().to_bits(), t.seconds.to_bits()];
            b.extend(t.intermediate.iter().map(|v| v.unwrap().to_bits()));
            b.push(t.params["model.lr"].as_f64().unwrap().to_bits());
            b
        };
        assert_eq!(read[0].value, Some(0.9326918000342875));
        for (r, w) in read.iter().zip(&written) {
            assert_eq!(bits(r), bits(w), "trial {}", w.number);
        }
    }

    #[test]
    fn best_values_follow_the_direction() {
        let r = record(0, None, TrialState::Pruned);
        assert_eq!(r.best_until(3, true), Some(0.9));
        assert_eq!(r.best_until(1, false), Some(1.0));
        assert_eq!(r.best_until(0, true), None);
    }
}

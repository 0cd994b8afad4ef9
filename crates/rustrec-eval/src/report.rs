//! Evaluation results: aggregated ranking metrics and per-user results, with exports.
//!
//! [`RankingMetrics`] serialises to JSON with the metrics as an ordered object
//! (`{"protocol": "full", "metrics": {"precision@5": 0.31, ...}, "users_evaluated": ...}`).
//! [`PerUserResults`] hold one row per evaluated user — raw user id, number of relevant test
//! items, then every per-user metric — for significance tests between two models; they are
//! written as CSV (one header line) or JSON Lines. An undefined value (the AUC of a user
//! with no non-relevant candidate) is an empty CSV field and a JSON `null`. The files are
//! written atomically: an interrupted or failed export leaves the previous file.

use std::io::{self, Write};
use std::path::Path;

use rustrec_core::Metrics;
use rustrec_data::DataError;
use rustrec_data::atomic::AtomicFile;
use serde::ser::{SerializeMap, SerializeStruct};

use crate::error::{EvalError, Result};

/// Aggregated ranking metrics of one evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct RankingMetrics {
    /// The protocol: `"full"` or `"sampled(N)"`.
    pub protocol: String,
    /// The seed of the negative draws, for the sampled protocol (`None` for the full one,
    /// which draws nothing).
    pub seed: Option<u64>,
    /// Metric values in report order (`("precision@5", 0.31)`, ...).
    pub values: Vec<(String, f64)>,
    /// Users whose metrics were computed.
    pub users_evaluated: usize,
    /// Users considered but without a relevant test item (none in the test data, or all of
    /// them excluded as seen).
    pub users_skipped_no_test: usize,
    /// Users with test items but no training interaction, skipped by `require_train`.
    pub users_skipped_no_train: usize,
    /// Users for which AUC is defined (≥ 1 relevant and ≥ 1 other candidate); the `auc`
    /// value averages over them.
    pub auc_users: usize,
    /// Test interactions whose item is also among the user's training items (excluded from
    /// the relevant items when seen items are excluded; non-zero usually means a leaky split).
    pub test_items_in_train: usize,
    /// Relevant test items of the evaluated users that the model cannot rank (it does not
    /// know them: see `RankingConfig::unrankable`), counted as misses in the values.
    pub unrankable_relevant: usize,
    /// Evaluated users who had fewer items they had not interacted with than the negatives
    /// asked for, so that all of those items were their negatives (sampled protocol; 0 for
    /// the full one).
    pub users_with_fewer_negatives: usize,
    /// Per-user results, when asked for.
    pub per_user: Option<PerUserResults>,
}

impl RankingMetrics {
    /// The value of metric `name` (`"ndcg@10"`), if computed.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    /// The user and item counts behind the values, by their `--json` keys: users evaluated,
    /// users skipped (no relevant test item; no training interaction), users AUC averages
    /// over, and test interactions already among the user's training items (a leaky split);
    /// for the sampled protocol also the users with fewer free items than the negatives
    /// asked for (`users_with_fewer_negatives`).
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts = vec![
            ("users_evaluated", self.users_evaluated),
            ("users_skipped_no_test", self.users_skipped_no_test),
            ("users_skipped_no_train", self.users_skipped_no_train),
            ("auc_users", self.auc_users),
            ("test_items_in_train", self.test_items_in_train),
        ];
        if self.seed.is_some() {
            counts.push((
                "users_with_fewer_negatives",
                self.users_with_fewer_negatives,
            ));
        }
        counts
    }

    /// The values as named metrics (for early stopping's `Validation::Custom`).
    pub fn as_metrics(&self) -> Metrics {
        self.values.clone()
    }

    /// The JSON text of the aggregate (per-user rows are exported separately).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

struct OrderedValues<'a>(&'a [(String, f64)]);

impl serde::Serialize for OrderedValues<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl serde::Serialize for RankingMetrics {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("RankingMetrics", 10)?;
        st.serialize_field("protocol", &self.protocol)?;
        if let Some(seed) = self.seed {
            st.serialize_field("seed", &seed)?;
        } else {
            st.skip_field("seed")?;
        }
        st.serialize_field("metrics", &OrderedValues(&self.values))?;
        st.serialize_field("users_evaluated", &self.users_evaluated)?;
        st.serialize_field("users_skipped_no_test", &self.users_skipped_no_test)?;
        st.serialize_field("users_skipped_no_train", &self.users_skipped_no_train)?;
        st.serialize_field("auc_users", &self.auc_users)?;
        st.serialize_field("test_items_in_train", &self.test_items_in_train)?;
        st.serialize_field("unrankable_relevant", &self.unrankable_relevant)?;
        if self.seed.is_some() {
            st.serialize_field(
                "users_with_fewer_negatives",
                &self.users_with_fewer_negatives,
            )?;
        } else {
            st.skip_field("users_with_fewer_negatives")?;
        }
        st.end()
    }
}

/// One evaluated user's results.
#[derive(Clone, Debug, PartialEq)]
pub struct PerUserResult {
    /// The user's raw id.
    pub user: String,
    /// Number of relevant test items.
    pub n_test: usize,
    /// One value per name of [`PerUserResults::names`] (NaN where undefined).
    pub values: Vec<f64>,
}

/// Per-user results of one evaluation, users in increasing index order.
#[derive(Clone, Debug, PartialEq)]
pub struct PerUserResults {
    /// Metric names, the columns after `user` and `n_test`.
    pub names: Vec<String>,
    /// One row per evaluated user.
    pub rows: Vec<PerUserResult>,
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

impl PerUserResults {
    /// The values of metric `name` for every user, in row order.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let k = self.names.iter().position(|n| n == name)?;
        Some(self.rows.iter().map(|r| r.values[k]).collect())
    }

    /// Writes CSV: a header `user,n_test,<metric names>` and one line per user.
    pub fn write_csv<W: Write>(&self, mut w: W) -> io::Result<()> {
        write!(w, "user,n_test")?;
        for n in &self.names {
            write!(w, ",{}", csv_field(n))?;
        }
        writeln!(w)?;
        for r in &self.rows {
            write!(w, "{},{}", csv_field(&r.user), r.n_test)?;
            for &v in &r.values {
                if v.is_nan() {
                    write!(w, ",")?;
                } else {
                    write!(w, ",{v}")?;
                }
            }
            writeln!(w)?;
        }
        Ok(())
    }

    /// Writes JSON Lines: one object `{"user": .., "n_test": .., "<metric>": .., ...}` per user.
    pub fn write_jsonl<W: Write>(&self, mut w: W) -> io::Result<()> {
        for r in &self.rows {
            let mut obj = serde_json::Map::new();
            obj.insert("user".into(), r.user.clone().into());
            obj.insert("n_test".into(), r.n_test.into());
            for (n, &v) in self.names.iter().zip(&r.values) {
                obj.insert(n.clone(), serde_json::Value::from(v));
            }
            serde_json::to_writer(&mut w, &obj)?;
            writeln!(w)?;
        }
        Ok(())
    }

    /// Writes CSV to `path`, atomically.
    pub fn save_csv(&self, path: &Path) -> Result<()> {
        save(path, |w| self.write_csv(w))
    }

    /// Writes JSON Lines to `path`, atomically.
    pub fn save_jsonl(&self, path: &Path) -> Result<()> {
        save(path, |w| self.write_jsonl(w))
    }
}

/// Writes `path` atomically ([`rustrec_data::atomic`]): the old file stays whole until the
/// new one is complete, and no temporary file outlives an error or Ctrl-C.
fn save(path: &Path, write: impl FnOnce(&mut AtomicFile) -> io::Result<()>) -> Result<()> {
    let from_data = |e: DataError| match e {
        DataError::Io { path, source } => EvalError::Io { path, source },
        other => EvalError::Io {
            path: path.to_path_buf(),
            source: io::Error::other(other.to_string()),
        },
    };
    let mut out = AtomicFile::create(path).map_err(from_data)?;
    write(&mut out).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    out.commit().map_err(from_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PerUserResults {
        PerUserResults {
            names: vec!["ndcg@10".into(), "auc".into()],
            rows: vec![
                PerUserResult {
                    user: "7".into(),
                    n_test: 2,
                    values: vec![0.5, 0.75],
                },
                PerUserResult {
                    user: "a,b".into(),
                    n_test: 1,
                    values: vec![1.0, f64::NAN],
                },
            ],
        }
    }

    #[test]
    fn csv_and_jsonl_exports() {
        let mut csv = Vec::new();
        sample().write_csv(&mut csv).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "user,n_test,ndcg@10,auc\n7,2,0.5,0.75\n\"a,b\",1,1,\n"
        );
        let mut jl = Vec::new();
        sample().write_jsonl(&mut jl).unwrap();
        let text = String::from_utf8(jl).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["ndcg@10"], 0.5);
        assert_eq!(lines[1]["user"], "a,b");
        assert!(lines[1]["auc"].is_null());
        assert_eq!(sample().column("auc").unwrap()[0], 0.75);
    }

    #[test]
    fn json_keeps_metric_order() {
        let m = RankingMetrics {
            protocol: "full".into(),
            values: vec![("recall@5".into(), 0.25), ("auc".into(), 0.5)],
            users_evaluated: 3,
            users_skipped_no_test: 1,
            users_skipped_no_train: 0,
            auc_users: 3,
            test_items_in_train: 0,
            unrankable_relevant: 0,
            users_with_fewer_negatives: 0,
            seed: None,
            per_user: None,
        };
        let j = m.to_json();
        assert!(j.find("recall@5").unwrap() < j.find("\"auc\"").unwrap());
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["metrics"]["recall@5"], 0.25);
        assert_eq!(v["users_evaluated"], 3);
        assert_eq!(m.get("auc"), Some(0.5));
    }

    #[test]
    fn saving_to_a_missing_directory_names_the_file() {
        let p = Path::new("/nonexistent-dir-rustrec/x.csv");
        let err = sample().save_csv(p).unwrap_err().to_string();
        assert!(err.contains("/nonexistent-dir-rustrec/x.csv"), "{err}");
    }

    #[test]
    fn a_failed_export_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("per_user.csv");
        std::fs::write(&path, "old").unwrap();
        let err = save(&path, |w| {
            w.write_all(b"user,n_test\n")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        sample().save_jsonl(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

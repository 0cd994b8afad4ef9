//! The HTML report of `compare --report`, `fit --report` and `tune --report`: one
//! self-contained file — inline CSS, inline SVG charts ([`svg`]), a few lines of inline
//! JavaScript (sortable tables, and a trap that writes any script error into the page) —
//! that loads nothing from the network and opens in any browser, offline.
//!
//! Sections:
//! 1. **Metrics**: one row per model; the best model of each metric in bold; each other
//!    model's value marked by the paired tests against the best ([`crate::compare`]):
//!    `*` p < 0.05, `**` p < 0.01, `***` p < 0.001 (Wilcoxon signed-rank; hover a cell for
//!    both p-values and the users paired).
//! 2. **Popularity bias**: catalog coverage, Gini index of the recommendation counts and
//!    novelty of the top-k lists, as a table and as bars.
//! 3. **Learning curves**: per epoch, the training loss and the validation metrics, one
//!    panel per metric family (rating error, precision/recall, ranking, AUC/coverage,
//!    novelty), a line per model and metric.
//! 4. **Per-user distributions**: box plots of the per-user values of the main metrics
//!    (quartiles, whiskers at 1.5 IQR, the mean as a diamond).
//! 5. For `tune`: the **search history** (each trial's validation value by trial number —
//!    complete, pruned, failed — and the best so far), each parameter against the value,
//!    and **parameter importance** ([`crate::tune::importance()`]: the share of the
//!    objective's variance explained by the parameter's binned values, η²).

pub mod svg;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use rustrec_models::EpochReport;
use serde_json::{Map, Value};

use self::svg::{Chart, Marker, Series, bar_chart, box_plot, color, escape, short};
use crate::compare::{Assessment, Comparison, Paired};
use crate::experiment::Result;
use crate::tune::importance::Importance;
use crate::tune::samplers::Direction;
use crate::tune::space::SearchSpace;
use crate::tune::trial_log::{TrialRecord, TrialState};

/// One model of a report.
#[derive(Clone, Debug, Default)]
pub struct ModelReport {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Test metrics.
    pub metrics: Vec<(String, f64)>,
    /// Tests against the best model, per metric.
    pub tests: BTreeMap<String, Paired>,
    /// Metrics on which it is the best model.
    pub best: BTreeSet<String>,
    /// Its training history.
    pub history: Vec<EpochReport>,
    /// The metric early stopping watched.
    pub tracked: Option<String>,
    /// Per-user values per metric.
    pub per_user: BTreeMap<String, Vec<f64>>,
}

impl ModelReport {
    /// A model from its assessment.
    pub fn new(
        name: &str,
        kind: &str,
        assessment: &Assessment,
        history: &[EpochReport],
        tracked: Option<String>,
    ) -> Self {
        ModelReport {
            name: name.into(),
            kind: kind.into(),
            metrics: assessment.metrics.clone(),
            tests: BTreeMap::new(),
            best: BTreeSet::new(),
            history: history.to_vec(),
            tracked,
            per_user: assessment
                .per_user
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(|p| p.1).collect()))
                .collect(),
        }
    }
}

/// The search of a `tune` report.
#[derive(Clone, Debug)]
pub struct TuneReport {
    /// The validation metric optimised.
    pub metric: String,
    /// Its direction.
    pub direction: Direction,
    /// Sampler and pruner names.
    pub method: String,
    /// Every trial.
    pub trials: Vec<TrialRecord>,
    /// The space.
    pub space: SearchSpace,
    /// Parameter importance.
    pub importance: Vec<Importance>,
    /// The best trial's number.
    pub best: Option<usize>,
}

/// A report (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The page title.
    pub title: String,
    /// Lines under the title (data, split, settings).
    pub notes: Vec<String>,
    /// The models, one table row each.
    pub models: Vec<ModelReport>,
    /// The search, for `tune`.
    pub tune: Option<TuneReport>,
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:4px}
.notes{color:#555;font-size:.92em}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.88em;margin:8px 0}th,td{padding:4px 8px;border-bottom:1px solid #e5e5e5;text-align:right;white-space:nowrap}
th{cursor:pointer;background:#f6f6f6}td:first-child,th:first-child{text-align:left}
td.best{font-weight:700}sup{color:#b00}.foot{font-size:.85em;color:#555}
svg.chart{display:block;margin:10px 0;max-width:100%;height:auto;font-size:11px}
svg .title{font-size:13px;font-weight:600}svg .tick{fill:#555}svg .label{fill:#333}svg .legend{fill:#222}
svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#bbb}svg .note{fill:#888}
.js-error{color:#fff;background:#b00;padding:6px;margin:6px 0}
"#;

const ERROR_TRAP: &str = r#"<script>
window.addEventListener('error', function (e) {
  var d = document.createElement('div');
  d.className = 'js-error';
  d.textContent = 'script error: ' + (e.message || e);
  (document.body || document.documentElement).appendChild(d);
});
</script>"#;

const SCRIPT: &str = r#"<script>
(function () {
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.querySelectorAll('th');
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = th.getAttribute('data-order') !== 'asc';
        th.setAttribute('data-order', asc ? 'asc' : 'desc');
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute('data-v') || a.cells[col].textContent;
          var y = b.cells[col].getAttribute('data-v') || b.cells[col].textContent;
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.body.setAttribute('data-rendered', 'ok');
  var s = document.getElementById('status');
  if (s) { s.textContent = document.querySelectorAll('svg.chart').length + ' charts, ' + tables.length + ' tables'; }
})();
</script>"#;

/// Metric families and their panel titles (as the learning-curve plots of `fit --plot`).
const FAMILIES: [(&str, &[&str]); 5] = [
    ("rating error", &["rmse", "mae", "mse"]),
    (
        "precision / recall",
        &[
            "precision",
            "recall",
            "recall_capped",
            "hit_rate",
            "sampled_hit_rate",
        ],
    ),
    (
        "ranking (ndcg, map, mrr)",
        &["ndcg", "map", "mrr", "sampled_mrr"],
    ),
    (
        "auc / coverage",
        &["auc", "sampled_auc", "coverage", "gini"],
    ),
    ("novelty", &["novelty"]),
];

fn family_of(metric: &str) -> &'static str {
    let base = metric.split('@').next().unwrap_or(metric);
    FAMILIES
        .iter()
        .find(|(_, names)| names.contains(&base))
        .map_or("other metrics", |f| f.0)
}

/// Whether a metric describes popularity bias rather than accuracy.
fn is_bias(metric: &str) -> bool {
    matches!(
        metric.split('@').next(),
        Some("coverage" | "gini" | "novelty")
    )
}

/// `= 3.64e-2`, or `< 1e-300` (escaped for HTML) for a p-value that underflowed.
fn p_text(p: f64) -> String {
    let t = crate::stats::format_p(p);
    match t.strip_prefix('<') {
        Some(rest) => format!("&lt;{rest}"),
        None => format!("= {t}"),
    }
}

fn stars(p: f64) -> &'static str {
    if p < 0.001 {
        "***"
    } else if p < 0.01 {
        "**"
    } else if p < 0.05 {
        "*"
    } else {
        ""
    }
}

fn fmt(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

impl Report {
    /// The report of a comparison.
    pub fn from_comparison(title: &str, c: &Comparison) -> Self {
        let models = c
            .entries
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let mut m = ModelReport::new(
                    &e.name,
                    &e.kind,
                    &e.assessment,
                    &e.history,
                    e.tracked.clone(),
                );
                m.tests = c.tests[k].clone();
                m.best = c
                    .best
                    .iter()
                    .filter(|(_, b)| **b == k)
                    .map(|(n, _)| n.clone())
                    .collect();
                m
            })
            .collect();
        Report {
            title: title.into(),
            notes: vec![format!(
                "{} models on one split: {} training and {} test interactions.",
                c.entries.len(),
                c.train_interactions,
                c.test_interactions
            )],
            models,
            tune: None,
        }
    }

    /// The page.
    pub fn render(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title><style>{STYLE}</style>{ERROR_TRAP}</head><body>\n<h1>{t}</h1>\n",
            t = escape(&self.title)
        );
        for n in &self.notes {
            let _ = writeln!(h, "<p class=\"notes\">{}</p>", escape(n));
        }
        let _ = writeln!(
            h,
            "<p class=\"notes\">Written by rustrec {}. <span id=\"status\"></span></p>",
            env!("CARGO_PKG_VERSION")
        );
        self.metrics_section(&mut h);
        self.bias_section(&mut h);
        self.curves_section(&mut h);
        self.per_user_section(&mut h);
        if let Some(t) = &self.tune {
            tune_section(&mut h, t);
        }
        let _ = write!(h, "{SCRIPT}\n</body></html>\n");
        h
    }

    /// Writes the page to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let page = self.render();
        rustrec_data::atomic::write_atomically(path, |f| {
            use std::io::Write as _;
            f.write_all(page.as_bytes()).map_err(|e| {
                crate::experiment::ExperimentError::Data(rustrec_data::DataError::io(path, e))
            })
        })
    }

    /// The metric names of the models, first-seen order, accuracy or bias ones.
    fn metric_names(&self, bias: bool) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for m in &self.models {
            for (n, _) in &m.metrics {
                if is_bias(n) == bias && !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        names
    }

    fn table(&self, h: &mut String, names: &[String], marks: bool) {
        h.push_str("<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>model</th><th>kind</th>");
        for n in names {
            let _ = write!(h, "<th>{}</th>", escape(n));
        }
        h.push_str("</tr></thead><tbody>\n");
        for m in &self.models {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td>",
                escape(&m.name),
                escape(&m.kind)
            );
            for n in names {
                let v = m.metrics.iter().find(|(k, _)| k == n).map(|x| x.1);
                let Some(v) = v else {
                    h.push_str("<td></td>");
                    continue;
                };
                let best = self.models.len() > 1 && m.best.contains(n);
                let mut cell = fmt(v);
                let mut title = String::new();
                if marks && let Some(p) = m.tests.get(n) {
                    cell.push_str(&format!("<sup>{}</sup>", stars(p.wilcoxon)));
                    title = format!(
                        " title=\"vs best: Wilcoxon p {}, paired t p {}, {} users\"",
                        p_text(p.wilcoxon),
                        p_text(p.t),
                        p.users
                    );
                }
                let _ = write!(
                    h,
                    "<td data-v=\"{v}\"{}{title}>{cell}</td>",
                    if best { " class=\"best\"" } else { "" }
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table></div>\n");
    }

    fn metrics_section(&self, h: &mut String) {
        h.push_str("<h2>Metrics</h2>\n");
        let names = self.metric_names(false);
        if names.is_empty() {
            h.push_str("<p class=\"notes\">No test metrics.</p>\n");
            return;
        }
        self.table(h, &names, true);
        if self.models.len() > 1 {
            h.push_str(
                "<p class=\"foot\">Bold: the best model on the metric. Marks: paired two-sided \
                 tests of the model's per-user values against the best model's, on the users \
                 both were evaluated on — Wilcoxon signed-rank (normal approximation, zero \
                 differences dropped): * p &lt; 0.05, ** p &lt; 0.01, *** p &lt; 0.001; hover a \
                 cell for the paired t-test too. No correction for multiple comparisons. A \
                 rating error is tested per user (each user's RMSE/MAE over their test \
                 ratings).</p>\n",
            );
        }
    }

    fn bias_section(&self, h: &mut String) {
        let names = self.metric_names(true);
        if names.is_empty() {
            return;
        }
        h.push_str("<h2>Popularity bias</h2>\n<p class=\"foot\">Coverage: share of the catalog in at least one user's top-k list. Gini: concentration of the recommendation counts over items (0 = every item equally often; lower is more diverse). Novelty: mean self-information −log₂ p(i) of the recommended items, p from training popularity (bits; higher recommends rarer items).</p>\n");
        self.table(h, &names, false);
        // Bars at one cutoff: 10 if present, else the first.
        let cut = if names.iter().any(|n| n.ends_with("@10")) {
            "10".to_string()
        } else {
            names[0].split('@').nth(1).unwrap_or("").to_string()
        };
        for base in ["coverage", "gini", "novelty"] {
            let name = format!("{base}@{cut}");
            let bars: Vec<(String, String, f64)> = self
                .models
                .iter()
                .enumerate()
                .filter_map(|(k, m)| {
                    m.metrics
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|x| (m.name.clone(), color(k).to_string(), x.1))
                })
                .collect();
            if !bars.is_empty() {
                h.push_str(&bar_chart(&name, base, &bars));
            }
        }
    }

    fn curves_section(&self, h: &mut String) {
        h.push_str("<h2>Learning curves</h2>\n");
        let mut panels: BTreeMap<usize, (String, Vec<Series>)> = BTreeMap::new();
        // Training losses are comparable only within a kind (iALS's weighted squared error
        // and BPR's log-loss have different units): one panel per kind.
        let mut loss: BTreeMap<&str, Vec<Series>> = BTreeMap::new();
        let mut k = 0;
        // A curve needs two epochs: a closed-form model (EASE) reports one, or none.
        let curve = |m: &ModelReport| m.history.len() >= 2;
        let several = self.models.iter().filter(|m| curve(m)).count() > 1;
        for (mi, m) in self.models.iter().enumerate() {
            if !curve(m) {
                continue;
            }
            loss.entry(m.kind.as_str()).or_default().push(Series::line(
                m.name.clone(),
                color(mi),
                m.history
                    .iter()
                    .map(|r| (r.epoch as f64, r.train_loss))
                    .collect(),
            ));
            let mut names: Vec<&str> = Vec::new();
            for r in &m.history {
                for (n, _) in &r.validation {
                    if !names.contains(&n.as_str()) {
                        names.push(n);
                    }
                }
            }
            for n in names {
                let fam = family_of(n);
                let slot = FAMILIES
                    .iter()
                    .position(|f| f.0 == fam)
                    .unwrap_or(FAMILIES.len());
                let tracked = if m.tracked.as_deref() == Some(n) {
                    " (tracked)"
                } else {
                    ""
                };
                let label = if several {
                    format!("{}: {n}{tracked}", m.name)
                } else {
                    format!("{n}{tracked}")
                };
                let mut s = Series::line(
                    label,
                    color(k),
                    m.history
                        .iter()
                        .filter_map(|r| {
                            r.validation
                                .iter()
                                .find(|(x, _)| x == n)
                                .map(|v| (r.epoch as f64, v.1))
                        })
                        .collect(),
                );
                s.dashed = m.tracked.as_deref() != Some(n) && m.tracked.is_some();
                k += 1;
                panels
                    .entry(slot)
                    .or_insert_with(|| (fam.to_string(), Vec::new()))
                    .1
                    .push(s);
            }
        }
        if loss.is_empty() {
            h.push_str("<p class=\"notes\">No model trained for two epochs or more (closed-form or one-pass models have no learning curve).</p>\n");
            return;
        }
        let without: Vec<&str> = self
            .models
            .iter()
            .filter(|m| !curve(m))
            .map(|m| m.name.as_str())
            .collect();
        if !without.is_empty() {
            let _ = writeln!(
                h,
                "<p class=\"notes\">Without epochs (no curve): {}.</p>",
                escape(&without.join(", "))
            );
        }
        let kinds = loss.len();
        for (kind, series) in loss {
            h.push_str(
                &Chart {
                    title: if kinds > 1 {
                        format!("training loss: {kind}")
                    } else {
                        "training loss".into()
                    },
                    x_label: "epoch".into(),
                    y_label: "mean loss per sample".into(),
                    log_x: false,
                    series,
                }
                .render(),
            );
        }
        for (_, (title, series)) in panels {
            // Keep a legend readable: at most 8 lines per panel.
            let series: Vec<Series> = series.into_iter().take(8).collect();
            h.push_str(
                &Chart {
                    title: format!("validation: {title}"),
                    x_label: "epoch".into(),
                    y_label: title,
                    log_x: false,
                    series,
                }
                .render(),
            );
        }
    }

    fn per_user_section(&self, h: &mut String) {
        let mut names: Vec<String> = Vec::new();
        let has = |n: &str| self.models.iter().any(|m| m.per_user.contains_key(n));
        for n in ["rmse", "mae"] {
            if has(n) {
                names.push(n.into());
            }
        }
        let cut = if has("ndcg@10") {
            "10".to_string()
        } else {
            self.models
                .iter()
                .flat_map(|m| m.per_user.keys())
                .find(|k| k.starts_with("ndcg@"))
                .and_then(|k| k.split('@').nth(1))
                .unwrap_or("10")
                .to_string()
        };
        for base in ["ndcg", "recall"] {
            let n = format!("{base}@{cut}");
            if has(&n) {
                names.push(n);
            }
        }
        if has("auc") {
            names.push("auc".into());
        }
        if names.is_empty() {
            return;
        }
        h.push_str("<h2>Per-user distributions</h2>\n<p class=\"foot\">Each box: the users' values of the metric (box: quartiles; line: median; diamond: mean; whiskers: the furthest values within 1.5 interquartile ranges).</p>\n");
        for n in names {
            let groups: Vec<(String, String, Vec<f64>)> = self
                .models
                .iter()
                .enumerate()
                .filter_map(|(k, m)| {
                    m.per_user
                        .get(&n)
                        .map(|v| (m.name.clone(), color(k).to_string(), v.clone()))
                })
                .collect();
            h.push_str(&box_plot(&format!("{n} per user"), &n, &groups));
        }
    }
}

fn tune_section(h: &mut String, t: &TuneReport) {
    let _ = write!(
        h,
        "<h2>Search history</h2>\n<p class=\"notes\">{} trials, {}; objective: validation {} ({}).</p>\n",
        t.trials.len(),
        escape(&t.method),
        escape(&t.metric),
        if t.direction == Direction::Minimize {
            "lower is better"
        } else {
            "higher is better"
        }
    );
    let values: Vec<f64> = t
        .trials
        .iter()
        .filter_map(|r| r.value)
        .filter(|v| v.is_finite())
        .collect();
    let worst = values.iter().copied().fold(None::<f64>, |w, v| {
        Some(match w {
            None => v,
            Some(w) if t.direction.better(w, v) => v,
            Some(w) => w,
        })
    });
    let pick = |state: TrialState| -> Vec<(f64, f64)> {
        t.trials
            .iter()
            .filter(|r| r.state == state)
            .map(|r| (r.number as f64, r.value.or(worst).unwrap_or(0.0)))
            .collect()
    };
    let mut best_line = Vec::new();
    let mut best: Option<f64> = None;
    for r in &t.trials {
        if let (TrialState::Complete, Some(v)) = (r.state, r.value)
            && best.is_none_or(|b| t.direction.better(v, b))
        {
            best = Some(v);
        }
        if let Some(b) = best {
            best_line.push((r.number as f64, b));
        }
    }
    let mut series = vec![
        Series::points(
            "complete",
            color(0),
            pick(TrialState::Complete),
            Marker::Dot,
        ),
        Series::points("pruned", color(1), pick(TrialState::Pruned), Marker::Ring),
        Series::points(
            "failed (at the worst value)",
            color(3),
            pick(TrialState::Failed),
            Marker::Cross,
        ),
    ];
    let mut b = Series::line("best so far", "#333", best_line);
    b.dashed = true;
    series.push(b);
    h.push_str(
        &Chart {
            title: format!("validation {} per trial", t.metric),
            x_label: "trial".into(),
            y_label: t.metric.clone(),
            log_x: false,
            series,
        }
        .render(),
    );
    // Importance.
    h.push_str("<h2>Parameter importance</h2>\n");
    if t.importance.is_empty() {
        h.push_str("<p class=\"notes\">Too few complete trials to judge.</p>\n");
    } else {
        let complete = t
            .trials
            .iter()
            .filter(|r| r.state == TrialState::Complete)
            .count();
        let _ = writeln!(
            h,
            "<p class=\"foot\">Method: for each parameter alone, the {complete} complete trials are grouped by its value (a choice by value, a number into {} equal-count bins, on the log scale for log parameters), and the importance is η² — the share of the variance of the validation {} explained by the group means (0: none, 1: all). Parameters are judged one at a time, and with few trials η² overstates (bin means fit noise).</p>",
            crate::tune::importance::BINS,
            escape(&t.metric)
        );
        let bars: Vec<(String, String, f64)> = t
            .importance
            .iter()
            .enumerate()
            .map(|(k, i)| (i.name.clone(), color(k).to_string(), i.eta_squared))
            .collect();
        h.push_str(&bar_chart("variance explained (η²)", "η²", &bars));
    }
    for (k, p) in t.space.params.iter().enumerate() {
        let numeric = !matches!(p.domain, crate::tune::space::Domain::Choice { .. });
        let pts = |state: TrialState| -> Vec<(f64, f64)> {
            t.trials
                .iter()
                .filter(|r| r.state == state)
                .filter_map(|r| {
                    let v = r.value?;
                    let x = r.params.get(&p.name)?;
                    let x = if numeric {
                        x.as_f64()?
                    } else {
                        p.to_internal(x)?
                    };
                    Some((x, v))
                })
                .collect()
        };
        let series = vec![
            Series::points("complete", color(k), pts(TrialState::Complete), Marker::Dot),
            Series::points("pruned", color(k), pts(TrialState::Pruned), Marker::Ring),
        ];
        h.push_str(
            &Chart {
                title: format!("{} ({})", p.name, p.describe()),
                x_label: if numeric {
                    p.name.clone()
                } else {
                    format!("{} (index of the choice)", p.name)
                },
                y_label: t.metric.clone(),
                log_x: numeric && p.is_log(),
                series,
            }
            .render(),
        );
    }
    // The best trials.
    let mut done: Vec<&TrialRecord> = t
        .trials
        .iter()
        .filter(|r| r.state == TrialState::Complete)
        .collect();
    done.sort_by(|a, b| {
        let (x, y) = (a.value.unwrap_or(f64::NAN), b.value.unwrap_or(f64::NAN));
        if t.direction == Direction::Minimize {
            x.total_cmp(&y)
        } else {
            y.total_cmp(&x)
        }
    });
    h.push_str("<h2>Best trials</h2>\n<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>trial</th>");
    let _ = write!(
        h,
        "<th>{}</th><th>epochs</th><th>seconds</th>",
        escape(&t.metric)
    );
    for p in &t.space.params {
        let _ = write!(h, "<th>{}</th>", escape(&p.name));
    }
    h.push_str("</tr></thead><tbody>\n");
    for r in done.iter().take(10) {
        let _ = write!(
            h,
            "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{:.1}</td>",
            r.number,
            if Some(r.number) == t.best {
                " (best)"
            } else {
                ""
            },
            fmt(r.value.unwrap_or(f64::NAN)),
            r.epochs,
            r.seconds
        );
        for p in &t.space.params {
            let v = r.params.get(&p.name).map_or(String::new(), param_text);
            let _ = write!(h, "<td>{}</td>", escape(&v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
}

fn param_text(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => short(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The figures of a report's table as JSON (for scripts that want the numbers behind it).
pub fn metrics_json(models: &[ModelReport]) -> Value {
    Value::Array(
        models
            .iter()
            .map(|m| {
                let metrics: Map<String, Value> = m
                    .metrics
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
                        )
                    })
                    .collect();
                serde_json::json!({"name": m.name, "kind": m.kind, "metrics": metrics})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, ndcg: f64) -> ModelReport {
        let mut m = ModelReport {
            name: name.into(),
            kind: "bpr".into(),
            metrics: vec![
                ("ndcg@10".into(), ndcg),
                ("coverage@10".into(), 0.3),
                ("gini@10".into(), 0.8),
                ("novelty@10".into(), 9.0),
            ],
            ..ModelReport::default()
        };
        m.per_user.insert("ndcg@10".into(), vec![0.1, 0.2, ndcg]);
        m.history = (1..=3)
            .map(|e| EpochReport {
                epoch: e,
                train_loss: 1.0 / e as f64,
                validation: vec![("ndcg@10".into(), 0.1 * e as f64)],
                samples: 10,
                seconds: 0.1,
                samples_per_sec: 100.0,
                learning_rate: 0.01,
            })
            .collect();
        m.tracked = Some("ndcg@10".into());
        m
    }

    #[test]
    fn a_report_is_one_self_contained_page_with_a_row_per_model() {
        let mut a = model("alpha <1>", 0.3);
        a.best.insert("ndcg@10".into());
        let mut b = model("beta", 0.2);
        b.tests.insert(
            "ndcg@10".into(),
            Paired {
                wilcoxon: 0.004,
                t: 0.01,
                users: 3,
            },
        );
        let r = Report {
            title: "compare".into(),
            notes: vec!["one split".into()],
            models: vec![a, b],
            tune: None,
        };
        let page = r.render();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("alpha &lt;1&gt;") && page.contains("<sup>**</sup>"));
        assert!(page.contains("class=\"best\""));
        assert!(
            page.matches("<svg").count() >= 5,
            "loss, ndcg panel, 3 bias bars, box plot"
        );
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
        assert!(page.contains("Popularity bias") && page.contains("Per-user distributions"));
    }

    #[test]
    fn training_losses_share_a_panel_only_within_a_kind() {
        let with_kind = |name: &str, kind: &str| ModelReport {
            kind: kind.into(),
            ..model(name, 0.2)
        };
        let page = |models: Vec<ModelReport>| {
            Report {
                title: "compare".into(),
                notes: vec![],
                models,
                tune: None,
            }
            .render()
        };
        let mixed = page(vec![
            with_kind("a", "ials"),
            with_kind("b", "bpr"),
            with_kind("c", "bpr"),
        ]);
        assert!(mixed.contains("training loss: ials") && mixed.contains("training loss: bpr"));
        assert_eq!(
            mixed.matches("<title>training loss: ").count(),
            2,
            "one panel per kind"
        );
        let same = page(vec![with_kind("a", "bpr"), with_kind("b", "bpr")]);
        assert!(same.contains("training loss") && !same.contains("training loss: "));
        // A closed-form model's single report is no curve.
        let mut closed = with_kind("solved", "ease");
        closed.history.truncate(1);
        let one = page(vec![closed, with_kind("b", "bpr")]);
        assert!(one.contains("Without epochs (no curve): solved."), "{one}");
        assert!(!one.contains("training loss: "));
    }
}

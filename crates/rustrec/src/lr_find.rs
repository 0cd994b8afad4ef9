//! The learning-rate range test (Smith 2017, "Cyclical learning rates"; fastai's
//! `lr_find`): train with a learning rate growing exponentially from tiny to huge, watch the
//! loss fall and then explode, and suggest a rate from where it falls fastest.
//!
//! ## How this differs from fastai's test
//! fastai raises the rate after every mini-batch of one continuing run and records each
//! batch's loss. rustrec's engine reports the loss per epoch, and its schedules only decay
//! (`schedule.gamma ≤ 1`), so this test takes *one step per short fit*: for each rate of the
//! exponential grid `lr_k = start · (end/start)^(k/(n−1))` the model is trained from the same
//! seed (the same initial model and sample order) for `epochs_per_step` epoch(s) at that
//! constant rate, and the step's loss is the last epoch's mean training loss. So a point says
//! "how far one epoch at this rate gets from the start", where fastai's says "how the loss
//! moves at this rate after the lower rates before it"; both fall while the rate is useful
//! and blow up when it is too large. A step costs one epoch, as a fastai step costs one batch.
//!
//! Then, as fastai: the losses are smoothed by an exponential moving average with bias
//! correction, `a_k = β a_{k−1} + (1 − β) L_k`, `S_k = a_k / (1 − β^{k+1})`; the test stops
//! when the smoothed loss exceeds `explode ×` its minimum (4×) or training diverges; the
//! suggestion is the rate where the smoothed loss falls fastest against `log10(lr)` (the most
//! negative slope, by central differences, up to the minimum), and `min_loss_lr / 10` is
//! reported too (fastai's older rule). Each point here averages a whole epoch, far less noisy
//! than fastai's single batches, so β is 0.7 rather than fastai's 0.98.
//!
//! The test applies to the families whose parameter table has an `lr` (MF, BPR, AsySVD,
//! SLIM); `schedule` is held constant.

use rustrec_data::NoProgress;
use rustrec_models::{FitContext, ModelError, ModelSpec, Threads};
use serde_json::Value;

use crate::experiment::{ExperimentConfig, ExperimentError, Result, RunOptions, load};
use crate::report::svg::{Chart, Marker, Series, color};

/// Settings of the range test.
#[derive(Clone, Debug, PartialEq)]
pub struct LrFindSettings {
    /// Smallest rate.
    pub start: f64,
    /// Largest rate.
    pub end: f64,
    /// Rates tried (at most), spaced exponentially.
    pub steps: usize,
    /// Epochs per rate.
    pub epochs_per_step: usize,
    /// Smoothing factor β of the moving average.
    pub beta: f64,
    /// Stop when the smoothed loss exceeds this multiple of its minimum.
    pub explode: f64,
}

impl Default for LrFindSettings {
    fn default() -> Self {
        LrFindSettings {
            start: 1e-6,
            end: 10.0,
            steps: 40,
            epochs_per_step: 1,
            beta: 0.7,
            explode: 4.0,
        }
    }
}

/// A refused setting of the range test: its name (a field of [`LrFindSettings`]), its value
/// as given, and what is valid. A front end names the setting its own way (`rustrec lr-find`
/// as the flag `--epochs-per-step`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadSetting {
    /// The field: `start`, `end`, `steps`, `epochs_per_step`, `beta`.
    pub name: &'static str,
    /// The value given.
    pub value: String,
    /// What is valid.
    pub expected: String,
}

impl std::fmt::Display for BadSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}: {}", self.name, self.value, self.expected)
    }
}

impl LrFindSettings {
    /// The most rates one test tries: each trains at least an epoch, and a curve of a
    /// thousand points already resolves the rate far finer than the choice needs (a
    /// trillion, once accepted, ran for ever).
    pub const MAX_STEPS: usize = 1000;

    /// Checks every setting; the first bad one is named with its value and valid range.
    /// The rates must be the models' 32-bit learning rates, whose limits are printed as
    /// 32-bit numbers (`1.1754944e-38`), as the configuration's checks print them.
    pub fn check(&self) -> std::result::Result<(), BadSetting> {
        let refuse = |name: &'static str, value: String, expected: String| {
            Err(BadSetting {
                name,
                value,
                expected,
            })
        };
        let rate_range = f64::from(f32::MIN_POSITIVE)..=f64::from(f32::MAX);
        for (name, rate) in [("start", self.start), ("end", self.end)] {
            if !rate_range.contains(&rate) {
                return refuse(
                    name,
                    format!("{rate:?}"),
                    format!(
                        "expected a learning rate from {:e} to {:e}",
                        f32::MIN_POSITIVE,
                        f32::MAX
                    ),
                );
            }
        }
        if self.end <= self.start {
            return refuse(
                "end",
                format!("{:?}", self.end),
                format!("must be larger than start = {:?}", self.start),
            );
        }
        if !(3..=Self::MAX_STEPS).contains(&self.steps) {
            return refuse(
                "steps",
                self.steps.to_string(),
                format!(
                    "expected 3 to {} (each rate trains at least one epoch)",
                    Self::MAX_STEPS
                ),
            );
        }
        if self.epochs_per_step == 0 {
            return refuse("epochs_per_step", "0".into(), "expected at least 1".into());
        }
        if !(0.0..1.0).contains(&self.beta) {
            return refuse(
                "beta",
                format!("{:?}", self.beta),
                "expected a smoothing factor in [0, 1)".into(),
            );
        }
        if !(self.explode > 1.0 && self.explode.is_finite()) {
            return refuse(
                "explode",
                format!("{:?}", self.explode),
                "expected a finite multiple larger than 1".into(),
            );
        }
        Ok(())
    }
}

/// What the range test found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LrFindResult {
    /// The suggestion: steepest descent of the smoothed loss.
    pub suggested_lr: f64,
    /// The rate of the smallest smoothed loss.
    pub min_loss_lr: f64,
    /// `min_loss_lr / 10`.
    pub min_loss_lr_div10: f64,
    /// The rates tried.
    pub lrs: Vec<f64>,
    /// The loss at each rate.
    pub losses: Vec<f64>,
    /// The smoothed losses.
    pub smoothed: Vec<f64>,
    /// Why the test ended.
    pub stopped: String,
}

/// Runs the range test on `cfg`'s training data (see the module docs).
pub fn lr_find(
    cfg: &ExperimentConfig,
    settings: &LrFindSettings,
    opts: &RunOptions<'_>,
) -> Result<LrFindResult> {
    let bad = |m: String| ExperimentError::Config(m);
    settings.check().map_err(|e| bad(format!("lr-find: {e}")))?;
    let family = cfg.model.family();
    let names: Vec<&str> = family.params().iter().map(|p| p.name).collect();
    if !names.contains(&"lr") || !family.iterative() {
        return Err(bad(format!(
            "lr-find: model kind `{}` has no learning rate (`lr`); the range test applies to \
             models trained by gradient steps",
            family.kind()
        )));
    }
    let data = load(&cfg.data, cfg.split.as_ref(), opts.data_dir, opts.progress)?;
    let own;
    let threads = match opts.threads {
        Some(t) => t,
        None => {
            own = Threads::new(cfg.train.threads).map_err(ModelError::from)?;
            &own
        }
    };
    let n = settings.steps;
    let ratio = settings.end / settings.start;
    let (mut lrs, mut losses, mut smoothed) = (Vec::new(), Vec::new(), Vec::new());
    let mut avg = 0.0;
    let mut best = f64::INFINITY;
    let mut stopped = format!("reached the largest rate {}", settings.end);
    opts.progress.start("lr range test", Some(n as u64));
    for k in 0..n {
        let lr = settings.start * ratio.powf(k as f64 / (n - 1) as f64);
        let mut params = cfg.model.to_json();
        params["lr"] = serde_json::json!(lr);
        if names.contains(&"schedule") {
            params["schedule"] = serde_json::json!({"kind": "constant"});
        }
        let spec = ModelSpec::from_json(params)?.with_epochs(settings.epochs_per_step);
        let mut ctx = FitContext::new(cfg.train.seed, threads.clone());
        ctx.progress = &NoProgress;
        let loss = match spec.fit(&data.train, &mut ctx) {
            Ok(_) => ctx.history.last().map_or(f64::NAN, |r| r.train_loss),
            Err(ModelError::Diverged { .. }) => f64::NAN,
            Err(e) => return Err(e.into()),
        };
        opts.progress.advance(1);
        if !loss.is_finite() {
            stopped = format!("training diverged at lr {lr:.3e}");
            break;
        }
        avg = settings.beta * avg + (1.0 - settings.beta) * loss;
        let s = avg / (1.0 - settings.beta.powi(k as i32 + 1));
        lrs.push(lr);
        losses.push(loss);
        smoothed.push(s);
        opts.progress
            .message(&format!("lr {lr:.3e}  loss {loss:.5}  smoothed {s:.5}"));
        best = best.min(s);
        if k > 0 && s > settings.explode * best {
            stopped = format!(
                "the smoothed loss exceeded {}× its minimum at lr {lr:.3e}",
                settings.explode
            );
            break;
        }
    }
    opts.progress.finish();
    if lrs.len() < 3 {
        return Err(bad(format!(
            "lr-find: only {} rate(s) before the test ended ({stopped}); lower the starting rate",
            lrs.len()
        )));
    }
    let (suggested_lr, min_loss_lr) = suggest(&lrs, &smoothed);
    Ok(LrFindResult {
        suggested_lr,
        min_loss_lr,
        min_loss_lr_div10: min_loss_lr / 10.0,
        lrs,
        losses,
        smoothed,
        stopped,
    })
}

/// The steepest-descent rate and the rate of the minimum of the smoothed loss
/// (`smoothed[k]` at `lrs[k]`): the suggestion is the rate, among those up to and including
/// the minimum, where the smoothed loss has the most negative slope against `log10(lr)`
/// (central differences; one-sided at the ends). Rates past the minimum are never
/// suggested; when the minimum is at the first rate (the loss never falls), the suggestion
/// is that first rate. With fewer than two rates (no slope), both are the rate of the
/// minimum; with none, both are NaN.
pub fn suggest(lrs: &[f64], smoothed: &[f64]) -> (f64, f64) {
    let n = lrs.len().min(smoothed.len());
    let (lrs, smoothed) = (&lrs[..n], &smoothed[..n]);
    let Some(argmin) = smoothed
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|m| m.0)
    else {
        return (f64::NAN, f64::NAN);
    };
    if n < 2 {
        return (lrs[argmin], lrs[argmin]);
    }
    let x: Vec<f64> = lrs.iter().map(|l| l.log10()).collect();
    let slope = |k: usize| -> f64 {
        let (a, b) = if k == 0 {
            (0, 1)
        } else if k + 1 == x.len() {
            (k - 1, k)
        } else {
            (k - 1, k + 1)
        };
        (smoothed[b] - smoothed[a]) / (x[b] - x[a])
    };
    // Up to the minimum, inclusive (it used to be at least up to the second rate, which
    // suggested a rate past a minimum at the first).
    let steepest = (0..=argmin)
        .min_by(|&a, &b| slope(a).total_cmp(&slope(b)))
        .unwrap_or(argmin);
    (lrs[steepest], lrs[argmin])
}

/// The loss against the rate (log axis) as an SVG chart, with the suggestion marked.
pub fn plot_svg(r: &LrFindResult) -> String {
    let pts = |v: &[f64]| {
        r.lrs
            .iter()
            .copied()
            .zip(v.iter().copied())
            .collect::<Vec<_>>()
    };
    let mut raw = Series::points("loss", color(7), pts(&r.losses), Marker::Ring);
    raw.line = true;
    let smooth = Series::line("smoothed loss", color(0), pts(&r.smoothed));
    let at = |lr: f64| {
        r.lrs
            .iter()
            .position(|&l| l == lr)
            .map(|k| vec![(lr, r.smoothed[k])])
            .unwrap_or_default()
    };
    let series = vec![
        raw,
        smooth,
        Series::points(
            format!("suggested {:.2e}", r.suggested_lr),
            color(3),
            at(r.suggested_lr),
            Marker::Dot,
        ),
        Series::points(
            format!("minimum {:.2e}", r.min_loss_lr),
            color(2),
            at(r.min_loss_lr),
            Marker::Cross,
        ),
    ];
    let body = Chart {
        title: "learning-rate range test".into(),
        x_label: "learning rate (log scale)".into(),
        y_label: "training loss".into(),
        log_x: true,
        series,
    }
    .render();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
}

/// The JSON of `lr-find --json`.
pub fn to_json(r: &LrFindResult) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggestion_is_the_steepest_fall_before_the_minimum() {
        let lrs: Vec<f64> = (0..7).map(|k| 10f64.powi(k - 6)).collect();
        let s = [1.0, 0.99, 0.9, 0.5, 0.4, 0.38, 2.0];
        // Central differences against log10(lr), by hand: −0.01 (one-sided), −0.05,
        // −0.245, −0.25, −0.06, +0.8: the steepest is at k = 3; the minimum at k = 5.
        let (steep, min) = suggest(&lrs, &s);
        assert_eq!(min, lrs[5]);
        assert_eq!(steep, lrs[3]);
        // A fall after the minimum does not count: the steepest slope here is at k = 5
        // (−1.9), past the minimum at k = 1; up to it, k = 0 (−0.9) beats k = 1 (−0.4).
        let s = [1.0, 0.1, 0.2, 0.3, 4.0, 0.3, 0.2];
        let (steep, min) = suggest(&lrs, &s);
        assert_eq!(min, lrs[1]);
        assert_eq!(steep, lrs[0]);
    }

    /// Regression: with the minimum of the smoothed loss at the first rate, the search for
    /// the steepest fall ran up to the second rate and suggested it, past the minimum
    /// (against the documented rule "up to the minimum"). By hand, against log10(lr) with
    /// rates a decade apart: the slope at k = 0 is (5 − 1) / 1 = 4 (one-sided), at k = 1 it
    /// is (1.5 − 1) / 2 = 0.25, the less steep rise that was taken for a fall. The loss
    /// never falls, so the suggestion is the first rate, the minimum.
    #[test]
    fn a_minimum_at_the_first_rate_is_not_passed_by_the_suggestion() {
        let lrs = [1e-3, 1e-2, 1e-1];
        let s = [1.0, 5.0, 1.5];
        assert_eq!(suggest(&lrs, &s), (1e-3, 1e-3));
        // A minimum at the second rate still lets the fall into it be found there.
        let s = [2.0, 1.0, 1.5, 9.0];
        let lrs = [1e-4, 1e-3, 1e-2, 1e-1];
        assert_eq!(suggest(&lrs, &s), (1e-4, 1e-3));
        // Too few rates for a slope: the minimum, and no panic.
        assert_eq!(suggest(&[0.5], &[1.0]), (0.5, 0.5));
        let (steep, min) = suggest(&[], &[]);
        assert!(steep.is_nan() && min.is_nan());
    }

    /// Bad settings are refused naming the setting and the value, before any data is read
    /// (the data path here does not exist).
    #[test]
    fn bad_settings_name_the_setting_and_its_value() {
        let cfg = ExperimentConfig::from_toml(
            "[data]\ntrain = \"/nonexistent/a\"\ntest = \"/nonexistent/b\"\n[model]\nkind = \"mf\"",
        )
        .unwrap();
        let opts = RunOptions {
            data_dir: None,
            progress: &NoProgress,
            threads: None,
        };
        let with = |change: fn(&mut LrFindSettings)| {
            let mut s = LrFindSettings::default();
            change(&mut s);
            lr_find(&cfg, &s, &opts).unwrap_err().to_string()
        };
        let err = with(|s| s.end = f64::INFINITY);
        assert!(err.contains("end = inf"), "{err}");
        let err = with(|s| s.start = 1e-50);
        assert!(err.contains("start = 1e-50"), "{err}");
        // The limits are the 32-bit ones, printed as 32-bit numbers; zero reads as zero.
        let err = with(|s| s.start = 0.0);
        assert!(
            err.contains("start = 0.0:")
                && err.contains("from 1.1754944e-38 to 3.4028235e38")
                && !err.contains("1.1754943508222875e-38"),
            "{err}"
        );
        let err = with(|s| (s.start, s.end) = (1.0, 0.5));
        assert!(
            err.contains("end = 0.5") && err.contains("start = 1"),
            "{err}"
        );
        let err = with(|s| s.epochs_per_step = 0);
        assert!(
            err.contains("epochs_per_step = 0") && !err.contains("beta"),
            "{err}"
        );
        let err = with(|s| s.steps = 2);
        assert!(err.contains("steps = 2"), "{err}");
        // Regression: a trillion rates were accepted and the test ran for ever.
        let err = with(|s| s.steps = 1_000_000_000_000);
        assert!(
            err.contains("steps = 1000000000000") && err.contains("expected 3 to 1000"),
            "{err}"
        );
    }

    #[test]
    fn a_range_test_of_mf_finds_a_rate_and_stops_when_the_loss_explodes() {
        let cfg = ExperimentConfig::from_toml(
            r#"
            [data]
            synthetic = { like = "ml-100k", seed = 2 }
            [split]
            kind = "holdout"
            test_fraction = 0.1
            [model]
            kind = "mf"
            factors = 8
            [train]
            threads = 1
            "#,
        )
        .unwrap();
        let opts = RunOptions {
            data_dir: None,
            progress: &NoProgress,
            threads: None,
        };
        let settings = LrFindSettings {
            start: 1e-4,
            end: 10.0,
            steps: 16,
            ..LrFindSettings::default()
        };
        let r = lr_find(&cfg, &settings, &opts).unwrap();
        assert!(r.lrs.len() >= 5 && r.lrs.len() < 16, "{r:?}");
        assert!(r.suggested_lr > 1e-4 && r.suggested_lr < 1.0, "{r:?}");
        assert!(r.suggested_lr <= r.min_loss_lr);
        assert!(
            r.stopped.contains("diverged") || r.stopped.contains("exceeded"),
            "{}",
            r.stopped
        );
        let svg = plot_svg(&r);
        assert!(svg.contains("<svg") && svg.contains("suggested"));
        // Models without a learning rate are refused by name.
        let ease = ExperimentConfig::from_toml(
            "[data]\nsynthetic = { like = \"ml-100k\" }\n[split]\nkind = \"holdout\"\ntest_fraction = 0.1\n[model]\nkind = \"ease\"",
        )
        .unwrap();
        let e = lr_find(&ease, &settings, &opts).unwrap_err().to_string();
        assert!(e.contains("ease") && e.contains("lr"), "{e}");
    }
}

//! WARP with the default settings trains on MovieLens-100K-shaped data.
//!
//! Regression: with `loss = "warp"` and every other parameter at its default (plain SGD,
//! `lr = 0.05`), the rank weight (up to `L(1681) ≈ 8` on 1,682 items) multiplied the
//! learning rate, and training diverged (an infinite loss at epoch 14 on
//! `rustrec synth --like ml-100k` data).

use rustrec_data::split::holdout;
use rustrec_data::synth::{Preset, SynthParams, synthesize};
use rustrec_data::{Interactions, NoProgress, UserIdx};
use rustrec_models::bpr::{BprParams, Loss};
use rustrec_models::{Fit, FitContext, Recommender};

/// Mean per-user AUC of the test items against the items in neither train nor test (ties
/// count ½).
fn auc(model: &dyn Recommender, train: &Interactions, test: &Interactions) -> f64 {
    let mut scores = vec![0.0f32; model.n_items()];
    let (mut sum, mut users) = (0.0, 0usize);
    for u in 0..train.n_users() {
        let user = UserIdx(u as u32);
        let pos = test.row(user).items;
        if pos.is_empty() {
            continue;
        }
        model.score_into(user, &mut scores);
        let mut neg: Vec<f32> = (0..scores.len() as u32)
            .filter(|&i| !train.row(user).contains(i) && !pos.contains(&i))
            .map(|i| scores[i as usize])
            .collect();
        neg.sort_by(f32::total_cmp);
        let mut wins = 0.0;
        for &i in pos {
            let s = scores[i as usize];
            let below = neg.partition_point(|&n| n < s);
            let ties = neg[below..].partition_point(|&n| n <= s);
            wins += below as f64 + 0.5 * ties as f64;
        }
        sum += wins / (pos.len() * neg.len()) as f64;
        users += 1;
    }
    sum / users as f64
}

#[test]
fn warp_with_default_settings_trains_on_ml100k_shaped_data_without_diverging() {
    let x = synthesize(&SynthParams::like(Preset::Ml100k), &NoProgress).unwrap();
    let split = holdout(&x, 0.2, 42).unwrap();
    let params = BprParams {
        loss: Loss::Warp,
        ..BprParams::default()
    };
    let model = params
        .check()
        .unwrap()
        .fit(&split.train, &mut FitContext::with_threads(42, 2).unwrap())
        .unwrap_or_else(|e| panic!("WARP with default settings: {e}"));
    let a = auc(&model, &split.train, &split.test);
    // Random scores give 0.5; BPR with its defaults reaches about 0.83 here.
    assert!(a > 0.7, "WARP with default settings: test AUC {a}");
}

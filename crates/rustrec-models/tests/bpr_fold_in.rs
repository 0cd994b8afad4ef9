//! Folding a training user's history into BPR-MF gives nearly the trained user's top-10.

use rustrec_data::split::{LeaveOut, leave_k_out};
use rustrec_data::synth::{Preset, SynthParams, synthesize};
use rustrec_data::{ItemIdx, NoProgress, UserIdx};
use rustrec_models::bpr::BprParams;
use rustrec_models::{Exclusion, Fit, FitContext, FoldIn, Recommender};

#[test]
fn fold_in_of_a_training_users_history_recovers_most_of_their_top_10() {
    let params = SynthParams {
        users: 200,
        items: 150,
        ratings: 8000,
        ..SynthParams::like(Preset::Ml100k)
    };
    let x = synthesize(&params, &NoProgress).unwrap().to_implicit(4.0);
    let train = leave_k_out(&x, 2, LeaveOut::Random, 1).unwrap().train;
    let model = BprParams::default()
        .factors(16)
        .epochs(30)
        .check()
        .unwrap()
        .fit(&train, &mut FitContext::with_threads(3, 2).unwrap())
        .unwrap();
    let mut overlap = 0.0;
    let mut users = 0;
    let mut scores = vec![0.0; model.n_items()];
    for u in (0..200u32).step_by(7) {
        let row = train.row(UserIdx(u));
        if row.len() < 5 {
            continue;
        }
        let ex = Exclusion::seen(&train);
        let trained: Vec<u32> = model
            .recommend(UserIdx(u), 10, &ex)
            .iter()
            .map(|r| r.0.0)
            .collect();
        let history: Vec<(ItemIdx, f32)> = row.items.iter().map(|&i| (ItemIdx(i), 1.0)).collect();
        model.score_profile(&history, &mut scores);
        let folded = rustrec_models::topn::top_n(&scores, 10, |i| !row.contains(i));
        overlap += folded.iter().filter(|(i, _)| trained.contains(i)).count() as f64 / 10.0;
        users += 1;
    }
    let mean = overlap / users as f64;
    assert!(users > 10);
    assert!(mean >= 0.6, "fold-in overlap@10 {mean}");
    eprintln!("BPR fold-in overlap@10 = {mean:.3} over {users} users");
}

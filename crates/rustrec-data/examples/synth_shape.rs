//! Prints the shape of a synthetic preset and how long it took to generate:
//! `cargo run --release -p rustrec-data --example synth_shape -- ml-10m [exponent [offset]]`.

use std::time::Instant;

use rustrec_data::synth::{Preset, SynthParams, item_gini, synthesize_with_truth};
use rustrec_data::{NoProgress, UserIdx};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preset: Preset = args.first().map_or("ml-100k", String::as_str).parse()?;
    let mut params = SynthParams::like(preset);
    if let Some(a) = args.get(1) {
        params.item_popularity_exponent = a.parse()?;
    }
    if let Some(q) = args.get(2) {
        params.item_popularity_offset = q.parse()?;
    }
    let t = Instant::now();
    let s = synthesize_with_truth(&params, &NoProgress)?;
    let seconds = t.elapsed().as_secs_f64();
    let x = &s.data;
    let mut per_user: Vec<usize> = (0..x.n_users())
        .map(|u| x.user_degree(UserIdx(u as u32)))
        .collect();
    per_user.sort_unstable();
    let max_item = x.item_ptr().windows(2).map(|w| w[1] - w[0]).max();
    let mean = x.mean_value();
    let var = x
        .values()
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / x.nnz() as f64;
    let rmse = s
        .truth
        .oracle_rmse(x, params.scale.min(), params.scale.max());
    println!(
        "{preset:?}: {} users, {} items, {} ratings in {seconds:.2} s ({} threads); per user \
         min {} median {} max {}; per item max {max_item:?}; item Gini {:.4}; values mean \
         {mean:.3} std {:.3}; planted-model RMSE {rmse:.3}",
        x.n_users(),
        x.n_items(),
        x.nnz(),
        rayon::current_num_threads(),
        per_user[0],
        per_user[per_user.len() / 2],
        per_user[per_user.len() - 1],
        item_gini(x),
        var.sqrt(),
    );
    Ok(())
}

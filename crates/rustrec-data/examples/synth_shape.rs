//! Prints the shape of a synthetic preset and how long it took to generate, split, filter\n//! and format it:
//! `cargo run --release -p rustrec-data --example synth_shape -- ml-10m [exponent [offset [cutoff]]]`.

use std::time::Instant;

use rustrec_data::split::{LeaveOut, holdout, leave_k_out, temporal};
use rustrec_data::synth::{Preset, SynthParams, item_gini, synthesize_with_truth};
use rustrec_data::write::{OutputFormat, write_interactions};
use rustrec_data::{NoProgress, UserIdx, kcore};

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
    if let Some(b) = args.get(3) {
        params.item_popularity_cutoff = b.parse()?;
    }
    if args.len() > 1 {
        let p = &params;
        let x = synthesize_with_truth(p, &NoProgress)?.data;
        let mut d: Vec<usize> = x.item_ptr().windows(2).map(|w| w[1] - w[0]).collect();
        d.sort_unstable();
        let q: Vec<usize> = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
            .iter()
            .map(|q| d[(q * (d.len() - 1) as f64) as usize])
            .collect();
        println!(
            "{args:?}: item Gini {:.4}, item quantiles {q:?}",
            item_gini(&x)
        );
        return Ok(());
    }
    let t = Instant::now();
    let s = synthesize_with_truth(&params, &NoProgress)?;
    let seconds = t.elapsed().as_secs_f64();
    let x = &s.data;
    let mut per_user: Vec<usize> = (0..x.n_users())
        .map(|u| x.user_degree(UserIdx(u as u32)))
        .collect();
    per_user.sort_unstable();
    let mut per_item: Vec<usize> = x.item_ptr().windows(2).map(|w| w[1] - w[0]).collect();
    per_item.sort_unstable();
    let max_item = per_item.last().copied();
    let deciles: Vec<usize> = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
        .iter()
        .map(|q| per_item[(q * (per_item.len() - 1) as f64) as usize])
        .collect();
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
         min {} median {} max {}; per item max {max_item:?}, quantiles 0/10/25/50/75/90/100% {deciles:?}; item Gini {:.4}; values mean \
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
    let timed = |label: &str, f: &dyn Fn() -> usize| {
        let t = Instant::now();
        let n = f();
        println!("  {label}: {:.2} s ({n})", t.elapsed().as_secs_f64());
    };
    timed("holdout 20% (test size)", &|| {
        holdout(x, 0.2, 1).map_or(0, |s| s.test.nnz())
    });
    timed("leave-1-out random (test size)", &|| {
        leave_k_out(x, 1, LeaveOut::Random, 1).map_or(0, |s| s.test.nnz())
    });
    timed("temporal 20% (cold test users)", &|| {
        temporal(x, 0.2).map_or(0, |s| s.report.cold_test_users)
    });
    timed("20-core (interactions kept)", &|| {
        kcore(x, 20, 20).1.interactions_after
    });
    timed("write ml-dat to a sink (bytes)", &|| {
        let mut sink = std::io::BufWriter::new(std::io::sink());
        write_interactions(x, OutputFormat::MlDat, &mut sink).map_or(0, |b| b as usize)
    });
    Ok(())
}

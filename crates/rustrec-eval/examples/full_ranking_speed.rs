//! Speed of the evaluation protocols on an ML-1M-shaped problem.
//!
//! 6,040 users × 3,706 items, ~1M random interactions split 90/10 into train and test,
//! scored by a dot-product model with k = 64 random factors. Times the full-ranking
//! protocol (cutoffs 5, 10, 20, every metric) with 1 thread and with all threads (and
//! checks they agree bit for bit), the sampled protocol (100 negatives) and the rating
//! metrics.
//!
//! ```text
//! cargo run --release -p rustrec-eval --example full_ranking_speed [users items factors]
//! ```

use std::sync::Arc;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rustrec_core::Recommender;
use rustrec_data::{IdMap, Interactions, ItemIdx, UserIdx};
use rustrec_eval::{
    Metric, RankingConfig, SampledConfig, evaluate_ranking, evaluate_ratings_with_train,
    evaluate_sampled,
};

/// `score(u, i) = p_u · q_i` with row-major factor matrices.
struct Dot {
    users: Arc<IdMap>,
    items: Arc<IdMap>,
    k: usize,
    p: Vec<f32>,
    q: Vec<f32>,
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    acc.iter().sum::<f32>() + tail
}

impl Recommender for Dot {
    fn kind(&self) -> &'static str {
        "dot"
    }
    fn user_ids(&self) -> &Arc<IdMap> {
        &self.users
    }
    fn item_ids(&self) -> &Arc<IdMap> {
        &self.items
    }
    fn score_into(&self, user: UserIdx, out: &mut [f32]) {
        let pu = &self.p[user.index() * self.k..(user.index() + 1) * self.k];
        for (s, qi) in out.iter_mut().zip(self.q.chunks_exact(self.k)) {
            *s = dot(pu, qi);
        }
    }
    fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let k = self.k;
        3.5 + dot(
            &self.p[user.index() * k..(user.index() + 1) * k],
            &self.q[item.index() * k..(item.index() + 1) * k],
        )
    }
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_users = args.first().copied().unwrap_or(6040);
    let n_items = args.get(1).copied().unwrap_or(3706);
    let k = args.get(2).copied().unwrap_or(64);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2017);

    // ~1M interactions (165.6 per user on average, as ML-1M), 10 % of them held out.
    let per_user = 1_000_209.0 / 6040.0 / 3706.0 * n_items as f64;
    let (mut train_rows, mut test_rows) = (Vec::new(), Vec::new());
    for u in 0..n_users as u32 {
        for i in 0..n_items as u32 {
            if rng.random::<f64>() < per_user / n_items as f64 {
                let r = rng.random_range(1..=5) as f32;
                if rng.random::<f64>() < 0.1 {
                    test_rows.push((u, i, r));
                } else {
                    train_rows.push((u, i, r));
                }
            }
        }
    }
    let train = Interactions::from_index_triplets(n_users, n_items, &train_rows).unwrap();
    let test = Interactions::from_index_triplets(n_users, n_items, &test_rows).unwrap();
    let scale = 1.0 / (k as f32).sqrt();
    let model = Dot {
        users: train.user_ids().clone(),
        items: train.item_ids().clone(),
        k,
        p: (0..n_users * k)
            .map(|_| rng.random_range(-1.0..1.0f32) * scale)
            .collect(),
        q: (0..n_items * k)
            .map(|_| rng.random_range(-1.0..1.0f32))
            .collect(),
    };
    println!(
        "{n_users} users × {n_items} items, k = {k}: {} train, {} test interactions",
        train.nnz(),
        test.nnz()
    );

    // The floor: scoring every user once, single-threaded, nothing else.
    let start = Instant::now();
    let mut buf = vec![0.0f32; n_items];
    let mut checksum = 0.0f64;
    for u in 0..n_users as u32 {
        model.score_into(UserIdx(u), &mut buf);
        checksum += f64::from(buf[u as usize % n_items]);
    }
    println!(
        "scoring alone (score_into for every user), 1 thread: {:.3} s (checksum {checksum:.3})",
        start.elapsed().as_secs_f64()
    );
    let subsets: [(&str, Vec<Metric>); 3] = [
        (
            "precision/recall/ndcg/map/hit_rate",
            vec![
                Metric::Precision,
                Metric::Recall,
                Metric::Ndcg,
                Metric::Map,
                Metric::HitRate,
            ],
        ),
        ("auc", vec![Metric::Auc]),
        ("mrr", vec![Metric::Mrr]),
    ];
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for (label, metrics) in subsets {
        let cfg = RankingConfig {
            metrics,
            ..RankingConfig::with_cutoffs(&[5, 10, 20])
        };
        let start = Instant::now();
        one.install(|| evaluate_ranking(&model, &train, &test, &cfg).unwrap());
        println!(
            "full ranking, only {label}, 1 thread: {:.3} s",
            start.elapsed().as_secs_f64()
        );
    }

    let cfg = RankingConfig::with_cutoffs(&[5, 10, 20]);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut results = Vec::new();
    for t in [1, threads] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        // best of 3
        let mut best = f64::INFINITY;
        let mut m = None;
        for _ in 0..3 {
            let start = Instant::now();
            m = Some(pool.install(|| evaluate_ranking(&model, &train, &test, &cfg).unwrap()));
            best = best.min(start.elapsed().as_secs_f64());
        }
        let m = m.unwrap();
        println!(
            "full ranking, cutoffs 5,10,20, all metrics, {t} thread(s): {best:.3} s \
             ({} users evaluated, {:.1} µs/user)",
            m.users_evaluated,
            best * 1e6 / m.users_evaluated as f64
        );
        results.push(m);
    }
    let bits = |m: &rustrec_eval::RankingMetrics| -> Vec<u64> {
        m.values.iter().map(|(_, v)| v.to_bits()).collect()
    };
    assert_eq!(
        bits(&results[0]),
        bits(&results[1]),
        "thread count changed the result"
    );
    let m = &results[0];
    let auc = m.get("auc").unwrap();
    assert!(
        (auc - 0.5).abs() < 0.01,
        "a random model has AUC ≈ 0.5, got {auc}"
    );
    for (name, v) in &m.values {
        println!("  {name:>16} {v:.5}");
    }

    let start = Instant::now();
    let s = evaluate_sampled(&model, &train, &test, &SampledConfig::new(100, 1)).unwrap();
    println!(
        "sampled(100) protocol, {threads} thread(s): {:.3} s (sampled_auc {:.4}, sampled_hit_rate@10 {:.4})",
        start.elapsed().as_secs_f64(),
        s.get("sampled_auc").unwrap(),
        s.get("sampled_hit_rate@10").unwrap()
    );
    let start = Instant::now();
    let r = evaluate_ratings_with_train(&model, &test, &train).unwrap();
    println!(
        "rating metrics, {threads} thread(s): {:.4} s (rmse {:.4} over {} ratings)",
        start.elapsed().as_secs_f64(),
        r.rmse,
        r.n
    );
}

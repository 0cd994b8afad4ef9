//! Tests of the synthetic generator.

use super::*;
use crate::{NoProgress, UserIdx};

fn small(seed: u64) -> SynthParams {
    SynthParams {
        users: 300,
        items: 200,
        ratings: 12_345,
        min_per_user: 10,
        user_activity_exponent: 3.0,
        seed,
        ..SynthParams::like(Preset::Ml100k)
    }
}

fn degrees(x: &Interactions) -> Vec<usize> {
    x.user_ptr().windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn counts_are_exact_and_rows_hold_distinct_items() {
    let p = small(1);
    let x = synthesize(&p, &NoProgress).unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (300, 200, 12_345));
    let d = degrees(&x);
    assert!(d.iter().all(|&c| (10..=200).contains(&c)), "{d:?}");
    for u in 0..x.n_users() {
        let row = x.row(UserIdx(u as u32));
        assert!(row.items.windows(2).all(|w| w[0] < w[1]));
    }
    // Raw ids are 1..=n, as in MovieLens.
    assert_eq!(x.user_ids().int_ids().unwrap()[0], 1);
    assert_eq!(x.item_ids().int_ids().unwrap()[199], 200);
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let a = synthesize(&small(7), &NoProgress).unwrap();
    let b = synthesize(&small(7), &NoProgress).unwrap();
    let c = synthesize(&small(8), &NoProgress).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_eq!(a.timestamps(), b.timestamps());
    assert_ne!(a.fingerprint(), c.fingerprint());
}

/// Regression: `--no-timestamps` skipped the timestamp draws, which shifted the generator
/// and changed every later rating of a user. The same seed must give the same users, items
/// and ratings with or without timestamps.
#[test]
fn leaving_out_timestamps_keeps_the_users_items_and_ratings() {
    let with = synthesize(&small(7), &NoProgress).unwrap();
    let without = SynthParams {
        timestamps: false,
        ..small(7)
    };
    let without = synthesize(&without, &NoProgress).unwrap();
    assert!(with.timestamps().is_some() && without.timestamps().is_none());
    assert_eq!(with.user_ptr(), without.user_ptr());
    assert_eq!(with.item_indices(), without.item_indices());
    assert_eq!(with.values(), without.values());
    assert_eq!(with.fingerprint(), without.fingerprint());
}

#[test]
fn the_data_does_not_depend_on_the_thread_count() {
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| synthesize(&small(3), &NoProgress).unwrap())
    };
    let (one, three) = (run(1), run(3));
    assert_eq!(one.fingerprint(), three.fingerprint());
    assert_eq!(one.timestamps(), three.timestamps());
}

#[test]
fn values_lie_on_the_scale_and_timestamps_in_the_span() {
    for scale in [RatingScale::OneToFive, RatingScale::HalfStars] {
        let p = SynthParams { scale, ..small(2) };
        let x = synthesize(&p, &NoProgress).unwrap();
        assert!(x.values().iter().all(|&v| scale.contains(v)));
        let halves = x.values().iter().filter(|&&v| v.fract() != 0.0).count();
        assert_eq!(halves > 0, scale == RatingScale::HalfStars);
        let ts = x.timestamps().unwrap();
        assert!(
            ts.iter()
                .all(|&t| (p.first_timestamp..=p.last_timestamp).contains(&t))
        );
    }
    let no_time = SynthParams {
        timestamps: false,
        ..small(2)
    };
    assert!(
        synthesize(&no_time, &NoProgress)
            .unwrap()
            .timestamps()
            .is_none()
    );
}

#[test]
fn the_ml100k_preset_has_the_shape_of_movielens_100k() {
    let x = synthesize(&SynthParams::like(Preset::Ml100k), &NoProgress).unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (943, 1682, 100_000));
    let d = degrees(&x);
    assert_eq!(d.iter().min(), Some(&20));
    assert!(
        (600..=900).contains(d.iter().max().unwrap()),
        "{:?}",
        d.iter().max()
    );
    let g = item_gini(&x);
    assert!((g - 0.63).abs() < 0.03, "Gini {g}");
    let mean = x.mean_value();
    let std = (x
        .values()
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / x.nnz() as f64)
        .sqrt();
    assert!(
        (mean - 3.53).abs() < 0.1 && (std - 1.1).abs() < 0.1,
        "{mean} {std}"
    );
}

#[test]
fn the_ml1m_preset_has_the_shape_of_movielens_1m() {
    let x = synthesize(&SynthParams::like(Preset::Ml1m), &NoProgress).unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (6040, 3706, 1_000_209));
    assert_eq!(degrees(&x).iter().min(), Some(&20));
    let g = item_gini(&x);
    assert!((g - 0.634).abs() < 0.03, "Gini {g}");
}

#[test]
fn the_large_presets_ask_for_the_release_counts() {
    let p = SynthParams::like(Preset::Ml10m);
    assert_eq!(
        (p.users, p.items, p.ratings, p.min_per_user),
        (69_878, 10_681, 10_000_054, 20)
    );
    assert_eq!(p.scale, RatingScale::HalfStars);
    let p = SynthParams::like(Preset::Ml20m);
    assert_eq!(
        (p.users, p.items, p.ratings, p.min_per_user),
        (138_493, 26_744, 20_000_263, 20)
    );
    assert!(p.check().is_ok());
}

#[test]
fn the_values_are_the_rounded_planted_ratings() {
    let p = small(5);
    let s = synthesize_with_truth(&p, &NoProgress).unwrap();
    assert_eq!(
        s.data.fingerprint(),
        synthesize(&p, &NoProgress).unwrap().fingerprint()
    );
    let t = &s.truth;
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for (k, (u, i, v)) in s.data.iter().enumerate() {
        assert_eq!(v, p.scale.quantize(t.latent[k]));
        let e = f64::from(t.latent[k] - t.clean(u, i));
        sum += e;
        sum2 += e * e;
        n += 1.0;
    }
    // The noise has the planted standard deviation and mean 0 (12,345 draws: ±3%).
    let std = (sum2 / n - (sum / n).powi(2)).sqrt();
    assert!(
        (std - p.noise_std).abs() < 0.03 * p.noise_std,
        "noise std {std}"
    );
    assert!((sum / n).abs() < 0.03);
    // The planted model explains most of the variance of the rounded values: its RMSE is
    // close to the noise level and well below the spread of the values.
    let rmse = t.oracle_rmse(&s.data, p.scale.min(), p.scale.max());
    assert!(rmse < p.noise_std + 0.1, "oracle RMSE {rmse}");
    let mean = s.data.mean_value();
    let spread = (s
        .data
        .values()
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    assert!(rmse < 0.7 * spread, "{rmse} vs {spread}");
    // The factors matter: dropping p·q costs accuracy.
    let no_dot: f64 = s
        .data
        .iter()
        .map(|(u, i, v)| {
            let b = t.mean + t.user_bias[u.index()] + t.item_bias[i.index()];
            f64::from(b.clamp(0.5, 5.0) - v).powi(2)
        })
        .sum::<f64>()
        / n;
    assert!(no_dot.sqrt() > rmse + 0.1, "{} vs {rmse}", no_dot.sqrt());
}

#[test]
fn popular_ranks_get_more_interactions() {
    // Uniform popularity (exponent 0, no cut-off) against a steep one.
    let flat = SynthParams {
        item_popularity_exponent: 0.0,
        item_popularity_cutoff: 0.0,
        ..small(4)
    };
    let steep = SynthParams {
        item_popularity_exponent: 2.0,
        item_popularity_offset: 5.0,
        item_popularity_cutoff: 0.0,
        ..small(4)
    };
    let g_flat = item_gini(&synthesize(&flat, &NoProgress).unwrap());
    let g_steep = item_gini(&synthesize(&steep, &NoProgress).unwrap());
    assert!(g_flat < 0.1 && g_steep > 0.4, "{g_flat} {g_steep}");
}

#[test]
fn bad_parameters_are_named_with_value_and_range() {
    let cases: [(SynthParams, &str); 5] = [
        (
            SynthParams {
                users: 0,
                ..small(0)
            },
            "users = 0",
        ),
        (
            SynthParams {
                ratings: 100,
                ..small(0)
            },
            "ratings = 100",
        ),
        (
            SynthParams {
                ratings: 300 * 200 + 1,
                ..small(0)
            },
            "ratings = 60001",
        ),
        (
            SynthParams {
                min_per_user: 201,
                ..small(0)
            },
            "min_per_user = 201",
        ),
        (
            SynthParams {
                noise_std: -1.0,
                ..small(0)
            },
            "noise_std = -1",
        ),
    ];
    for (p, want) in cases {
        let msg = synthesize(&p, &NoProgress).unwrap_err().to_string();
        assert!(msg.contains(want), "{msg}");
    }
    let msg = "ml-5m".parse::<Preset>().unwrap_err().to_string();
    assert!(msg.contains("ml-100k"), "{msg}");
}

#[test]
fn every_user_can_take_every_item() {
    let p = SynthParams {
        users: 5,
        items: 30,
        ratings: 150,
        min_per_user: 1,
        ..small(9)
    };
    let x = synthesize(&p, &NoProgress).unwrap();
    assert!(degrees(&x).iter().all(|&c| c == 30));
}

#[test]
fn the_cutoff_thins_the_tail() {
    let with = |cutoff: f64| {
        let p = SynthParams {
            item_popularity_exponent: 0.0,
            item_popularity_cutoff: cutoff,
            ..small(6)
        };
        let x = synthesize(&p, &NoProgress).unwrap();
        let mut d: Vec<usize> = x.item_ptr().windows(2).map(|w| w[1] - w[0]).collect();
        d.sort_unstable();
        d[d.len() / 10] // the 10% quantile of item counts
    };
    assert!(with(5.0) * 3 < with(0.0), "{} vs {}", with(5.0), with(0.0));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn any_feasible_shape_is_met_exactly(
        users in 1usize..40,
        items in 1usize..60,
        min_frac in 0.0f64..1.0,
        fill in 0.0f64..1.0,
        alpha in 0.5f64..30.0,
        exponent in 0.0f64..3.0,
        half: bool,
        seed: u64,
    ) {
        let min_per_user = 1 + ((items - 1) as f64 * min_frac) as usize;
        let lo = users * min_per_user;
        let ratings = lo + ((users * items - lo) as f64 * fill) as usize;
        let p = SynthParams {
            users,
            items,
            ratings,
            min_per_user,
            user_activity_exponent: alpha,
            item_popularity_exponent: exponent,
            scale: if half { RatingScale::HalfStars } else { RatingScale::OneToFive },
            seed,
            ..SynthParams::like(Preset::Ml100k)
        };
        let x = synthesize(&p, &NoProgress).unwrap();
        proptest::prop_assert_eq!((x.n_users(), x.n_items(), x.nnz()), (users, items, ratings));
        for d in degrees(&x) {
            proptest::prop_assert!(d >= min_per_user && d <= items);
        }
        proptest::prop_assert!(x.values().iter().all(|&v| p.scale.contains(v)));
    }
}

#[test]
fn the_netflix_preset_asks_for_the_prize_set_counts_in_whole_stars() {
    let p: SynthParams = SynthParams::like("netflix".parse::<Preset>().unwrap());
    assert_eq!(
        (p.users, p.items, p.ratings, p.min_per_user),
        (480_189, 17_770, 100_480_507, 20)
    );
    assert_eq!(p.scale, RatingScale::OneToFive);
    assert_eq!(Preset::Netflix.name(), "netflix");
    assert!(p.check().is_ok());
}

/// The Netflix preset scaled down (users / 100, items / 10, ratings / 200): the counts are
/// exact, the values whole stars 1-5 with a Netflix-like mean, every user has 20 ratings or
/// more and the most active user has far more than the median one (a heavy tail).
#[test]
fn a_scaled_down_netflix_set_has_its_shape() {
    let p = SynthParams {
        users: 4_802,
        items: 1_777,
        ratings: 502_403,
        ..SynthParams::like(Preset::Netflix)
    };
    let x = synthesize(&p, &NoProgress).unwrap();
    assert_eq!((x.n_users(), x.n_items(), x.nnz()), (4_802, 1_777, 502_403));
    assert!(
        x.values()
            .iter()
            .all(|&v| v.fract() == 0.0 && (1.0..=5.0).contains(&v))
    );
    let mean = x.mean_value();
    assert!((3.4..3.8).contains(&mean), "mean {mean}");
    let mut d = degrees(&x);
    d.sort_unstable();
    assert_eq!(d[0], 20);
    let (median, max) = (d[d.len() / 2], d[d.len() - 1]);
    assert!(max > 10 * median, "median {median}, max {max}");
}

//! How factor rows start: the distribution of the initial values and the seeded draw.

use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use crate::engine::rng;
use crate::engine::table::RowTable;
use crate::error::Result;
use crate::params::positive;

/// How factor vectors are initialised (biases start at zero).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Init {
    /// Normal(0, std) — Surprise uses std 0.1.
    Normal {
        /// Standard deviation.
        std: f32,
    },
    /// Normal(0, std) truncated to ±2·std — fastai's `trunc_normal_` with std 0.01.
    TruncatedNormal {
        /// Standard deviation before truncation.
        std: f32,
    },
    /// Uniform(−scale, scale).
    Uniform {
        /// Half-width.
        scale: f32,
    },
}

impl Init {
    /// Checks the spread: `std` or `scale` finite and > 0 (named `init.std`, `init.scale`).
    pub fn check(&self) -> Result<()> {
        match *self {
            Init::Normal { std } | Init::TruncatedNormal { std } => positive("init.std", std),
            Init::Uniform { scale } => positive("init.scale", scale),
        }
    }
}

/// A `rows × k` table drawn from `init` with `rng`, row by row; rows that are not `active`
/// (no training data) are zero. Every row is drawn, active or not, so that a row's values
/// do not depend on which other rows are active.
pub fn init_table(
    init: Init,
    rows: usize,
    k: usize,
    active: impl Fn(usize) -> bool,
    rng: &mut rng::Rng,
) -> RowTable {
    let mut t = RowTable::zeros(rows, k);
    let mut draw: Box<dyn FnMut(&mut rng::Rng) -> f32> = match init {
        Init::Normal { std } => {
            let d = Normal::new(0.0, std).unwrap_or_else(|_| Normal::new(0.0, 0.1).expect("valid"));
            Box::new(move |r| d.sample(r))
        }
        Init::TruncatedNormal { std } => {
            let d = Normal::new(0.0, std).unwrap_or_else(|_| Normal::new(0.0, 0.1).expect("valid"));
            Box::new(move |r| {
                loop {
                    let x: f32 = d.sample(r);
                    if x.abs() <= 2.0 * std {
                        break x;
                    }
                }
            })
        }
        Init::Uniform { scale } => {
            let d = Uniform::new_inclusive(-scale, scale).expect("scale checked > 0");
            Box::new(move |r| d.sample(r))
        }
    };
    for r in 0..rows {
        let row = t.row_mut(r);
        for x in row.iter_mut().take(k) {
            *x = draw(rng);
        }
        if !active(r) {
            row.iter_mut().for_each(|x| *x = 0.0);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_distribution_and_inactive_rows_are_zero() {
        let mut r = rng::stream(5, &[]);
        let t = init_table(
            Init::Uniform { scale: 0.5 },
            400,
            8,
            |row| row % 3 != 0,
            &mut r,
        );
        for row in 0..400 {
            let values = &t.row(row)[..8];
            if row % 3 == 0 {
                assert!(values.iter().all(|&x| x == 0.0));
            } else {
                assert!(values.iter().all(|x| x.abs() <= 0.5), "{values:?}");
            }
        }
        let mut r = rng::stream(5, &[]);
        let t = init_table(Init::TruncatedNormal { std: 0.1 }, 300, 8, |_| true, &mut r);
        let all: Vec<f32> = (0..300).flat_map(|row| t.row(row)[..8].to_vec()).collect();
        assert!(all.iter().all(|x| x.abs() <= 0.2));
        let var = all.iter().map(|x| f64::from(x * x)).sum::<f64>() / all.len() as f64;
        // The variance of a normal truncated at ±2σ is 0.774 σ².
        assert!((var / 0.01 - 0.774).abs() < 0.05, "{var}");
    }

    #[test]
    fn a_rows_values_do_not_depend_on_which_rows_are_active() {
        let draw = |active: fn(usize) -> bool| {
            let mut r = rng::stream(9, &[]);
            init_table(Init::Normal { std: 0.1 }, 50, 4, active, &mut r)
        };
        let (all, some) = (draw(|_| true), draw(|row| row % 2 == 0));
        for row in (0..50).step_by(2) {
            assert_eq!(all.row(row), some.row(row));
        }
    }
}

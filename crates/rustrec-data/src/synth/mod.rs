//! Synthetic rating data of a MovieLens-like shape, from a planted low-rank model.
//!
//! Real MovieLens 10M/20M may not be redistributed, so benchmarks and tests run on stand-ins
//! of the same shape: [`SynthParams::like`] copies a release's user, item and rating counts
//! exactly, its minimum of 20 ratings per user, its most active user, its item-popularity
//! Gini and its rating scale; [`synthesize`] draws the data.
//!
//! # The model
//! 1. **Activity.** User `u` gets `n_u` interactions: at least `min_per_user`, plus a share of
//!    the rest following Lomax quantiles with tail exponent α
//!    (`user_activity_exponent`), rescaled so that `Σ n_u = ratings` exactly and capped at
//!    the number of items. The counts are shuffled onto user ids.
//! 2. **Popularity.** Items get weights `(r + 1 + q)^(−a) · exp(−b·r/n)` by a random
//!    popularity rank `r` of `n` (Zipf–Mandelbrot with an exponential cut-off:
//!    `item_popularity_exponent` = a, `_offset` = q, `_cutoff` = b). The power law shapes
//!    the head, the cut-off thins the tail into the many rarely rated items MovieLens has.
//!    Each user takes `n_u` *distinct* items by successive weighted sampling without
//!    replacement (alias table and rejection for light users, Efraimidis–Spirakis
//!    exponential keys for heavy ones). Heavy users saturate the popular items, so the
//!    realised item Gini is below the Gini of the weights; the presets were fitted to the
//!    realised Gini and item-count quantiles of the releases (see [`SynthParams::like`]).
//! 3. **Ratings.** `r_ui = quantize(μ + b_u + b_i + p_u·q_i + ε)` with `b_u ~ N(0, σ_u²)`,
//!    `b_i ~ N(0, σ_i²)`, `p_u, q_i ~ N(0, s²/√k · I_k)` (so `p_u·q_i` has standard deviation
//!    `s` = `interaction_std`), `ε ~ N(0, noise_std²)`, and `quantize` rounds to the
//!    [`RatingScale`] and clips to its ends. The presets give a MovieLens-like marginal
//!    (mean ≈ 3.5, std ≈ 1.1). [`synthesize_with_truth`] also returns the planted model and
//!    every real-valued rating before rounding ([`PlantedTruth`]).
//! 4. **Timestamps** (optional): each user has an active period (a uniform start in
//!    `[first_timestamp, last_timestamp]`, an exponential length of mean 5% of the span,
//!    cut at the end) and rates at uniform times in it.
//!
//! # Reproducibility and speed
//! Raw ids are the integers `1..=users` and `1..=items`, as in MovieLens. Every user draws
//! from its own random stream (Xoshiro256++ seeded by a SplitMix64 hash of the seed and the
//! user index), so the data is a function of the parameters alone, whatever the number of
//! threads. Users are generated in parallel blocks straight into the CSR arrays.

mod activity;
mod generate;
mod gini;
mod params;
mod popularity;
mod truth;

#[cfg(test)]
mod tests;

pub use gini::{gini, item_gini};
pub use params::{Preset, RatingScale, SynthParams};
pub use truth::PlantedTruth;

use crate::error::Result;
use crate::interactions::Interactions;
use crate::progress::Progress;

/// A synthetic data set with the model it was drawn from.
#[derive(Clone, Debug)]
pub struct Synthetic {
    /// The interactions.
    pub data: Interactions,
    /// The planted model and the real-valued ratings before rounding.
    pub truth: PlantedTruth,
}

/// Draws a synthetic data set (see the module docs). Fails if a parameter is out of range.
pub fn synthesize(params: &SynthParams, progress: &dyn Progress) -> Result<Interactions> {
    Ok(generate::generate(params, progress, false)?.0)
}

/// Like [`synthesize`], also returning the planted model and the real-valued ratings.
/// The data is identical to what [`synthesize`] gives for the same parameters.
pub fn synthesize_with_truth(params: &SynthParams, progress: &dyn Progress) -> Result<Synthetic> {
    let (data, truth) = generate::generate(params, progress, true)?;
    Ok(Synthetic { data, truth })
}

//! Summing a block's losses without a logarithm per sample.
//!
//! A BPR sample's loss is `max(−x, 0) + ln(1 + e)` with `e = e^{−|x|}` ([`super::kernel::bpr_loss`]).
//! `ln` is as dear as the exponential the gradient needs anyway, so [`LossSum`] keeps the
//! factors `1 + e ∈ [1, 2]` as one running product in f64 and takes a single logarithm when
//! the block ends: `Σ ln(1 + e_s) = ln ∏(1 + e_s)`. The product's binary exponent is moved
//! into an integer every [`RENORMALISE_EVERY`] factors (at most 2^1000 by then, below
//! f64's limit of 2^1024), so it never overflows; the result equals the sum of logarithms
//! up to f64 rounding. The order of the factors is the block's sample order, so the sum is
//! as reproducible as the training itself.

use std::f64::consts::LN_2;

/// Factors multiplied between two renormalisations (each ≤ 2, so the product ≤ 2^1000).
pub const RENORMALISE_EVERY: u32 = 1000;

/// The sum of a block's sample losses.
#[derive(Clone, Copy, Debug)]
pub struct LossSum {
    /// Losses added directly, and the `max(−x, 0)` parts of BPR losses.
    linear: f64,
    /// ∏(1 + e) since the last renormalisation, in [1, 2^1000].
    product: f64,
    /// Binary exponents moved out of `product`.
    exponent: i64,
    /// Factors in `product` since the last renormalisation.
    pending: u32,
}

impl Default for LossSum {
    fn default() -> Self {
        LossSum {
            linear: 0.0,
            product: 1.0,
            exponent: 0,
            pending: 0,
        }
    }
}

impl LossSum {
    /// Adds a loss given as a number.
    #[inline]
    pub fn add(&mut self, loss: f32) {
        self.linear += f64::from(loss);
    }

    /// Adds the BPR loss `hinge + ln(one_plus_e)`, with `one_plus_e` in [1, 2], or NaN
    /// once training has diverged (a NaN score): the total is then NaN, which the epoch's
    /// divergence check reports.
    #[inline]
    pub fn add_softplus(&mut self, hinge: f32, one_plus_e: f32) {
        debug_assert!(
            one_plus_e.is_nan() || (1.0..=2.0).contains(&one_plus_e),
            "{one_plus_e}"
        );
        self.linear += f64::from(hinge);
        self.product *= f64::from(one_plus_e);
        self.pending += 1;
        if self.pending == RENORMALISE_EVERY {
            self.renormalise();
        }
    }

    /// Moves the product's binary exponent into `exponent` (the product is a normal
    /// number ≥ 1, so its exponent field is its power of two).
    fn renormalise(&mut self) {
        const EXPONENT_MASK: u64 = 0x7ff << 52;
        let bits = self.product.to_bits();
        self.exponent += ((bits & EXPONENT_MASK) >> 52) as i64 - 1023;
        self.product = f64::from_bits((bits & !EXPONENT_MASK) | (1023 << 52));
        self.pending = 0;
    }

    /// The total.
    pub fn total(&self) -> f64 {
        self.linear + self.product.ln() + self.exponent as f64 * LN_2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_the_sum_of_logarithms_over_many_renormalisations() {
        let mut sum = LossSum::default();
        let mut want = 0.0f64;
        // 5,000 factors near 2 reach 2^5000 without the renormalisation.
        for s in 0..5_000u32 {
            let hinge = (s % 7) as f32 * 0.25;
            let one_plus_e = 1.0 + ((s * 7919) % 1000) as f32 / 1000.0;
            sum.add_softplus(hinge, one_plus_e);
            want += f64::from(hinge) + f64::from(one_plus_e).ln();
        }
        sum.add(1.5);
        want += 1.5;
        let got = sum.total();
        assert!(got.is_finite());
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    }

    #[test]
    fn an_empty_sum_is_zero_and_direct_losses_add_up() {
        assert_eq!(LossSum::default().total(), 0.0);
        let mut sum = LossSum::default();
        sum.add(0.5);
        sum.add(2.0);
        assert_eq!(sum.total(), 2.5);
    }
}

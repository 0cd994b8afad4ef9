//! `e^x` for `x ≤ 0` in plain f32 arithmetic: the sigmoid of the pairwise losses calls it
//! once per sample, where libm's `expf` costs a call and gives results that may differ
//! between C libraries.
//!
//! Cephes' `expf` scheme (Moshier): `x = n·ln 2 + r` with `|r| ≤ ln 2 / 2` (ln 2 split in
//! two parts so the reduction is exact to f32), a degree-7 polynomial for `e^r`, then `2^n`
//! put into the exponent bits. Relative error within 2 ulp over the whole range (tested
//! against f64 below). No fused multiply-add, so every instruction-set level gets the same
//! bits.

/// Below this `e^x` is under f32's smallest normal number; the result is 0.
pub const UNDERFLOW: f32 = -87.336_54;

/// `e^x` for `x ≤ 0` (0 below [`UNDERFLOW`], NaN for NaN). For `x > 0` use `f32::exp`.
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    debug_assert!(x.is_nan() || x <= 0.0, "{x}");
    if x < UNDERFLOW {
        return 0.0;
    }
    // Round x·log2(e) to the nearest integer (half away from zero; x ≤ 0).
    let n = (x * LOG2_E - 0.5) as i32;
    let nf = n as f32;
    let r = x - nf * LN2_HI - nf * LN2_LO;
    let z = r * r;
    let poly = ((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
        * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e_r = poly * z + r + 1.0;
    // n ≥ −126 above UNDERFLOW, so 2^n is a normal number.
    e_r * f32::from_bits(((n + 127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f32, b: f64) -> f64 {
        let ulp = f64::from(f32::EPSILON) * b.abs().max(f64::from(f32::MIN_POSITIVE));
        (f64::from(a) - b).abs() / ulp
    }

    #[test]
    fn within_two_ulp_of_the_f64_exponential_over_the_range() {
        let mut worst = 0.0f64;
        let mut x = 0.0f32;
        while x > UNDERFLOW {
            let got = exp_nonpositive(x);
            worst = worst.max(ulps(got, f64::from(x).exp()));
            x -= 0.000_731;
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
    }

    #[test]
    fn ends_of_the_range_and_hand_values() {
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        assert_eq!(exp_nonpositive(-100.0), 0.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
        assert!(ulps(exp_nonpositive(-1.0), (-1.0f64).exp()) <= 1.0);
        assert!(ulps(exp_nonpositive(-std::f32::consts::LN_2), 0.5) <= 1.0);
        assert!(exp_nonpositive(UNDERFLOW + 0.01) > 0.0);
    }

    #[test]
    fn never_increases_as_x_falls() {
        let mut prev = exp_nonpositive(0.0);
        let mut x = 0.0f32;
        for _ in 0..200_000 {
            x -= 0.000_43;
            let e = exp_nonpositive(x);
            assert!(e <= prev, "e^{x} = {e} > {prev}");
            prev = e;
        }
    }
}

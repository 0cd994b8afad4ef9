//! Paired significance tests for comparing two models on the same users: the Wilcoxon
//! signed-rank test (normal approximation) and the paired t-test, both two-sided.
//!
//! Both take the per-user values of one metric for two models, in the same user order
//! (`x[j]` and `y[j]` belong to user `j`), and test whether the differences `d = x − y` are
//! centred on zero. Pairs where either value is NaN (a metric undefined for that user, such as
//! AUC without a non-relevant candidate) are left out first.
//!
//! ## Wilcoxon signed-rank (Wilcoxon 1945), normal approximation
//! The `|d_j|` are ranked (average ranks for ties); `R⁺` is the sum of the ranks of the
//! positive differences. Under the null hypothesis `R⁺` has mean `n(n+1)/4` and variance
//! `n(n+1)(2n+1)/24 − Σ(t³ − t)/48`, the sum over groups of `t` tied `|d|`; the p-value is
//! `2·(1 − Φ(|z|))` with `z = (R⁺ − mean)/σ` (optionally with a continuity correction of ½
//! towards the mean). Zero differences ([`ZeroMethod`]):
//! * `Wilcox` (the default, as scipy): zeros are dropped before ranking;
//! * `Pratt` (Pratt 1959): zeros are ranked with the others, then their ranks dropped; the
//!   mean and variance are adjusted for the `n₀` zeros (Cureton 1967), which are left out of
//!   the tie correction;
//! * `ZSplit`: zeros are ranked and half of their rank sum goes to each side.
//!
//! These are the formulas of `scipy.stats.wilcoxon(..., method="approx")` (scipy 1.17); the
//! tests check both functions against scipy's output on small vectors. The normal
//! approximation suits the per-user comparisons it is used for (hundreds to thousands of
//! users); it is not an exact test for a handful of pairs.
//!
//! ## Paired t-test
//! `t = mean(d) / (s_d / √n)` with `s_d` the sample standard deviation (n − 1), compared with
//! Student's t with `n − 1` degrees of freedom (`scipy.stats.ttest_rel`). The t distribution's
//! tail comes from the regularized incomplete beta function, `P(T > t) = ½·I_{ν/(ν+t²)}(ν/2, ½)`,
//! evaluated by its continued fraction (modified Lentz; Numerical Recipes §6.4).
//!
//! ```
//! use rustrec::stats::{paired_t, wilcoxon, ZeroMethod};
//! let x = [0.81, 0.62, 0.93, 0.55, 0.74, 0.68, 0.90, 0.71, 0.59, 0.88];
//! let y = [0.78, 0.66, 0.85, 0.50, 0.69, 0.70, 0.80, 0.61, 0.60, 0.79];
//! let w = wilcoxon(&x, &y, ZeroMethod::Wilcox, false).unwrap();
//! assert!((w.p_value - 0.03641414726674857).abs() < 1e-12); // scipy
//! let t = paired_t(&x, &y).unwrap();
//! assert!((t.p_value - 0.02723990756660889).abs() < 1e-12); // scipy
//! ```

/// How the Wilcoxon test treats zero differences (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ZeroMethod {
    /// Drop zero differences (Wilcoxon's method).
    #[default]
    Wilcox,
    /// Rank zeros with the others, then drop their ranks and adjust mean and variance.
    Pratt,
    /// Rank zeros with the others and split their ranks between the two sides.
    ZSplit,
}

/// The result of a two-sided paired test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestResult {
    /// The test statistic: `min(R⁺, R⁻)` for Wilcoxon (as scipy reports it), `t` for the
    /// t-test.
    pub statistic: f64,
    /// The standardised statistic: `z` for Wilcoxon, `t` for the t-test.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Pairs used (after NaN pairs and, for `Wilcox`, zero differences are dropped).
    pub n: usize,
}

/// Differences of the pairs where both values are numbers.
fn differences(x: &[f64], y: &[f64]) -> Option<Vec<f64>> {
    if x.len() != y.len() {
        return None;
    }
    Some(
        x.iter()
            .zip(y)
            .filter(|(a, b)| !a.is_nan() && !b.is_nan())
            .map(|(a, b)| a - b)
            .collect(),
    )
}

/// Average ranks (1-based) of `values` and the tie counts of each group of equal values.
pub fn average_ranks(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share the mean of ranks start+1..=end.
        let rank = (start + end + 1) as f64 / 2.0;
        for &k in &order[start..end] {
            ranks[k] = rank;
        }
        ties.push(end - start);
        start = end;
    }
    (ranks, ties)
}

/// The two-sided Wilcoxon signed-rank test of `x − y`, normal approximation (see the module
/// docs). `None` when the lengths differ or no difference is left to rank.
pub fn wilcoxon(x: &[f64], y: &[f64], zeros: ZeroMethod, correction: bool) -> Option<TestResult> {
    let mut d = differences(x, y)?;
    if zeros == ZeroMethod::Wilcox {
        d.retain(|v| *v != 0.0);
    }
    let n = d.len();
    if n == 0 || d.iter().all(|v| *v == 0.0) {
        return None;
    }
    let abs: Vec<f64> = d.iter().map(|v| v.abs()).collect();
    let (ranks, ties) = average_ranks(&abs);
    let mut r_plus: f64 = d
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v > 0.0)
        .map(|(_, r)| r)
        .sum();
    let mut r_minus: f64 = d
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v < 0.0)
        .map(|(_, r)| r)
        .sum();
    let n_zero = d.iter().filter(|v| **v == 0.0).count() as f64;
    if zeros == ZeroMethod::ZSplit {
        let zero_ranks: f64 = d
            .iter()
            .zip(&ranks)
            .filter(|(v, _)| **v == 0.0)
            .map(|(_, r)| r)
            .sum();
        r_plus += zero_ranks / 2.0;
        r_minus += zero_ranks / 2.0;
    }
    let nf = n as f64;
    let mut mean = nf * (nf + 1.0) / 4.0;
    let mut var24 = nf * (nf + 1.0) * (2.0 * nf + 1.0);
    let mut tie_groups = ties;
    if zeros == ZeroMethod::Pratt && n_zero > 0.0 {
        mean -= n_zero * (n_zero + 1.0) / 4.0;
        var24 -= n_zero * (n_zero + 1.0) * (2.0 * n_zero + 1.0);
        // The zeros are the smallest |d|: the first tie group. They are not tied values.
        tie_groups[0] = 0;
    }
    let tie_correction: f64 = tie_groups
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * t * t - t
        })
        .sum();
    let se = ((var24 - tie_correction / 2.0) / 24.0).sqrt();
    if se.is_nan() || se <= 0.0 {
        return None;
    }
    let mut z = (r_plus - mean) / se;
    if correction {
        z -= z.signum() * 0.5 / se;
    }
    Some(TestResult {
        statistic: r_plus.min(r_minus),
        z,
        p_value: (2.0 * normal_sf(z.abs())).min(1.0),
        n,
    })
}

/// The two-sided paired t-test of `x − y` (see the module docs). `None` when the lengths
/// differ or fewer than two pairs are left. Identical samples (all differences zero) give
/// p = 1.
pub fn paired_t(x: &[f64], y: &[f64]) -> Option<TestResult> {
    let d = differences(x, y)?;
    let n = d.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = d.iter().sum::<f64>() / nf;
    let var = d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nf - 1.0);
    let se = (var / nf).sqrt();
    if se == 0.0 {
        let p = if mean == 0.0 { 1.0 } else { 0.0 };
        let t = if mean == 0.0 {
            0.0
        } else {
            mean.signum() * f64::INFINITY
        };
        return Some(TestResult {
            statistic: t,
            z: t,
            p_value: p,
            n,
        });
    }
    let t = mean / se;
    Some(TestResult {
        statistic: t,
        z: t,
        p_value: (2.0 * student_t_sf(t.abs(), nf - 1.0)).min(1.0),
        n,
    })
}

/// A p-value for people: two significant digits, and `< 1e-300` for a p-value that
/// underflowed to 0 (|z| beyond about 37 in the normal tail) — not `0`, which no test gives.
pub fn format_p(p: f64) -> String {
    if p == 0.0 {
        "< 1e-300".into()
    } else if p.is_nan() {
        "n/a".into()
    } else {
        format!("{p:.2e}")
    }
}

/// `P(Z > z)` for a standard normal `Z`, accurate far into the tail (`erfc`).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// `P(T > t)` for Student's t with `df` degrees of freedom.
pub fn student_t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    // x = ν/(ν + t²) and 1 − x = t²/(ν + t²), each computed directly: for large ν, x is
    // near 1 and `1.0 - x` would keep few of 1 − x's digits.
    let (x, y) = (df / (df + t * t), t * t / (df + t * t));
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, x, y);
    if t >= 0.0 { tail } else { 1.0 - tail }
}

/// The regularized incomplete beta function `I_x(a, b)`, by the continued fraction (with the
/// symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` where it converges faster).
pub fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    incomplete_beta(a, b, x, 1.0 - x)
}

/// `I_x(a, b)` given both `x` and `y = 1 − x`, so that a caller who knows `1 − x` more
/// precisely than `1.0 - x` keeps its digits: `ln x` and `ln y` come from the smaller of
/// the two (`ln x = ln1p(−y)` when x > ½). The prefactor `x^a y^b / B(a, b)` is computed
/// in logs, where `a · ln x` amplifies any error of `ln x` by `a` (ν/2 for the t-test).
fn incomplete_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let front = (ln_inverse_beta(a, b) + a * ln_x + b * ln_y).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, y) / b
    }
}

/// `ln(1/B(a, b)) = ln Γ(a + b) − ln Γ(a) − ln Γ(b)`.
///
/// For a large argument (the t-test's `ν/2` with thousands of users) `ln Γ(a + b) − ln Γ(a)`
/// subtracts two numbers near `a·ln a`, which loses about `a·ln a · 1e-16` of absolute accuracy
/// (1e-10 relative for ν = 10⁵). There the difference comes from Stirling's series instead:
/// with `S(x) = 1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷)`,
/// `ln Γ(a + b) − ln Γ(a) = (a − ½)·ln1p(b/a) + b·ln(a + b) − b + S(a + b) − S(a)`,
/// accurate to about 1e-13 once `a ≥ 10` (the series' next term is below `1/(1188 a⁹)`).
fn ln_inverse_beta(a: f64, b: f64) -> f64 {
    let (big, small) = if a >= b { (a, b) } else { (b, a) };
    if big < 10.0 {
        return libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b);
    }
    let stirling = |x: f64| {
        let r = 1.0 / (x * x);
        (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r / 1680.0))) / x
    };
    let ratio = (big - 0.5) * (small / big).ln_1p() + small * (big + small).ln() - small
        + stirling(big + small)
        - stirling(big);
    ratio - libm::lgamma(small)
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: scipy 1.17.1, `scipy.stats.wilcoxon(x, y, zero_method=..., correction=...,
    // method="approx")` and `scipy.stats.ttest_rel(x, y)`, computed in a virtual environment
    // for these vectors.
    const NO_TIES: ([f64; 10], [f64; 10]) = (
        [0.81, 0.62, 0.93, 0.55, 0.74, 0.68, 0.90, 0.71, 0.59, 0.88],
        [0.78, 0.66, 0.85, 0.50, 0.69, 0.70, 0.80, 0.61, 0.60, 0.79],
    );
    const TIES_ZEROS: ([f64; 12], [f64; 12]) = (
        [1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11., 12.],
        [1., 1., 1., 5., 2., 8., 4., 8., 5., 11., 11., 9.],
    );
    const SMALL_SHIFT: ([f64; 8], [f64; 8]) = (
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
        [0.12, 0.19, 0.33, 0.41, 0.47, 0.65, 0.72, 0.79],
    );

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-3), "{a} vs {b}");
    }

    #[test]
    fn wilcoxon_matches_scipy_without_ties() {
        let (x, y) = NO_TIES;
        let w = wilcoxon(&x, &y, ZeroMethod::Wilcox, false).unwrap();
        assert_eq!(w.statistic, 7.0);
        close(w.p_value, 0.03641414726674857);
        close(w.z.abs(), 2.092272488627298);
        let w = wilcoxon(&x, &y, ZeroMethod::Wilcox, true).unwrap();
        close(w.p_value, 0.041226833337163676);
        // Without zeros the three zero methods agree.
        for zm in [ZeroMethod::Pratt, ZeroMethod::ZSplit] {
            close(
                wilcoxon(&x, &y, zm, false).unwrap().p_value,
                0.03641414726674857,
            );
        }
        let (x, y) = SMALL_SHIFT;
        let w = wilcoxon(&x, &y, ZeroMethod::Wilcox, false).unwrap();
        assert_eq!(w.statistic, 11.5);
        close(w.p_value, 0.3615470714520429);
        close(
            wilcoxon(&x, &y, ZeroMethod::Wilcox, true).unwrap().p_value,
            0.3996564892080491,
        );
    }

    #[test]
    fn wilcoxon_matches_scipy_with_ties_and_zeros() {
        let (x, y) = TIES_ZEROS;
        let cases = [
            (
                ZeroMethod::Wilcox,
                false,
                8.5,
                0.09455824075987958,
                1.6718280152742901,
            ),
            (
                ZeroMethod::Wilcox,
                true,
                8.5,
                0.10693585725518055,
                1.612119871871637,
            ),
            (
                ZeroMethod::Pratt,
                false,
                17.5,
                0.14092274054129136,
                1.472363513240777,
            ),
            (
                ZeroMethod::Pratt,
                true,
                17.5,
                0.15198078746619068,
                1.4325699047748102,
            ),
            (
                ZeroMethod::ZSplit,
                false,
                20.5,
                0.1446833368027591,
                1.4585705767730703,
            ),
            (
                ZeroMethod::ZSplit,
                true,
                20.5,
                0.15585536220695145,
                1.4191497503737982,
            ),
        ];
        for (zm, corr, stat, p, z) in cases {
            let w = wilcoxon(&x, &y, zm, corr).unwrap();
            assert_eq!(w.statistic, stat, "{zm:?} {corr}");
            close(w.p_value, p);
            close(w.z.abs(), z);
        }
    }

    #[test]
    fn paired_t_matches_scipy() {
        let (x, y) = NO_TIES;
        let t = paired_t(&x, &y).unwrap();
        close(t.statistic, 2.632653061224491);
        close(t.p_value, 0.02723990756660889);
        let (x, y) = TIES_ZEROS;
        let t = paired_t(&x, &y).unwrap();
        close(t.statistic, 1.7728105208558367);
        close(t.p_value, 0.10391572266321415);
        let (x, y) = SMALL_SHIFT;
        let t = paired_t(&x, &y).unwrap();
        close(t.statistic, -1.1033545687347397);
        close(t.p_value, 0.3063536933239244);
    }

    #[test]
    fn both_tests_match_scipy_on_300_pairs_with_many_ties() {
        // Per-user metrics look like this: few distinct values, many tied |d|, some zeros
        // (3 zero differences, 113 distinct |d| among 300 pairs). scipy 1.17.1:
        // wilcoxon(x, y, method="approx") → statistic 19966.0, p 0.1446897455510727,
        // z −1.4585473070651118; ttest_rel(x, y) → t 1.5734365339029, p 0.11667528470567957.
        let x: Vec<f64> = (0..300).map(|j| ((j * 37) % 11) as f64 / 10.0).collect();
        let y: Vec<f64> = (0..300).map(|j| ((j * 53) % 13) as f64 / 13.0).collect();
        let w = wilcoxon(&x, &y, ZeroMethod::Wilcox, false).unwrap();
        assert_eq!(w.n, 297);
        assert_eq!(w.statistic, 19966.0);
        close(w.p_value, 0.1446897455510727);
        close(w.z.abs(), 1.4585473070651118);
        let t = paired_t(&x, &y).unwrap();
        close(t.statistic, 1.5734365339029);
        close(t.p_value, 0.11667528470567957);
    }

    #[test]
    fn t_tails_match_scipy_for_thousands_of_degrees_of_freedom() {
        // A comparison pairs thousands of users: scipy.stats.t.sf(t, df), scipy 1.17.1.
        // (Before `ln_inverse_beta`, lgamma(ν/2 + ½) − lgamma(ν/2) lost 1.7e-10 here.)
        for (t, df, want) in [
            (2.0, 6039.0, 0.022772484659987755),
            (0.1, 6039.0, 0.4601738224088294),
            (4.5, 20000.0, 3.4168198188243576e-06),
            (1.0, 100000.0, 0.1586564637820551),
        ] {
            let got = student_t_sf(t, df);
            assert!(
                (got - want).abs() < 1e-12 * want,
                "t {t} df {df}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn the_incomplete_beta_function_matches_a_hand_value_and_scipy() {
        // I_x(2, 3) = Σ_{j=2..4} C(4, j) x^j (1 − x)^(4−j) = 0.3456 + 0.1536 + 0.0256 at 0.4.
        close(regularized_incomplete_beta(2.0, 3.0, 0.4), 0.5248);
        // scipy.special.betainc(a, b, x), scipy 1.17.1.
        for (a, b, x, want) in [
            (0.5, 0.5, 0.1, 0.20483276469913345),
            (10.0, 0.5, 0.9, 0.15164090963470994),
            (3000.0, 0.5, 0.9995, 0.08323881351659294),
            (0.5, 7.0, 0.02, 0.39863362384560364),
        ] {
            let got = regularized_incomplete_beta(a, b, x);
            // x = 0.9995 is itself rounded: 1 − x carries a relative error near 1e-13.
            assert!(
                (got - want).abs() < 1e-11 * want,
                "I_{x}({a}, {b}): {got} vs {want}"
            );
        }
        assert_eq!(regularized_incomplete_beta(2.0, 3.0, 0.0), 0.0);
        assert_eq!(regularized_incomplete_beta(2.0, 3.0, 1.0), 1.0);
    }

    #[test]
    fn the_stirling_beta_prefactor_agrees_with_lgamma_where_both_are_accurate() {
        for (a, b) in [
            (10.0, 0.5),
            (12.5, 0.5),
            (30.0, 2.5),
            (0.5, 47.0),
            (64.0, 64.0),
        ] {
            let direct = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b);
            let got = ln_inverse_beta(a, b);
            assert!(
                (got - direct).abs() < 1e-12 * direct.abs().max(1.0),
                "a {a} b {b}: {got} vs {direct}"
            );
        }
    }

    #[test]
    fn distribution_tails_match_scipy() {
        for (t, df, want) in [
            (2.0, 5.0, 0.050969739414929174),
            (0.5, 1.0, 0.35241638234956674),
            (-1.3, 12.0, 0.8909914144582429),
            (3.5, 40.0, 0.0005788533073787349),
            (10.0, 3.0, 0.0010641995292070751),
        ] {
            let got = student_t_sf(t, df);
            assert!(
                (got - want).abs() < 1e-13 * want.max(1e-3),
                "t {t} df {df}: {got} vs {want}"
            );
        }
        for (z, want) in [
            (0.0, 0.5),
            (1.0, 0.15865525393145707),
            (1.96, 0.024997895148220435),
            (3.0, 0.0013498980316300933),
            (6.0, 9.865876450376946e-10),
            (10.0, 7.61985302416047e-24),
        ] {
            let got = normal_sf(z);
            assert!((got - want).abs() <= 1e-13 * want, "z {z}: {got} vs {want}");
        }
    }

    #[test]
    fn degenerate_inputs_give_none_or_certain_answers() {
        assert!(wilcoxon(&[1.0, 2.0], &[1.0, 2.0], ZeroMethod::Wilcox, false).is_none());
        assert!(wilcoxon(&[1.0], &[1.0, 2.0], ZeroMethod::Wilcox, false).is_none());
        assert_eq!(paired_t(&[1.0, 2.0], &[1.0, 2.0]).unwrap().p_value, 1.0);
        assert!(paired_t(&[1.0], &[2.0]).is_none());
        // NaN pairs are left out.
        let w = wilcoxon(
            &[1.0, f64::NAN, 3.0, 5.0],
            &[0.0, 1.0, 1.0, 2.0],
            ZeroMethod::Wilcox,
            false,
        )
        .unwrap();
        assert_eq!(w.n, 3);
        // Swapping the samples keeps the two-sided p-value.
        let (x, y) = TIES_ZEROS;
        let a = wilcoxon(&x, &y, ZeroMethod::Pratt, true).unwrap().p_value;
        let b = wilcoxon(&y, &x, ZeroMethod::Pratt, true).unwrap().p_value;
        close(a, b);
    }

    #[test]
    fn p_values_print_without_claiming_zero() {
        assert_eq!(format_p(0.0), "< 1e-300");
        assert_eq!(format_p(0.0364), "3.64e-2");
        assert_eq!(format_p(f64::NAN), "n/a");
        // The normal tail underflows to exactly 0 far out: what format_p is for.
        assert_eq!(2.0 * normal_sf(40.0), 0.0);
    }

    #[test]
    fn average_ranks_share_ties() {
        let (r, t) = average_ranks(&[3.0, 1.0, 3.0, 2.0, 3.0]);
        assert_eq!(r, vec![4.0, 1.0, 4.0, 2.0, 4.0]);
        assert_eq!(t, vec![1, 1, 3]);
    }
}

//! How many interactions each user gets: a minimum plus a Lomax (Pareto II) tail, rescaled
//! to sum exactly to the requested total.

/// Interactions per user, most active first (the caller shuffles them onto users).
///
/// Each user gets `min` plus a share of the remaining `total - n × min` proportional to the
/// Lomax quantile `((k + ½)/n)^(−1/α) − 1` of its activity rank `k`: deterministic quantiles
/// rather than random draws, so that the maximum and the spread are the same on every run.
/// Small `α` gives a heavy tail (a few users with thousands of ratings); as `α` grows the
/// tail tends to an exponential. Shares are capped at `max` (the number of items) by water
/// filling, then floored, and the remaining units go to the largest fractional parts, so
/// the counts sum to `total` exactly.
///
/// The caller guarantees `n ≥ 1`, `min ≤ max` and `n × min ≤ total ≤ n × max`.
pub(crate) fn user_counts(
    n: usize,
    total: usize,
    min: usize,
    max: usize,
    alpha: f64,
) -> Vec<usize> {
    let extra_total = (total - n * min) as f64;
    let cap = (max - min) as f64;
    let raw: Vec<f64> = (0..n)
        .map(|k| ((k as f64 + 0.5) / n as f64).powf(-1.0 / alpha) - 1.0)
        .collect();
    let filled = |s: f64| raw.iter().map(|&r| (s * r).min(cap)).sum::<f64>();
    // Bisection on the scale: filled(lo) <= extra_total <= filled(hi).
    let smallest = raw
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .max(f64::MIN_POSITIVE);
    let (mut lo, mut hi) = (0.0, cap / smallest + 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if filled(mid) <= extra_total {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let shares: Vec<f64> = raw.iter().map(|&r| (lo * r).min(cap)).collect();
    let mut extra: Vec<usize> = shares.iter().map(|&s| s.floor() as usize).collect();
    let mut left = (total - n * min).saturating_sub(extra.iter().sum());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let fa = shares[a] - shares[a].floor();
        let fb = shares[b] - shares[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let cap_units = max - min;
    while left > 0 {
        for &k in &order {
            if left == 0 {
                break;
            }
            if extra[k] < cap_units {
                extra[k] += 1;
                left -= 1;
            }
        }
    }
    extra.iter().map(|&e| min + e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sum_exactly_and_respect_the_bounds() {
        for &(n, total, min, max, alpha) in &[
            (943, 100_000, 20, 1682, 28.0),
            (10, 10 * 20, 20, 50, 2.0),
            (10, 10 * 50, 20, 50, 2.0),
            (7, 300, 3, 100, 1.1),
            (1, 5, 5, 9, 3.0),
        ] {
            let c = user_counts(n, total, min, max, alpha);
            assert_eq!(c.len(), n);
            assert_eq!(c.iter().sum::<usize>(), total);
            assert!(c.iter().all(|&x| (min..=max).contains(&x)), "{c:?}");
            assert!(
                c.windows(2).all(|w| w[0] + 1 >= w[1]),
                "roughly decreasing: {c:?}"
            );
        }
    }

    #[test]
    fn a_smaller_exponent_gives_a_heavier_tail() {
        let heavy = user_counts(1000, 100_000, 20, 5000, 2.0);
        let light = user_counts(1000, 100_000, 20, 5000, 20.0);
        assert!(heavy[0] > 2 * light[0], "{} vs {}", heavy[0], light[0]);
    }
}

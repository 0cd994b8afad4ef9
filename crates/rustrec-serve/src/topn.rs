//! Top-N selection for one request, without allocating: a bounded heap in a buffer the
//! thread keeps, and filters that walk sorted id lists alongside the items instead of
//! searching them.
//!
//! The result is exactly that of [`rustrec::models::topn::top_n`] with the same filter —
//! best first, ties to the lower item index, NaN last — which the tests check against it.
//! Items are visited in increasing index order, so an item that only ties the worst kept
//! one never displaces it (the kept one has the lower index).

use std::cmp::Ordering;

use rustrec::models::topn::better;

/// Items to leave out, as sorted dense indices.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    /// Leave these out (the user's training items, a history's items); sorted.
    pub seen: &'a [u32],
    /// If given, only these may be chosen; sorted and deduplicated.
    pub allow: Option<&'a [u32]>,
    /// Never these; sorted.
    pub block: &'a [u32],
    /// Also leave out items scored `−∞` (what a similarity measure gives unrelated
    /// items).
    pub skip_neg_infinity: bool,
}

/// The `n` best items of `scores` that `filter` keeps, best first, written into `heap`
/// (cleared first; its capacity is reused).
pub fn select(scores: &[f32], n: usize, filter: &Filter<'_>, heap: &mut Vec<(u32, f32)>) {
    heap.clear();
    if n == 0 {
        return;
    }
    let keep_score = |s: f32| !(filter.skip_neg_infinity && s == f32::NEG_INFINITY);
    // Once the heap is full, a score below its worst one cannot enter: one comparison
    // settles most items (NaN compares false and takes the full path).
    let mut threshold = f32::NEG_INFINITY;
    let mut full = false;
    match filter.allow {
        Some(allow) => {
            for &i in allow {
                let Some(&s) = scores.get(i as usize) else {
                    continue;
                };
                if (full && s < threshold) || !keep_score(s) {
                    continue;
                }
                if filter.seen.binary_search(&i).is_err() && filter.block.binary_search(&i).is_err()
                {
                    offer(heap, n, (i, s));
                    if heap.len() == n {
                        full = true;
                        threshold = heap[0].1;
                    }
                }
            }
        }
        None => {
            let (mut seen, mut block) = (
                filter.seen.iter().peekable(),
                filter.block.iter().peekable(),
            );
            for (i, &s) in scores.iter().enumerate() {
                if full && s < threshold {
                    continue;
                }
                let i = i as u32;
                if skip_past(&mut seen, i) || skip_past(&mut block, i) || !keep_score(s) {
                    continue;
                }
                offer(heap, n, (i, s));
                if heap.len() == n {
                    full = true;
                    threshold = heap[0].1;
                }
            }
        }
    }
    heap.sort_unstable_by(better);
}

/// Advances a sorted id list past ids below `i`; whether `i` itself is in it.
#[inline]
fn skip_past(list: &mut std::iter::Peekable<std::slice::Iter<'_, u32>>, i: u32) -> bool {
    while let Some(&&j) = list.peek() {
        match j.cmp(&i) {
            Ordering::Less => {
                list.next();
            }
            Ordering::Equal => return true,
            Ordering::Greater => return false,
        }
    }
    false
}

/// Offers a candidate to a heap of at most `n` entries whose root is the worst kept.
#[inline]
fn offer(heap: &mut Vec<(u32, f32)>, n: usize, c: (u32, f32)) {
    if heap.len() < n {
        heap.push(c);
        let last = heap.len() - 1;
        sift_up(heap, last);
    } else if better(&c, &heap[0]) == Ordering::Less {
        heap[0] = c;
        sift_down(heap, 0);
    }
}

/// `a` is worse than `b` (the heap keeps the worst at the root).
#[inline]
fn worse(a: &(u32, f32), b: &(u32, f32)) -> bool {
    better(a, b) == Ordering::Greater
}

fn sift_up(h: &mut [(u32, f32)], mut k: usize) {
    while k > 0 {
        let parent = (k - 1) / 2;
        if worse(&h[k], &h[parent]) {
            h.swap(k, parent);
            k = parent;
        } else {
            break;
        }
    }
}

fn sift_down(h: &mut [(u32, f32)], mut k: usize) {
    loop {
        let (l, r) = (2 * k + 1, 2 * k + 2);
        let mut worst = k;
        if l < h.len() && worse(&h[l], &h[worst]) {
            worst = l;
        }
        if r < h.len() && worse(&h[r], &h[worst]) {
            worst = r;
        }
        if worst == k {
            break;
        }
        h.swap(k, worst);
        k = worst;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rustrec::models::topn::top_n;

    fn sorted(mut v: Vec<u32>) -> Vec<u32> {
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn ties_go_to_the_lower_index_and_nan_last() {
        let s = [1.0, f32::NAN, 3.0, 3.0, 2.0];
        let mut h = Vec::new();
        select(&s, 3, &Filter::default(), &mut h);
        assert_eq!(h, [(2, 3.0), (3, 3.0), (4, 2.0)]);
        select(&s, 5, &Filter::default(), &mut h);
        assert_eq!(h[4].0, 1);
        let f = Filter {
            seen: &[2],
            block: &[4],
            ..Filter::default()
        };
        select(&s, 2, &f, &mut h);
        assert_eq!(h, [(3, 3.0), (0, 1.0)]);
    }

    proptest! {
        /// The same list as the library's `top_n` with the same filter.
        #[test]
        fn agrees_with_top_n(
            scores in prop::collection::vec(prop_oneof![
                8 => (-4i8..4).prop_map(f32::from),
                1 => Just(f32::NAN),
                1 => Just(f32::NEG_INFINITY),
            ], 0..80),
            n in 0usize..90,
            seen in prop::collection::vec(0u32..90, 0..20),
            block in prop::collection::vec(0u32..90, 0..10),
            allow in prop::option::of(prop::collection::vec(0u32..90, 0..40)),
            skip in any::<bool>(),
        ) {
            let (seen, block) = (sorted(seen), sorted(block));
            let allow = allow.map(sorted);
            let f = Filter { seen: &seen, block: &block, allow: allow.as_deref(), skip_neg_infinity: skip };
            let want = top_n(&scores, n, |i| {
                seen.binary_search(&i).is_err()
                    && block.binary_search(&i).is_err()
                    && allow.as_ref().is_none_or(|a| a.binary_search(&i).is_ok())
                    && !(skip && scores[i as usize] == f32::NEG_INFINITY)
            });
            let mut got = Vec::new();
            select(&scores, n, &f, &mut got);
            let bits = |v: &[(u32, f32)]| v.iter().map(|&(i, s)| (i, s.to_bits())).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&want));
        }
    }
}

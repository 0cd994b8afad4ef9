"""implicit's evaluation functions (``precision_at_k``, ``mean_average_precision_at_k``,
``ndcg_at_k``, ``AUC_at_k``, ``ranking_metrics_at_k``, ``train_test_split``), so that code
written for ``implicit.evaluation`` runs without the implicit package. They compute the
same figures as implicit 0.7's: users with test items, in batches of 1,000 through
``model.recommend(batch, train_user_items[batch], N=K)``.

For rustrec's own, richer metrics (the figures of ``rustrec eval``) use
:func:`rustrec.evaluate`.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np
import scipy.sparse as sp


def train_test_split(ratings: Any, train_percentage: float = 0.8, random_state: Any = None) -> Tuple[sp.csr_matrix, sp.csr_matrix]:
    """implicit's random split of a ratings matrix into train and test CSR matrices: the
    same split as implicit 0.7.3's for the same ``random_state``.

    Every stored entry draws ``u`` from ``numpy.random.default_rng(random_state).random``
    (an int, None, a ``SeedSequence`` or a ``Generator``, which is used as is) and goes to
    train when ``u < train_percentage``; negative test values become 0 and are dropped. A
    ``numpy.random.RandomState`` seeds a new Generator with ``randint(2**31)`` (implicit
    0.7.3 means to, but calls a method RandomState lacks and raises ``AttributeError``)."""
    ratings = sp.coo_matrix(ratings)
    rng = _implicit_rng(random_state)
    r = rng.random(len(ratings.data))
    tr, te = r < train_percentage, r >= train_percentage
    train = sp.csr_matrix((ratings.data[tr], (ratings.row[tr], ratings.col[tr])), shape=ratings.shape, dtype=ratings.dtype)
    test = sp.csr_matrix((ratings.data[te], (ratings.row[te], ratings.col[te])), shape=ratings.shape, dtype=ratings.dtype)
    test.data[test.data < 0] = 0
    test.eliminate_zeros()
    return train, test


def _implicit_rng(random_state: Any) -> np.random.Generator:
    """implicit 0.7.3's ``utils.check_random_state``: a numpy ``Generator`` from a seed, a
    ``Generator`` or ``None``."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


def ranking_metrics_at_k(
    model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, show_progress: bool = True, num_threads: int = 1
) -> Dict[str, float]:
    """``precision``, ``map``, ``ndcg`` and ``auc`` at ``K``, as implicit computes them."""
    train = sp.csr_matrix(train_user_items)
    test = sp.csr_matrix(test_user_items)
    users, items = test.shape
    cg = 1.0 / np.log2(np.arange(2, K + 2))
    cg_sum = np.cumsum(cg)
    relevant = pr_div = total = 0.0
    mean_ap = ndcg = mean_auc = 0.0
    todo = np.arange(users, dtype=np.int32)[np.diff(test.indptr) > 0]
    for start in range(0, len(todo), 1000):
        batch = todo[start : start + 1000]
        ids, _ = model.recommend(batch, train[batch], N=K)
        ids = np.asarray(ids)
        for b, u in enumerate(batch):
            likes = set(test.indices[test.indptr[u] : test.indptr[u + 1]].tolist())
            n_pos = len(likes)
            n_neg = items - n_pos
            pr_div += min(K, n_pos)
            idcg = cg_sum[min(K, n_pos) - 1]
            ap = hit = miss = auc = 0.0
            for i in range(K):
                item = int(ids[b, i]) if i < ids.shape[1] else -1
                if item in likes:
                    relevant += 1
                    hit += 1
                    ap += hit / (i + 1)
                    ndcg += cg[i] / idcg
                else:
                    miss += 1
                    auc += hit
            auc += ((hit + n_pos) / 2.0) * (n_neg - miss)
            mean_ap += ap / min(K, n_pos)
            mean_auc += auc / (n_pos * n_neg)
            total += 1
    return {
        "precision": relevant / pr_div if pr_div else float("nan"),
        "map": mean_ap / total if total else float("nan"),
        "ndcg": ndcg / total if total else float("nan"),
        "auc": mean_auc / total if total else float("nan"),
    }


def precision_at_k(model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, show_progress: bool = True, num_threads: int = 1) -> float:
    """P@K as implicit computes it."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["precision"]


def mean_average_precision_at_k(model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, show_progress: bool = True, num_threads: int = 1) -> float:
    """MAP@K as implicit computes it."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["map"]


def ndcg_at_k(model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, show_progress: bool = True, num_threads: int = 1) -> float:
    """NDCG@K as implicit computes it."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["ndcg"]


def AUC_at_k(model: Any, train_user_items: Any, test_user_items: Any, K: int = 10, show_progress: bool = True, num_threads: int = 1) -> float:
    """Limited AUC@K as implicit computes it."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["auc"]

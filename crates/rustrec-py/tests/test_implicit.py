"""rustrec.implicit as a drop-in for implicit 0.7: constructor arguments, RecommenderBase
methods, and implicit's own evaluation functions run on rustrec models."""

import numpy as np
import pytest
import scipy.sparse as sp

from rustrec import evaluation
from rustrec.implicit import (
    AlternatingLeastSquares,
    BayesianPersonalizedRanking,
    BM25Recommender,
    CosineRecommender,
    TFIDFRecommender,
)

try:
    import implicit.evaluation as implicit_evaluation
    from implicit.als import AlternatingLeastSquares as ImplicitALS
except ImportError:  # the comparison needs the peer package
    implicit_evaluation = None


def need_implicit():
    if implicit_evaluation is None:
        pytest.fail("this test compares with the implicit package: pip install implicit==0.7.3")


@pytest.fixture(scope="module")
def train_test():
    rng = np.random.default_rng(4)
    n_u, n_i = 400, 200
    # Users like items near their taste, so there is something to learn.
    taste = rng.integers(0, n_i, n_u)
    rows, cols = [], []
    for u in range(n_u):
        items = (taste[u] + rng.integers(-15, 16, 25)) % n_i
        items = np.unique(items)
        rows += [u] * len(items)
        cols += items.tolist()
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_u, n_i))
    return evaluation.train_test_split(m, 0.8, random_state=1)


def test_constructor_arguments_and_use_gpu():
    AlternatingLeastSquares(factors=8, regularization=0.1, alpha=2.0, use_cg=False, iterations=2,
                            calculate_training_loss=True, num_threads=1, random_state=0, use_native=True)
    BayesianPersonalizedRanking(factors=8, learning_rate=0.05, regularization=0.01, iterations=2,
                                num_threads=1, verify_negative_samples=True, random_state=0)
    CosineRecommender(K=10)
    with pytest.raises(ValueError, match="use_gpu=True"):
        AlternatingLeastSquares(use_gpu=True)
    with pytest.raises(ValueError, match="use_gpu=True"):
        BayesianPersonalizedRanking(use_gpu=True)
    BM25Recommender(K=10, K1=2.0, B=0.5)
    TFIDFRecommender(K=10)


def test_implicit_evaluation_runs_on_rustrec_models(train_test):
    need_implicit()
    train, test = train_test
    for model in (
        AlternatingLeastSquares(factors=16, iterations=10, random_state=0, num_threads=2),
        BayesianPersonalizedRanking(factors=16, iterations=30, learning_rate=0.05, random_state=0, num_threads=2),
        CosineRecommender(K=20),
    ):
        model.fit(train, show_progress=False)
        got = implicit_evaluation.ranking_metrics_at_k(model, train, test, K=10, show_progress=False)
        ours = evaluation.ranking_metrics_at_k(model, train, test, K=10)
        for k in ("precision", "map", "ndcg", "auc"):
            assert got[k] == pytest.approx(ours[k], rel=1e-9), (type(model).__name__, k)
        assert got["precision"] > 0.05, type(model).__name__
        assert implicit_evaluation.ndcg_at_k(model, train, test, K=10, show_progress=False) == pytest.approx(got["ndcg"])
        assert implicit_evaluation.precision_at_k(model, train, test, K=10, show_progress=False) == pytest.approx(got["precision"])


def test_models_keep_the_matrix_but_not_its_by_item_copy(train_test):
    """ALS and item-KNN walk the matrix by item while training, which builds a by-item copy
    of it. The model keeps the matrix (to filter what users liked) but gives that copy back
    once it is the matrix's only holder; nothing it answers changes."""
    import json

    from rustrec import _rustrec
    from rustrec._data import Dataset
    from rustrec._convert import user_items_csr

    train, _ = train_test
    users = np.arange(20)
    for make in (lambda: AlternatingLeastSquares(factors=8, iterations=3, random_state=0),
                 lambda: CosineRecommender(K=10)):
        model = make()
        model.fit(train, show_progress=False)
        name = type(model).__name__
        assert not model._engine.holds_training_columns, name
        # The same fit on a matrix the caller still holds: the copy stays until it is alone.
        data = Dataset.from_csr(model._prepare_matrix(user_items_csr(train)))
        model._engine = _rustrec.Engine.fit(model._kind, json.dumps(model.params), data._d,
                                            model.seed, model.threads, None, None)
        model._cache = {}
        assert model._engine.holds_training_columns, name
        before = model.recommend(users, None, N=10)
        assert not model._engine.release_training_columns(), name
        del data
        assert model._engine.release_training_columns(), name
        assert not model._engine.holds_training_columns, name
        after = model.recommend(users, None, N=10)
        for a, b in zip(before, after):
            np.testing.assert_array_equal(a, b)


def test_als_solves_implicits_problem(train_test):
    """The same objective as implicit's ALS (confidence alpha·r): with Cholesky solves and
    enough iterations both reach nearly the same ranking quality."""
    need_implicit()
    train, test = train_test
    ours = AlternatingLeastSquares(factors=16, iterations=20, regularization=0.1, alpha=3.0, use_cg=False, random_state=0)
    ours.fit(train, show_progress=False)
    theirs = ImplicitALS(factors=16, iterations=20, regularization=0.1, alpha=3.0, use_cg=False, random_state=0, num_threads=1)
    theirs.fit(train, show_progress=False)
    a = implicit_evaluation.ndcg_at_k(ours, train, test, K=10, show_progress=False)
    b = implicit_evaluation.ndcg_at_k(theirs, train, test, K=10, show_progress=False)
    assert a == pytest.approx(b, abs=0.03)
    # recalculate_user (numpy) solves the same user problem as the engine's fold-in.
    users = np.arange(3)
    f = ours.recalculate_user(users, train[users])
    np.testing.assert_allclose(f @ ours.item_factors.T, ours.score(users, train[users]), rtol=1e-3, atol=1e-4)


def test_recommender_base_methods_and_shapes(train_test, tmp_path):
    train, _ = train_test
    m = BayesianPersonalizedRanking(factors=8, iterations=5, random_state=1)
    calls = []
    m.fit(train, show_progress=False, callback=lambda it, secs, loss: calls.append(it))
    assert calls == [0, 1, 2, 3, 4]
    assert m.user_factors.shape == (train.shape[0], 9) and np.all(m.user_factors[:, -1] == 1)
    assert m.item_factors.shape == (train.shape[1], 9)
    scores = m.user_factors[:3] @ m.item_factors.T
    ids, s = m.recommend(np.arange(3), train[np.arange(3)], N=4)
    assert ids.dtype == np.int32 and ids.shape == (3, 4)
    np.testing.assert_allclose(s, np.take_along_axis(scores, ids.astype(np.int64), 1), rtol=1e-4, atol=1e-5)
    ids1, _ = m.recommend(0, train[0], N=4)
    assert ids1.shape == (4,) and np.array_equal(ids1, ids[0])
    with pytest.raises(ValueError, match=r"expected \(1, "):
        m.recommend(0, train, N=4)
    ranked, _ = m.rank_items(0, train[0], [3, 1, 2])
    assert sorted(ranked.tolist()) == [1, 2, 3]
    sim, _ = m.similar_items(0, N=3)
    assert sim.shape == (3,) and sim[0] == 0
    m.save(tmp_path / "bpr.npz")
    again = BayesianPersonalizedRanking.load(tmp_path / "bpr.npz")
    ids2, _ = again.recommend(np.arange(3), train[np.arange(3)], N=4)
    assert np.array_equal(ids, ids2)
    assert again.to_cpu() is again
    als = AlternatingLeastSquares(factors=8, iterations=3, random_state=1)
    als.fit(train, show_progress=False)
    als.partial_fit_items([train.shape[1]], train[:, [0]].T.tocsr())
    assert als.item_factors.shape[0] == train.shape[1] + 1
    grown = sp.hstack([train, sp.csr_matrix((train.shape[0], 1), dtype=np.float32)]).tocsr()
    als.partial_fit_users([train.shape[0]], grown[[0]])
    assert als.user_factors.shape == (train.shape[0] + 1, 8)


def test_bpr_is_reproducible_whatever_the_thread_count(train_test):
    train, _ = train_test
    a = BayesianPersonalizedRanking(factors=8, iterations=5, random_state=3, num_threads=1)
    b = BayesianPersonalizedRanking(factors=8, iterations=5, random_state=3, num_threads=2)
    a.fit(train, show_progress=False)
    b.fit(train, show_progress=False)
    assert np.array_equal(a.item_factors, b.item_factors)


def test_als_explain_and_recalculate_item_agree_with_implicit(train_test):
    """explain, recalculate_item and similar_items(recalculate_item=True) give implicit's
    answers on the same factors, and explain's contributions add up to the score of the
    recalculated user."""
    need_implicit()
    train, _ = train_test
    ours = AlternatingLeastSquares(factors=8, iterations=5, regularization=0.1, alpha=3.0, random_state=0)
    ours.fit(train, show_progress=False)
    theirs = ImplicitALS(factors=8, iterations=1, regularization=0.1, alpha=3.0, random_state=0, num_threads=1)
    theirs.fit(train, show_progress=False)
    theirs.user_factors = np.ascontiguousarray(ours.user_factors, dtype=np.float32)
    theirs.item_factors = np.ascontiguousarray(ours.item_factors, dtype=np.float32)
    theirs._XtX = theirs._YtY = None  # implicit caches the Gram matrices of its own factors

    for u, i in [(0, 5), (17, 120), (399, 3)]:
        total, top, weights = ours.explain(u, train, i, N=5)
        t_total, t_top, _ = theirs.explain(u, train, i, N=5)
        assert total == pytest.approx(t_total, rel=1e-4, abs=1e-6)
        assert [j for j, _ in top] == [j for j, _ in t_top]
        np.testing.assert_allclose([s for _, s in top], [s for _, s in t_top], rtol=1e-4, atol=1e-6)
        # The contributions add up to the recalculated user's score of the item.
        x = ours.recalculate_user(u, train[u])
        assert total == pytest.approx(float(x @ ours.item_factors[i]), rel=1e-4, abs=1e-6)
        # The factorisation can be handed back; the user's row alone works as well.
        again, _, _ = ours.explain(u, train[u], i, user_weights=weights)
        assert again == pytest.approx(total, rel=1e-12)

    items = np.array([3, 50, 199])
    item_users = train.T.tocsr()[items]
    got = ours.recalculate_item(items, item_users)
    want = theirs.recalculate_item(items, item_users)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)
    ids, scores = ours.similar_items(items, N=5, recalculate_item=True, item_users=item_users)
    t_ids, t_scores = theirs.similar_items(items, N=5, recalculate_item=True, item_users=item_users)
    assert ids.shape == (3, 5) and np.array_equal(ids, t_ids)
    np.testing.assert_allclose(scores, t_scores, rtol=1e-3, atol=1e-4)
    one, _ = ours.similar_items(50, N=5, recalculate_item=True, item_users=item_users[1])
    assert np.array_equal(one, ids[1])
    with pytest.raises(ValueError, match=r"item_users has shape"):
        ours.recalculate_item(items, train[:3])
    with pytest.raises(ValueError, match="needs item_users"):
        ours.similar_items(3, recalculate_item=True)
    with pytest.raises(ValueError, match="only with recalculate_item=True"):
        ours.similar_items(3, item_users=item_users[:1])


@pytest.mark.parametrize("name", ["CosineRecommender", "TFIDFRecommender", "BM25Recommender"])
def test_item_item_recommenders_score_as_implicits(train_test, name):
    """With K covering every neighbour (no pruning, where the two libraries' rules differ)
    the weighted item-item models give implicit's scores; values other than 1 exercise
    the weightings."""
    need_implicit()
    import implicit.nearest_neighbours as nn

    train, _ = train_test
    counts = train.copy()
    counts.data = 1.0 + (np.arange(counts.nnz) % 4).astype(np.float32)
    kw = {"K1": 1.5, "B": 0.6} if name == "BM25Recommender" else {}
    ours = {"CosineRecommender": CosineRecommender, "TFIDFRecommender": TFIDFRecommender,
            "BM25Recommender": BM25Recommender}[name](K=1000, **kw)
    theirs = getattr(nn, name)(K=1000, num_threads=1, **kw)
    ours.fit(counts, show_progress=False)
    theirs.fit(counts, show_progress=False)
    users = np.arange(0, 400, 37)
    ids, scores = ours.recommend(users, counts[users], N=10)
    t_ids, t_scores = theirs.recommend(users, counts[users], N=10)
    np.testing.assert_allclose(scores, t_scores, rtol=2e-4, atol=1e-5)
    # Ids agree wherever the scores are not tied.
    tied = np.isclose(scores[:, :-1], scores[:, 1:], rtol=1e-5)
    clear = ~(np.pad(tied, ((0, 0), (0, 1))) | np.pad(tied, ((0, 0), (1, 0))))
    assert np.array_equal(ids[clear], t_ids[clear])
    assert clear.mean() > 0.5

"""The native API: classes from the registry, fit inputs, recommend shapes and errors,
similar items and users, predictions, history, factors, determinism, fold-in and partial
fits, save/load and pickle for every kind."""

import gc
import inspect
import pickle
import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import rustrec
from conftest import small_params
from rustrec._model import param_to_py


def test_version_and_one_class_per_registry_kind_with_its_parameters():
    assert isinstance(rustrec.__version__, str) and rustrec.__version__.count(".") == 2
    kinds = [m["kind"] for m in rustrec.models()]
    for want in ("mf", "bpmf", "bpr", "als", "ials", "ease", "slim-mse", "item-knn", "item-knn-cbf", "hybrid", "asysvd", "top-pop", "random"):
        assert want in kinds
    names = {"mf": "MF", "bpr": "BPR", "ials": "IALS", "slim-mse": "SLIM", "item-knn": "ItemKNN", "asysvd": "AsySVD", "top-pop": "TopPop"}
    for kind, name in names.items():
        assert getattr(rustrec, name) is rustrec.model_class(kind)
    for m in rustrec.models():
        cls = rustrec.model_class(m["kind"])
        sig = inspect.signature(cls)
        for p in m["params"]:
            assert sig.parameters[param_to_py(p["name"])].default == p["default"], (m["kind"], p["name"])
            assert f"``{param_to_py(p['name'])}``" in cls.__doc__
        assert m["about"] in cls.__doc__


def test_unknown_and_bad_parameters_are_named():
    with pytest.raises(TypeError, match="'factor'.*takes: .*factors"):
        rustrec.BPR(factor=8)
    with pytest.raises(ValueError, match=r"factors = 0.*1\.\.=1024"):
        rustrec.BPR(factors=0).fit(sp.csr_matrix(np.eye(4, dtype=np.float32)))
    with pytest.raises(ValueError, match="unknown variant `hinge`, expected `bpr` or `warp`"):
        rustrec.BPR(loss="hinge").fit(sp.csr_matrix(np.eye(4, dtype=np.float32)))
    with pytest.raises(ValueError, match="at most 256"):
        rustrec.BPR(threads=100_000).fit(sp.csr_matrix(np.eye(4, dtype=np.float32)))
    # A structured parameter takes its bare name.
    m = rustrec.IALS(factors=4, iterations=2, solver="cholesky").fit(sp.csr_matrix(np.eye(4, dtype=np.float32)))
    assert m.get_params()["solver"] == {"kind": "cholesky"}


def test_recommend_shapes_filters_and_dtypes(positives):
    m = rustrec.BPR(factors=8, epochs=5, seed=1, threads=2).fit(positives)
    ids, scores = m.recommend(0)
    assert ids.shape == (10,) and scores.shape == (10,)
    assert ids.dtype == np.int32 and scores.dtype == np.float32
    assert np.all(np.diff(scores) <= 0)
    seen0 = set(positives[0].indices)
    assert not seen0 & set(ids.tolist())
    users = np.arange(7)
    ids, scores = m.recommend(users, positives[users], N=5)
    assert ids.shape == (7, 5) and scores.shape == (7, 5)
    for r, u in enumerate(users):
        assert not set(positives[u].indices) & set(ids[r].tolist())
    # user_items=None filters with the stored training interactions: same lists.
    ids_none, _ = m.recommend(users, None, N=5)
    assert np.array_equal(ids, ids_none)
    # No filtering: the seen items may come back, scores are the raw scores.
    ids_all, s_all = m.recommend(0, N=positives.shape[1], filter_already_liked_items=False)
    assert sorted(ids_all.tolist()) == list(range(positives.shape[1]))
    np.testing.assert_allclose(s_all, m.score(0)[ids_all], rtol=1e-6)
    # filter_items and items.
    block = ids_all[:3]
    ids_b, _ = m.recommend(0, N=5, filter_already_liked_items=False, filter_items=block)
    assert not set(block.tolist()) & set(ids_b.tolist())
    ids_i, _ = m.recommend(0, N=50, filter_already_liked_items=False, items=[5, 1, 9])
    assert ids_i.shape == (3,) and set(ids_i.tolist()) == {1, 5, 9}
    # Both lists at once when they share no item (as `rustrec recommend --allow --block`);
    # an item in both is refused (tests/test_input_checks.py, section 13).
    ids_ib, _ = m.recommend(0, N=50, filter_already_liked_items=False, items=[5, 9], filter_items=[1])
    assert set(ids_ib.tolist()) == {5, 9}
    # More asked than candidates: padded with -1 / -inf.
    ids_p, s_p = m.recommend(0, N=positives.shape[1])
    n_left = positives.shape[1] - len(seen0)
    assert np.all(ids_p[n_left:] == -1) and np.all(np.isneginf(s_p[n_left:]))


def test_recommend_shape_errors_name_the_expected_shape(positives):
    m = rustrec.BPR(factors=4, epochs=1).fit(positives)
    n_items = positives.shape[1]
    with pytest.raises(ValueError, match=rf"shape \(10, {n_items}\): expected \(5, {n_items}\)"):
        m.recommend(np.arange(5), positives[np.arange(10)])
    with pytest.raises(ValueError, match=r"expected \(1, .*user_items\[userid\]"):
        m.recommend(0, positives)
    with pytest.raises(IndexError, match="user index 100000 outside 0..300"):
        m.recommend(100000)
    with pytest.raises(TypeError, match="CSC"):
        m.recommend(0, positives[0].tocsc())
    with pytest.raises(TypeError, match="integer indices"):
        m.recommend(np.array([0.5]))
    with pytest.raises(IndexError, match="filter_items: index 99999"):
        m.recommend(0, filter_items=[99999])
    with pytest.raises(RuntimeError, match="not fitted"):
        rustrec.BPR().recommend(0)


def test_fit_inputs_csr_coo_csc_arrays_and_frames(positives, ratings):
    with pytest.raises(TypeError, match=r"CSC matrix.*m\.T\.tocsr\(\)"):
        rustrec.TopPop().fit(positives.tocsc())
    with pytest.warns(UserWarning, match="converting a COO matrix"):
        rustrec.TopPop().fit(positives.tocoo())
    with pytest.warns(UserWarning, match="LIL"):
        rustrec.TopPop().fit(positives.tolil())
    with pytest.raises(TypeError, match="dense numpy array"):
        rustrec.TopPop().fit(positives.toarray())
    # Unsorted indices and duplicates are made canonical (duplicates summed).
    coo = positives.tocoo()
    dup = sp.csr_matrix((np.r_[coo.data, [1.0]], (np.r_[coo.row, [coo.row[0]]], np.r_[coo.col, [coo.col[0]]])), shape=positives.shape)
    assert rustrec.TopPop().fit(dup).n_items == positives.shape[1]
    # Arrays of indices.
    u, i = coo.row, coo.col
    a = rustrec.BPR(factors=4, epochs=2, seed=3).fit(u, i, np.ones(len(u), np.float32))
    b = rustrec.BPR(factors=4, epochs=2, seed=3).fit(positives)
    assert np.array_equal(a.item_factors, b.item_factors)
    # A frame of raw ids: ids numbered in order of appearance, mapped back by user_ids.
    import pandas as pd  # in the suite's environment (python_suite.rs)
    df = ratings.to_pandas()
    df = df.rename(columns={"user": "u", "item": "movie", "rating": "stars"})
    m = rustrec.MF(factors=4, epochs=2, seed=1).fit(df, user_col="u", item_col="movie", rating_col="stars")
    assert m.n_users == df["u"].nunique() and m.n_items == df["movie"].nunique()
    assert list(m.user_ids[:3]) == list(pd.unique(df["u"])[:3])
    with pytest.raises(KeyError, match="no column 'user'"):
        rustrec.MF().fit(df)
    s = pd.DataFrame({"user": ["ann", "bob", "ann"], "item": ["x", "y", "y"], "rating": [5.0, 3.0, 4.0]})
    m = rustrec.TopPop().fit(s)
    assert list(m.user_ids) == ["ann", "bob"] and list(m.item_ids) == ["x", "y"]
    with pytest.raises(ValueError, match=r"\(user 1, item 2\) is given twice, at rows 0 and 1"):
        rustrec.TopPop().fit(pd.DataFrame({"user": [1, 1], "item": [2, 2], "rating": [1.0, 2.0]}))


def test_callback_sees_every_epoch_and_can_stop_training(positives, capsys):
    seen = []

    def cb(epoch, figures):
        seen.append((epoch, figures["train_loss"]))
        return epoch < 3

    m = rustrec.BPR(factors=4, epochs=20, seed=2).fit(positives, callback=cb, show_progress=True)
    assert [e for e, _ in seen] == [1, 2, 3]
    assert len(m.history) == 3 and m.history[0]["epoch"] == 1
    assert {"train_loss", "samples", "seconds", "learning_rate"} <= set(m.history[0])
    assert "epoch 1/20" in capsys.readouterr().err

    def boom(epoch, figures):
        raise RuntimeError("from the callback")

    with pytest.raises(RuntimeError, match="from the callback"):
        rustrec.BPR(factors=4, epochs=5).fit(positives, callback=boom)


def test_predict_for_rating_models(split):
    train, test = split
    m = rustrec.MF(factors=8, epochs=5, seed=1).fit(train)
    assert m.task == "rating"
    x = test.to_csr().tocoo()
    p = m.predict(x.row, x.col)
    assert p.shape == (x.nnz,) and p.dtype == np.float32
    assert np.isscalar(m.predict(0, 1)) or m.predict(0, 1).shape == ()
    np.testing.assert_allclose(m.predict(np.array([0, 0]), np.array([1, 2])), m.score(0)[[1, 2]], rtol=1e-5)
    with pytest.raises(ValueError, match="same length"):
        m.predict([0, 1], [0])
    with pytest.raises(IndexError, match="item index 999"):
        m.predict([0], [999])


def test_similar_items_and_users(positives):
    als = rustrec.IALS(factors=8, iterations=3, seed=1).fit(positives)
    q = int(np.argmax(np.diff(positives.tocsc().indptr)))  # an item with data
    ids, scores = als.similar_items(q, N=5)
    assert ids[0] == q and abs(scores[0] - 1.0) < 1e-4 and ids.shape == (5,)
    f = als.item_factors
    cos = f @ f[q] / (np.linalg.norm(f, axis=1) * np.linalg.norm(f[q]) + 1e-30)
    np.testing.assert_allclose(scores, np.sort(cos)[::-1][:5], rtol=1e-4, atol=1e-6)
    ids2, _ = als.similar_items([q, 4], N=5)
    assert ids2.shape == (2, 5) and np.array_equal(ids2[0], ids)
    ids, _ = als.similar_users(0, N=4, filter_users=[0])
    assert 0 not in ids.tolist() and ids.shape == (4,)
    knn = rustrec.ItemKNN(neighbours=10).fit(positives)
    ids, scores = knn.similar_items(0, N=5)
    assert ids.shape == (5,) and np.all(np.diff(scores[ids >= 0]) <= 0)
    ease = rustrec.EASE().fit(positives)
    ids, _ = ease.similar_items(0, N=5)
    assert 0 not in ids.tolist()
    with pytest.raises(NotImplementedError, match="top-pop"):
        rustrec.TopPop().fit(positives).similar_items(0)
    with pytest.raises(NotImplementedError, match="no user vectors"):
        knn.similar_users(0)


def test_a_fitted_model_keeps_no_by_item_copy_of_a_matrix_only_it_holds(positives):
    """iALS walks the matrix by item while training (a by-item copy of it); the model
    keeps the matrix, and the copy only while the caller's Dataset shares it."""
    m = rustrec.IALS(factors=4, iterations=2, seed=1).fit(positives)
    assert not m._engine.holds_training_columns
    data = rustrec.Dataset.from_csr(positives)
    kept = rustrec.IALS(factors=4, iterations=2, seed=1).fit(data)
    assert kept._engine.holds_training_columns
    np.testing.assert_array_equal(m.recommend(0, None, N=5)[0], kept.recommend(0, None, N=5)[0])


def test_factors_and_ids_attributes(positives):
    m = rustrec.BPR(factors=6, epochs=2).fit(positives)
    assert m.user_factors.shape == (positives.shape[0], 6)
    assert m.item_factors.shape == (positives.shape[1], 6)
    assert m.item_factors is m.item_factors  # cached
    assert not m.item_factors.flags.writeable
    # Views of the model's tables, not copies: two reads share memory; k = 6 sits in rows
    # padded to 16 floats, k = 16 fills them (C-contiguous).
    e = m._engine
    assert np.shares_memory(e.item_factors(), e.item_factors())
    assert m.item_factors.strides == (16 * 4, 4) and not m.item_factors.flags.c_contiguous
    with pytest.raises(ValueError, match="read-only"):
        m.item_factors[0, 0] = 1.0
    with pytest.raises(ValueError):
        m.item_factors.flags.writeable = True
    m16 = rustrec.IALS(factors=16, iterations=2).fit(positives)
    assert m16.user_factors.flags.c_contiguous and m16.user_factors.shape == (positives.shape[0], 16)
    np.testing.assert_allclose(m16.score(1), m16.user_factors[1] @ m16.item_factors.T, rtol=1e-4, atol=1e-5)
    assert m.item_biases.shape == (positives.shape[1],)
    np.testing.assert_allclose(m.score(2), m.user_factors[2] @ m.item_factors.T + m.item_biases, rtol=1e-4, atol=1e-5)
    assert np.array_equal(m.user_ids, np.arange(positives.shape[0]))
    with pytest.raises(AttributeError, match="no user factors"):
        rustrec.EASE().fit(positives).user_factors


@pytest.mark.parametrize("kind", ["bpr", "ials", "mf", "slim-mse", "asysvd"])
def test_a_seed_gives_the_same_model_on_any_thread_count(kind, ratings, positives):
    data = ratings if rustrec.model_class(kind)._info["task"] == "rating" else positives
    cls = rustrec.model_class(kind)
    a = cls(seed=11, threads=1, **small_params(kind)).fit(data)
    b = cls(seed=11, threads=2, **small_params(kind)).fit(data)
    c = cls(seed=12, threads=2, **small_params(kind)).fit(data)
    sa, sb, sc = a.score(np.arange(20)), b.score(np.arange(20)), c.score(np.arange(20))
    assert np.array_equal(sa, sb)
    if kind != "slim-mse":
        assert not np.array_equal(sa, sc)


def test_fold_in_scores_new_histories(positives):
    als = rustrec.IALS(factors=8, iterations=5, seed=1, solver="cholesky").fit(positives)
    users = np.arange(4)
    ids, _ = als.recommend(users, positives[users], recalculate_user=True)
    assert ids.shape == (4, 10)
    # A user index past the model's users is fine with recalculate_user.
    new_row = positives[0]
    ids_new, _ = als.recommend(positives.shape[0] + 5, new_row, recalculate_user=True)
    ids_0, _ = als.recommend(0, new_row, recalculate_user=True)
    assert np.array_equal(ids_new, ids_0)
    with pytest.raises(ValueError, match="needs user_items"):
        als.recommend(0, recalculate_user=True)
    rnd = rustrec.Random(seed=1).fit(positives)
    rnd.recommend(0, positives[0], recalculate_user=True)


def test_partial_fit_users_grows_als_and_fold_in_models(positives):
    n_users, n_items = positives.shape
    als = rustrec.IALS(factors=8, iterations=4, seed=1).fit(positives)
    row = positives[[3]]
    als.partial_fit_users([n_users], row)
    assert als.n_users == n_users + 1 and als.user_factors.shape[0] == n_users + 1
    ids, _ = als.recommend(n_users, N=5)
    assert not set(row.indices) & set(ids.tolist())
    # A changed user: the stored interactions follow.
    als.partial_fit_users([0], positives[[5]])
    assert np.array_equal(als.train_data.to_csr()[0].indices, positives[5].indices)
    bpr = rustrec.BPR(factors=8, epochs=3, seed=1).fit(positives)
    bpr.partial_fit_users([n_users, n_users + 1], positives[[3, 4]])
    assert bpr.n_users == n_users + 2
    ids, _ = bpr.recommend(n_users + 1, N=5)
    want, _ = bpr.recommend(0, positives[[4]], N=5, recalculate_user=True)
    assert np.array_equal(ids, want)
    with pytest.raises(ValueError, match=r"expected \(1, "):
        bpr.partial_fit_users([1], positives[[1, 2]])


def test_partial_fit_items_for_als_only(positives):
    n_users, n_items = positives.shape
    als = rustrec.IALS(factors=8, iterations=3, seed=1).fit(positives)
    col = positives[:, [7]].T.tocsr()
    view = als.item_factors
    kept = view.copy()
    als.partial_fit_items([n_items], col)
    assert als.n_items == n_items + 1 and als.item_factors.shape[0] == n_items + 1
    # A view read before the partial fit keeps the old model alive and unchanged.
    del als
    gc.collect()
    assert np.array_equal(view, kept)
    with pytest.raises(NotImplementedError, match="only ALS"):
        rustrec.BPR(factors=4, epochs=1).fit(positives).partial_fit_items([0], col)


def _content_kinds():
    return [m["kind"] for m in rustrec.models() if "item_content" in m["inputs"]]


@pytest.mark.parametrize("kind", [m["kind"] for m in rustrec.models()])
def test_every_kind_fits_saves_loads_and_pickles(kind, ratings, positives, movies_dir, tmp_path):
    cls = rustrec.model_class(kind)
    data = ratings if cls._info["task"] == "rating" else positives
    fit_args = {"item_dir": movies_dir} if kind in _content_kinds() else {}
    if kind in _content_kinds():
        data = rustrec.Dataset.from_csr(positives, user_ids=None, item_ids=ratings.item_ids)
    m = cls(seed=3, **small_params(kind)).fit(data, **fit_args)
    users = np.arange(5)
    ids, scores = m.recommend(users, N=5)
    assert ids.shape == (5, 5)
    path = tmp_path / f"{kind}.safetensors"
    m.save(path)
    again = rustrec.load(path)
    assert type(again).__name__ in (cls.__name__, "MF")  # bpmf saves as mf
    ids2, scores2 = again.recommend(users, N=5)
    assert np.array_equal(ids, ids2)
    np.testing.assert_allclose(scores, scores2, rtol=1e-6)
    p = pickle.loads(pickle.dumps(m))
    assert type(p) is type(m)
    ids3, _ = p.recommend(users, N=5)
    assert np.array_equal(ids, ids3)
    assert repr(p).startswith(type(m).__name__)


def test_unfitted_models_pickle_with_their_parameters():
    m = pickle.loads(pickle.dumps(rustrec.BPR(factors=7, seed=4)))
    assert m.params == {"factors": 7} and m.seed == 4


def test_load_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model file"):
        rustrec.load(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    with pytest.raises((OSError, ValueError)):
        rustrec.load(bad)


def test_training_releases_the_gil(positives):
    big = sp.random(3000, 800, density=0.05, format="csr", dtype=np.float32, random_state=3)
    big.data[:] = 1
    done = threading.Event()
    ticks = 0

    def train():
        rustrec.BPR(factors=32, epochs=30, threads=1).fit(big)
        done.set()

    t = threading.Thread(target=train)
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    assert ticks > 5


def test_ctrl_c_stops_training_at_the_end_of_an_epoch():
    import os
    import signal

    # Python turns SIGINT into KeyboardInterrupt only when its handler is installed, which it
    # skips when the parent process ignores SIGINT (as a non-interactive shell does for a job
    # it starts in the background): install it for this test, whoever started the suite.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        big = sp.random(2000, 500, density=0.05, format="csr", dtype=np.float32, random_state=4)
        big.data[:] = 1
        epochs = []
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        started = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            rustrec.BPR(factors=16, epochs=100_000).fit(big, callback=lambda e, f: epochs.append(e))
        timer.join()
        assert time.perf_counter() - started < 30
        assert 0 < len(epochs) < 100_000
    finally:
        signal.signal(signal.SIGINT, previous)


def _overlap(a, b):
    """Mean share of items two batches of top-N lists have in common."""
    return float(np.mean([len(set(x.tolist()) & set(y.tolist())) / a.shape[1] for x, y in zip(a, b)]))


def test_als_partial_fit_users_stays_close_to_a_refit(positives):
    """implicit's partial_fit_users re-solves only the users, so it drifts from a refit;
    here the items are re-solved too, and the new users' lists agree with a refit's."""
    n_users = positives.shape[0]
    new = np.arange(n_users - 30, n_users)
    old = positives.copy().tolil()
    old[new] = 0
    old = old.tocsr()
    old.eliminate_zeros()
    params = dict(factors=8, iterations=10, seed=1, solver="cholesky")
    grown = rustrec.IALS(**params).fit(old)
    before, _ = grown.recommend(new, positives[new], N=10, recalculate_user=False)
    grown.partial_fit_users(new, positives[new], iterations=2)
    refit = rustrec.IALS(**params).fit(positives)
    after, _ = grown.recommend(new, N=10)
    want, _ = refit.recommend(new, N=10)
    # Before the partial fit these users had empty rows; after it their lists are the refit's.
    assert _overlap(after, want) > 0.7
    assert _overlap(after, want) > _overlap(before, want) + 0.3
    # The stored interactions are the full matrix again.
    assert (grown.train_data.to_csr() != positives).nnz == 0


def test_bpr_fold_in_of_a_users_history_recovers_their_lists(positives):
    """BPR has a fold-in (implicit's has none): scoring a trained user's own history by
    fold-in gives lists close to those of the user's learned vector."""
    m = rustrec.BPR(factors=16, epochs=30, lr=0.05, seed=2).fit(positives)
    users = np.arange(40)
    stored, _ = m.recommend(users, positives[users], N=10)
    folded, _ = m.recommend(users, positives[users], N=10, recalculate_user=True)
    rnd = np.stack([np.random.default_rng(u).permutation(positives.shape[1])[:10] for u in users])
    assert _overlap(folded, stored) > 0.5
    assert _overlap(folded, stored) > _overlap(rnd, stored) + 0.3

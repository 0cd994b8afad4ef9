"""Regression tests for bad input, one per bug found: every error names the argument, the
value (and the row/column where there is one) and what is valid; nothing is silently
dropped, coerced or guessed; nothing aborts the process."""

import pickle
import threading

import numpy as np
import pytest
import scipy.sparse as sp

import rustrec
from rustrec.implicit import (
    AlternatingLeastSquares,
    BayesianPersonalizedRanking,
    BM25Recommender,
    CosineRecommender,
)

pd = pytest.importorskip("pandas")


def _matrix(values):
    """A 3 × 4 CSR matrix with entries (0, 0), (1, 2), (2, 3) holding `values`."""
    return sp.csr_matrix((np.asarray(values, np.float32), ([0, 1, 2], [0, 2, 3])), shape=(3, 4))


# -- 1. integer ids far larger than the data ---------------------------------------------


def test_integer_ids_far_beyond_the_data_are_refused_before_allocating(positives):
    with pytest.raises(ValueError, match=r"users: the largest index is 100000000.*at most 1048575"):
        rustrec.TopPop().fit(np.array([0, 10**8]), np.array([0, 1]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"items: the largest index is 4294967296"):
        rustrec.TopPop().fit(np.array([0, 1]), np.array([0, 2**32]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"users: row 1 has the index -3; indices must be ≥ 0"):
        rustrec.TopPop().fit(np.array([0, -3]), np.array([0, 1]), np.array([1.0, 1.0]))
    # Gaps within the allowance stay indices: users 0..5, items 0..1.
    m = rustrec.TopPop().fit(np.array([0, 5]), np.array([0, 1]), np.array([1.0, 1.0]))
    assert (m.n_users, m.n_items) == (6, 2)
    for model in (rustrec.BPR(factors=4, epochs=1), rustrec.IALS(factors=4, iterations=1)):
        model.fit(positives)
        with pytest.raises(ValueError, match=r"userids: the largest index is 100000000"):
            model.partial_fit_users([10**8], positives[[0]])
        assert model.n_users == positives.shape[0]
    als = rustrec.IALS(factors=4, iterations=1).fit(positives)
    with pytest.raises(ValueError, match=r"itemids: the largest index is 100000000"):
        als.partial_fit_items([10**8], positives.T.tocsr()[[0]])
    with pytest.raises(IndexError, match=r"user index 4294967296 outside 0..=4294967295"):
        als.recommend(2**32, positives[[0]], recalculate_user=True)


# -- 2. one model used from several threads ----------------------------------------------


@pytest.mark.parametrize("kind", ["ials", "bpr"])
def test_one_model_serves_several_threads_at_once(kind, positives):
    model = rustrec.model_class(kind)(factors=8, **{"iterations" if kind == "ials" else "epochs": 2}, seed=1)
    model.fit(positives)
    users = np.arange(50)
    errors = []
    start = threading.Barrier(2)

    def refit():
        start.wait()
        try:
            for k in range(15):
                model.partial_fit_users([k], positives[[k]])
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    def serve():
        start.wait()
        try:
            for _ in range(60):
                ids, _ = model.recommend(users, positives[users], N=5)
                assert ids.shape == (50, 5)
                model.similar_items(0, N=3)
                assert model.n_users == positives.shape[0]
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=refit), threading.Thread(target=serve)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# -- 3. rustrec.implicit load ------------------------------------------------------------


def test_implicit_load_restores_the_arguments_and_refuses_other_kinds(positives, tmp_path):
    als = AlternatingLeastSquares(factors=8, regularization=0.05, alpha=2.0, iterations=3, random_state=4)
    als.fit(positives, show_progress=False)
    als.save(tmp_path / "a.npz")
    again = AlternatingLeastSquares.load(tmp_path / "a.npz")
    assert type(again) is AlternatingLeastSquares
    assert (again.factors, again.regularization, again.alpha, again.iterations) == (8, 0.05, 2.0, 3)
    ids, scores = als.recommend(0, positives[0], N=3, recalculate_user=True)
    ids2, scores2 = again.recommend(0, positives[0], N=3, recalculate_user=True)
    assert np.array_equal(ids, ids2) and np.allclose(scores, scores2)
    np.testing.assert_allclose(again.recalculate_user(0, positives[0]), als.recalculate_user(0, positives[0]))
    assert again.explain(0, positives, int(ids[0]))[0] == pytest.approx(als.explain(0, positives, int(ids[0]))[0])

    bpr = BayesianPersonalizedRanking(factors=4, iterations=1)
    bpr.fit(positives, show_progress=False)
    bpr.save(tmp_path / "b.npz")
    with pytest.raises(ValueError, match=r"b\.npz' holds a model of kind `bpr`; AlternatingLeastSquares\.load reads files of kind `ials`"):
        AlternatingLeastSquares.load(tmp_path / "b.npz")
    with pytest.raises(ValueError, match=r"kind `ials`; BayesianPersonalizedRanking\.load reads files of kind `bpr`"):
        BayesianPersonalizedRanking.load(tmp_path / "a.npz")
    cos = CosineRecommender(K=5)
    cos.fit(positives, show_progress=False)
    cos.save(tmp_path / "c.npz")
    with pytest.raises(ValueError, match=r"written by CosineRecommender\.save, not by BM25Recommender\.save"):
        BM25Recommender.load(tmp_path / "c.npz")
    assert CosineRecommender.load(tmp_path / "c.npz").K == 5
    rustrec.IALS(factors=4, iterations=1).fit(positives).save(tmp_path / "native.safetensors")
    with pytest.raises(ValueError, match=r"written by rustrec fit or rustrec\.Recommender\.save, not by AlternatingLeastSquares\.save"):
        AlternatingLeastSquares.load(tmp_path / "native.safetensors")


# -- 4. NaN, ±inf and negative values ----------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("kind", ["bpr", "top-pop", "item-knn", "ease", "mf", "ials"])
def test_non_finite_values_are_refused_naming_argument_position_and_value(kind, bad):
    cls = rustrec.model_class(kind)
    shown = {"nan": "nan", "inf": "inf", "-inf": "-inf"}[str(bad)]
    with pytest.raises(ValueError, match=rf"user_items: row 1, column 2 has the value {shown}; values must be finite"):
        cls().fit(_matrix([1.0, bad, 1.0]))
    with pytest.raises(ValueError, match=rf"ratings: row 1 \(user 1, item 2\) has the value {shown}"):
        cls().fit(np.array([0, 1, 2]), np.array([0, 2, 3]), np.array([1.0, bad, 1.0]))
    frame = pd.DataFrame({"user": ["a", "b", "c"], "item": ["x", "y", "z"], "rating": [1.0, 1.0, bad]})
    with pytest.raises(ValueError, match=rf"column 'rating': row 2 has the value {shown}"):
        cls().fit(frame)


def test_nullable_ratings_and_histories_with_nan_are_refused(positives):
    frame = pd.DataFrame({"user": [1, 2], "item": [3, 4], "score": pd.array([1.0, None], dtype="Float64")})
    with pytest.raises(ValueError, match=r"column 'score': row 1 has the value nan"):
        rustrec.Dataset.from_frame(frame, rating_col="score")
    model = rustrec.BPR(factors=4, epochs=1).fit(positives)
    history = positives[[0]].copy()
    history.data[0] = np.nan
    with pytest.raises(ValueError, match=r"user_items: row 0, column \d+ has the value nan"):
        model.recommend(0, history, recalculate_user=True)
    with pytest.raises(ValueError, match=r"user_items: row 0, column \d+ has the value nan"):
        model.partial_fit_users([0], history)


def test_negative_implicit_feedback_is_refused_as_by_the_implicit_drop_in(positives):
    negative = _matrix([1.0, -2.0, 1.0])
    for model in (rustrec.IALS(factors=4, iterations=1), rustrec.EASE()):
        with pytest.raises(ValueError, match=r"user_items: user 1 \(row 1\), item 2 \(column 2\) has the value -2\.0; implicit feedback must be ≥ 0"):
            model.fit(negative)
    with pytest.raises(ValueError, match=r"user_items: row 1, column 2 has the value -2\.0; implicit feedback must be ≥ 0"):
        AlternatingLeastSquares(factors=4, iterations=1).fit(negative, show_progress=False)
    ials = rustrec.IALS(factors=4, iterations=1).fit(positives)
    history = positives[[0]].copy()
    history.data[0] = -1.0
    with pytest.raises(ValueError, match=r"user_items: row 0, column \d+ has the value -1\.0; implicit feedback"):
        ials.recommend(0, history, recalculate_user=True)
    # Ratings may be negative for rating models, and EASE(implicit=False) takes them as given.
    assert rustrec.ALS(factors=4, iterations=1).fit(negative).n_users == 3
    assert rustrec.EASE(implicit=False).fit(negative).n_users == 3


# -- 5. ids in data frames ---------------------------------------------------------------


@pytest.mark.parametrize(
    "users",
    [["a", None, "c"], [1.0, np.nan, 3.0], pd.array([1, None, 3], dtype="Int64"), ["a", pd.NA, "c"]],
    ids=["None", "NaN", "Int64-NA", "pd.NA"],
)
def test_missing_ids_in_a_frame_are_refused_naming_column_and_row(users):
    frame = pd.DataFrame({"user": users, "item": [10, 11, 12], "rating": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"column 'user': row 1 has a missing id"):
        rustrec.Dataset.from_frame(frame)
    with pytest.raises(ValueError, match=r"column 'user': row 1 has a missing id"):
        rustrec.BPR().fit(frame)


def test_integer_ids_in_a_frame_stay_integers():
    frame = pd.DataFrame(
        {
            "user": pd.array([7, 9, 7], dtype="Int64"),
            "item": np.array([1.0, 2.0, 3.0]),
            "rating": [1.0, 2.0, 3.0],
        }
    )
    d = rustrec.Dataset.from_frame(frame)
    assert d.user_ids.dtype == np.int64 and d.user_ids.tolist() == [7, 9]
    assert d.item_ids.dtype == np.int64 and d.item_ids.tolist() == [1, 2, 3]
    with pytest.raises(TypeError, match=r"column 'item': row 1 has the id 2\.5; ids are integers or strings"):
        rustrec.Dataset.from_frame(frame.assign(item=[1.0, 2.5, 3.0]))


def test_data_without_interactions_is_refused_by_every_model():
    frame = pd.DataFrame({"user": pd.Series([], dtype="int64"), "item": pd.Series([], dtype="int64"),
                          "rating": pd.Series([], dtype="float64")})
    for model in (rustrec.TopPop(), rustrec.BPR(factors=4, epochs=1), rustrec.MF(factors=4, epochs=1)):
        with pytest.raises(ValueError, match=r"the training data holds no interactions"):
            model.fit(frame)
    with pytest.raises(ValueError, match=r"`top-pop`: the training data holds no interactions \(3 users, 4 items\)"):
        rustrec.TopPop().fit(sp.csr_matrix((3, 4), dtype=np.float32))


# -- 6. implicit of ALS and IALS ---------------------------------------------------------


def test_the_implicit_flag_of_als_and_ials_is_what_they_train_with(positives):
    with pytest.raises(ValueError, match=r"IALS\(implicit=False\): model kind `ials` always trains with implicit = True"):
        rustrec.IALS(implicit=False)
    with pytest.raises(ValueError, match=r"ALS\(implicit=True\): model kind `als` always trains with implicit = False"):
        rustrec.ALS(implicit=True)
    assert rustrec.IALS().get_params()["implicit"] is True
    assert rustrec.ALS().get_params()["implicit"] is False
    assert rustrec.IALS(implicit=True, factors=4, iterations=1).fit(positives).get_params()["implicit"] is True
    assert rustrec.IALS(factors=4, iterations=1).fit(positives).get_params()["implicit"] is True
    assert rustrec.ALS(factors=4, iterations=1).fit(positives).get_params()["implicit"] is False
    als = AlternatingLeastSquares(factors=4, iterations=1)
    als.fit(positives, show_progress=False)
    assert als.get_params()["implicit"] is True


# -- 7. integer and real arguments -------------------------------------------------------


@pytest.fixture(scope="module")
def fitted(positives):
    return rustrec.BPR(factors=4, epochs=1, seed=1).fit(positives)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m, d: m.similar_items(0, N=-5), ValueError, r"N = -5: expected a whole number ≥ 0"),
        (lambda m, d: m.similar_users(0, N=-1), ValueError, r"N = -1: expected a whole number ≥ 0"),
        (lambda m, d: m.recommend(0, N=2.7), TypeError, r"N = 2\.7: expected a whole number ≥ 0, got float"),
        (lambda m, d: m.recommend(0, N="3"), TypeError, r"N = '3': expected a whole number ≥ 0, got str"),
        (lambda m, d: m.recommend(0, N=True), TypeError, r"N = True: expected a whole number ≥ 0, got bool"),
        (lambda m, d: m.partial_fit_users([0], d.to_csr()[[0]], iterations=-1), ValueError, r"iterations = -1: expected a whole number ≥ 1"),
        (lambda m, d: rustrec.holdout(d, 0.1, seed=-1), ValueError, r"seed = -1: expected a whole number in \[0, 18446744073709551615\]"),
        (lambda m, d: rustrec.leave_k_out(d, -1), ValueError, r"k = -1: expected a whole number ≥ 1"),
        (lambda m, d: rustrec.synthetic(users=-2), ValueError, r"users = -2: expected a whole number ≥ 1"),
        (lambda m, d: rustrec.evaluate(m, None, d, cutoffs=[5, -1]), ValueError, r"cutoffs\[1\] = -1: expected a whole number ≥ 1"),
        (lambda m, d: rustrec.BPR(threads=-1), ValueError, r"threads = -1: expected a whole number ≥ 0"),
        (lambda m, d: rustrec.BPR(num_threads=-1), ValueError, r"num_threads = -1: expected a whole number ≥ 0"),
        (lambda m, d: rustrec.BPR(threads=1.5), TypeError, r"threads = 1\.5: expected a whole number ≥ 0, got float"),
        (lambda m, d: rustrec.BPR(threads="2"), TypeError, r"threads = '2': expected a whole number ≥ 0, got str"),
        (lambda m, d: rustrec.load("model.safetensors", threads=-1), ValueError, r"threads = -1: expected a whole number ≥ 0"),
        (lambda m, d: rustrec.BPR(seed=2**64), ValueError, r"seed = 18446744073709551616: expected a whole number in \[0, 18446744073709551615\]"),
        (lambda m, d: rustrec.BPR(seed=1.5), TypeError, r"seed = 1\.5: expected a whole number in \[0, 18446744073709551615\]"),
        (lambda m, d: rustrec.BPR(random_state="x"), TypeError, r"random_state = 'x': expected a whole number"),
        (lambda m, d: rustrec.BPR(lr=float("nan")), ValueError, r"lr = nan: expected a finite number > 0"),
        (lambda m, d: rustrec.BPR(factors=2.7), TypeError, r"factors = 2\.7: expected an integer in 1\.\.=1024, got float"),
        (lambda m, d: rustrec.EASE(implicit=1), TypeError, r"implicit = 1: expected true or false, got int"),
        (lambda m, d: BayesianPersonalizedRanking(learning_rate=float("inf")), ValueError, r"learning_rate = inf: expected a finite number"),
        (lambda m, d: AlternatingLeastSquares(factors=2.5), TypeError, r"factors = 2\.5: expected a whole number ≥ 1, got float"),
        (lambda m, d: AlternatingLeastSquares(num_threads=-2), ValueError, r"num_threads = -2: expected a whole number ≥ 0"),
    ],
)
def test_bad_integer_and_real_arguments_are_named_with_their_range(fitted, ratings, tmp_path, monkeypatch, call, error, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(error, match=message):
        call(fitted, ratings)


def test_valid_integers_of_any_integer_type_are_taken(fitted):
    ids, _ = fitted.recommend(0, N=np.int64(3))
    assert ids.shape == (3,)
    assert fitted.similar_items(0, N=np.uint8(2))[0].shape == (2,)
    assert rustrec.BPR(seed=2**64 - 1, threads=np.int32(1)).seed == 2**64 - 1


# -- 8. matrices whose shape is out of proportion with their entries ---------------------


def test_a_csr_matrix_with_a_huge_column_or_row_count_is_refused_naming_argument_and_shape(positives):
    wide = sp.csr_matrix((np.ones(3, np.float32), ([0, 1, 2], [0, 5, 9])), shape=(1000, 10**8))
    tall = sp.csr_matrix((np.ones(3, np.float32), ([0, 5, 9], [0, 1, 2])), shape=(10**8, 20))
    columns = r"user_items: a matrix of shape \(1000, 100000000\) with 3 stored entries has 100000000 columns \(items\).*at most 1048576"
    rows = r"user_items: a matrix of shape \(100000000, 20\) with 3 stored entries has 100000000 rows \(users\)"
    with pytest.raises(ValueError, match=columns):
        rustrec.Dataset.from_csr(wide)
    with pytest.raises(ValueError, match=rows):
        rustrec.Dataset.from_csr(tall)
    with pytest.raises(ValueError, match=columns):
        rustrec.TopPop().fit(wide)
    with pytest.raises(ValueError, match=columns):
        BayesianPersonalizedRanking(factors=4, iterations=1).fit(wide)
    with pytest.raises(ValueError, match=columns):
        AlternatingLeastSquares(factors=4, iterations=1).fit(wide)
    with pytest.raises(ValueError, match=r"ratings: a matrix of shape \(1000, 100000000\)"):
        rustrec.Dataset.from_csr(wide.tocoo(), what="ratings")
    # The native constructor refuses it too.
    with pytest.raises(ValueError, match=r"user_items: a matrix of shape \(1000, 100000000\)"):
        rustrec._rustrec.Dataset.from_csr(wide.indptr.astype(np.int64), wide.indices, wide.data, 10**8)
    # Shapes within the allowance (max(2**20, 16 × entries)) stay as they are.
    assert rustrec.Dataset.from_csr(sp.csr_matrix((5, 2**20), dtype=np.float32)).shape == (5, 2**20)
    # A test matrix shaped like a fitted model is not training data: evaluate takes it.
    model = rustrec.TopPop().fit(positives)
    test = sp.csr_matrix((np.ones(1, np.float32), ([0], [1])), shape=positives.shape)
    assert "precision@5" in rustrec.evaluate(model, None, test, cutoffs=[5])


# -- 9. similar items and users of the implicit BPR drop-in ------------------------------


def test_implicit_bpr_similar_items_and_users_equal_implicits(positives):
    """implicit 0.7.3 ranks by the cosine over its factors *with* the bias / ones column,
    which the drop-in exposes as item_factors / user_factors."""
    from implicit.bpr import BayesianPersonalizedRanking as ImplicitBPR

    ours = BayesianPersonalizedRanking(factors=8, iterations=3, random_state=0)
    ours.fit(positives, show_progress=False)
    theirs = ImplicitBPR(factors=8, iterations=1, random_state=0, num_threads=1)
    theirs.fit(positives, show_progress=False)
    theirs.user_factors = np.ascontiguousarray(ours.user_factors)
    theirs.item_factors = np.ascontiguousarray(ours.item_factors)
    theirs._user_norms = theirs._item_norms = None
    items, users = np.array([0, 7, 42, 149]), np.array([0, 3, 150, 299])
    for q, call, t_call in ((items, ours.similar_items, theirs.similar_items), (users, ours.similar_users, theirs.similar_users)):
        ids, scores = call(q, N=6)
        t_ids, t_scores = t_call(q, N=6)
        assert ids.shape == (4, 6)
        np.testing.assert_array_equal(ids, t_ids)
        np.testing.assert_allclose(scores, t_scores, rtol=1e-6)
        one, one_scores = call(int(q[1]), N=6)
        t_one, t_one_scores = t_call(int(q[1]), N=6)
        np.testing.assert_array_equal(one, t_one)
        np.testing.assert_allclose(one_scores, t_one_scores, rtol=1e-6)
    allowed = np.arange(20, 60)
    np.testing.assert_array_equal(ours.similar_items(7, N=5, items=allowed)[0], theirs.similar_items(7, N=5, items=allowed)[0])
    np.testing.assert_array_equal(
        ours.similar_items(7, N=5, filter_items=[7, 8])[0], theirs.similar_items(7, N=5, filter_items=[7, 8])[0]
    )
    with pytest.raises(IndexError, match=r"itemid: index 150 outside 0..150"):
        ours.similar_items(150)


# -- 10. ids and timestamps of data frames and triplets ----------------------------------


def test_uint64_ids_past_int64_are_refused_not_wrapped():
    users = np.array([7, 2**63 + 5], dtype=np.uint64)
    message = r"users: row 1 has the id 9223372036854775813, outside \[-2\*\*63, 2\*\*63 - 1\]"
    with pytest.raises(ValueError, match=message):
        rustrec.Dataset.from_triplets(users, np.array([1, 2]))
    frame = pd.DataFrame({"user": [1, 2], "item": users, "rating": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"column 'item': row 1 has the id 9223372036854775813, outside"):
        rustrec.Dataset.from_frame(frame)
    big = rustrec.Dataset.from_triplets(np.array([2**63 - 1, 3], dtype=np.uint64), np.array([1, 2]))
    assert big.user_ids.tolist() == [2**63 - 1, 3]


def test_mixed_integer_and_string_ids_are_refused_naming_the_first_row_of_the_other_type():
    frame = pd.DataFrame({"user": [1, 2, "1"], "item": [10, 11, 12], "rating": [1.0, 2.0, 3.0]})
    message = r"column 'user': row 2 has the id '1' \(str\) but row 0 has 1 \(int\); the ids of one column are all integers or all strings"
    with pytest.raises(TypeError, match=message):
        rustrec.Dataset.from_frame(frame)
    with pytest.raises(TypeError, match=r"users: row 1 has the id 1 \(int\) but row 0 has 'a' \(str\)"):
        rustrec.Dataset.from_triplets(np.array(["a", 1], dtype=object), np.array([1, 2]))
    with pytest.raises(TypeError, match=r"items: row 1 has the id True of type bool; ids are integers or strings"):
        rustrec.Dataset.from_triplets(np.array([1, 2]), np.array([3, True], dtype=object))
    # One type per column is fine: integers (with whole floats), or strings.
    assert rustrec.Dataset.from_triplets(np.array([1, 2.0], dtype=object), np.array(["a", "b"])).n_users == 2


def test_float_timestamps_are_refused_unless_whole_numbers():
    frame = pd.DataFrame({"user": [1, 2, 3], "item": [1, 2, 3], "rating": [1.0, 1.0, 1.0], "ts": [5.0, 1.7, np.nan]})
    with pytest.raises(ValueError, match=r"column 'ts': row 1 has the timestamp 1\.7; timestamps are whole numbers"):
        rustrec.Dataset.from_frame(frame, timestamp_col="ts")
    with pytest.raises(ValueError, match=r"column 'ts': row 2 has a missing timestamp \(nan\)"):
        rustrec.Dataset.from_frame(frame.assign(ts=[5.0, 6.0, np.nan]), timestamp_col="ts")
    with pytest.raises(ValueError, match=r"column 'ts': row 0 has a missing timestamp \(NaT\)"):
        rustrec.Dataset.from_frame(frame.assign(ts=pd.to_datetime([None, "2020-01-01", "2020-01-02"])), timestamp_col="ts")
    with pytest.raises(ValueError, match=r"timestamps: row 1 has the timestamp 1e\+19; timestamps are whole numbers"):
        rustrec.Dataset.from_triplets([1, 2], [1, 2], timestamps=np.array([1.0, 1e19]))
    whole = rustrec.Dataset.from_frame(frame.assign(ts=[5.0, 6.0, 7.0]), timestamp_col="ts")
    assert whole._d.timestamps().tolist() == [5, 6, 7]


def test_huge_float_ids_are_refused_naming_column_row_value_and_range():
    frame = pd.DataFrame({"user": [1e19, 2.0], "item": [1, 2], "rating": [1.0, 1.0]})
    message = r"column 'user': row 0 has the id 10000000000000000000, outside \[-2\*\*63, 2\*\*63 - 1\] = \[-9223372036854775808, 9223372036854775807\]"
    with pytest.raises(ValueError, match=message):
        rustrec.Dataset.from_frame(frame)
    with pytest.raises(ValueError, match=r"users: row 1 has the id 18446744073709551616, outside"):
        rustrec.Dataset.from_triplets(np.array([1, 2**64], dtype=object), np.array([1, 2]))


# -- 11. thresholds -----------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), -np.inf])
def test_a_threshold_that_is_not_finite_is_refused(ratings, threshold):
    with pytest.raises(ValueError, match=rf"threshold = {threshold!r}: expected a finite number"):
        ratings.to_implicit(threshold)
    with pytest.raises(ValueError, match=r"threshold = .*: expected a finite number"):
        ratings._d.to_implicit(threshold)
    with pytest.raises(TypeError, match=r"threshold = '4': expected a finite number, got str"):
        ratings.to_implicit("4")


# -- 12. implicit's train_test_split -----------------------------------------------------


@pytest.mark.parametrize("random_state", [0, 3, 12345, None])
@pytest.mark.parametrize("ratio", [0.8, 0.5, 0.25])
def test_train_test_split_is_implicits(positives, random_state, ratio):
    import implicit.evaluation

    from rustrec import evaluation

    counts = positives.copy()
    counts.data = 1.0 + (np.arange(counts.nnz) % 3).astype(np.float32)
    if random_state is None:
        # Generators are used as given: equal generators give equal splits.
        ours = evaluation.train_test_split(counts, ratio, np.random.default_rng(9))
        theirs = implicit.evaluation.train_test_split(counts, ratio, np.random.default_rng(9))
    else:
        ours = evaluation.train_test_split(counts, ratio, random_state=random_state)
        theirs = implicit.evaluation.train_test_split(counts, ratio, random_state=random_state)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and (a != b).nnz == 0
        assert a.dtype == b.dtype


def test_rating_errors_against_a_thresholds_ones_are_refused(split):
    train, test = split
    m = rustrec.MF(factors=4, epochs=2, seed=1).fit(train)
    with pytest.raises(ValueError, match=r"implicit_threshold=4: the test ratings become 1s.*ranking=True"):
        rustrec.evaluate(m, None, test, implicit_threshold=4.0)
    figures = rustrec.evaluate(m, train, test, implicit_threshold=4.0, ranking=True)
    assert "rmse" not in figures and figures["ndcg@10"] is not None
    assert figures["implicit_threshold"] == 4.0


# -- 13. an item both allowed and blocked ------------------------------------------------


def _both_lists_calls():
    """(name, call(model, bpr_drop_in)) of every public call taking an allow list and a
    block list, each given index 2 in both (and 5 only in the allow list)."""
    return [
        ("recommend", lambda m, b: m.recommend(0, N=5, items=[5, 2], filter_items=[2, 7])),
        ("recommend for a batch", lambda m, b: m.recommend([0, 1], N=5, items=np.array([5, 2]), filter_items=np.array([2]))),
        ("similar_items", lambda m, b: m.similar_items(0, N=5, items=[5, 2], filter_items=[2])),
        ("similar_users", lambda m, b: m.similar_users(0, N=5, users=[5, 2], filter_users=[2])),
        ("bpr drop-in similar_items", lambda m, b: b.similar_items(0, N=5, items=[5, 2], filter_items=[2])),
        ("bpr drop-in similar_users", lambda m, b: b.similar_users(0, N=5, users=[5, 2], filter_users=[2])),
        ("als drop-in similar_items of recalculated items", lambda m, b: _als_drop_in(m).similar_items(
            0, N=5, recalculate_item=True, item_users=sp.csr_matrix((1, m.n_users), dtype=np.float32), items=[5, 2], filter_items=[2])),
    ]


def _als_drop_in(m):
    """An ALS drop-in fitted on the users × items matrix of model `m`'s training data."""
    als = AlternatingLeastSquares(factors=4, iterations=1, random_state=1)
    als.fit(m.train_data.to_csr(), show_progress=False)
    return als


@pytest.mark.parametrize("name, call", _both_lists_calls(), ids=[n for n, _ in _both_lists_calls()])
def test_an_item_both_allowed_and_blocked_is_refused_naming_it(positives, name, call):
    # Before: the lists were refused together whatever they held ("give items or
    # filter_items, not both"), naming no item, while the native calls returned an empty
    # list for an item in both; the CLI and the server name the items.
    # Raw ids unlike the indices (users u0.., items 100..), so that the message shows both.
    data = rustrec.Dataset.from_csr(
        positives, user_ids=[f"u{k}" for k in range(positives.shape[0])], item_ids=np.arange(positives.shape[1]) + 100
    )
    m = rustrec.MF(factors=4, epochs=1, seed=1).fit(data)
    bpr = BayesianPersonalizedRanking(factors=4, iterations=1, random_state=1)
    bpr.fit(positives, show_progress=False)
    noun, allow, block = ("user", "users", "filter_users") if "users" in name else ("item", "items", "filter_items")
    called = bpr if "drop-in" in name else m  # the drop-ins take CSR: ids are the indices
    raw = (called.user_ids if noun == "user" else called.item_ids)[2]
    message = rf"{allow} and {block} both name {noun} 2 \(raw id {raw}\): .* leave it out of one of the two lists"
    with pytest.raises(ValueError, match=message):
        call(m, bpr)


def test_items_in_both_lists_are_all_named_and_disjoint_lists_are_taken(positives):
    names = [f"movie-{k}" for k in range(positives.shape[1])]
    m = rustrec.MF(factors=4, epochs=1, seed=1).fit(rustrec.Dataset.from_csr(positives, item_ids=names))
    with pytest.raises(ValueError, match=r"both name items 3 \(raw id movie-3\), 8 \(raw id movie-8\): .* leave each out"):
        m.recommend(0, items=[8, 1, 3], filter_items=[3, 8, 9])
    # Disjoint lists are taken together, as by `rustrec recommend --allow --block`.
    ids, _ = m.similar_items(0, N=10, items=[1, 8], filter_items=[3, 4])
    assert set(ids.tolist()) - {-1} == {1, 8}
    ids, _ = m.recommend(0, N=10, filter_already_liked_items=False, items=[1, 8], filter_items=[3, 4])
    assert sorted(ids.tolist()) == [1, 8]


# -- 14. no output overwrites an input ---------------------------------------------------


def _ratings_file(path, ratings):
    """`ratings` written as an ML-100K u.data file at `path`."""
    frame = ratings.to_pandas()
    lines = [f"{u}\t{i}\t{int(r)}\t{881250949 + k}" for k, (u, i, r) in enumerate(zip(frame.user, frame.item, frame.rating))]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_save_refuses_to_overwrite_the_ratings_file_the_model_was_trained_from(ratings, tmp_path, monkeypatch):
    # Before: model.save(path) onto the rating file replaced the data with the model.
    monkeypatch.chdir(tmp_path)
    source = _ratings_file(tmp_path / "u.data", ratings)
    before = source.read_bytes()
    train, _ = rustrec.holdout(rustrec.read_ratings("u.data"), 0.2, seed=1)
    m = rustrec.MF(factors=4, epochs=1).fit(train)
    clash = r"read_ratings\(path\) and save\(path\) name the same file .*u\.data.*: writing it would destroy the input"
    with pytest.raises(ValueError, match=clash):
        m.save("u.data")
    with pytest.raises(ValueError, match=clash):
        m.save(tmp_path / "." / "u.data")
    (tmp_path / "link.data").symlink_to(source)
    with pytest.raises(ValueError, match=clash):
        m.save(tmp_path / "link.data")
    # A pickled copy keeps its inputs; the implicit view of the data keeps them too.
    with pytest.raises(ValueError, match=clash):
        pickle.loads(pickle.dumps(m)).save("u.data")
    implicit_view = rustrec.read_ratings("u.data").to_implicit(4.0)
    with pytest.raises(ValueError, match=clash):
        rustrec.BPR(factors=4, epochs=1).fit(implicit_view).save("u.data")
    assert source.read_bytes() == before
    m.save("model.safetensors")
    assert (tmp_path / "model.safetensors").stat().st_size > 0


def test_save_refuses_to_overwrite_either_file_of_a_predefined_split(ratings, tmp_path):
    a, b = rustrec.holdout(ratings, 0.3, seed=2)
    base = _ratings_file(tmp_path / "ua.base", a)
    test = _ratings_file(tmp_path / "ua.test", b)
    train, _ = rustrec.read_train_test(base, test)
    m = rustrec.MF(factors=4, epochs=1).fit(train)
    with pytest.raises(ValueError, match=r"read_train_test\(test\) and save\(path\) name the same file"):
        m.save(test)
    with pytest.raises(ValueError, match=r"read_train_test\(train\) and save\(path\) name the same file"):
        m.save(base)


def test_save_refuses_to_overwrite_the_model_file_it_was_loaded_from(positives, tmp_path):
    path = tmp_path / "m.safetensors"
    rustrec.BPR(factors=4, epochs=1).fit(positives).save(path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"load\(path\) and save\(path\) name the same file .*m\.safetensors"):
        rustrec.load(path).save(path)
    als = AlternatingLeastSquares(factors=4, iterations=1)
    als.fit(positives, show_progress=False)
    als.save(tmp_path / "a.npz")
    with pytest.raises(ValueError, match=r"load\(path\) and save\(file\) name the same file .*a\.npz"):
        AlternatingLeastSquares.load(tmp_path / "a.npz").save(tmp_path / "a.npz")
    assert path.read_bytes() == before


def test_save_refuses_to_overwrite_the_item_file_of_a_content_based_model(positives, ratings, movies_dir):
    data = rustrec.Dataset.from_csr(positives, user_ids=None, item_ids=ratings.item_ids)
    m = rustrec.model_class("item-knn-cbf")().fit(data, item_dir=movies_dir)
    before = (movies_dir / "movies.dat").read_bytes()
    with pytest.raises(ValueError, match=r"an item file of fit\(item_dir\) and save\(path\) name the same file .*movies\.dat"):
        m.save(movies_dir / "movies.dat")
    assert (movies_dir / "movies.dat").read_bytes() == before


# -- 15. integers too large for the engine -----------------------------------------------

HUGE = 2**70


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m, d: rustrec.BPR(factors=4, epochs=1, threads=HUGE).fit(d.to_implicit(4.0)), rf"threads = {HUGE}: at most 256 worker threads \(0 = one per core"),
        (lambda m, d: rustrec.BPR(factors=4, epochs=1, num_threads=HUGE).fit(d.to_implicit(4.0)), rf"num_threads = {HUGE}: at most 256 worker threads"),
        (lambda m, d: rustrec.BPR(factors=4, epochs=1, num_threads=300).fit(d.to_implicit(4.0)), r"num_threads = 300: at most 256 worker threads"),
        (lambda m, d: AlternatingLeastSquares(factors=4, num_threads=HUGE).fit(d.to_csr()), rf"num_threads = {HUGE}: at most 256 worker threads"),
        (lambda m, d: rustrec.load("model.safetensors", threads=HUGE), rf"threads = {HUGE}: at most 256 worker threads"),
        (lambda m, d: rustrec.MF(factors=HUGE), rf"factors = {HUGE}: expected an integer in 1\.\.=1024"),
        (lambda m, d: rustrec.MF(epochs=-(2**70)), rf"epochs = {-HUGE}: expected"),
        (lambda m, d: AlternatingLeastSquares(factors=HUGE), rf"factors = {HUGE}: expected a whole number ≥ 1 and at most {2**64 - 1}"),
        (lambda m, d: CosineRecommender(K=HUGE), rf"K = {HUGE}: expected a whole number ≥ 1 and at most"),
        (lambda m, d: m.partial_fit_users([0], d.to_csr()[[0]], iterations=HUGE), rf"iterations = {HUGE}: expected a whole number ≥ 1 and at most"),
        (lambda m, d: rustrec.leave_k_out(d, k=HUGE), rf"k = {HUGE}: expected a whole number ≥ 1 and at most"),
        (lambda m, d: rustrec.synthetic(users=HUGE), rf"users = {HUGE}: expected a whole number ≥ 1 and at most"),
        (lambda m, d: rustrec.evaluate(m, None, d, cutoffs=[5, HUGE]), rf"cutoffs\[1\] = {HUGE}: expected a whole number ≥ 1 and at most"),
    ],
)
def test_an_integer_too_large_for_the_engine_is_a_value_error_naming_argument_value_and_range(fitted, ratings, tmp_path, monkeypatch, call, message):
    # Before: pyo3's conversion raised a bare OverflowError("int too big to convert"), and
    # model parameters past 64 bits were named as floats (1.1805916207174113e+21).
    monkeypatch.chdir(tmp_path)
    fitted.save(tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match=message):
        call(fitted, ratings)


def test_n_past_any_integer_still_lists_every_candidate(fitted):
    ids, _ = fitted.recommend(0, N=HUGE, filter_already_liked_items=False)
    assert ids.shape == (fitted.n_items,)

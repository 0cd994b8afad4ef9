"""Regression tests for bugs a new user's run over the public API found: each test is
named after the bug it pins (the symptom before the fix is in its docstring)."""

import numpy as np
import pandas as pd
import pytest

import rustrec


@pytest.fixture(scope="module")
def string_split():
    """The synthetic ratings with string user ids (so that users folded in past the
    trained ones get new raw ids), split into train and test."""
    data = rustrec.synthetic("ml-100k", users=120, items=60, ratings=2400, seed=4)
    frame = data.to_pandas()
    frame["user"] = "u" + frame["user"].astype(str)
    return rustrec.holdout(rustrec.Dataset.from_frame(frame), test_fraction=0.2, seed=3)


def test_float_id_arrays_in_fit_are_refused_not_renumbered_as_raw_ids():
    """Before: fit(users, items, ratings) with float arrays took them as raw ids numbered in
    order of first appearance, so index 0 was user 2.0, while the same numbers as integers
    are the indices themselves: recommend(0) silently answered for another user."""
    users, items, ratings = np.array([2, 0, 1]), np.array([0, 1, 2]), np.array([5.0, 3.0, 4.0])
    model = rustrec.MF(factors=4, epochs=1).fit(users, items, ratings)
    assert model.user_ids.tolist() == [0, 1, 2]
    for u, i, name in ((users.astype(float), items, "users"), (users, items.astype(np.float32), "items")):
        with pytest.raises(TypeError, match=rf"{name} has dtype float\d+; give integer indices"):
            rustrec.MF(factors=4, epochs=1).fit(u, i, ratings)


def test_integer_indices_beside_string_ids_in_fit_are_refused():
    """Before: integer users beside string items became raw ids numbered in order of first
    appearance (user index 0 was user 2), without a word."""
    with pytest.raises(TypeError, match=r"users are integers \(dense indices\) but items have dtype <U1 \(raw ids\)"):
        rustrec.BPR(factors=4, epochs=1).fit(np.array([2, 0, 1]), np.array(["a", "b", "c"]))
    with pytest.raises(TypeError, match=r"items are integers \(dense indices\) but users have dtype object"):
        rustrec.BPR(factors=4, epochs=1).fit(np.array(["a", "b", "c"], dtype=object), np.array([0, 1, 2]))
    # Raw ids of both kinds still go through the Dataset, which numbers them. (One bin:
    # with the default 8, each of the 2 items is its own bin and no positive could draw a
    # negative, which BPR refuses.)
    model = rustrec.BPR(factors=4, epochs=1, bins=1).fit(np.array(["x", "y"]), np.array(["a", "b"]))
    assert model.user_ids.tolist() == ["x", "y"]


def test_a_bad_rating_in_fit_arrays_is_named_by_its_array_row_not_its_matrix_cell():
    """Before: the NaN at position 1 of `ratings` was reported as 'ratings: row 0, column 1'
    (the cell of the users × items matrix), which reads as the wrong position."""
    users, items = np.array([2, 0, 1]), np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"ratings: row 1 \(user 0, item 1\) has the value nan; values must be finite"):
        rustrec.MF(factors=4, epochs=1).fit(users, items, np.array([5.0, np.nan, 4.0]))
    with pytest.raises(TypeError, match=r"ratings: expected finite numbers, got values that are not numbers"):
        rustrec.MF(factors=4, epochs=1).fit(users, items, np.array(["5", "four", "4"]))


def test_a_rating_beyond_float32_is_named_as_given_not_as_inf():
    """Before: 1e40 was cast to float32 (inf, with a numpy overflow warning) and refused as
    'the value inf', a value the user never gave."""
    big = r"has the value 1e\+40, beyond the range of the 32-bit floats"
    with pytest.raises(ValueError, match=rf"ratings: row 0 \(user 2, item 0\) {big}"):
        rustrec.MF(factors=4, epochs=1).fit(np.array([2, 0]), np.array([0, 1]), np.array([1e40, 3.0]))
    frame = pd.DataFrame({"user": [1, 2], "item": [3, 4], "rating": [4.0, 1e40]})
    with pytest.raises(ValueError, match=rf"column 'rating': row 1 {big}"):
        rustrec.MF(factors=4, epochs=1).fit(frame)
    with pytest.raises(ValueError, match=rf"values: row 1 {big}"):
        rustrec.Dataset.from_triplets([1, 2], [3, 4], [4.0, 1e40])


def test_a_missing_timestamp_column_is_named():
    """Before: fit(frame, timestamp_col='ts') raised a bare KeyError: 'ts'."""
    frame = pd.DataFrame({"user": [1, 2], "item": [3, 4], "rating": [4.0, 5.0]})
    with pytest.raises(KeyError, match=r"the data frame has no column 'ts' \(columns: \['user', 'item', 'rating'\]\)"):
        rustrec.MF(factors=4, epochs=1).fit(frame, timestamp_col="ts")


def test_fit_on_a_file_name_says_to_read_it_first(tmp_path):
    """Before: fit('ratings.dat') said only 'expected a scipy.sparse CSR matrix ..., got str'."""
    with pytest.raises(TypeError, match=r"fit takes data, not a file name; .*rustrec\.read_ratings\(path\)"):
        rustrec.MF().fit(str(tmp_path / "u.data"))
    with pytest.raises(TypeError, match=r"fit takes data, not a file name"):
        rustrec.MF().fit(tmp_path / "u.data")


def test_evaluate_of_an_unfitted_model_says_it_is_not_fitted(split):
    """Before: "argument 'model': 'NoneType' object cannot be converted to 'Engine'"."""
    with pytest.raises(RuntimeError, match=r"MF is not fitted: call fit\(\) first"):
        rustrec.evaluate(rustrec.MF(), None, split[1])
    with pytest.raises(TypeError, match=r"model: expected a rustrec model, got str"):
        rustrec.evaluate("mf", None, split[1])


def test_evaluate_names_a_threshold_that_is_not_finite(split):
    """Before: implicit_threshold=nan dropped every test row and failed with 'nothing to
    evaluate: no user could be evaluated', without naming the threshold."""
    train, test = split
    model = rustrec.BPR(factors=4, epochs=1, seed=1).fit(train.to_implicit(4.0))
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"implicit_threshold = {bad}: expected a finite number"):
            rustrec.evaluate(model, None, test, implicit_threshold=bad)
    with pytest.raises(TypeError, match=r"implicit_threshold = '4': expected a finite number, got str"):
        rustrec.evaluate(model, None, test, implicit_threshold="4")


def test_evaluate_takes_one_cutoff_as_a_number(split):
    """Before: cutoffs=10 failed with "'int' object is not iterable"."""
    train, test = split
    model = rustrec.BPR(factors=4, epochs=1, seed=1).fit(train.to_implicit(4.0))
    one = rustrec.evaluate(model, None, test, cutoffs=10)
    assert one == rustrec.evaluate(model, None, test, cutoffs=(10,))
    assert "ndcg@10" in one and "ndcg@5" not in one
    with pytest.raises(TypeError, match=r"cutoffs = '10': expected a whole number ≥ 1 or several"):
        rustrec.evaluate(model, None, test, cutoffs="10")


def test_evaluate_names_train_and_test_and_takes_frames(split):
    """Before: a DataFrame as train failed with 'user_items: expected a scipy.sparse CSR
    matrix' (naming an argument evaluate does not have), and as test was refused."""
    train, test = split
    model = rustrec.MF(factors=4, epochs=1, seed=1).fit(train)
    want = rustrec.evaluate(model, train, test, ranking=True)
    assert rustrec.evaluate(model, train.to_pandas(), test.to_pandas(), ranking=True) == want
    with pytest.raises(TypeError, match=r"train: expected a Dataset, a pandas DataFrame of raw ids, a CSR matrix"):
        rustrec.evaluate(model, [1, 2], test)
    wrong = train.to_csr()[:10]
    with pytest.raises(ValueError, match=r"train: matrix of shape \(10, \d+\): expected"):
        rustrec.evaluate(model, wrong, test, ranking=True)
    with pytest.raises(ValueError, match=r"test: matrix of shape \(10, \d+\): expected"):
        rustrec.evaluate(model, None, wrong)


@pytest.mark.parametrize("cls", [rustrec.BPR, rustrec.MF, rustrec.ItemKNN])
def test_evaluate_after_partial_fit_users_uses_the_trained_users_rows(cls, string_split, tmp_path):
    """Before: after partial_fit_users on a model scored by fold-in, evaluate(model, None,
    test) failed with '30 train interactions have a user unknown to the model' (the stored
    interactions hold the folded-in users past the model's), also after save and load."""
    train, test = string_split
    data = train if cls is rustrec.MF else train.to_implicit(4.0)
    params = {} if cls is rustrec.ItemKNN else {"factors": 4, "epochs": 2}
    model = cls(**params, seed=1).fit(data)
    want = rustrec.evaluate(model, None, test, ranking=True)
    n = model.n_users
    model.partial_fit_users([n, n + 2], data.to_csr()[[3, 4]])
    assert model.n_users == n + 3
    assert rustrec.evaluate(model, None, test, ranking=True) == want
    path = tmp_path / "folded.st"
    model.save(path)
    assert rustrec.evaluate(rustrec.load(path), None, test, ranking=True) == want


def test_similar_users_of_a_folded_in_user_says_it_has_no_vector(string_split):
    """Before: similar_users(n) for a user folded in by partial_fit_users said 'index n
    outside 0..n' while model.n_users counted that user."""
    train, _ = string_split
    model = rustrec.MF(factors=4, epochs=1, seed=1).fit(train)
    n = model.n_users
    model.partial_fit_users([n], train.to_csr()[[3]])
    with pytest.raises(IndexError, match=rf"userid: user {n} was folded in by partial_fit_users, which gives model kind `mf` no user vector"):
        model.similar_users(n)
    with pytest.raises(IndexError, match=rf"userid: index {n + 1} outside 0..{n}"):
        model.similar_users(n + 1)


def test_a_uint64_index_past_int64_is_named_as_given(positives):
    """Before: np.uint64(2**63 + 5) was wrapped by astype(int64) and reported as user index
    -9223372036854775803."""
    model = rustrec.TopPop().fit(positives)
    big = np.array([2**63 + 5], dtype=np.uint64)
    with pytest.raises(IndexError, match=rf"userid: index {2**63 + 5} outside"):
        model.recommend(big)
    with pytest.raises(IndexError, match=rf"items: index {2**63 + 5} outside"):
        model.predict(np.array([0], dtype=np.uint64), big)


def test_a_huge_n_returns_every_candidate_not_an_overflow_error(positives):
    """Before: N=2**64 raised 'OverflowError: int too big to convert', naming no argument;
    an N past the item count gives every candidate."""
    model = rustrec.BPR(factors=4, epochs=1, seed=1).fit(positives)
    ids, _ = model.recommend(0, N=2**64, filter_already_liked_items=False)
    assert np.array_equal(ids, model.recommend(0, N=positives.shape[1], filter_already_liked_items=False)[0])
    assert len(model.similar_items(0, N=2**70)[0]) == positives.shape[1]
    assert len(model.similar_users(0, N=2**70)[0]) == positives.shape[0]


def test_a_threshold_beyond_float32_is_named_as_given_not_as_inf(split):
    """Before: to_implicit(1e40) passed the finiteness check in Python and was refused by
    the engine as 'threshold = inf' (its float32 value), a value the user never gave."""
    train, test = split
    with pytest.raises(ValueError, match=r"threshold = 1e\+40: beyond the range of the 32-bit floats"):
        train.to_implicit(1e40)
    model = rustrec.BPR(factors=4, epochs=1, seed=1).fit(train.to_implicit(4.0))
    with pytest.raises(ValueError, match=r"implicit_threshold = -1e\+40: beyond the range of the 32-bit floats"):
        rustrec.evaluate(model, None, test, implicit_threshold=-1e40)

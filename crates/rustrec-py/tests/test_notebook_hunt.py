"""Regression tests of a notebook user's second hunt, one per bug found: histories folded
in are checked as the CLI checks `--history`, a frame's ratings are never replaced by 1s
unnoticed, repeated pairs and ids are named (not dropped), and the implicit drop-in's ALS
checks the arguments of `similar_items(recalculate_item=True)` and `explain`."""

import subprocess

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import rustrec
from rustrec.implicit import AlternatingLeastSquares, BayesianPersonalizedRanking


def _frame():
    """30 users × 40 items of ratings 1–5, each (user, item) once, seeded."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"user": rng.integers(100, 130, 400), "item": rng.integers(500, 540, 400), "rating": rng.integers(1, 6, 400).astype(float)}
    )
    return df.drop_duplicates(["user", "item"]).reset_index(drop=True)


def _row(n_items, items, values):
    return sp.csr_matrix((np.asarray(values, np.float32), ([0] * len(items), items)), shape=(1, n_items))


# -- 1. histories: a rating outside the model's range, a weight ≤ 0 ------------------------


def test_history_rating_outside_the_models_range_is_refused_as_by_the_cli(tmp_path, cli):
    # Was: a rating of 100 (or 0, or -3) was folded in as given, every score clipped to 5.
    model = rustrec.MF(factors=4, epochs=3, seed=1).fit(_frame())
    assert model._engine.rating_range() == (1.0, 5.0)
    bad = _row(model.n_items, [1, 2], [100.0, 3.0])
    expected = r"user_items: row 0, column 1 has the value 100\.0, which is outside the model's rating range \[1, 5\]"
    with pytest.raises(ValueError, match=expected):
        model.recommend(0, bad, recalculate_user=True)
    with pytest.raises(ValueError, match=expected):
        model.score(0, bad)
    with pytest.raises(ValueError, match=expected):
        model.partial_fit_users([0], bad)
    with pytest.raises(ValueError, match=r"has the value 0\.0, which is outside the model's rating range"):
        model.recommend(0, _row(model.n_items, [1], [0.0]), recalculate_user=True)
    # Filtering alone reads no values; ratings inside the range fold in.
    model.recommend(0, bad, recalculate_user=False)
    ids, _ = model.recommend(0, _row(model.n_items, [1, 2], [5.0, 3.0]), recalculate_user=True, N=3)
    assert ids.shape == (3,)
    # The CLI refuses the same history.
    path = tmp_path / "mf.safetensors"
    model.save(path)
    out = subprocess.run(
        [cli, "recommend", "--model", str(path), "--history", f"{model.item_ids[1]}:100", "-q"], capture_output=True, text=True
    )
    assert out.returncode != 0 and "outside the model's rating range" in out.stderr


@pytest.mark.parametrize("weight", [-1.0, 0.0])
def test_ranking_history_weight_not_above_zero_is_refused(weight):
    # Was: item-KNN scored a weight of -1 as a dislike, BPR as a like; the CLI refuses both.
    df = _frame().assign(rating=1.0)
    for model in (rustrec.ItemKNN().fit(df), rustrec.BPR(factors=4, epochs=1, seed=1).fit(df)):
        bad = _row(model.n_items, [1, 2], [weight, 1.0])
        expected = rf"user_items: row 0, column 1 has the value {weight}, which is not > 0"
        with pytest.raises(ValueError, match=expected):
            model.recommend(0, bad, recalculate_user=True)
        with pytest.raises(ValueError, match=expected):
            model.score(0, bad)
        with pytest.raises(ValueError, match=expected):
            model.partial_fit_users([0], bad)


def test_implicit_drop_in_keeps_implicits_rule_for_history_values(positives):
    # implicit takes a stored 0; a negative value stays refused with its own wording.
    model = BayesianPersonalizedRanking(factors=4, iterations=1, random_state=1)
    model.fit(positives, show_progress=False)
    zero = positives[[0]].copy()
    zero.data[0] = 0.0
    model.partial_fit_users([0], zero)
    zero.data[0] = -1.0
    with pytest.raises(ValueError, match=r"has the value -1\.0; implicit feedback must be ≥ 0"):
        model.partial_fit_users([0], zero)


# -- 2. a frame whose rating column has another name ----------------------------------------


def test_frame_with_renamed_rating_column_is_refused_not_counted_as_ones():
    # Was: fit(frame with 'score') trained MF on 1s and evaluate scored against 1s.
    df = _frame()
    renamed = df.rename(columns={"rating": "score"})
    expected = r"no column 'rating' but has other columns \['score'\].*rating_col=None"
    with pytest.raises(KeyError, match=expected):
        rustrec.MF(factors=4, epochs=1).fit(renamed)
    model = rustrec.MF(factors=4, epochs=2, seed=1).fit(df)
    with pytest.raises(KeyError, match=expected):
        rustrec.evaluate(model, None, renamed)
    # Named, the column is read; rating_col=None and a frame of ids alone count 1s.
    assert rustrec.Dataset.from_frame(renamed, rating_col="score").to_csr().sum() == df.rating.sum()
    assert rustrec.Dataset.from_frame(renamed, rating_col=None).to_csr().sum() == len(df)
    assert rustrec.Dataset.from_frame(df[["user", "item"]]).to_csr().sum() == len(df)


# -- 3. repeated pairs and ids --------------------------------------------------------------


def test_repeated_pair_in_a_frame_names_its_rows_from_zero_and_the_duplicates_argument():
    # Was: "at lines 6 and 341" (1-based, unlike every other row number of a frame) and
    # "choose a duplicate policy" without naming the argument (fit takes none).
    df = _frame()
    twice = pd.concat([df, df.iloc[[5]]], ignore_index=True)
    with pytest.raises(ValueError, match=rf"\(user {df.user[5]}, item {df.item[5]}\) is given twice, at rows 5 and {len(df)} .*duplicates=\"keep-last\""):
        rustrec.MF(factors=4, epochs=1).fit(twice)
    assert rustrec.Dataset.from_frame(twice, duplicates="keep-last").nnz == len(df)


def test_repeated_pair_of_index_arrays_is_named_with_its_rows():
    with pytest.raises(ValueError, match=r"\(user 2, item 1\) is given twice, at rows 1 and 3"):
        rustrec.MF(factors=2, epochs=1).fit(np.array([0, 2, 1, 2]), np.array([1, 1, 1, 1]), np.array([1.0, 2.0, 3.0, 4.0]))


def test_partial_fit_users_with_a_repeated_userid_is_refused_not_one_row_dropped():
    # Was: userids [3, 3] kept the second row only.
    model = rustrec.MF(factors=4, epochs=1, seed=1).fit(_frame())
    rows = sp.vstack([_row(model.n_items, [1], [1.0]), _row(model.n_items, [2], [5.0])]).tocsr()
    before = model.score(3)
    with pytest.raises(ValueError, match=r"userids: index 3 is given twice \(entries 0 and 1\)"):
        model.partial_fit_users([3, 3], rows)
    np.testing.assert_array_equal(model.score(3), before)


# -- 4. the implicit drop-in's ALS: similar_items(recalculate_item=True) and explain ----------


@pytest.fixture(scope="module")
def als(positives):
    model = AlternatingLeastSquares(factors=8, iterations=3, random_state=3)
    model.fit(positives, show_progress=False)
    return model


def test_als_similar_items_recalculated_takes_n_zero_and_checks_its_arguments(als, positives):
    # Was: N=0 refused ("at least 1"; without recalculate_item it is an empty answer),
    # N=3.7 truncated to 3, int64 ids, and an out-of-range item named without its argument.
    item_users = positives.T.tocsr()[[0]]
    ids, scores = als.similar_items(0, N=0, recalculate_item=True, item_users=item_users)
    assert ids.shape == (0,) and scores.shape == (0,)
    ids, _ = als.similar_items(0, N=3, recalculate_item=True, item_users=item_users)
    assert ids.dtype == np.int32 and ids.dtype == als.similar_items(0, N=3)[0].dtype
    with pytest.raises(TypeError, match=r"N = 3\.7: expected a whole number"):
        als.similar_items(0, N=3.7, recalculate_item=True, item_users=item_users)
    n = positives.shape[1]
    with pytest.raises(IndexError, match=rf"filter_items: index -1 outside 0\.\.{n}"):
        als.similar_items(0, N=3, recalculate_item=True, item_users=item_users, filter_items=[-1])
    with pytest.raises(IndexError, match=rf"items: index {n} outside 0\.\.{n}"):
        als.similar_items(0, N=3, recalculate_item=True, item_users=item_users, items=[n])


def test_als_explain_refuses_negative_and_out_of_range_ids(als, positives):
    # Was: userid -1 explained the last user's row and itemid -1 the last item (numpy's
    # negative indexing); itemid past the items was numpy's bare IndexError.
    n = positives.shape[1]
    with pytest.raises(ValueError, match=r"userid = -1: expected a whole number ≥ 0"):
        als.explain(-1, positives, 5)
    with pytest.raises(IndexError, match=rf"itemid: index -1 outside 0\.\.{n}"):
        als.explain(0, positives, -1)
    with pytest.raises(IndexError, match=rf"itemid: index {n} outside 0\.\.{n}"):
        als.explain(0, positives, n)
    with pytest.raises(TypeError, match=r"itemid = 5\.0"):
        als.explain(0, positives, 5.0)
    total, _, _ = als.explain(0, positives, 5)
    assert np.isclose(total, als.explain(0, positives[[0]], 5)[0])


def test_rank_items_with_a_repeated_item_is_refused_not_answered_shorter():
    # Was: rank_items(0, None, [3, 3, 2]) answered two items for a list of three.
    model = rustrec.MF(factors=4, epochs=1, seed=1).fit(_frame())
    with pytest.raises(ValueError, match=r"selected_items: index 3 is given twice \(entries 0 and 1\)"):
        model.rank_items(0, None, [3, 3, 2])
    ids, _ = model.rank_items(0, None, [3, 1, 2])
    assert sorted(ids.tolist()) == [1, 2, 3]

"""Agreement with the CLI: model files written by one are read by the other, recommend
gives the CLI's lists, and rustrec.evaluate gives `rustrec eval --json`'s figures."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import rustrec


def run_json(cli, *args):
    out = subprocess.run([cli, *map(str, args), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture()
def files(tmp_path, ratings):
    """The synthetic ratings as TSV, split by the CLI."""
    df = ratings.to_pandas()
    src = tmp_path / "ratings.tsv"
    df[["user", "item", "rating"]].to_csv(src, sep="\t", header=False, index=False)
    train, test = tmp_path / "train.tsv", tmp_path / "test.tsv"
    return src, train, test


def split_files(cli, src, train, test):
    out = subprocess.run(
        [cli, "split", str(src), "--kind", "holdout", "--test-fraction", "0.2", "--seed", "9",
         "--train-out", str(train), "--test-out", str(test), "-q"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("model,extra", [("bpr", ["--implicit-threshold", "4"]), ("mf", [])])
def test_a_cli_model_recommends_and_evaluates_the_same_in_python(cli, files, tmp_path, model, extra):
    src, train, test = files
    split_files(cli, src, train, test)
    path = tmp_path / f"{model}.st"
    subprocess.run(
        [cli, "fit", "--train", str(train), "--test", str(test), "--model", model, "--seed", "3",
         "--out", str(path), "-q", *extra],
        check=True, capture_output=True,
    )
    m = rustrec.load(path)
    assert m.kind == model
    # recommend: the CLI's top 10 for a user, from the file alone.
    raw_user = str(m.user_ids[4])
    want = run_json(cli, "recommend", "--model", path, "--user", raw_user, "-n", "10")
    want_items = [str(r["item"]) for r in want["recommendations"]]
    uid = [str(u) for u in m.user_ids].index(raw_user)
    ids, scores = m.recommend(uid, None, N=10)
    assert [str(m.item_ids[i]) for i in ids] == want_items
    np.testing.assert_allclose(scores, [r["score"] for r in want["recommendations"]], rtol=1e-5)
    # evaluate: the figures of `rustrec eval --json`.
    cli_eval = run_json(cli, "eval", "--model", path, "--test", test, *extra)
    py_eval = rustrec.evaluate(m, None, test, implicit_threshold=4.0 if extra else None)
    assert py_eval == cli_eval


def test_evaluate_sampled_protocol_gives_rustrec_eval_protocol_sampled_figures(cli, files, tmp_path):
    """`rustrec eval --protocol sampled` and evaluate(protocol="sampled") on the same model
    and file: the same figures (sampled_* metrics, protocol, eval_seed), another seed other
    draws, and the settings refused alike."""
    src, train, test = files
    split_files(cli, src, train, test)
    path = tmp_path / "bpr.st"
    subprocess.run(
        [cli, "fit", "--train", str(train), "--test", str(test), "--model", "bpr", "--seed", "3",
         "--out", str(path), "-q", "--implicit-threshold", "4"],
        check=True, capture_output=True,
    )
    m = rustrec.load(path)
    args = ["--protocol", "sampled", "--negatives", "20", "--seed", "5", "--implicit-threshold", "4"]
    cli_eval = run_json(cli, "eval", "--model", path, "--test", test, *args)
    py_eval = rustrec.evaluate(m, None, test, implicit_threshold=4.0, protocol="sampled", negatives=20, seed=5)
    assert py_eval == cli_eval
    assert py_eval["protocol"] == "sampled(20)" and py_eval["eval_seed"] == 5
    assert "sampled_ndcg@10" in py_eval and "ndcg@10" not in py_eval
    # The default seed is the CLI's, and another seed draws other negatives.
    default = rustrec.evaluate(m, None, test, implicit_threshold=4.0, protocol="sampled", negatives=20)
    assert default == run_json(cli, "eval", "--model", path, "--test", test, *args[:4], *args[6:])
    assert default["eval_seed"] == 1 and default["sampled_auc"] != py_eval["sampled_auc"]
    with pytest.raises(ValueError, match="seed=5: only the sampled protocol uses it"):
        rustrec.evaluate(m, None, test, implicit_threshold=4.0, seed=5)
    with pytest.raises(ValueError, match="negatives = 0"):
        rustrec.evaluate(m, None, test, implicit_threshold=4.0, protocol="sampled", negatives=0)
    with pytest.raises(ValueError, match='protocol="loo"'):
        rustrec.evaluate(m, None, test, implicit_threshold=4.0, protocol="loo")


def test_a_python_model_is_read_by_the_cli_with_the_same_figures(cli, files, tmp_path):
    src, train, test = files
    split_files(cli, src, train, test)
    tr, te = rustrec.read_train_test(train, test)
    m = rustrec.BPR(factors=8, epochs=5, seed=3).fit(tr.to_implicit(4.0))
    path = tmp_path / "py.st"
    m.save(path)
    cli_eval = run_json(cli, "eval", "--model", path, "--test", test, "--implicit-threshold", "4")
    py_eval = rustrec.evaluate(m, None, te, implicit_threshold=4.0)
    assert py_eval == cli_eval and py_eval["implicit_threshold"] == 4.0
    raw_user = str(m.user_ids[2])
    want = run_json(cli, "recommend", "--model", path, "--user", raw_user, "-n", "5")
    ids, _ = m.recommend(2, N=5)
    assert [str(m.item_ids[i]) for i in ids] == [str(r["item"]) for r in want["recommendations"]]


def test_python_and_cli_fits_with_one_seed_are_the_same_model(cli, files, tmp_path):
    src, train, test = files
    split_files(cli, src, train, test)
    path = tmp_path / "cli.st"
    subprocess.run(
        [cli, "fit", "--train", str(train), "--test", str(test), "--model", "mf", "--seed", "5",
         "--threads", "2", "--out", str(path), "-q"],
        check=True, capture_output=True,
    )
    cli_model = rustrec.load(path)
    tr, _ = rustrec.read_train_test(train, test)
    py_model = rustrec.MF(seed=5, threads=1).fit(tr)
    assert np.array_equal(cli_model.item_factors, py_model.item_factors)
    assert np.array_equal(cli_model.user_factors, py_model.user_factors)


def test_evaluate_on_datasets_matches_evaluate_on_files(cli, files, tmp_path):
    src, train, test = files
    split_files(cli, src, train, test)
    tr, te = rustrec.read_train_test(train, test)
    m = rustrec.MF(factors=8, epochs=3, seed=1).fit(tr)
    a = rustrec.evaluate(m, tr, te)
    b = rustrec.evaluate(m, None, test)
    assert a == b and a["task"] == "rating" and a["rmse"] > 0
    r = rustrec.evaluate(m, tr, te, cutoffs=(3,), ranking=True)
    assert "ndcg@3" in r and "ndcg@10" not in r
    with pytest.raises(ValueError, match=r"cutoffs\[0\] = 0: expected a whole number ≥ 1"):
        rustrec.evaluate(m, tr, te, cutoffs=(0,))


def test_unknown_test_items_count_as_misses_in_evaluate_as_in_rustrec_eval(cli, tmp_path):
    """Before: `rustrec.evaluate` dropped a known user's test items that the model does not
    know, so one user with two relevant test items, one of them unknown, scored recall 1.0,
    while `rustrec eval` counts the unknown one as a miss (recall 0.5); nor did it report
    `unknown_user_test_rows`, `unknown_item_test_rows`, `users_skipped_unknown`,
    `unrankable_relevant`, `test_ratings` or `cold_item_ratings`.

    Training: user 1 has item 10, users 2 and 3 items 10, 20 and 20 (items 10 and 20 only).
    Test (raw ids, so mapped into the model's id space by raw id): user 1 rates item 20 (5),
    items 99 (5) and 98 (2), which the model does not know, and user 7, whom it does not
    know, rates item 10 (5). With the threshold 4, user 1 has two relevant items, 20 and
    99; its only candidate is item 20 (item 10 is a training item), ranked first, so
    recall@1 = recall@2 = 1/2, precision@1 = 1, precision@2 = 1/2, map@2 = (1/1)/min(2, 2),
    mrr = 1 and ndcg@2 = 1 / (1 + 1/log2 3) (the ideal DCG over both relevant items)."""
    train = pd.DataFrame({"user": [1, 2, 2, 3], "item": [10, 10, 20, 20], "rating": [5.0] * 4})
    test = pd.DataFrame({"user": [1, 1, 1, 7], "item": [20, 99, 98, 10], "rating": [5.0, 5.0, 2.0, 5.0]})
    test_file = tmp_path / "test.tsv"
    test.to_csv(test_file, sep="\t", header=False, index=False)

    model = rustrec.TopPop().fit(rustrec.Dataset.from_frame(train))
    got = rustrec.evaluate(model, None, test, cutoffs=(1, 2), implicit_threshold=4.0)
    counts = {
        "test_interactions": 1,
        "unknown_test_rows": 3,
        "unknown_user_test_rows": 1,
        "unknown_item_test_rows": 2,
        # Item 98 is below the threshold: not relevant, so not a miss.
        "unrankable_relevant": 1,
        "users_skipped_unknown": 1,
        "users_evaluated": 1,
    }
    assert {k: got[k] for k in counts} == counts
    want = {
        "recall@1": 0.5,
        "recall@2": 0.5,
        "precision@1": 1.0,
        "precision@2": 0.5,
        "map@2": 0.5,
        "mrr": 1.0,
        "ndcg@2": 1.0 / (1.0 + 1.0 / np.log2(3.0)),
    }
    for name, value in want.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name
    # Without a threshold item 98 is relevant too: two misses of three relevant items.
    loose = rustrec.evaluate(model, None, test, cutoffs=(1, 2))
    assert loose["unrankable_relevant"] == 2 and loose["recall@2"] == pytest.approx(1 / 3, abs=1e-12)
    # The same figures from the file, and from `rustrec eval --json`.
    path = tmp_path / "top-pop.st"
    model.save(path)
    cli_eval = run_json(cli, "eval", "--model", path, "--test", test_file, "--cutoffs", "1,2", "--implicit-threshold", "4")
    assert rustrec.evaluate(model, None, test_file, cutoffs=(1, 2), implicit_threshold=4.0) == got
    assert cli_eval == got

    # Rating errors leave the unknown rows out and say over how many rows they are.
    mf = rustrec.MF(factors=2, epochs=2, seed=1).fit(rustrec.Dataset.from_frame(train))
    rated = rustrec.evaluate(mf, None, test)
    assert (rated["test_ratings"], rated["unknown_test_rows"], rated["cold_item_ratings"]) == (1, 3, 0)
    mf_path = tmp_path / "mf.st"
    mf.save(mf_path)
    assert run_json(cli, "eval", "--model", mf_path, "--test", test_file) == rated

"""Regression tests for users folded in by ``partial_fit_users`` and for what a model
keeps through save / pickle / load: every user of the grown id space can be scored, a
round trip gives the same scores and leaves out the same seen items, and a loaded model
keeps its seed. Also: a batch ``recommend`` holds memory in proportion to N, not to
users × items."""

import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import rustrec


@pytest.fixture(scope="module")
def clicks():
    """50 users × 20 items of ones, seeded."""
    x = sp.random(50, 20, density=0.3, random_state=0, format="csr", dtype=np.float32)
    x.data[:] = 1
    return x


#: Every kind that folds users in, with fast settings.
FOLD_IN_KINDS = [
    lambda: rustrec.BPR(factors=4, epochs=2, seed=1),
    lambda: rustrec.MF(factors=4, epochs=2, seed=1),
    lambda: rustrec.ItemKNN(),
    lambda: rustrec.EASE(),
    lambda: rustrec.SLIM(),
    lambda: rustrec.AsySVD(factors=4, epochs=2, seed=1),
    lambda: rustrec.TopPop(),
    lambda: rustrec.IALS(factors=4, iterations=2, seed=1),
]
KIND_IDS = ["bpr", "mf", "item-knn", "ease", "slim", "asysvd", "top-pop", "ials"]


def _empty_history_scores(model, n_items):
    """The scores of a user with an empty history, by fold-in."""
    return model.score(0, sp.csr_matrix((1, n_items), dtype=np.float32))


# -- 1. users in the gap a non-consecutive new index leaves ------------------------------


@pytest.mark.parametrize("make", FOLD_IN_KINDS, ids=KIND_IDS)
def test_users_in_the_gap_left_by_partial_fit_users_are_users_with_an_empty_history(make, clicks):
    model = make().fit(clicks)
    model.partial_fit_users([55], clicks[[0]])
    assert model.n_users == 56
    empty = _empty_history_scores(model, clicks.shape[1])
    for gap in (50, 52, 54):
        np.testing.assert_array_equal(model.score(gap), empty)
        assert model.predict(gap, 3) == empty[3]
        ids, scores = model.recommend(gap, N=3)
        want = np.argsort(-empty, kind="stable")[:3]
        assert ids.tolist() == want.tolist() and scores.tolist() == empty[want].tolist()
    # The new user itself is scored from its history (ALS re-solves it with every item
    # instead), and its seen items are left out.
    if model.kind != "ials":
        np.testing.assert_array_equal(model.score(55), model.score(0, clicks[[0]]))
    ids, _ = model.recommend(55, N=20)
    assert not set(ids.tolist()) & set(clicks[0].indices.tolist())


# -- 2. save / pickle after partial_fit_users -------------------------------------------


def _round_trips(model, tmp_path):
    path = tmp_path / "model.safetensors"
    model.save(path)
    return [pickle.loads(pickle.dumps(model)), rustrec.load(path)]


@pytest.mark.parametrize("make", FOLD_IN_KINDS, ids=KIND_IDS)
def test_a_round_trip_after_partial_fit_users_keeps_the_folded_in_users_and_seen_items(make, clicks, tmp_path):
    model = make().fit(clicks)
    model.partial_fit_users([7, 53], clicks[[9, 0]])  # a changed user, a new one past a gap
    users = np.arange(54)
    for again in _round_trips(model, tmp_path):
        assert again.n_users == model.n_users == 54
        np.testing.assert_array_equal(again.score(users), model.score(users))
        np.testing.assert_array_equal(again.predict(users, users % 20), model.predict(users, users % 20))
        ids, scores = model.recommend(users, N=5)
        again_ids, again_scores = again.recommend(users, N=5)
        np.testing.assert_array_equal(again_ids, ids)
        np.testing.assert_array_equal(again_scores, scores)
        # Seen items are still left out: user 7's new history, every trained user's own.
        seen = again.train_data.to_csr()
        assert seen.nnz == model.train_data.nnz
        assert seen[7].indices.tolist() == clicks[9].indices.tolist()
        assert seen[3].indices.tolist() == clicks[3].indices.tolist()
        for u in (3, 7, 53):
            assert not set(again_ids[u].tolist()) & set(seen[u].indices.tolist())


def test_a_model_file_with_folded_in_users_still_reads_as_the_trained_model(clicks, tmp_path):
    """The folded-in users live in the `training` record; the file's model and the seen
    lists of its own users are those of the trained model."""
    model = rustrec.BPR(factors=4, epochs=2, seed=1).fit(clicks)
    model.partial_fit_users([51], clicks[[2]])
    model.save(tmp_path / "m.safetensors")
    loaded = rustrec.load(tmp_path / "m.safetensors")
    record = json.loads(loaded._engine.training)["fold_ins"]
    assert record["n_users"] == 52
    assert [u for u, _, _ in record["users"]] == [50, 51]
    assert record["users"][1][1] == clicks[2].indices.tolist()
    assert loaded.user_factors.shape[0] == 50


def test_the_cli_says_it_does_not_score_the_folded_in_users_of_a_file(cli, clicks, tmp_path):
    """The command line reads such a file as the trained model: its folded-in users were
    unknown to `rustrec recommend` without a word. It now says how many there are and why
    they are unknown, and still answers for the trained users."""
    model = rustrec.BPR(factors=4, epochs=2, seed=1).fit(clicks)
    model.partial_fit_users([51], clicks[[2]])
    path = tmp_path / "m.safetensors"
    model.save(path)
    out = subprocess.run(
        [cli, "recommend", "--model", str(path), "--user", "3", "-n", "2", "--json"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "also holds 2 user(s) that the Python package folded in" in out.stderr
    assert "past its 50 trained users" in out.stderr
    assert len(json.loads(out.stdout)["recommendations"]) == 2
    # A file without folded-in users gets no such note.
    plain = tmp_path / "plain.safetensors"
    rustrec.BPR(factors=4, epochs=2, seed=1).fit(clicks).save(plain)
    out = subprocess.run(
        [cli, "recommend", "--model", str(plain), "--user", "3", "-n", "2", "--json"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0 and "folded in" not in out.stderr, out.stderr


# -- 3. memory of a batch recommend ------------------------------------------------------


def test_batch_recommend_memory_grows_with_n_not_with_users_times_items():
    """3,000 users × 20,000 items: one candidate list per user of all items would take
    480 MB; lists of N = 10 take next to nothing."""
    script = textwrap.dedent(
        """
        import resource
        import numpy as np, scipy.sparse as sp, rustrec
        x = sp.random(3000, 20000, density=0.001, random_state=0, format="csr", dtype=np.float32)
        x.data[:] = 1
        m = rustrec.TopPop(threads=2).fit(x)
        m.recommend(np.arange(10), N=10)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ids, _ = m.recommend(np.arange(3000), N=10)
        assert ids.shape == (3000, 10)
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    grown_mb = int(out.stdout.strip())
    assert grown_mb < 100, f"a batch recommend grew the peak memory by {grown_mb} MB"


# -- 10. rustrec.load and the stored seed ------------------------------------------------


def test_load_restores_the_seed_stored_in_the_file(clicks, tmp_path):
    model = rustrec.BPR(factors=4, epochs=2, seed=7).fit(clicks)
    model.save(tmp_path / "m.safetensors")
    loaded = rustrec.load(tmp_path / "m.safetensors")
    assert json.loads(loaded._engine.training)["config"]["train"]["seed"] == 7
    assert loaded.seed == 7
    assert pickle.loads(pickle.dumps(loaded)).seed == 7
    refit = loaded.fit(clicks)
    np.testing.assert_array_equal(refit.user_factors, model.user_factors)
    # threads is not stored: it is the argument of load (documented), 0 = one per core.
    assert rustrec.load(tmp_path / "m.safetensors", threads=1).threads == 1

"""Datasets: the CLI's readers and splits, CSR and pandas views."""

import numpy as np
import pytest
import scipy.sparse as sp

import rustrec


def test_read_every_movielens_layout_and_delimited_logs(tmp_path):
    (tmp_path / "u.data").write_text("1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n")
    (tmp_path / "ratings.dat").write_text("1::10::5::978300760\n7::11::3::978302109\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,4.5,1\n3,12,2.0,2\n")
    (tmp_path / "log.csv").write_text("who,what,when\nann,x,5\nbob,y,6\nann,y,7\n")
    a = rustrec.read_ratings(tmp_path / "u.data")
    assert (a.n_users, a.n_items, a.nnz, a.format) == (2, 2, 3, "ml-tab")
    assert list(a.user_ids) == [1, 2] and list(a.item_ids) == [10, 20]
    b = rustrec.read_ratings(tmp_path / "ratings.dat")
    assert b.format == "ml-dat" and b.nnz == 2
    c = rustrec.read_ratings(tmp_path / "ratings.csv")
    assert c.format == "ml-csv" and c.to_csr()[0, 0] == pytest.approx(4.5)
    d = rustrec.read_ratings(tmp_path / "log.csv", format="csv", columns=["user", "item", "timestamp"], header=True, string_ids=True)
    assert list(d.user_ids) == ["ann", "bob"] and d.nnz == 3
    df = d.to_pandas()
    assert list(df.columns) == ["user", "item", "rating", "timestamp"]
    assert df["rating"].tolist() == [1.0, 1.0, 1.0]


def test_read_errors_name_file_line_and_field(tmp_path):
    p = tmp_path / "ratings.dat"
    p.write_text("1::10::4.5::978300760\n2::10::lots::978302109\n")
    with pytest.raises(ValueError, match=r"ratings.dat:2: rating field \"lots\" is not a number"):
        rustrec.read_ratings(p)
    with pytest.raises(FileNotFoundError, match="missing.dat"):
        rustrec.read_ratings(tmp_path / "missing.dat")
    with pytest.raises(ValueError, match="format"):
        rustrec.read_ratings(p, format="parquetish")


def test_csr_and_pandas_views_round_trip(ratings):
    m = ratings.to_csr()
    assert isinstance(m, sp.csr_matrix) and m.shape == ratings.shape and m.nnz == ratings.nnz
    df = ratings.to_pandas()
    assert len(df) == ratings.nnz and list(df.columns) == ["user", "item", "rating", "timestamp"]
    again = rustrec.Dataset.from_frame(df, timestamp_col="timestamp")
    # Ids are renumbered in order of appearance: compare through the raw ids.
    a = again.to_pandas().sort_values(["user", "item"]).reset_index(drop=True)
    b = df.sort_values(["user", "item"]).reset_index(drop=True)
    assert a.equals(b)


def test_splits_keep_one_id_space(ratings):
    train, test = rustrec.holdout(ratings, test_fraction=0.25, seed=3)
    assert train.shape == test.shape == ratings.shape
    assert train.nnz + test.nnz == ratings.nnz
    assert abs(test.nnz - 0.25 * ratings.nnz) < 0.02 * ratings.nnz
    again, _ = rustrec.holdout(ratings, test_fraction=0.25, seed=3)
    assert (again.to_csr() != train.to_csr()).nnz == 0
    train, test = rustrec.leave_k_out(ratings, k=2, seed=1)
    per_user = np.diff(test.to_csr().indptr)
    assert set(per_user.tolist()) <= {0, 2}
    train, test = rustrec.temporal(ratings, test_fraction=0.1)
    assert test.nnz > 0
    with pytest.raises(ValueError, match="leave_out = oldest"):
        rustrec.leave_k_out(ratings, which="oldest")


def test_synthetic_is_seeded():
    a = rustrec.synthetic("ml-100k", users=50, items=30, ratings=1200, seed=1)
    b = rustrec.synthetic("ml-100k", users=50, items=30, ratings=1200, seed=1)
    assert (a.to_csr() != b.to_csr()).nnz == 0
    assert a.shape == (50, 30) and a.nnz == 1200

"""Datasets: rating files (every format the CLI reads), the CLI's splits, and the
figures of ``rustrec eval``."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple, Union

import numpy as np
import scipy.sparse as sp

from . import _rustrec
from ._convert import (
    MAX_SEED,
    csr_arrays,
    finite_values,
    ids_array,
    is_frame,
    raw_ids,
    threshold_value,
    timestamps_array,
    training_matrix,
    user_items_csr,
    whole_number,
)

PathLike = Union[str, "os.PathLike[str]"]


class Dataset:
    """A users × items interaction matrix with the raw ids of its users and items.

    Users and items are numbered in order of first appearance in the data (as the CLI
    does); ``user_ids[k]`` / ``item_ids[k]`` are the raw ids of index ``k``. Two datasets
    from one split share one id space, so a model trained on one is evaluated on the other.
    """

    __slots__ = ("_d",)

    def __init__(self, native: "_rustrec.Dataset") -> None:
        self._d = native

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_csr(
        cls, user_items: Any, user_ids: Any = None, item_ids: Any = None, what: str = "user_items"
    ) -> "Dataset":
        """From a scipy CSR matrix (users × items), with optional raw ids in index order.
        Values must be finite; ``what`` names the matrix in errors. Every row is a user and
        every column an item, so a shape out of proportion with the stored entries (more
        than ``max(2**20, 16 × entries)`` rows or columns) is refused, as ``fit(users,
        items)`` refuses such integer indices."""
        m = training_matrix(user_items, what)
        indptr, indices, data = csr_arrays(m)
        return cls(
            _rustrec.Dataset.from_csr(
                indptr,
                indices,
                data,
                m.shape[1],
                None if user_ids is None else raw_ids(user_ids, "user_ids"),
                None if item_ids is None else raw_ids(item_ids, "item_ids"),
                what,
            )
        )

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        user_col: str = "user",
        item_col: str = "item",
        rating_col: Optional[str] = "rating",
        timestamp_col: Optional[str] = None,
        duplicates: str = "error",
    ) -> "Dataset":
        """From a pandas DataFrame of raw ids (columns ``user``, ``item``, ``rating``, or
        named by the arguments; ``rating_col=None``: every row counts 1, as it does for a
        frame of only the user, item and timestamp columns). A frame without the rating
        column but with other columns is refused (``KeyError`` naming them): one of them
        may be the ratings under another name, which would be dropped.

        A (user, item) pair given twice is refused, naming it and its two rows, unless
        ``duplicates`` is ``"keep-last"``, ``"sum"`` or ``"mean"``.

        Integer ids stay integers; a missing id (None, NaN, ``pd.NA``), a column mixing
        numbers and strings, a rating that is not a finite number, or a timestamp that is
        missing or not a whole number is refused, naming the column and the row (its
        position)."""
        for col in (user_col, item_col) + ((timestamp_col,) if timestamp_col is not None else ()):
            if col not in frame.columns:
                raise KeyError(
                    f"the data frame has no column {col!r} (columns: {list(frame.columns)}); "
                    "name the columns with user_col=, item_col=, rating_col=, timestamp_col="
                )
        users = raw_ids(frame[user_col].to_numpy(), f"column {user_col!r}")
        items = raw_ids(frame[item_col].to_numpy(), f"column {item_col!r}")
        values_name = f"column {rating_col!r}"
        if rating_col is not None and rating_col in frame.columns:
            # float64 first: finite_values names a value float32 cannot hold as given.
            values = frame[rating_col].to_numpy(dtype=np.float64, na_value=np.nan)
        elif rating_col is not None and rating_col != "rating":
            raise KeyError(f"the data frame has no column {rating_col!r}")
        elif rating_col is not None and (
            others := [c for c in frame.columns if c not in (user_col, item_col, timestamp_col)]
        ):
            # Without a 'rating' column every row would count 1, and a rating column under
            # another name ('score', 'stars') would be dropped unnoticed.
            raise KeyError(
                f"the data frame has no column 'rating' but has other columns {others!r} "
                f"(columns: {list(frame.columns)}); name the rating column with "
                "rating_col=..., or pass rating_col=None to count every row 1"
            )
        else:
            values = np.ones(len(frame), dtype=np.float32)
        stamps = None
        if timestamp_col is not None:
            stamps = timestamps_array(frame[timestamp_col].to_numpy(), f"column {timestamp_col!r}")
        return cls._triplets(users, items, values, stamps, duplicates, values_name)

    @classmethod
    def from_triplets(
        cls,
        users: Any,
        items: Any,
        values: Any = None,
        timestamps: Any = None,
        duplicates: str = "error",
    ) -> "Dataset":
        """From parallel arrays of raw user ids, raw item ids and values (finite numbers;
        a missing id is refused, integer ids stay integers) and optional timestamps (whole
        numbers)."""
        stamps = None if timestamps is None else timestamps_array(timestamps, "timestamps")
        return cls._triplets(raw_ids(users, "users"), raw_ids(items, "items"), values, stamps, duplicates, "values")

    @classmethod
    def _triplets(
        cls, users: Any, items: Any, values: Any, timestamps: Any, duplicates: str, what: str
    ) -> "Dataset":
        """From raw ids already converted by ``raw_ids``; ``what`` names the values."""
        n = len(users)
        if len(items) != n:
            raise ValueError(f"{n} users and {len(items)} items: give arrays of one length")
        vals = np.ones(n, np.float32) if values is None else finite_values(values, what, n)
        return cls(_rustrec.Dataset.from_triplets(users, items, vals, timestamps, duplicates, what))

    # -- views -------------------------------------------------------------------------
    @property
    def n_users(self) -> int:
        """Users in the id space (some may have no interactions here)."""
        return self._d.n_users

    @property
    def n_items(self) -> int:
        """Items in the id space."""
        return self._d.n_items

    @property
    def nnz(self) -> int:
        """Stored interactions."""
        return self._d.nnz

    @property
    def shape(self) -> Tuple[int, int]:
        """``(n_users, n_items)``."""
        return (self._d.n_users, self._d.n_items)

    @property
    def format(self) -> str:
        """The file format read (``ml-tab``, ``ml-dat``, ``ml-csv``, ``csv``, ``tsv``)."""
        return self._d.format

    @property
    def user_ids(self) -> np.ndarray:
        """Raw user ids in index order (int64, or str objects)."""
        return ids_array(self._d.user_ids)

    @property
    def item_ids(self) -> np.ndarray:
        """Raw item ids in index order."""
        return ids_array(self._d.item_ids)

    def to_csr(self) -> sp.csr_matrix:
        """The interactions as a scipy CSR matrix (users × items, float32)."""
        indptr, indices, data = self._d.csr_arrays()
        return sp.csr_matrix((data, indices, indptr), shape=self.shape)

    def to_pandas(self) -> Any:
        """The interactions as a pandas DataFrame of raw ids: ``user``, ``item``,
        ``rating`` (and ``timestamp`` when the data has them)."""
        import pandas as pd

        indptr, indices, data = self._d.csr_arrays()
        rows = np.repeat(np.arange(self.n_users), np.diff(indptr))
        cols = {
            "user": self.user_ids[rows],
            "item": self.item_ids[indices],
            "rating": data,
        }
        stamps = self._d.timestamps()
        if stamps is not None:
            cols["timestamp"] = stamps
        return pd.DataFrame(cols)

    def to_implicit(self, threshold: float) -> "Dataset":
        """Values ≥ ``threshold`` become 1, the others are dropped (same id space).
        ``threshold`` must be a finite number (NaN would drop every interaction)."""
        t = threshold_value(threshold, "threshold", "values ≥ threshold become 1, the others are dropped")
        return Dataset(self._d.to_implicit(t))

    def __len__(self) -> int:
        return self.nnz

    def __repr__(self) -> str:
        return repr(self._d)


def read_ratings(
    path: PathLike,
    format: Optional[str] = None,
    columns: Optional[Sequence[str]] = None,
    header: Optional[bool] = None,
    delimiter: Optional[str] = None,
    string_ids: bool = False,
    skip_bad_rows: bool = False,
    duplicates: str = "error",
) -> Dataset:
    """Reads a rating file as ``rustrec describe`` / ``fit`` do.

    ``format`` is ``None`` (detected from the name and content), ``"ml-tab"`` (ML-100K
    ``u.data``), ``"ml-dat"`` (ML-1M/10M ``ratings.dat``), ``"ml-csv"`` (ML-20M+
    ``ratings.csv``), ``"csv"`` or ``"tsv"``; for delimited files ``columns`` (e.g.
    ``["user", "item", "rating", "timestamp"]``, ``"-"`` skips one), ``header``,
    ``delimiter`` and ``string_ids`` are the CLI's flags. Errors name the file, line and
    field.
    """
    _exists(path)
    return Dataset(
        _rustrec.read_ratings(
            os.fspath(path),
            format,
            None if columns is None else list(columns),
            header,
            delimiter,
            string_ids,
            skip_bad_rows,
            duplicates,
        )
    )


def read_train_test(
    train: PathLike, test: PathLike, format: Optional[str] = None, **options: Any
) -> Tuple[Dataset, Dataset]:
    """Reads a predefined split (``ua.base`` / ``ua.test``) into one id space, as
    ``rustrec fit --train A --test B`` does."""
    _exists(train)
    _exists(test)
    a, b = _rustrec.read_train_test(os.fspath(train), os.fspath(test), format, **options)
    return Dataset(a), Dataset(b)


def holdout(data: Dataset, test_fraction: float = 0.1, seed: int = 42) -> Tuple[Dataset, Dataset]:
    """``rustrec split --kind holdout``: a random fraction of all interactions to test."""
    seed = whole_number(seed, "seed", 0, MAX_SEED)
    a, b = _rustrec.split(_native(data), "holdout", test_fraction=test_fraction, seed=seed)
    return Dataset(a), Dataset(b)


def leave_k_out(data: Dataset, k: int = 1, which: str = "random", seed: int = 42) -> Tuple[Dataset, Dataset]:
    """``rustrec split --kind leave-k-out``: ``k`` interactions of every user with more
    than ``k`` to test, chosen at random or the latest (``which="latest"``)."""
    k = whole_number(k, "k", 1)
    seed = whole_number(seed, "seed", 0, MAX_SEED)
    a, b = _rustrec.split(_native(data), "leave-k-out", k=k, which=which, seed=seed)
    return Dataset(a), Dataset(b)


def temporal(data: Dataset, test_fraction: float = 0.1) -> Tuple[Dataset, Dataset]:
    """``rustrec split --kind temporal``: the latest ``test_fraction`` of all interactions
    (by timestamp) to test."""
    a, b = _rustrec.split(_native(data), "temporal", test_fraction=test_fraction)
    return Dataset(a), Dataset(b)


def synthetic(
    like: str = "ml-100k",
    users: Optional[int] = None,
    items: Optional[int] = None,
    ratings: Optional[int] = None,
    seed: Optional[int] = None,
) -> Dataset:
    """MovieLens-shaped synthetic ratings from a planted model (``rustrec synth``)."""
    sizes = {name: None if v is None else whole_number(v, name, 1) for name, v in (("users", users), ("items", items), ("ratings", ratings))}
    seed = None if seed is None else whole_number(seed, "seed", 0, MAX_SEED)
    return Dataset(_rustrec.synthetic(like, sizes["users"], sizes["items"], sizes["ratings"], seed))


def evaluate(
    model: Any,
    train: Optional[Dataset],
    test: Union[Dataset, PathLike, Any],
    cutoffs: Iterable[int] = (5, 10, 20),
    ranking: bool = False,
    implicit_threshold: Optional[float] = None,
    format: Optional[str] = None,
    protocol: str = "full",
    negatives: Optional[int] = None,
    seed: Optional[int] = None,
) -> Dict[str, Any]:
    """The figures of ``rustrec eval --json``: the same keys and values.

    ``test`` is a Dataset (in the model's id space, or mapped into it by raw ids), a pandas
    DataFrame of raw ids (columns ``user``, ``item``, ``rating``; mapped by raw id), a CSR
    matrix in the model's index space, or a rating file read as ``rustrec eval --test``
    reads it. ``train`` (the items left out of each user's ranking; a Dataset, DataFrame or
    CSR matrix) defaults to the training interactions stored in the model (the users the
    model was trained on: users folded in later by ``partial_fit_users`` are not
    evaluated). ``cutoffs``: whole numbers ≥ 1, or one. Rating models give ``rmse``, ``mae``,
    ``mse``; ranking models (or ``ranking=True``) ``precision@K``, ``recall@K``, ``ndcg@K``,
    ``map@K``, ``mrr``, ``auc``, ... for each cutoff. Undefined figures are ``None``.
    ``implicit_threshold`` keeps test values ≥ it as positives (1) and leaves out the
    others; a model trained with a threshold (``rustrec fit --implicit-threshold``) is
    evaluated with its own unless another is given, and the figures then hold
    ``implicit_threshold``. A rating model trained on ratings has no rating errors against
    a threshold's 1s: it needs ``ranking=True``.

    Test rows whose user or item the model does not know (from a file, a DataFrame of raw
    ids or a Dataset in another id space; a CSR matrix in the model's index space has none)
    follow ``rustrec eval``'s rule. They are counted: ``unknown_test_rows``, split into
    ``unknown_user_test_rows`` and ``unknown_item_test_rows`` (a known user, an unknown
    item). Rating errors leave them out (``test_ratings`` says over how many rows the errors
    are; ``cold_user_ratings`` and ``cold_item_ratings`` count those of users and items
    without training rows). In rankings a known user's relevant test items that the model
    does not know count as misses: they are in the denominators of ``recall@K``,
    ``map@K`` and the ideal DCG of ``ndcg@K`` but never in a top-K list
    (``unrankable_relevant`` counts them), so one user with two relevant items, one of them
    unknown, has ``recall@K`` at most 0.5; users the model does not know are left out and
    counted in ``users_skipped_unknown``. Rows of ``train`` whose user or item the model
    does not know are left out of the training items and counted in
    ``unknown_train_rows`` (0 without ``train``).

    ``protocol="sampled"`` ranks each relevant item against ``negatives`` (default 100)
    items the user has not interacted with, drawn with ``seed`` (default 1), as
    ``rustrec eval --protocol sampled --negatives N --seed S``: the metrics are
    ``sampled_hit_rate@K``, ``sampled_ndcg@K``, ``sampled_mrr`` and ``sampled_auc``, with
    ``protocol`` (``"sampled(N)"``) and ``eval_seed``; unknown relevant items count as
    misses there too. ``negatives`` and ``seed`` are refused with the full protocol.
    """
    # A model class checks it is fitted (an unfitted one has no engine to evaluate).
    engine = model._fitted() if hasattr(model, "_fitted") else model
    if not isinstance(engine, _rustrec.Engine):
        raise TypeError(f"model: expected a rustrec model, got {type(model).__name__}")
    native_test: Any
    if isinstance(test, (str, os.PathLike)):
        _exists(test)
        native_test = os.fspath(test)
    else:
        native_test = _evaluation_data(engine, test, "test")
    native_train = None if train is None else _evaluation_data(engine, train, "train")
    if isinstance(cutoffs, (int, np.integer)) and not isinstance(cutoffs, (bool, np.bool_)):
        cutoffs = (cutoffs,)
    if isinstance(cutoffs, (str, bytes)) or not hasattr(cutoffs, "__iter__"):
        raise TypeError(f"cutoffs = {cutoffs!r}: expected a whole number ≥ 1 or several, such as (5, 10, 20)")
    if implicit_threshold is not None:
        implicit_threshold = threshold_value(
            implicit_threshold, "implicit_threshold", "test values ≥ it are the positives, the others are left out"
        )
    out = _rustrec.evaluate(
        engine,
        native_test,
        native_train,
        [whole_number(k, f"cutoffs[{n}]", 1) for n, k in enumerate(cutoffs)],
        ranking,
        implicit_threshold,
        format,
        protocol,
        None if negatives is None else whole_number(negatives, "negatives", 1),
        None if seed is None else whole_number(seed, "seed", 0, MAX_SEED),
    )
    return json.loads(out)


def _evaluation_data(engine: Any, data: Any, what: str) -> Any:
    """The native dataset of ``evaluate``'s ``train`` or ``test`` (``what``): a Dataset, a
    pandas DataFrame of raw ids (mapped into the model's id space by raw id, as a Dataset
    from another id space is) or a CSR matrix in the model's index space."""
    if isinstance(data, Dataset):
        return data._d
    if is_frame(data):
        return Dataset.from_frame(data)._d
    if sp.issparse(data):
        return _like_model(engine, data, what)._d
    path = " or a path" if what == "test" else ""
    raise TypeError(
        f"{what}: expected a Dataset, a pandas DataFrame of raw ids, a CSR matrix (users × items "
        f"of the model){path}, got {type(data).__name__}"
    )


def _like_model(engine: Any, m: Any, what: str = "user_items") -> Dataset:
    """A CSR matrix in the model's index space as a Dataset over the model's raw ids (its
    shape is the model's, so it is not checked against its entries as training data is);
    ``what`` names the argument in errors."""
    csr = user_items_csr(m, what)
    if csr.shape != (engine.n_users, engine.n_items):
        raise ValueError(
            f"{what}: matrix of shape {csr.shape}: expected ({engine.n_users}, {engine.n_items}), the "
            "model's users × items"
        )
    indptr, indices, data = csr_arrays(csr)
    from ._convert import raw_ids as _raw

    return Dataset(
        _rustrec.Dataset.from_csr(
            indptr,
            indices,
            data,
            csr.shape[1],
            _raw(ids_array(engine.user_ids)),
            _raw(ids_array(engine.item_ids)),
            what,
            False,
        )
    )


def _native(data: Any) -> Any:
    if isinstance(data, Dataset):
        return data._d
    if is_frame(data):
        return Dataset.from_frame(data)._d
    if sp.issparse(data):
        return Dataset.from_csr(data)._d
    raise TypeError(f"expected a Dataset, got {type(data).__name__}")


def _exists(path: PathLike) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {os.fspath(path)!r}")

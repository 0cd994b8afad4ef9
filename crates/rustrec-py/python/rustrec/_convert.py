"""Argument conversions shared by the model classes: scipy matrices, numpy arrays and
pandas frames into the CSR arrays the engine takes."""

from __future__ import annotations

import warnings
from typing import Any, Optional, Tuple

import numpy as np
import scipy.sparse as sp


def is_frame(x: Any) -> bool:
    """Whether ``x`` looks like a pandas DataFrame (without importing pandas)."""
    return hasattr(x, "columns") and hasattr(x, "iloc") and hasattr(x, "to_numpy")


def user_items_csr(m: Any, what: str = "user_items", copy_ok: bool = True) -> sp.csr_matrix:
    """A users × items matrix as canonical CSR (sorted, no duplicates).

    CSR passes through; COO, LIL, DOK and BSR are converted with a ``UserWarning``; CSC is
    refused (it is item-major: the usual sign of an items × users matrix, implicit < 0.5's
    orientation); dense arrays are refused too.
    """
    if not sp.issparse(m):
        if isinstance(m, np.ndarray):
            raise TypeError(
                f"{what}: expected a scipy.sparse CSR matrix (users × items), got a dense "
                f"numpy array of shape {m.shape}; pass scipy.sparse.csr_matrix(array)"
            )
        raise TypeError(
            f"{what}: expected a scipy.sparse CSR matrix (users × items), got {type(m).__name__}"
        )
    fmt = m.format
    if fmt == "csc":
        raise TypeError(
            f"{what}: got a CSC matrix of shape {m.shape}; rustrec takes users × items in CSR "
            "(one row per user). If the matrix is users × items, pass m.tocsr(); if it is "
            "items × users (the orientation of implicit before 0.5), pass m.T.tocsr()"
        )
    if fmt != "csr":
        warnings.warn(
            f"{what}: converting a {fmt.upper()} matrix to CSR (pass a CSR matrix to avoid "
            "the copy)",
            UserWarning,
            stacklevel=3,
        )
        m = m.tocsr()
    if not m.has_canonical_format:
        m = m.copy() if copy_ok else m
        m.sum_duplicates()
    return m


def csr_arrays(m: sp.csr_matrix) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr int64, indices int32, data float32)`` of a canonical CSR matrix, without a
    copy where the dtypes already match."""
    indptr = np.ascontiguousarray(m.indptr, dtype=np.int64)
    indices = np.ascontiguousarray(m.indices, dtype=np.int32)
    data = np.ascontiguousarray(m.data, dtype=np.float32)
    return indptr, indices, data


def index_array(x: Any, what: str) -> Tuple[np.ndarray, bool]:
    """Indices as an int64 array, and whether a scalar was given."""
    scalar = np.isscalar(x) or (isinstance(x, np.ndarray) and x.ndim == 0)
    a = np.atleast_1d(np.asarray(x))
    if a.ndim != 1:
        raise ValueError(f"{what}: expected an index or a 1-D array of indices, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise TypeError(
            f"{what}: expected integer indices (0..n-1, in the model's index order), got "
            f"dtype {a.dtype}; map raw ids to indices with model.user_ids / model.item_ids"
        )
    return a.astype(np.int64, copy=False), scalar


def optional_indices(x: Any, what: str) -> Optional[np.ndarray]:
    """``None`` or an int64 array of indices."""
    if x is None:
        return None
    a, _ = index_array(x, what)
    return a


def raw_ids(a: Any, what: str = "ids") -> Any:
    """Raw ids for the engine: an int64 array for integer ids, else a list of str.

    A missing id (``None``, NaN, pandas' ``NA``) is refused, naming ``what`` and the row.
    Integer ids stay integers: whole floats (a column that pandas made float) become
    int64, and an object array of Python integers too; other numbers are refused rather
    than turned into text such as ``"1.5"``."""
    arr = np.asarray(a)
    if arr.size == 0 or np.issubdtype(arr.dtype, np.integer):
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype == object or np.issubdtype(arr.dtype, np.floating):
        _refuse_missing(arr, what)
    if np.issubdtype(arr.dtype, np.floating):
        return _whole_floats(arr, what)
    values = arr.tolist()
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=np.int64)
    if any(isinstance(v, (float, np.floating)) for v in values):
        return _whole_floats(np.asarray(values, dtype=object), what)
    return [str(v) for v in values]


def _refuse_missing(arr: np.ndarray, what: str) -> None:
    """Refuses a missing id (None, NaN, pandas' NA or NaT), naming ``what`` and the row."""
    for k, v in enumerate(arr.tolist()):
        if v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType", "NaTType"):
            raise ValueError(
                f"{what}: row {k} has a missing id ({v!r}); every interaction needs an id "
                "(drop or fill the missing ones first, e.g. frame.dropna(subset=[...]))"
            )


def _whole_floats(arr: np.ndarray, what: str) -> np.ndarray:
    """Numeric ids that are whole numbers as int64; any other value is refused."""
    for k, v in enumerate(arr.tolist()):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not float(v).is_integer():
            raise TypeError(
                f"{what}: row {k} has the id {v!r}; ids are integers or strings (a column of "
                "numbers must hold whole numbers)"
            )
    return np.asarray([int(v) for v in arr.tolist()], dtype=np.int64)


def whole_number(value: Any, what: str, low: int = 0, high: Optional[int] = None) -> int:
    """An integer argument, checked: a Python or numpy integer (not a bool, float or
    string, which would be silently truncated or misread) within ``[low, high]``; the error
    names ``what``, the value and the valid range."""
    valid = f"a whole number ≥ {low}" if high is None else f"a whole number in [{low}, {high}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} = {value!r}: expected {valid}, got {type(value).__name__}")
    v = int(value)
    if v < low or (high is not None and v > high):
        raise ValueError(f"{what} = {v}: expected {valid}")
    return v


#: The largest seed (seeds are unsigned 64-bit integers).
MAX_SEED = 2**64 - 1


def refuse_negative(m: sp.csr_matrix, what: str) -> None:
    """Refuses a negative value in a matrix of implicit feedback (a value there is a
    strength of interest: confidence, count, weight), naming ``what``, the row, column
    and value."""
    bad = np.flatnonzero(m.data < 0)
    if bad.size:
        k = int(bad[0])
        row = int(np.searchsorted(m.indptr, k, side="right")) - 1
        raise negative_feedback(what, f"row {row}, column {int(m.indices[k])}", m.data[k])


def negative_feedback(what: str, where: str, value: Any) -> ValueError:
    """The error for a negative value of implicit feedback at ``where`` in ``what``."""
    return ValueError(
        f"{what}: {where} has the value {value}; implicit feedback must be ≥ 0 (0 = no "
        "interest; negative 'dislikes' are not supported): drop those entries, or train a "
        "rating model on them"
    )


def ids_array(ids: Any) -> np.ndarray:
    """Raw ids from the engine as a numpy array (int64, or object array of str)."""
    if isinstance(ids, np.ndarray):
        return ids
    out = np.empty(len(ids), dtype=object)
    out[:] = ids
    return out

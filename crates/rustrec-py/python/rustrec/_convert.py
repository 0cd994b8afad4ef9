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


def raw_ids(a: Any) -> Any:
    """Raw ids for the engine: an int64 array for integer ids, else a list of str."""
    arr = np.asarray(a)
    if arr.size == 0 or np.issubdtype(arr.dtype, np.integer):
        return np.ascontiguousarray(arr, dtype=np.int64)
    return [str(v) for v in arr.tolist()]


def ids_array(ids: Any) -> np.ndarray:
    """Raw ids from the engine as a numpy array (int64, or object array of str)."""
    if isinstance(ids, np.ndarray):
        return ids
    out = np.empty(len(ids), dtype=object)
    out[:] = ids
    return out

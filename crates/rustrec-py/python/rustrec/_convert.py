"""Argument conversions shared by the model classes: scipy matrices, numpy arrays and
pandas frames into the CSR arrays the engine takes."""

from __future__ import annotations

import warnings
from typing import Any, List, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from . import _rustrec


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


def training_matrix(m: Any, what: str = "user_items") -> sp.csr_matrix:
    """A users × items matrix to train on (or to build a Dataset from) as canonical CSR
    (:func:`user_items_csr`), its shape checked first: every row is a user and every
    column an item of the model, each allocated, so a shape out of proportion with the
    stored entries (more than ``max(2**20, 16 × entries)`` rows or columns, the limit
    ``fit(users, items)`` sets for integer indices) is refused, naming ``what`` and the
    shape."""
    if sp.issparse(m):
        _rustrec.check_matrix_shape(what, int(m.shape[0]), int(m.shape[1]), int(m.nnz))
    return user_items_csr(m, what)


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
    if a.dtype.kind == "u" and a.size:
        past = np.flatnonzero(a > np.uint64(INT64_MAX))
        if past.size:
            # astype(int64) would wrap such an index to a negative one (and name that).
            raise IndexError(f"{what}: index {int(a[past[0]])} outside the model's indices (0..n-1)")
    return a.astype(np.int64, copy=False), scalar


def optional_indices(x: Any, what: str) -> Optional[np.ndarray]:
    """``None`` or an int64 array of indices."""
    if x is None:
        return None
    a, _ = index_array(x, what)
    return a


#: The range of integer ids and timestamps (stored as signed 64-bit integers).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_INT64_RANGE = f"[-2**63, 2**63 - 1] = [{INT64_MIN}, {INT64_MAX}]"


def raw_ids(a: Any, what: str = "ids") -> Any:
    """Raw ids for the engine: an int64 array for integer ids, else a list of str.

    A missing id (``None``, NaN, pandas' ``NA``) is refused, naming ``what`` and the row.
    Integer ids stay integers: whole floats (a column that pandas made float) become
    int64, and an object array of Python integers too; other numbers are refused rather
    than turned into text such as ``"1.5"``, and so is an integer outside the int64 range
    (a ``uint64`` id ≥ 2**63 would wrap to a negative one). The ids of one array are all
    numbers or all strings: a mix (``[1, "1"]``, which would merge) is refused, naming the
    first row of the other type."""
    arr = np.asarray(a)
    if arr.size == 0:
        return np.ascontiguousarray(arr, dtype=np.int64)
    if np.issubdtype(arr.dtype, np.integer):
        return _int64_of_integers(arr, what, "id")
    if arr.dtype == object or np.issubdtype(arr.dtype, np.floating):
        _refuse_missing(arr, what)
    if np.issubdtype(arr.dtype, np.floating):
        return _whole_floats(arr, what)
    values = arr.tolist()
    kinds = [_id_kind(v) for v in values]
    _refuse_mixed_kinds(values, kinds, what)
    if kinds[0] == "str":
        return [str(v) for v in values]
    if "float" in kinds:
        return _whole_floats(np.asarray(values, dtype=object), what)
    return _int64_of_integers(np.asarray(values, dtype=object), what, "id")


def _id_kind(v: Any) -> str:
    """``"int"``, ``"float"``, ``"str"`` or ``"other"``: the type of one raw id."""
    if isinstance(v, (bool, np.bool_)):
        return "other"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    return "str" if isinstance(v, str) else "other"


def _refuse_mixed_kinds(values: List[Any], kinds: List[str], what: str) -> None:
    """Refuses ids that are not all numbers or all strings (or of another type, such as a
    bool or bytes, which would be turned into text), naming the first row of the other
    type."""
    first = "number" if kinds[0] in ("int", "float") else kinds[0]
    for k, kind in enumerate(kinds):
        group = "number" if kind in ("int", "float") else kind
        if group == "other":
            raise TypeError(
                f"{what}: row {k} has the id {values[k]!r} of type {type(values[k]).__name__}; "
                "ids are integers or strings"
            )
        if group != first:
            raise TypeError(
                f"{what}: row {k} has the id {values[k]!r} ({type(values[k]).__name__}) but row 0 "
                f"has {values[0]!r} ({type(values[0]).__name__}); the ids of one column are all "
                "integers or all strings (mixed, 1 and '1' would be one id): convert them to one "
                "type first, e.g. column.astype(str)"
            )


def _int64_of_integers(arr: np.ndarray, what: str, name: str) -> np.ndarray:
    """Integers (an integer or object array) as int64; one outside the int64 range is
    refused, naming ``what``, the row and the value (``name``: ``id`` or ``timestamp``)."""
    if arr.dtype != object and np.can_cast(arr.dtype, np.int64):
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype.kind == "u":
        past = np.flatnonzero(arr > np.uint64(INT64_MAX))
        rows = [int(past[0])] if past.size else []
    else:
        rows = [k for k, v in enumerate(arr.tolist()) if not INT64_MIN <= int(v) <= INT64_MAX][:1]
    if rows:
        k = rows[0]
        raise ValueError(
            f"{what}: row {k} has the {name} {int(arr[k])}, outside {_INT64_RANGE}, the range of "
            f"{name}s (stored as signed 64-bit integers)"
            + ("; pass such ids as strings (ids.astype(str))" if name == "id" else "")
        )
    return np.ascontiguousarray(arr.astype(np.int64))


def _refuse_missing(arr: np.ndarray, what: str) -> None:
    """Refuses a missing id (None, NaN, pandas' NA or NaT), naming ``what`` and the row."""
    for k, v in enumerate(arr.tolist()):
        if _is_missing(v):
            raise ValueError(
                f"{what}: row {k} has a missing id ({v!r}); every interaction needs an id "
                "(drop or fill the missing ones first, e.g. frame.dropna(subset=[...]))"
            )


def _is_missing(v: Any) -> bool:
    """Whether ``v`` is a missing value: None, NaN, pandas' NA or NaT."""
    return v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType", "NaTType")


def _whole_floats(arr: np.ndarray, what: str) -> np.ndarray:
    """Numeric ids that are whole numbers within the int64 range as int64; any other
    value is refused."""
    for k, v in enumerate(arr.tolist()):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not float(v).is_integer():
            raise TypeError(
                f"{what}: row {k} has the id {v!r}; ids are integers or strings (a column of "
                "numbers must hold whole numbers)"
            )
    return _int64_of_integers(np.asarray([int(v) for v in arr.tolist()], dtype=object), what, "id")


def timestamps_array(a: Any, what: str = "timestamps") -> np.ndarray:
    """Timestamps as int64: integers, whole floats (a column that pandas made float) or
    datetimes (nanoseconds since the epoch, as numpy stores them). A missing timestamp
    (NaN, None, NaT) or one that is not a whole number within the int64 range is refused,
    naming ``what``, the row and the value: nothing is truncated or turned into a sentinel."""
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D array of timestamps, got shape {arr.shape}")
    if arr.dtype.kind in "mM":
        missing = np.flatnonzero(np.isnat(arr))
        if missing.size:
            raise ValueError(f"{what}: row {int(missing[0])} has a missing timestamp (NaT); every interaction needs one")
        return np.ascontiguousarray(arr.astype(np.int64))
    if np.issubdtype(arr.dtype, np.integer):
        return _int64_of_integers(arr, what, "timestamp")
    if np.issubdtype(arr.dtype, np.floating):
        return _float_timestamps(arr, what)
    if arr.dtype != object:
        raise TypeError(f"{what}: expected integer timestamps, got dtype {arr.dtype}")
    for k, v in enumerate(arr.tolist()):
        _check_timestamp(v, k, what)
    return _int64_of_integers(np.asarray([int(v) for v in arr.tolist()], dtype=object), what, "timestamp")


def _float_timestamps(arr: np.ndarray, what: str) -> np.ndarray:
    """Float timestamps that are all whole numbers within the int64 range as int64; the
    first other one is refused (:func:`_check_timestamp`)."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(arr) & (arr == np.floor(arr)) & (arr >= -(2.0**63)) & (arr < 2.0**63)
    bad = np.flatnonzero(~ok)
    if bad.size:
        k = int(bad[0])
        _check_timestamp(arr[k].item(), k, what)
    return np.ascontiguousarray(arr.astype(np.int64))


def _check_timestamp(v: Any, k: int, what: str) -> None:
    """Refuses timestamp ``v`` of row ``k`` unless it is a whole number within the int64
    range, naming ``what``, the row and the value."""
    if _is_missing(v):
        raise ValueError(f"{what}: row {k} has a missing timestamp ({v!r}); every interaction needs one")
    numeric = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    whole = numeric and (isinstance(v, (int, np.integer)) or (np.isfinite(v) and float(v).is_integer()))
    if not whole or not -(2**63) <= int(v) < 2**63:
        raise ValueError(
            f"{what}: row {k} has the timestamp {v!r}; timestamps are whole numbers (integers, "
            f"or floats such as 5.0) in {_INT64_RANGE}"
        )


#: The largest count (a size, a number of iterations, a cutoff) the engine's integers hold:
#: a larger Python int would fail to convert with an ``OverflowError`` naming no argument.
MAX_COUNT: int = _rustrec.MAX_COUNT


def whole_number(value: Any, what: str, low: int = 0, high: Optional[int] = None, limit: Optional[int] = MAX_COUNT) -> int:
    """An integer argument, checked: a Python or numpy integer (not a bool, float or
    string, which would be silently truncated or misread) within ``[low, high]``; without
    ``high``, at most ``limit`` (by default :data:`MAX_COUNT`, the largest the engine takes;
    ``None`` for an argument whose range the engine checks itself, naming it). The error
    names ``what``, the value and the valid range."""
    valid = f"a whole number ≥ {low}" if high is None else f"a whole number in [{low}, {high}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} = {value!r}: expected {valid}, got {type(value).__name__}")
    v = int(value)
    if v < low or (high is not None and v > high):
        raise ValueError(f"{what} = {v}: expected {valid}")
    if high is None and limit is not None and v > limit:
        raise ValueError(f"{what} = {v}: expected {valid} and at most {limit}, the largest count the engine holds")
    return v


def thread_count(value: Any, what: str = "threads") -> int:
    """A ``threads`` / ``num_threads`` argument: a whole number ≥ 0 (0 = one per core;
    :func:`whole_number` refuses other types and negatives). The upper limit is the
    engine's: the pool refuses a larger count, however large, naming ``what`` and the
    value (``convert::pool`` in the native module)."""
    return whole_number(value, what, 0, limit=None)


def count_argument(value: Any, what: str) -> int:
    """A list length such as ``N`` (a whole number ≥ 0, :func:`whole_number`), capped at
    2**63 − 1 for the engine: a longer list holds every candidate all the same (lists stop
    at the candidates there are), and a larger Python int would fail to convert with an
    ``OverflowError`` that names no argument."""
    return min(whole_number(value, what, 0, limit=None), INT64_MAX)


def finite_values(values: Any, what: str, n: int, where: Any = None) -> np.ndarray:
    """Values (ratings, weights) as float32, each checked: ``what`` has shape ``(n,)``,
    and every value is a finite number that float32 holds (a larger one would become
    ±inf, a string that is no number, NaN or a missing value are refused). The error
    names ``what``, the row (its position in the array, plus ``where(row)`` when given,
    such as the user and item of that row) and the value as given."""
    try:
        wide = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what}: expected finite numbers, got values that are not numbers ({e})") from None
    if wide.shape != (n,):
        raise ValueError(f"{what} has shape {wide.shape}: expected ({n},), one value per interaction")
    with np.errstate(over="ignore", invalid="ignore"):
        narrow = wide.astype(np.float32)
    bad = np.flatnonzero(~np.isfinite(narrow))
    if bad.size:
        k = int(bad[0])
        v = wide[k].item()
        at = f"row {k}" + (f" ({where(k)})" if where is not None else "")
        if np.isfinite(v):
            raise ValueError(
                f"{what}: {at} has the value {v!r}, beyond the range of the 32-bit floats values "
                f"are stored in (±{float(np.finfo(np.float32).max):.6g})"
            )
        raise ValueError(f"{what}: {at} has the value {v!r}; values must be finite numbers (not NaN or ±inf)")
    return narrow


def threshold_value(value: Any, what: str, purpose: str) -> float:
    """A threshold (a rating level), checked: a number (not a bool or string), finite and
    within the 32-bit floats values are stored in (a larger one would become ±inf on the
    way to the engine); the error names ``what``, the value as given and ``purpose``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} = {value!r}: expected a finite number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{what} = {value!r}: expected a finite number ({purpose})")
    if abs(v) > float(np.finfo(np.float32).max):
        raise ValueError(
            f"{what} = {value!r}: beyond the range of the 32-bit floats values are stored in "
            f"(±{float(np.finfo(np.float32).max):.6g})"
        )
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

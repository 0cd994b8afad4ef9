"""The model classes: one base class, :class:`Recommender`, and one subclass per model
kind of the registry, generated from the registry's parameter table (names, defaults,
allowed values, help) — a new family appears here without Python-side work."""

from __future__ import annotations

import inspect
import keyword
import json
import os
import sys
import tempfile
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

import numpy as np
import scipy.sparse as sp

from . import _rustrec
from ._convert import (
    MAX_SEED,
    MAX_COUNT,
    count_argument,
    csr_arrays,
    finite_values,
    ids_array,
    index_array,
    is_frame,
    negative_feedback,
    optional_indices,
    refuse_negative,
    thread_count,
    training_matrix,
    user_items_csr,
    whole_number,
)
from ._data import Dataset

#: Python class names of the registry's kinds. A kind missing here gets its CamelCase
#: name (``new-kind`` → ``NewKind``); the table only picks nicer names.
CLASS_NAMES: Dict[str, str] = {
    "mf": "MF",
    "bpmf": "BPMF",
    "bpr": "BPR",
    "als": "ALS",
    "ials": "IALS",
    "ease": "EASE",
    "slim-mse": "SLIM",
    "item-knn": "ItemKNN",
    "item-knn-cbf": "ItemKNNCBF",
    "hybrid": "Hybrid",
    "asysvd": "AsySVD",
    "top-pop": "TopPop",
    "random": "Random",
}

#: Keyword arguments every class takes besides the model's parameters.
RUN_OPTIONS = ("threads", "num_threads", "seed", "random_state")


def registry() -> List[Dict[str, Any]]:
    """Every model kind of this build, as ``rustrec models --json`` lists them."""
    return json.loads(_rustrec.registry_json())["models"]


def class_name(kind: str) -> str:
    """The Python class name of a model kind."""
    return CLASS_NAMES.get(kind) or "".join(p[:1].upper() + p[1:] for p in kind.replace("_", "-").split("-"))


def param_to_py(name: str) -> str:
    """The keyword argument of a parameter: its name, with ``_`` appended to Python
    keywords (EASE's ``lambda`` is ``lambda_``)."""
    return name + "_" if keyword.iskeyword(name) else name


def py_to_param(name: str) -> str:
    """The parameter of a keyword argument (the inverse of :func:`param_to_py`)."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        return name[:-1]
    return name


def _seed_of(random_state: Any, what: str = "random_state") -> int:
    """A seed from implicit-style ``random_state``: an int in [0, 2^64 − 1], a numpy
    RandomState or Generator (one draw), or None (a fresh random seed). ``what`` names
    the argument in errors (``seed`` or ``random_state``)."""
    if random_state is None:
        return int(np.random.default_rng().integers(0, 2**63 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, (bool, np.bool_)):
        return whole_number(random_state, what, 0, MAX_SEED)
    raise TypeError(
        f"{what} = {random_state!r}: expected a whole number in [0, {MAX_SEED}], a numpy "
        f"RandomState/Generator or None, got {type(random_state).__name__}"
    )


def _check_param(name: str, value: Any, row: Dict[str, Any]) -> None:
    """Checks the type of a parameter value against its registry row before it goes to
    the engine as JSON: a bool for a flag, a whole number for an integer parameter (not a
    float or string, which would be truncated or misread), a finite number for a real one.
    Ranges are checked by the engine, which names the parameter too."""
    default, valid, py_name = row["default"], row["range"], param_to_py(name)
    is_bool = isinstance(value, (bool, np.bool_))
    if isinstance(default, bool):
        ok = is_bool
    elif isinstance(default, int):
        ok = isinstance(value, (int, np.integer)) and not is_bool
        # Past 64 bits JSON would carry the value as a float, and the engine would name
        # 1.18e21 instead of the integer given.
        if ok and not -(2**63) <= int(value) <= MAX_COUNT:
            raise ValueError(f"{py_name} = {int(value)}: expected {valid}")
    elif isinstance(default, float):
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not is_bool
        if ok and not np.isfinite(value):
            raise ValueError(f"{py_name} = {value!r}: expected {valid}")
    else:
        return
    if not ok:
        raise TypeError(f"{py_name} = {value!r}: expected {valid}, got {type(value).__name__}")


def _check_fixed(cls_name: str, info: Dict[str, Any], params: Dict[str, Any]) -> None:
    """Refuses a value of a parameter the kind sets itself (``implicit`` of ALS and IALS)
    that contradicts it."""
    for name, used in info.get("fixed", {}).items():
        if name in params and params[name] != used:
            raise ValueError(
                f"{cls_name}({param_to_py(name)}={params[name]!r}): model kind `{info['kind']}` "
                f"always trains with {param_to_py(name)} = {used!r}; leave it out"
            )


def _params_json(kind: str, params: Dict[str, Any]) -> str:
    """The parameters as the engine's JSON, each checked by :func:`_check_param` (so a NaN
    is named, not a JSON parse error)."""
    rows = {p["name"]: p for p in registry_info(kind)["params"]}
    for name, value in params.items():
        if name in rows:
            _check_param(name, value, rows[name])
    return json.dumps(params, allow_nan=False)


def registry_info(kind: str) -> Dict[str, Any]:
    """The registry entry of a model kind."""
    for info in registry():
        if info["kind"] == kind:
            return info
    raise ValueError(f"unknown model kind {kind!r}")


def _param_value(value: Any, default: Any) -> Any:
    """A Python value as the registry's JSON: numpy scalars to Python, tuples to lists,
    and a bare name for a structured parameter (``solver="cholesky"``) to ``{"kind": name}``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str) and isinstance(default, dict) and "kind" in default:
        return {"kind": value}
    return value


def _doc(info: Dict[str, Any]) -> str:
    """The class docstring: what the model is and its parameter table."""
    lines = [
        f"{info['about']}",
        "",
        f"Model kind ``{info['kind']}`` ({info['task']} model"
        + (", trains in epochs" if info["iterative"] else "")
        + "). Parameters (keyword arguments, as in ``rustrec models "
        + info["kind"]
        + "`` and a config's ``[model]`` table):",
        "",
        "| name | default | allowed | purpose |",
        "|---|---|---|---|",
    ]
    for p in info["params"]:
        lines.append(f"| ``{param_to_py(p['name'])}`` | ``{json.dumps(p['default'])}`` | {p['range']} | {p['help']} |")
    lines += [
        "",
        "Run options: ``threads`` (alias ``num_threads``; 0 = one per core; the results do not "
        "depend on it) and ``seed`` (alias ``random_state``; the same seed gives the same model).",
    ]
    return "\n".join(lines)


class Recommender:
    """A rustrec model: fit on a users × items matrix, recommend, predict, save.

    Use the subclass of a model kind (``rustrec.MF``, ``rustrec.BPR``, ``rustrec.IALS``,
    ...); ``rustrec.models()`` lists them with their parameters.
    """

    _kind: str = ""
    _info: Dict[str, Any] = {}
    _param_names: Tuple[str, ...] = ()
    _defaults: Dict[str, Any] = {}

    def __init__(
        self,
        *,
        threads: Optional[int] = None,
        num_threads: Optional[int] = None,
        seed: Any = None,
        random_state: Any = None,
        **params: Any,
    ) -> None:
        # Parameters named like Python keywords are passed with a trailing underscore.
        params = {py_to_param(k): v for k, v in params.items()}
        unknown = [k for k in params if k not in self._param_names]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unknown parameter(s) {', '.join(map(repr, unknown))}; "
                f"model kind `{self._kind}` takes: {', '.join(param_to_py(n) for n in self._param_names) or '(none)'} "
                f"and {', '.join(RUN_OPTIONS)}"
            )
        if threads is not None and num_threads is not None and threads != num_threads:
            raise TypeError("give threads or num_threads, not both")
        if seed is not None and random_state is not None:
            raise TypeError("give seed or random_state, not both")
        self._threads_arg = "threads" if threads is not None else "num_threads"
        self.threads = thread_count(threads if threads is not None else (num_threads or 0), self._threads_arg)
        seed_name = "seed" if seed is not None or random_state is None else "random_state"
        self.seed = seed if seed is not None else (random_state if random_state is not None else 0)
        if self.seed is not None and not isinstance(self.seed, (np.random.RandomState, np.random.Generator)):
            _seed_of(self.seed, seed_name)
        self.params: Dict[str, Any] = {k: _param_value(v, self._defaults.get(k)) for k, v in params.items()}
        _check_fixed(type(self).__name__, self._info, self.params)
        _params_json(self._kind, self.params)
        self._engine: Any = None
        self._cache: Dict[str, Any] = {}

    # -- introspection -----------------------------------------------------------------
    @property
    def kind(self) -> str:
        """The model kind (as in model files)."""
        return self._engine.kind if self._engine is not None else self._kind

    @property
    def task(self) -> str:
        """``"rating"`` or ``"ranking"``."""
        return self._engine.task if self._engine is not None else self._info.get("task", "")

    def get_params(self) -> Dict[str, Any]:
        """Every parameter with its value (defaults filled in)."""
        if self._engine is not None:
            p = json.loads(self._engine.params)
            p.pop("kind", None)
            return p
        out = dict(self._defaults)
        out.update(self.params)
        return out

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        state = "fitted" if self._engine is not None else "not fitted"
        return f"{type(self).__name__}({given}) [{state}]"

    def _fitted(self) -> Any:
        if self._engine is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() first")
        return self._engine

    # -- training ----------------------------------------------------------------------
    def _dataset(self, user_items: Any, items: Any, ratings: Any, columns: Dict[str, Any]) -> Dataset:
        if isinstance(user_items, Dataset):
            return user_items
        if is_frame(user_items):
            return Dataset.from_frame(user_items, **columns)
        if items is not None:
            users = np.asarray(user_items)
            its = np.asarray(items)
            vals_shape = None if ratings is None else np.shape(ratings)
            if users.shape != its.shape or users.ndim != 1 or vals_shape not in (None, users.shape):
                raise ValueError(
                    f"fit(users, items, ratings): shapes {users.shape}, {its.shape}, "
                    f"{users.shape if vals_shape is None else vals_shape}; give three 1-D arrays of one length"
                )
            indices = _array_meaning(users, its)
            vals = (
                np.ones(len(users), np.float32)
                if ratings is None
                else finite_values(ratings, "ratings", len(users), lambda k: f"user {users[k:k + 1].tolist()[0]!r}, item {its[k:k + 1].tolist()[0]!r}")
            )
            if indices:
                return _dataset_of_indices(users, its, vals)
            return Dataset.from_triplets(users, its, vals)
        if isinstance(user_items, (str, os.PathLike)):
            raise TypeError(
                f"fit({os.fspath(user_items)!r}): fit takes data, not a file name; read the file "
                "first: model.fit(rustrec.read_ratings(path)) (any format the CLI reads)"
            )
        return Dataset.from_csr(self._prepare_matrix(training_matrix(user_items)))

    def _prepare_matrix(self, m: sp.csr_matrix) -> sp.csr_matrix:
        """Hook for the implicit-compatible classes (value transforms)."""
        return m

    def _on_epoch(self, show_progress: bool, callback: Optional[Callable[..., Any]]) -> Optional[Callable[..., Any]]:
        if not show_progress and callback is None:
            return None
        total = self.get_params().get("epochs") or self.get_params().get("iterations")

        def on_epoch(epoch: int, figures: Dict[str, Any]) -> Any:
            if show_progress:
                of = f"/{total}" if total else ""
                print(
                    f"{self._kind} epoch {epoch}{of}: loss {figures['train_loss']:.5g}, "
                    f"{figures['seconds']:.3f} s",
                    file=sys.stderr,
                )
            if callback is not None:
                return callback(epoch, figures)
            return None

        return on_epoch

    def fit(
        self,
        user_items: Any,
        items: Any = None,
        ratings: Any = None,
        *,
        show_progress: bool = False,
        callback: Optional[Callable[[int, Dict[str, Any]], Any]] = None,
        user_col: str = "user",
        item_col: str = "item",
        rating_col: Optional[str] = "rating",
        timestamp_col: Optional[str] = None,
        item_dir: Any = None,
    ) -> "Recommender":
        """Trains the model and returns it.

        ``user_items`` is a scipy CSR matrix (users × items; COO/LIL are converted with a
        warning, CSC is refused), a pandas DataFrame of raw ids (columns ``user``, ``item``,
        ``rating`` or as named by ``user_col``/``item_col``/``rating_col``; a frame without
        the rating column but with other columns is refused, ``rating_col=None`` counts
        every row 1; a repeated (user, item) pair is refused, see
        :meth:`Dataset.from_frame`), a
        :class:`Dataset`, or — with ``items`` and ``ratings`` — an array of user indices
        (integers) or raw ids. Integer arrays are dense indices: users ``0..max(users)``
        and items likewise, every index a row or column of the model, so an index space far
        larger than the data is refused (more than ``max(2**20, 16 × interactions)`` slots,
        or past ``2**32``: the mark of raw ids given as indices; pass those as a DataFrame
        or ``Dataset.from_triplets``, which number them in order of first appearance).
        Values must be finite numbers, and ≥ 0 for models of implicit feedback (those whose
        ``implicit`` parameter is true: IALS, EASE and AsySVD by default); a missing id in
        a frame is an error. ``callback(epoch, figures)`` runs after every epoch of
        iterative models (``figures``: ``train_loss``, ``samples``, ``seconds``, ...);
        returning ``False`` stops training. ``item_dir``: the directory the item file of a
        content-based model (``item_file=``) is read from (default: the working directory).
        The GIL is released while training; Ctrl-C stops at the end of an epoch.
        """
        columns = dict(user_col=user_col, item_col=item_col, rating_col=rating_col, timestamp_col=timestamp_col)
        data = self._dataset(user_items, items, ratings, columns)
        if self._implicit_feedback():
            what = "ratings" if items is not None else f"column {rating_col!r}" if is_frame(user_items) else "user_items"
            _refuse_negative_entries(data, what)
        self._fit_dataset(data, show_progress, callback, item_dir)
        # A Dataset made here is now held by the model alone: the by-item copy of the
        # matrix that some models build while training can go (refused while the caller
        # holds the Dataset).
        del data
        self._engine.release_training_columns()
        return self

    def _implicit_feedback(self) -> bool:
        """Whether the model reads values as implicit feedback (its ``implicit`` parameter
        as used: IALS always, EASE and AsySVD by default), so that they must be ≥ 0."""
        return self.get_params().get("implicit") is True

    def _fit_dataset(self, data: Dataset, show_progress: bool, callback: Any, item_dir: Any) -> None:
        params = _params_json(self._kind, self.params)
        engine = _rustrec.Engine.fit(
            self._kind,
            params,
            data._d,
            _seed_of(self.seed),
            self.threads,
            self._on_epoch(show_progress, callback),
            os.fspath(item_dir) if item_dir is not None else (os.getcwd() if self._info.get("inputs", []) != ["ratings"] else None),
            threads_arg=getattr(self, "_threads_arg", "threads"),
        )
        self._engine = engine
        self._cache = {}

    # -- recommendations -----------------------------------------------------------------
    def _rows(self, user_items: Any, n_rows: int, what: str = "user_items", history: bool = False) -> sp.csr_matrix:
        """``user_items`` checked against the model: one row per user asked for, one column
        per item; with ``history`` its values are the users' histories and are checked as
        such (:meth:`_check_history`)."""
        m = user_items_csr(user_items, what)
        if history:
            self._check_history(m, what)
        m = self._prepare_query(m, what)
        n_items = self._fitted().n_items
        if m.shape[0] != n_rows or m.shape[1] != n_items:
            hint = ""
            if m.shape[0] != n_rows and n_rows == 1:
                hint = " (for one user pass that user's row: user_items[userid])"
            elif m.shape[0] != n_rows:
                hint = " (pass user_items[userids]: one row per user asked for)"
            raise ValueError(
                f"{what} has shape {m.shape}: expected ({n_rows}, {n_items}), one row per user "
                f"asked for and one column per item of the model{hint}"
            )
        return m

    def _check_history(self, m: sp.csr_matrix, what: str) -> None:
        """Refuses a history value the model cannot use, as ``rustrec recommend --history``
        and the server refuse it: a rating model takes ratings within the range of its
        training ratings (any finite one when its file does not store that range), a
        ranking model weights > 0 (a negative weight would count as a like, or push scores
        down, a zero one adds an item that weighs nothing). The error names ``what``, the
        row, column and value. Non-finite values are left to the engine, which names them."""
        engine = self._fitted()
        if engine.is_rating():
            valid = engine.rating_range()
            if valid is None:
                return
            lo, hi = valid
            bad = np.flatnonzero((m.data < lo) | (m.data > hi))
            rule = (
                f"is outside the model's rating range [{lo:g}, {hi:g}] (its training ratings; "
                f"rustrec recommend --history refuses it too): give ratings from {lo:g} to {hi:g}"
            )
        else:
            if self._implicit_feedback():
                refuse_negative(m, what)  # the wording fit uses for implicit feedback
            bad = np.flatnonzero(m.data <= 0)
            rule = (
                "is not > 0: a ranking model's history holds weights > 0 (as rustrec recommend "
                "--history takes them); drop that entry (m.eliminate_zeros() drops stored zeros)"
            )
        if bad.size:
            k = int(bad[0])
            row = int(np.searchsorted(m.indptr, k, side="right")) - 1
            raise ValueError(f"{what}: row {row}, column {int(m.indices[k])} has the value {m.data[k]}, which {rule}")

    def _prepare_query(self, m: sp.csr_matrix, what: str = "user_items") -> sp.csr_matrix:
        """Histories given to a fitted model: implicit feedback must be ≥ 0 (a hook for
        the implicit-compatible classes' value transforms too)."""
        if self._implicit_feedback():
            refuse_negative(m, what)
        return m

    def recommend(
        self,
        userid: Any,
        user_items: Any = None,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: Any = None,
        recalculate_user: bool = False,
        items: Any = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """The ``N`` best items for a user index or an array of user indices.

        Returns ``(ids, scores)``: int32 item indices and float32 scores, 1-D for one user,
        2-D (users × N) for an array. ``user_items`` holds one row per user asked for (the
        items to leave out and, with ``recalculate_user=True``, the history to fold in);
        ``None`` leaves out the training interactions stored in the model.
        ``filter_items``: item indices never recommended; ``items``: the only candidates.
        Both may be given (as ``rustrec recommend --allow --block``), but an item in both
        is a contradiction: refused with a ``ValueError`` naming it. (implicit refuses the
        two together.) Rows with fewer candidates than ``N`` end in id -1, score -inf.
        Item indices map to raw ids with ``item_ids``. A history folded in
        (``recalculate_user=True``) is checked as ``rustrec recommend --history`` checks
        one: ratings within the model's rating range for a rating model, weights > 0 for a
        ranking model (``ValueError`` naming the row, column and value).
        """
        engine = self._fitted()
        users, scalar = index_array(userid, "userid")
        rows = None
        if user_items is not None and (filter_already_liked_items or recalculate_user):
            rows = csr_arrays(self._rows(user_items, len(users), history=bool(recalculate_user)))
        if recalculate_user and rows is None:
            raise ValueError("recalculate_user=True needs user_items: the history of every user asked for")
        if not filter_already_liked_items:
            seen = 0
        elif user_items is None:
            seen = 1
        else:
            seen = 2
        N = count_argument(N, "N")
        ids, scores = engine.recommend(
            users,
            N,
            seen,
            *(rows if rows is not None else (None, None, None)),
            recalculate=bool(recalculate_user),
            block=optional_indices(filter_items, "filter_items"),
            allow=optional_indices(items, "items"),
        )
        if scalar:
            return ids[0], scores[0]
        return ids, scores

    def score(self, userid: Any, user_items: Any = None) -> np.ndarray:
        """Scores of every item (users × items, or 1-D for one user), from the model's
        user vectors or — with ``user_items`` — from those histories by fold-in (checked as
        :meth:`recommend` checks a history with ``recalculate_user=True``)."""
        engine = self._fitted()
        users, scalar = index_array(userid, "userid")
        rows = csr_arrays(self._rows(user_items, len(users), history=True)) if user_items is not None else (None, None, None)
        out = engine.score(users, *rows)
        return out[0] if scalar else out

    def rank_items(self, userid: Any, user_items: Any, selected_items: Any, recalculate_user: bool = False) -> Tuple[np.ndarray, np.ndarray]:
        """``selected_items`` ranked for the user, best first (implicit's ``rank_items``);
        each item once (a repeat is refused, naming it: the answer would have one entry
        fewer than the list)."""
        sel, _ = index_array(selected_items, "selected_items")
        _refuse_repeats(sel, "selected_items", "give each item once (the answer ranks each item once)")
        return self.recommend(
            userid,
            user_items,
            N=len(sel),
            filter_already_liked_items=False,
            items=sel,
            recalculate_user=recalculate_user,
        )

    def similar_items(
        self,
        itemid: Any,
        N: int = 10,
        recalculate_item: bool = False,
        item_users: Any = None,
        filter_items: Any = None,
        items: Any = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """The ``N`` items most similar to an item index (or each of an array): cosine of
        the item factors for factor models (MF, BPR, ALS, AsySVD), the learned
        similarities for item-based models (ItemKNN, SLIM, EASE, hybrids). The item itself
        comes first for factor models. 1-D results for one item, 2-D for an array.
        ``filter_items`` and ``items`` as in :meth:`recommend` (an item in both is refused)."""
        if recalculate_item or item_users is not None:
            raise NotImplementedError("similar_items(recalculate_item=True) is not supported: fold the item in with partial_fit_items first")
        q, scalar = index_array(itemid, "itemid")
        ids, scores = self._fitted().similar_items(
            q, count_argument(N, "N"), optional_indices(filter_items, "filter_items"), optional_indices(items, "items")
        )
        return (ids[0], scores[0]) if scalar else (ids, scores)

    def similar_users(self, userid: Any, N: int = 10, filter_users: Any = None, users: Any = None) -> Tuple[np.ndarray, np.ndarray]:
        """The ``N`` users most similar to a user index (cosine of the user factors;
        factor models with user vectors only). ``filter_users``: user indices never listed;
        ``users``: the only candidates (a user in both is refused, naming it)."""
        q, scalar = index_array(userid, "userid")
        ids, scores = self._fitted().similar_users(
            q, count_argument(N, "N"), optional_indices(filter_users, "filter_users"), optional_indices(users, "users")
        )
        return (ids[0], scores[0]) if scalar else (ids, scores)

    def predict(self, users: Any, items: Any) -> np.ndarray:
        """Predicted ratings (rating models) or scores for (user index, item index) pairs;
        a scalar for one pair."""
        u, scalar_u = index_array(users, "users")
        i, scalar_i = index_array(items, "items")
        out = self._fitted().predict(u, i)
        return out[0] if (scalar_u and scalar_i) else out

    # -- incremental -------------------------------------------------------------------
    def partial_fit_users(self, userids: Any, user_items: Any, iterations: int = 1) -> "Recommender":
        """Folds in new or changed users: ``user_items`` has one row per entry of
        ``userids`` (indices; indices past the last user grow the model, within the
        limit ``fit`` sets for integer indices).

        ALS and iALS re-solve these users and every item (``iterations`` ALS iterations on
        all stored interactions with these rows replaced), so the result stays close to a
        refit; every other model with a fold-in (MF, BPR, EASE, SLIM, ItemKNN, AsySVD,
        baselines) keeps the rows and scores those users from them by fold-in (their
        ``user_factors`` rows are not updated). A new index past the next one leaves a gap:
        the users in it are users with an empty history (scored by the fold-in of an
        empty history; ALS gives them zero factors). ``save`` and pickling keep the
        folded-in users, so a reloaded model scores and filters every user the same. The
        histories are checked as :meth:`recommend` checks one with ``recalculate_user=True``
        (ratings within the model's rating range, or weights > 0).
        """
        engine = self._fitted()
        ids, _ = index_array(userids, "userids")
        _refuse_repeats(ids, "userids", "each has its own row of user_items: give each user once, with its whole history in one row")
        iterations = whole_number(iterations, "iterations", 1)
        m = user_items_csr(user_items, "user_items")
        self._check_history(m, "user_items")
        m = self._prepare_query(m)
        if m.shape[0] != len(ids) or m.shape[1] != engine.n_items:
            raise ValueError(
                f"user_items has shape {m.shape}: expected ({len(ids)}, {engine.n_items}), one row per user id"
            )
        engine.partial_fit_users(ids, *csr_arrays(m), iterations=iterations)
        self._cache = {}
        return self

    def partial_fit_items(self, itemids: Any, item_users: Any, iterations: int = 1) -> "Recommender":
        """Folds in new or changed items (ALS and iALS only): ``item_users`` has one row of
        users per entry of ``itemids``; those items and their users are re-solved."""
        engine = self._fitted()
        ids, _ = index_array(itemids, "itemids")
        _refuse_repeats(ids, "itemids", "each has its own row of item_users: give each item once, with all its users in one row")
        iterations = whole_number(iterations, "iterations", 1)
        m = user_items_csr(item_users, "item_users")
        self._check_history(m, "item_users")
        m = self._prepare_query(m, "item_users")
        if m.shape[0] != len(ids) or m.shape[1] != engine.n_users:
            raise ValueError(
                f"item_users has shape {m.shape}: expected ({len(ids)}, {engine.n_users}), one row per item id"
            )
        engine.partial_fit_items(ids, *csr_arrays(m), iterations=iterations)
        self._cache = {}
        return self

    # -- attributes --------------------------------------------------------------------
    def _cached(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    @property
    def user_factors(self) -> np.ndarray:
        """User factors, users × k (float32; MF, BPR, ALS).

        A read-only view of the model's own table, no copy: rows are padded to a multiple
        of 16 floats for the SIMD kernels, so the array is C-contiguous when k is a
        multiple of 16 and strided otherwise (``np.ascontiguousarray`` copies it). It stays
        valid after a partial fit, which builds a new table (read the attribute again for
        the new factors)."""
        v = self._cached("user_factors", lambda: _readonly(self._fitted().user_factors()))
        if v is None:
            raise AttributeError(f"model kind `{self.kind}` has no user factors")
        return v

    @property
    def item_factors(self) -> np.ndarray:
        """Item factors, items × k (float32; MF, BPR, ALS, AsySVD): a read-only view of
        the model's table, as ``user_factors``."""
        v = self._cached("item_factors", lambda: _readonly(self._fitted().item_factors()))
        if v is None:
            raise AttributeError(f"model kind `{self.kind}` has no item factors")
        return v

    @property
    def item_biases(self) -> Optional[np.ndarray]:
        """Item biases (MF, BPR, explicit ALS), or None."""
        return self._cached("item_biases", lambda: _readonly(self._fitted().item_biases()))

    @property
    def user_biases(self) -> Optional[np.ndarray]:
        """User biases (MF, explicit ALS), or None."""
        return self._cached("user_biases", lambda: _readonly(self._fitted().user_biases()))

    @property
    def user_ids(self) -> np.ndarray:
        """Raw user ids in index order (int64, or str objects)."""
        return self._cached("user_ids", lambda: ids_array(self._fitted().user_ids))

    @property
    def item_ids(self) -> np.ndarray:
        """Raw item ids in index order."""
        return self._cached("item_ids", lambda: ids_array(self._fitted().item_ids))

    @property
    def history(self) -> List[Dict[str, Any]]:
        """Per-epoch figures of the fit (``epoch``, ``train_loss``, ``samples``, ``seconds``,
        ``samples_per_sec``, ``learning_rate``); empty for non-iterative and loaded models."""
        return self._fitted().history

    @property
    def train_data(self) -> Optional[Dataset]:
        """The training interactions stored in the model (what ``user_items=None``
        filters), or None."""
        d = self._fitted().train_data()
        return None if d is None else Dataset(d)

    @property
    def n_users(self) -> int:
        return self._fitted().n_users

    @property
    def n_items(self) -> int:
        return self._fitted().n_items

    # -- persistence -------------------------------------------------------------------
    def save(self, path: Any) -> None:
        """Writes the model file (the CLI's safetensors format: ``rustrec recommend --model``,
        ``eval``, ``predict`` read it, and so does :func:`rustrec.load`).

        A ``path`` naming a file the model was read from is refused before anything is
        written (``ValueError``): the model file :func:`rustrec.load` read, the rating files
        of its training data (``read_ratings``, ``read_train_test``, and their splits) and
        the item files of a content-based model. Data passed as arrays or frames has no
        file to protect."""
        target = os.fspath(path)
        self._fitted().save(target, what="save(path)")

    def _state(self) -> Dict[str, Any]:
        return {"params": self.params, "threads": self.threads, "seed": self.seed}

    def __reduce__(self) -> Any:
        if self._engine is None:
            return (_unpickle_unfitted, (type(self), self._state()))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "model.safetensors")
            self._engine.save(p)
            with open(p, "rb") as f:
                data = f.read()
        # The files save() refuses to overwrite travel with the model.
        state = dict(self._state(), inputs=self._engine.inputs)
        return (_unpickle, (type(self), data, state))

    def __getstate__(self) -> Dict[str, Any]:  # for copy.copy
        return self._state()


def _refuse_repeats(ids: np.ndarray, what: str, why: str) -> None:
    """Refuses an index given twice in ``what`` (the ids of a partial fit, each with its
    own row, one of which would be dropped; the items ``rank_items`` ranks, one of which
    would be missing from the answer); ``why`` ends the message."""
    order = np.argsort(ids, kind="stable")
    repeat = np.flatnonzero(np.diff(ids[order]) == 0)
    if repeat.size:
        first, second = sorted(int(k) for k in order[repeat[0] : repeat[0] + 2])
        raise ValueError(
            f"{what}: index {ids[first]} is given twice (entries {first} and {second}); {why}"
        )


def _array_meaning(users: np.ndarray, items: np.ndarray) -> bool:
    """Whether the arrays of ``fit(users, items, ratings)`` are dense indices (both integer
    arrays: True) or raw ids (both arrays of strings or objects: False). Anything else is
    refused, as its meaning would be a guess: a float array (whole-number floats as raw
    ids would be renumbered in order of first appearance, so index 0 would be whichever
    id came first, while the same numbers as integers are the indices themselves), and an
    integer array beside one of strings (the integers would become raw ids)."""
    if users.size == 0:
        return True  # no interactions: the model names that
    kinds = []
    for what, a in (("users", users), ("items", items)):
        if np.issubdtype(a.dtype, np.floating):
            raise TypeError(
                f"fit(users, items, ratings): {what} has dtype {a.dtype}; give integer indices "
                f"({what}.astype(np.int64): index k is row or column k of the model) or raw ids "
                "as strings, a pandas DataFrame or rustrec.Dataset.from_triplets (raw ids, numbered "
                "in order of first appearance; the model's user_ids / item_ids map them back)"
            )
        kinds.append(np.issubdtype(a.dtype, np.integer))
    if kinds[0] != kinds[1]:
        ints, other = ("users", "items") if kinds[0] else ("items", "users")
        raise TypeError(
            f"fit(users, items, ratings): {ints} are integers (dense indices) but {other} have "
            f"dtype {(items if kinds[0] else users).dtype} (raw ids); give both as integer "
            "indices, or both as raw ids (a pandas DataFrame or rustrec.Dataset.from_triplets, "
            "which take integer and string raw ids alike)"
        )
    return kinds[0]


def _dataset_of_indices(users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> Dataset:
    """The Dataset of ``fit(users, items, ratings)`` with integer arrays: dense indices
    (users ``0..max(users)``, items likewise). An index space far larger than the data (raw
    ids passed as indices) is refused before anything is allocated; see
    ``rustrec.Dataset.from_triplets`` for raw ids."""
    if users.size and (users.min() < 0 or items.min() < 0):
        what, a = ("users", users) if users.min() < 0 else ("items", items)
        k = int(np.argmin(a))
        raise ValueError(f"{what}: row {k} has the index {a[k]}; indices must be ≥ 0")
    shape = []
    for what, a in (("users", users), ("items", items)):
        largest = int(a.max()) if a.size else -1
        _rustrec.check_index_space(what, largest, len(a))
        shape.append(largest + 1)
    order = np.lexsort((items, users))
    repeat = np.flatnonzero((np.diff(users[order]) == 0) & (np.diff(items[order]) == 0))
    if repeat.size:
        # lexsort is stable: the two rows of the first repeated pair, in the order given.
        first, second = sorted(int(r) for r in order[repeat[0] : repeat[0] + 2])
        raise ValueError(
            f"fit(users, items, ratings): (user {users[first]}, item {items[first]}) is given "
            f"twice, at rows {first} and {second}; give each pair once (drop or sum the repeats first)"
        )
    m = sp.csr_matrix((ratings, (users, items)), shape=tuple(shape))
    return Dataset.from_csr(m, what="ratings")


def _refuse_negative_entries(data: Dataset, what: str) -> None:
    """Refuses a negative value in training data of implicit feedback, naming ``what``,
    the user and item (raw id and index) and the value."""
    bad = data._d.first_negative()
    if bad is not None:
        row, col, value = bad
        user, item = data.user_ids[row : row + 1].tolist()[0], data.item_ids[col : col + 1].tolist()[0]
        where = f"user {user!r} (row {row}), item {item!r} (column {col})"
        raise negative_feedback(what, where, value)


def _readonly(a: Optional[np.ndarray]) -> Optional[np.ndarray]:
    if a is not None:
        a.flags.writeable = False
    return a


def _from_engine(cls: Type[Recommender], engine: Any, state: Optional[Dict[str, Any]] = None) -> Recommender:
    obj = cls.__new__(cls)
    state = state or {}
    obj.params = dict(state.get("params") or {})
    if not obj.params:
        p = json.loads(engine.params)
        p.pop("kind", None)
        obj.params = p
    obj.threads = state.get("threads", engine.threads)
    # A loaded model keeps the seed its file records (a refit then trains the same model).
    obj.seed = state.get("seed", engine.seed)
    obj._engine = engine
    obj._cache = {}
    extra = state.get("extra")
    if extra:
        obj.__dict__.update(extra)
    return obj


def _unpickle(cls: Type[Recommender], data: bytes, state: Dict[str, Any]) -> Recommender:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "model.safetensors")
        with open(p, "wb") as f:
            f.write(data)
        engine = _rustrec.Engine.load(p, int(state.get("threads") or 0), inputs=list(state.get("inputs") or []))
    return _from_engine(cls, engine, state)


def _unpickle_unfitted(cls: Type[Recommender], state: Dict[str, Any]) -> Recommender:
    obj = cls.__new__(cls)
    obj.params = state["params"]
    obj.threads = state["threads"]
    obj.seed = state["seed"]
    obj._engine = None
    obj._cache = {}
    extra = state.get("extra")
    if extra:
        obj.__dict__.update(extra)
    return obj


def make_class(info: Dict[str, Any]) -> Type[Recommender]:
    """The class of one registry entry: keyword arguments, defaults and docstring from its
    parameter table."""
    names = tuple(p["name"] for p in info["params"])
    # (A parameter the kind fixes has that value as its default: see registry_json.)
    defaults = {p["name"]: p["default"] for p in info["params"]}
    name = class_name(info["kind"])
    cls = type(
        name,
        (Recommender,),
        {
            "__doc__": _doc(info),
            "__module__": "rustrec",
            "__qualname__": name,
            "_kind": info["kind"],
            "_info": info,
            "_param_names": names,
            "_defaults": defaults,
        },
    )
    sig = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for p in info["params"]:
        sig.append(inspect.Parameter(param_to_py(p["name"]), inspect.Parameter.KEYWORD_ONLY, default=p["default"]))
    for opt, default in (("threads", 0), ("seed", 0)):
        if opt not in names:
            sig.append(inspect.Parameter(opt, inspect.Parameter.KEYWORD_ONLY, default=default))
    cls.__signature__ = inspect.Signature(sig)  # type: ignore[attr-defined]
    return cls


def load(path: Any, threads: int = 0) -> Recommender:
    """Reads a model file written by ``rustrec fit --out`` or by ``save()``, of any kind:
    an instance of the kind's class, fitted, with the training interactions the file
    stores (so ``recommend(user, None)`` leaves out what each user has seen), the users
    ``partial_fit_users`` folded in before saving, and the seed the file records (0 when
    it records none). ``threads`` is the new pool's size (0 = one per core), not stored."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise FileNotFoundError(f"no such model file: {p!r}")
    threads = thread_count(threads, "threads")
    engine = _rustrec.Engine.load(p, threads)
    from . import _classes_by_kind

    cls = _classes_by_kind().get(engine.kind, Recommender)
    return _from_engine(cls, engine, {"threads": threads})

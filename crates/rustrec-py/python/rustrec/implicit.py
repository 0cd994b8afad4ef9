"""A drop-in for the ``implicit`` package (0.7): the same classes, constructor arguments
and ``RecommenderBase`` methods, trained by rustrec.

Change the import and the rest of the code runs unchanged, including
``implicit.evaluation.ndcg_at_k`` / ``ranking_metrics_at_k`` / ``precision_at_k``::

    # from implicit.als import AlternatingLeastSquares
    from rustrec.implicit import AlternatingLeastSquares

    model = AlternatingLeastSquares(factors=64, iterations=15, random_state=0)
    model.fit(user_items)                      # users × items CSR
    ids, scores = model.recommend(userids, user_items[userids], N=10)

How implicit's hyperparameters map to rustrec (read from implicit 0.7.3's source):

``AlternatingLeastSquares`` → kind ``ials``. implicit's confidence of a stored value r is
``c = alpha·r`` (its solver adds ``(c − 1)·y yᵀ`` to ``YᵀY + λI`` and ``c·y`` to the right-hand
side), which is rustrec's ``c = 1 + α'·r'`` with ``α' = 1`` and ``r' = alpha·r − 1``: the
values are transformed so that both solve the same problem. ``regularization`` → ``reg``,
``iterations`` → ``iterations``, ``use_cg=True`` → conjugate gradient with 3 steps
(implicit's ``cg_steps``), ``use_cg=False`` → exact Cholesky. Differences: factors start at
Normal(0, 0.01) instead of Uniform(0, 0.01); negative values (implicit's "disliked with
confidence |r|") are refused; ``dtype`` is always float32.

``BayesianPersonalizedRanking`` → kind ``bpr`` with ``loss="bpr"``: ``factors`` latent
factors plus an item bias (implicit's extra column; ``user_factors`` / ``item_factors`` here
carry that column too, ones for users and biases for items, so ``user_factors @
item_factors.T`` are the scores, and ``similar_items`` / ``similar_users`` rank by the
cosine over them as implicit does), ``learning_rate`` → ``lr``, ``regularization`` → ``reg``,
plain SGD, ``iterations`` → ``epochs``, factors from Uniform(−0.5/k, 0.5/k) as implicit.
Negatives are drawn uniformly among the items the user has not interacted with
(``verify_negative_samples=False`` cannot turn the check off). implicit 0.7.3 draws them
from its list of interactions — so in proportion to item popularity — and skips a sample
whose negative the user liked; rustrec's ``popularity_alpha = 1`` would mimic that, but it
trains slower and ranks worse on MovieLens (``BPR_POPULARITY_ALPHA`` below). Positives:
implicit samples interactions with replacement, rustrec visits each once per epoch in a
seeded order. Training is reproducible for any ``num_threads`` (implicit's is not).

``CosineRecommender``, ``TFIDFRecommender``, ``BM25Recommender`` → kind ``item-knn`` with
``K`` neighbours (``neighbours``), shrink 0 and: cosine; ``weighting="tfidf"`` with cosine;
``weighting="bm25"`` (``K1`` → ``bm25_k1``, ``B`` → ``bm25_b``) with the plain ``dot``
product — implicit's weightings and measures. One difference: implicit keeps the ``K``
best neighbours of each *liked* item (the item itself among them), rustrec the ``K`` best
of each *recommended* item (never itself), so the scores agree exactly only when ``K``
covers every neighbour.

``use_gpu=True`` is an error (rustrec trains on the CPU). ``save`` writes rustrec's model
file with the class and its constructor arguments; ``load`` on a class reads only files its
own ``save`` wrote (another kind, another class, or a file of ``rustrec fit`` is refused,
naming what the file holds: read those with ``rustrec.load``).
"""

from __future__ import annotations

import inspect
import json
import os
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from . import _rustrec
from ._convert import index_array, refuse_negative, thread_count, training_matrix, user_items_csr, whole_number
from ._model import Recommender, _params_json, _seed_of

__all__ = [
    "RecommenderBase",
    "AlternatingLeastSquares",
    "BayesianPersonalizedRanking",
    "CosineRecommender",
    "BM25Recommender",
    "TFIDFRecommender",
    "ItemItemRecommender",
    "ModelFitError",
]


class ModelFitError(Exception):
    """implicit's error for a fit that produced NaN factors."""


def _finite(value: Any, what: str) -> float:
    """A real-valued constructor argument: a finite number (not a bool or a string)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} = {value!r}: expected a finite number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{what} = {value!r}: expected a finite number")
    return float(value)


def _no_gpu(use_gpu: bool) -> None:
    if use_gpu:
        raise ValueError(
            "use_gpu=True: rustrec trains on the CPU only; drop use_gpu (its CPU training is "
            "multi-threaded: num_threads=)"
        )


class RecommenderBase(Recommender):
    """implicit's ``RecommenderBase`` methods over a rustrec model: ``fit``,
    ``recommend``, ``similar_items``, ``similar_users``, ``rank_items``,
    ``partial_fit_users``, ``save``, ``load``."""

    _kind = ""
    _param_names: Tuple[str, ...] = ()
    _defaults: Dict[str, Any] = {}

    def __init__(self, params: Dict[str, Any], num_threads: int, random_state: Any) -> None:
        self.params = params
        self._threads_arg = "num_threads"
        self.threads = thread_count(num_threads or 0, "num_threads")
        self.seed = _seed_of(random_state)
        self.num_threads = self.threads
        self.random_state = random_state
        self._engine = None
        self._cache = {}

    def fit(self, user_items: Any, show_progress: bool = True, callback: Optional[Callable[..., Any]] = None) -> None:  # type: ignore[override]
        """Trains on ``user_items`` (users × items CSR). ``callback(iteration, seconds,
        loss)`` is called after every iteration, as implicit does."""
        from ._data import Dataset

        # The engine copies what it needs; drop the transformed matrix before training.
        data = Dataset.from_csr(self._prepare_matrix(training_matrix(user_items)))

        def on_epoch(epoch: int, figures: Dict[str, Any]) -> Any:
            if callback is not None:
                return callback(epoch - 1, figures["seconds"], figures["train_loss"])
            return None

        self._engine = _rustrec.Engine.fit(
            self._kind,
            _params_json(self._kind, self.params),
            data._d,
            self.seed,
            self.threads,
            on_epoch if callback is not None else None,
            None,
            threads_arg="num_threads",
        )
        # The model now holds the only reference to the matrix (kept to filter what users
        # liked): the by-item copy ALS and item-KNN built while training can go.
        del data
        self._engine.release_training_columns()
        self._cache = {}

    def recommend(  # type: ignore[override]
        self,
        userid: Any,
        user_items: Any = None,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: Any = None,
        recalculate_user: bool = False,
        items: Any = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """implicit's ``recommend``: ``(ids, scores)``, 1-D for one user, 2-D for an array
        of users; ``user_items`` holds one row per user asked for (``None``: the training
        interactions stored in the model)."""
        return super().recommend(userid, user_items, N, filter_already_liked_items, filter_items, recalculate_user, items)

    def _check_history(self, m: sp.csr_matrix, what: str) -> None:
        """implicit's rule for the values of a history: ≥ 0 (a negative value, implicit's
        'disliked with confidence |r|', is refused, naming the row, column and value; 0 is
        kept, as implicit keeps it)."""
        refuse_negative(m, what)

    def to_cpu(self) -> "RecommenderBase":
        """The model itself (it already lives on the CPU)."""
        return self

    def to_gpu(self) -> "RecommenderBase":
        raise NotImplementedError("rustrec trains on the CPU only: to_gpu() is not available")

    def save(self, file: Any) -> None:  # type: ignore[override]
        """Writes the model in rustrec's model file format (a ``.npz`` name is kept as
        given; the file is safetensors either way), with the class and its constructor
        arguments, from which ``load`` rebuilds the same object. A ``file`` the model was
        read from (its training data's rating files, the model file ``load`` read) is
        refused, as by :meth:`rustrec.Recommender.save`."""
        record = {"class": type(self).__name__, "init": self._init_args()}
        self._fitted().save(os.fspath(file), json.dumps(record), what="save(file)")

    def _init_args(self) -> Dict[str, Any]:
        """The constructor arguments of this model, as JSON values (a ``random_state`` that
        is a numpy generator is saved as None: a refit after ``load`` draws a fresh seed)."""
        out: Dict[str, Any] = {}
        for name in inspect.signature(type(self).__init__).parameters:
            if name == "self" or not hasattr(self, name):
                continue
            value = getattr(self, name)
            if isinstance(value, np.dtype):
                value = value.name
            elif isinstance(value, np.generic):
                value = value.item()
            elif name == "random_state" and not isinstance(value, (int, type(None))):
                value = None
            out[name] = value
        return out

    @classmethod
    def load(cls, fileobj_or_path: Any) -> "RecommenderBase":
        """Reads a model written by this class's ``save``: the same class, constructor
        arguments (``alpha``, ``factors``, ``regularization``, ...) and factors. A file
        of another model kind or class, or one written by ``rustrec fit --out`` or
        ``rustrec.Recommender.save`` (which has no implicit-style arguments), is refused:
        read those with ``rustrec.load``."""
        p = os.fspath(fileobj_or_path)
        if not os.path.exists(p):
            raise FileNotFoundError(f"no such model file: {p!r}")
        engine = _rustrec.Engine.load(p, 0)
        if engine.kind != cls._kind:
            raise ValueError(
                f"{p!r} holds a model of kind `{engine.kind}`; {cls.__name__}.load reads files "
                f"of kind `{cls._kind or '(none: use a model class)'}` written by "
                f"{cls.__name__}.save (read this one with rustrec.load)"
            )
        record = json.loads(engine.training or "null") or {}
        saved = record.get("python") if isinstance(record, dict) else None
        written_by = saved.get("class") if isinstance(saved, dict) else None
        if written_by != cls.__name__:
            raise ValueError(
                f"{p!r} was written by {written_by + '.save' if written_by else 'rustrec fit or rustrec.Recommender.save'}, "
                f"not by {cls.__name__}.save, so it has no {cls.__name__} arguments; read it "
                "with rustrec.load, or with the class that wrote it"
            )
        obj = cls(**saved["init"])
        obj._engine = engine
        return obj

    def _state(self) -> Dict[str, Any]:
        s = super()._state()
        s["extra"] = {k: v for k, v in self.__dict__.items() if k not in ("_engine", "_cache", "params", "threads", "seed")}
        return s


class AlternatingLeastSquares(RecommenderBase):
    """implicit's ``AlternatingLeastSquares`` (Hu, Koren & Volinsky 2008; conjugate
    gradient after Takács et al. 2011), trained by rustrec's ``ials``. See the module docs
    for how the hyperparameters map."""

    _kind = "ials"

    def __init__(
        self,
        factors: int = 100,
        regularization: float = 0.01,
        alpha: float = 1.0,
        dtype: Any = np.float32,
        use_native: bool = True,
        use_cg: bool = True,
        iterations: int = 15,
        calculate_training_loss: bool = False,
        num_threads: int = 0,
        random_state: Any = None,
        use_gpu: bool = False,
    ) -> None:
        _no_gpu(use_gpu)
        self.factors = whole_number(factors, "factors", 1)
        self.regularization = _finite(regularization, "regularization")
        self.alpha = _finite(alpha, "alpha")
        self.dtype = np.dtype(dtype)
        self.use_native = use_native
        self.use_cg = bool(use_cg)
        self.iterations = whole_number(iterations, "iterations", 1)
        self.calculate_training_loss = calculate_training_loss
        self.cg_steps = 3
        super().__init__(self._rustrec_params(), num_threads, random_state)

    def _rustrec_params(self) -> Dict[str, Any]:
        return {
            "factors": self.factors,
            "iterations": self.iterations,
            "reg": self.regularization,
            "alpha": 1.0,
            "solver": {"kind": "cg", "steps": self.cg_steps} if self.use_cg else {"kind": "cholesky"},
        }

    def fit(self, user_items: Any, show_progress: bool = True, callback: Optional[Callable[..., Any]] = None) -> None:  # type: ignore[override]
        self.params = self._rustrec_params()
        super().fit(user_items, show_progress, callback)

    def _confidence(self, m: sp.csr_matrix, what: str = "user_items") -> sp.csr_matrix:
        """implicit's confidence ``alpha·r`` as rustrec's values ``alpha·r − 1`` (see the
        module docs); negative values (implicit's 'disliked' entries) are refused."""
        refuse_negative(m, what)
        # New values, shared structure: only the data array is copied.
        data = m.data.astype(np.float32, copy=True)
        data *= np.float32(self.alpha)
        data -= np.float32(1.0)
        return sp.csr_matrix((data, m.indices, m.indptr), shape=m.shape, copy=False)

    def _prepare_matrix(self, m: sp.csr_matrix) -> sp.csr_matrix:
        return self._confidence(m)

    def _prepare_query(self, m: sp.csr_matrix, what: str = "user_items") -> sp.csr_matrix:
        return self._confidence(m, what)

    def recalculate_user(self, userid: Any, user_items: Any) -> np.ndarray:
        """The least-squares user factors of the given histories (one row per user),
        without storing them (implicit's ``recalculate_user``)."""
        users, scalar = index_array(userid, "userid")
        m = self._rows(user_items, len(users))
        out = _least_squares_rows(self.item_factors, m, self.regularization)
        return out[0] if scalar else out

    def recalculate_item(self, itemid: Any, item_users: Any) -> np.ndarray:
        """The least-squares item factors of the given histories (``item_users``: items ×
        users, one row per item asked for, one column per user of the model), without
        storing them (implicit's ``recalculate_item``)."""
        items, scalar = index_array(itemid, "itemid")
        m = user_items_csr(item_users, "item_users")
        n_users = self.user_factors.shape[0]
        if m.shape != (len(items), n_users):
            raise ValueError(
                f"item_users has shape {m.shape}: expected ({len(items)}, {n_users}), one row "
                "per item asked for and one column per user of the model"
            )
        out = _least_squares_rows(self.user_factors, self._confidence(m, "item_users"), self.regularization)
        return out[0] if scalar else out

    def similar_items(  # type: ignore[override]
        self,
        itemid: Any,
        N: int = 10,
        recalculate_item: bool = False,
        item_users: Any = None,
        filter_items: Any = None,
        items: Any = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """implicit's ``similar_items``: cosine of the item factors; with
        ``recalculate_item=True`` the items' factors are first solved from ``item_users``
        (see ``recalculate_item``)."""
        if not recalculate_item:
            if item_users is not None:
                raise ValueError("item_users is used only with recalculate_item=True")
            return super().similar_items(itemid, N, filter_items=filter_items, items=items)
        if item_users is None:
            raise ValueError("recalculate_item=True needs item_users (items × users, one row per item)")
        q, scalar = index_array(itemid, "itemid")
        if items is not None and filter_items is not None:
            # An item in both lists is refused, naming it, as recommend refuses it.
            self._fitted().check_allow_block(index_array(items, "items")[0], index_array(filter_items, "filter_items")[0])
        n = whole_number(N, "N", 0, limit=None)
        factors = self.recalculate_item(q, item_users)
        ids, scores = _cosine_top_n(self.item_factors, factors, n, filter_items, items)
        return (ids[0], scores[0]) if scalar else (ids, scores)

    def explain(
        self, userid: Any, user_items: Any, itemid: Any, user_weights: Any = None, N: int = 10
    ) -> Tuple[float, list, Any]:
        """Why the model scores ``itemid`` for ``userid`` (Hu, Koren & Volinsky 2008, §5;
        implicit's ``explain``): the score as a sum of one contribution per item the user
        liked, ``s_j = c_uj · y_iᵀ W_u y_j`` with ``W_u = (YᵀC_uY + λI)⁻¹``.

        ``user_items`` is the users × items matrix (row ``userid`` is read) or that user's
        row alone. Returns ``(total_score, [(itemid, contribution), ...] best first (at most
        N), user_weights)``; pass ``user_weights`` back to explain more items of the same
        user without refactoring ``W_u``."""
        import scipy.linalg

        n_items = self.item_factors.shape[0]
        # A user's row alone may be of a user the model does not have (yet): userid is
        # checked against user_items below, not against the model's users.
        u = whole_number(userid, "userid", 0, limit=None)
        itemid = _one_index(itemid, n_items, "itemid")
        N = whole_number(N, "N", 0, limit=None)
        m = user_items_csr(user_items, "user_items")
        if m.shape[1] != n_items or not (m.shape[0] == 1 or m.shape[0] > u):
            raise ValueError(
                f"user_items has shape {m.shape}: expected the users × items matrix (more than "
                f"{u} rows) or the user's row alone (1 row), with {n_items} columns"
            )
        row = m[0] if m.shape[0] == 1 else m[u]
        idx, val = row.indices, row.data.astype(np.float64) * self.alpha
        y = self.item_factors.astype(np.float64)
        if user_weights is None:
            keep = val > 0
            yi = y[idx[keep]]
            a = y.T @ y + self.regularization * np.eye(y.shape[1])
            a += (yi * (val[keep] - 1.0)[:, None]).T @ yi
            user_weights = scipy.linalg.cho_factor(a)
        weighted = scipy.linalg.cho_solve(user_weights, y[int(itemid)])
        contributions = []
        total = 0.0
        for j, c in zip(idx, val):
            if c < 0:
                continue
            score = float(weighted @ y[j]) * c
            total += score
            contributions.append((int(j), score))
        contributions.sort(key=lambda t: -t[1])
        return total, contributions[: int(N)], user_weights


def _least_squares_rows(fixed: np.ndarray, m: sp.csr_matrix, reg: float) -> np.ndarray:
    """Row ``r``'s factors ``(FᵀF + λI + Σ w f fᵀ)⁻¹ Σ (w + 1) f`` over its entries, with
    ``m`` holding ``w = c − 1`` (implicit's least squares with confidence ``c``); rows
    without entries stay zero."""
    f = fixed.astype(np.float64)
    gram = f.T @ f + reg * np.eye(f.shape[1])
    out = np.zeros((m.shape[0], f.shape[1]), dtype=np.float32)
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        if lo == hi:
            continue
        fi = f[m.indices[lo:hi]]
        w = m.data[lo:hi].astype(np.float64)
        a = gram + (fi * w[:, None]).T @ fi
        b = ((w + 1.0)[:, None] * fi).sum(axis=0)
        out[r] = np.linalg.solve(a, b)
    return out


def _cosine_top_n(
    factors: np.ndarray, queries: np.ndarray, n: int, filter_items: Any, items: Any
) -> Tuple[np.ndarray, np.ndarray]:
    """The ``n`` rows of ``factors`` with the largest cosine to each query row (2-D
    results), among ``items`` (or all rows) but those of ``filter_items`` (the caller
    refuses an item in both)."""
    n_items = factors.shape[0]
    for name, given in (("items", items), ("filter_items", filter_items)):
        if given is not None:
            _check_indices(index_array(given, name)[0], n_items, name)
    candidates = np.arange(n_items) if items is None else np.unique(index_array(items, "items")[0])
    if filter_items is not None:
        candidates = np.setdiff1d(candidates, index_array(filter_items, "filter_items")[0])
    f = factors[candidates].astype(np.float64)
    norms = np.linalg.norm(f, axis=1)
    norms[norms == 0] = 1.0
    q = np.atleast_2d(queries).astype(np.float64)
    qn = np.linalg.norm(q, axis=1)
    qn[qn == 0] = 1.0
    scores = (q @ f.T) / norms[None, :] / qn[:, None]
    k = min(n, candidates.size)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    # int32 ids, as every other similar_items / recommend answers.
    return candidates[top].astype(np.int32), np.take_along_axis(scores, top, axis=1).astype(np.float32)


def _check_indices(a: np.ndarray, n: int, what: str) -> None:
    """Refuses an index of ``a`` outside ``0..n`` (a negative one would count from the end
    in numpy), with the engine's ``IndexError`` wording: ``what``, the index and the range."""
    bad = a[(a < 0) | (a >= n)]
    if bad.size:
        raise IndexError(f"{what}: index {bad[0]} outside 0..{n}")


def _one_index(value: Any, n: int, what: str) -> int:
    """One index argument (``itemid``): a whole number in ``0..n`` (a float is not
    truncated, a negative index does not count from the end as numpy would)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} = {value!r}: expected an index (a whole number in 0..{n}), got {type(value).__name__}")
    _check_indices(np.array([int(value)], dtype=object), n, what)
    return int(value)


class BayesianPersonalizedRanking(RecommenderBase):
    """implicit's ``BayesianPersonalizedRanking`` (Rendle et al. 2009), trained by
    rustrec's ``bpr``. See the module docs for how the hyperparameters map."""

    _kind = "bpr"

    def __init__(
        self,
        factors: int = 100,
        learning_rate: float = 0.01,
        regularization: float = 0.01,
        dtype: Any = np.float32,
        iterations: int = 100,
        num_threads: int = 0,
        verify_negative_samples: bool = True,
        random_state: Any = None,
        use_gpu: bool = False,
    ) -> None:
        _no_gpu(use_gpu)
        self.factors = whole_number(factors, "factors", 1)
        self.learning_rate = _finite(learning_rate, "learning_rate")
        self.regularization = _finite(regularization, "regularization")
        self.dtype = np.dtype(dtype)
        self.iterations = whole_number(iterations, "iterations", 1)
        self.verify_negative_samples = verify_negative_samples
        super().__init__(self._rustrec_params(), num_threads, random_state)

    def _rustrec_params(self) -> Dict[str, Any]:
        return {
            "loss": "bpr",
            "factors": self.factors,
            "epochs": self.iterations,
            "lr": self.learning_rate,
            "reg": self.regularization,
            "item_bias": True,
            "optimizer": {"kind": "sgd"},
            "popularity_alpha": BPR_POPULARITY_ALPHA,
            "init": {"kind": "uniform", "scale": 0.5 / max(self.factors, 1)},
        }

    def fit(self, user_items: Any, show_progress: bool = True, callback: Optional[Callable[..., Any]] = None) -> None:  # type: ignore[override]
        self.params = self._rustrec_params()
        super().fit(user_items, show_progress, callback)

    @property
    def user_factors(self) -> np.ndarray:  # type: ignore[override]
        """users × (factors + 1): the factors and a column of ones (implicit's layout)."""
        def make() -> np.ndarray:
            u = self._fitted().user_factors()
            a = np.hstack([u, np.ones((u.shape[0], 1), np.float32)])
            a.flags.writeable = False
            return a

        return self._cached("implicit_user_factors", make)

    @property
    def item_factors(self) -> np.ndarray:  # type: ignore[override]
        """items × (factors + 1): the factors and the item bias (implicit's layout)."""
        def make() -> np.ndarray:
            e = self._fitted()
            a = np.hstack([e.item_factors(), e.item_biases()[:, None]])
            a.flags.writeable = False
            return a

        return self._cached("implicit_item_factors", make)


    def similar_items(  # type: ignore[override]
        self,
        itemid: Any,
        N: int = 10,
        recalculate_item: bool = False,
        item_users: Any = None,
        filter_items: Any = None,
        items: Any = None,
    ) -> Tuple[np.ndarray, np.ndarray]:
        """implicit's ``similar_items``: the cosine over ``item_factors`` *with* the bias
        column (implicit's layout), computed as implicit 0.7.3 computes it
        (:func:`_implicit_cosine_top`). 1-D results for one item, 2-D for an array."""
        if recalculate_item or item_users is not None:
            raise NotImplementedError("similar_items(recalculate_item=True) is not supported by BayesianPersonalizedRanking (nor by implicit's)")
        return _implicit_cosine_top(
            self._fitted(), self.item_factors, itemid, N, filter_items, items, "itemid", ("filter_items", "items")
        )

    def similar_users(  # type: ignore[override]
        self, userid: Any, N: int = 10, filter_users: Any = None, users: Any = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """implicit's ``similar_users``: the cosine over ``user_factors`` with the column of
        ones (implicit's layout), as implicit 0.7.3 computes it."""
        return _implicit_cosine_top(
            self._fitted(), self.user_factors, userid, N, filter_users, users, "userid", ("filter_users", "users")
        )


def _implicit_cosine_top(
    engine: Any, factors: np.ndarray, query: Any, N: Any, exclude: Any, allow: Any, what: str, names: Tuple[str, str]
) -> Tuple[np.ndarray, np.ndarray]:
    """The ``N`` rows of ``factors`` most similar to each query row (row indices), as
    implicit 0.7.3's ``MatrixFactorizationBase.similar_items`` computes them in float32:
    row norms (0 replaced by 1e-10), ``q · fᵀ / ‖f‖`` ranked, then divided by ``‖q‖``. Ties
    go to the lower index. Candidates are ``allow`` (all rows when None) without
    ``exclude``; rows past the candidates end in id -1, score -inf (rustrec's convention;
    implicit would list the excluded rows there). An index in both ``allow`` and
    ``exclude`` is refused by ``engine`` (the model), naming it, as ``recommend`` refuses
    it. 1-D results for one query, 2-D for an array; ``names`` name ``exclude`` and
    ``allow`` in errors."""
    n = factors.shape[0]
    q, scalar = index_array(query, what)
    N = whole_number(N, "N", 0, limit=None)
    for name, idx in ((what, q), *zip(names, (exclude, allow))):
        a = np.empty(0, np.int64) if idx is None else index_array(idx, name)[0]
        if a.size and (a.min() < 0 or a.max() >= n):
            bad = a[(a < 0) | (a >= n)][0]
            raise IndexError(f"{name}: index {bad} outside 0..{n}")
    if allow is not None and exclude is not None:
        users = names[1] == "users"
        engine.check_allow_block(index_array(allow, names[1])[0], index_array(exclude, names[0])[0], users=users)
    candidates = np.arange(n) if allow is None else np.unique(index_array(allow, names[1])[0])
    cols = min(N, candidates.size)
    norms = np.linalg.norm(factors, axis=-1)
    norms[norms == 0] = 1e-10
    banned = np.zeros(candidates.size, bool)
    if exclude is not None:
        banned = np.isin(candidates, index_array(exclude, names[0])[0])
    ids = np.full((q.size, cols), -1, np.int32)
    scores = np.full((q.size, cols), -np.inf, np.float32)
    cand_factors, cand_norms = factors[candidates], norms[candidates]
    for start in range(0, q.size, 256):
        rows = q[start : start + 256]
        s = factors[rows].dot(cand_factors.T) / cand_norms
        s[:, banned] = -np.inf
        top = np.argsort(-s, axis=1, kind="stable")[:, :cols]
        best = np.take_along_axis(s, top, axis=1) / norms[rows][:, None]
        keep = np.isfinite(best)
        ids[start : start + 256] = np.where(keep, candidates[top], -1)
        scores[start : start + 256] = np.where(keep, best, -np.inf)
    return (ids[0], scores[0]) if scalar else (ids, scores)


#: How the drop-in's BPR draws negatives: ∝ (count + 1)^α among the user's unseen items;
#: 0 is uniform. implicit draws them from its list of interactions (about α = 1).
BPR_POPULARITY_ALPHA = 0.0


class ItemItemRecommender(RecommenderBase):
    """implicit's item-item nearest-neighbour recommender, trained by rustrec's
    ``item-knn``."""

    _kind = "item-knn"
    _similarity = "cosine"
    _weighting = "none"

    def __init__(self, K: int = 20, num_threads: int = 0, use_gpu: bool = False) -> None:
        _no_gpu(use_gpu)
        self.K = whole_number(K, "K", 1)
        super().__init__(self._item_params(), num_threads, 0)

    def _item_params(self) -> Dict[str, Any]:
        return {"neighbours": self.K, "similarity": self._similarity, "shrink": 0.0, "weighting": self._weighting}

    def similar_users(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise NotImplementedError("similar_users is not supported by item-item models (as in implicit)")


class CosineRecommender(ItemItemRecommender):
    """implicit's ``CosineRecommender``: item-item cosine similarity, ``K`` neighbours."""


class BM25Recommender(ItemItemRecommender):
    """implicit's ``BM25Recommender``: item vectors (their users' values) weighted by Okapi
    BM25 with ``K1`` and ``B``, the plain dot product as similarity, ``K`` neighbours."""

    _similarity = "dot"
    _weighting = "bm25"

    def __init__(self, K: int = 20, K1: float = 1.2, B: float = 0.75, num_threads: int = 0, use_gpu: bool = False) -> None:
        self.K1 = _finite(K1, "K1")
        self.B = _finite(B, "B")
        super().__init__(K, num_threads, use_gpu)

    def _item_params(self) -> Dict[str, Any]:
        return {**super()._item_params(), "bm25_k1": self.K1, "bm25_b": self.B}


class TFIDFRecommender(ItemItemRecommender):
    """implicit's ``TFIDFRecommender``: item vectors weighted by TF-IDF (``√x · idf``), the
    cosine as similarity, ``K`` neighbours."""

    _weighting = "tfidf"

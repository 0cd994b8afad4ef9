"""rustrec: a fast recommender-system engine, from Python.

Every model kind of the engine is a class here, generated from its registry (``MF``,
``BPMF``, ``BPR``, ``ALS``, ``IALS``, ``EASE``, ``SLIM``, ``ItemKNN``, ``ItemKNNCBF``,
``Hybrid``, ``AsySVD``, ``TopPop``, ``Random``; ``rustrec.models()`` lists them with their
parameters). Models take scipy CSR matrices (users × items), numpy arrays or pandas frames
and answer with numpy arrays; they save to and load from the CLI's model files.
``rustrec.implicit`` is a drop-in for the ``implicit`` package's classes.

>>> import rustrec, scipy.sparse as sp
>>> data = rustrec.synthetic("ml-100k", users=200, items=100, ratings=4000, seed=1)
>>> train, test = rustrec.holdout(data, test_fraction=0.2, seed=7)
>>> model = rustrec.BPR(factors=16, epochs=5, seed=3).fit(train.to_implicit(4.0))
>>> ids, scores = model.recommend(0, N=5)
>>> ids.shape
(5,)
"""

from __future__ import annotations

from typing import Any, Dict, List, Type

from . import _rustrec
from ._data import (
    Dataset,
    evaluate,
    holdout,
    leave_k_out,
    read_ratings,
    read_train_test,
    synthetic,
    temporal,
)
from ._model import Recommender, class_name, load, make_class, registry

__version__: str = _rustrec.__version__

_CLASSES: Dict[str, Type[Recommender]] = {}
for _info in registry():
    _cls = make_class(_info)
    _CLASSES[_info["kind"]] = _cls
    globals()[_cls.__name__] = _cls
del _info, _cls


def _classes_by_kind() -> Dict[str, Type[Recommender]]:
    return dict(_CLASSES)


def models() -> List[Dict[str, Any]]:
    """Every model kind: ``kind``, ``class`` (its Python class name), ``about``, ``task``,
    ``inputs``, ``iterative`` and ``params`` (``name``, ``default``, ``range``, ``help``),
    as ``rustrec models --json`` lists them."""
    out = []
    for info in registry():
        info = dict(info)
        info["class"] = class_name(info["kind"])
        out.append(info)
    return out


def model_class(kind: str) -> Type[Recommender]:
    """The class of a model kind (``"ials"`` → ``rustrec.IALS``)."""
    try:
        return _CLASSES[kind]
    except KeyError:
        raise ValueError(f"unknown model kind {kind!r}; this build knows: {', '.join(_CLASSES)}") from None


__all__ = [
    "Dataset",
    "Recommender",
    "evaluate",
    "holdout",
    "leave_k_out",
    "load",
    "model_class",
    "models",
    "read_ratings",
    "read_train_test",
    "synthetic",
    "temporal",
    "__version__",
] + [c.__name__ for c in _CLASSES.values()]

"""Type stubs of the native module (``rustrec._rustrec``). The public API is in
``rustrec``; these are its building blocks."""

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str
MAX_COUNT: int

def registry_json() -> str: ...

class Dataset:
    @staticmethod
    def from_csr(
        indptr: npt.NDArray[np.int64],
        indices: npt.NDArray[np.int32],
        data: npt.NDArray[np.float32],
        n_items: int,
        user_ids: Optional[Union[npt.NDArray[np.int64], List[str]]] = None,
        item_ids: Optional[Union[npt.NDArray[np.int64], List[str]]] = None,
        what: str = "user_items",
        check_shape: bool = True,
    ) -> Dataset: ...
    @staticmethod
    def from_triplets(
        users: Union[npt.NDArray[np.int64], List[str]],
        items: Union[npt.NDArray[np.int64], List[str]],
        values: npt.NDArray[np.float32],
        timestamps: Optional[npt.NDArray[np.int64]] = None,
        duplicates: str = "error",
        what: str = "values",
    ) -> Dataset: ...
    n_users: int
    n_items: int
    nnz: int
    format: str
    user_ids: Union[npt.NDArray[np.int64], List[str]]
    item_ids: Union[npt.NDArray[np.int64], List[str]]
    has_timestamps: bool
    def csr_arrays(self) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]: ...
    def timestamps(self) -> Optional[npt.NDArray[np.int64]]: ...
    def to_implicit(self, threshold: float) -> Dataset: ...
    def first_negative(self) -> Optional[Tuple[int, int, float]]: ...
    def same_id_space(self, other: Dataset) -> bool: ...

class Engine:
    @staticmethod
    def fit(
        kind: str,
        params: str,
        train: Dataset,
        seed: int = 0,
        threads: Optional[int] = None,
        on_epoch: Optional[Callable[[int, Dict[str, Any]], Any]] = None,
        item_dir: Optional[str] = None,
        threads_arg: str = "threads",
    ) -> Engine: ...
    @staticmethod
    def load(
        path: str, threads: Optional[int] = None, inputs: Optional[List[Tuple[str, Union[str, Path]]]] = None, threads_arg: str = "threads"
    ) -> Engine: ...
    def save(self, path: str, python: Optional[str] = None, what: str = "save(path)") -> None: ...
    inputs: List[Tuple[str, Path]]
    def check_allow_block(self, allow: npt.NDArray[np.int64], block: npt.NDArray[np.int64], users: bool = False) -> None: ...
    def release_training_columns(self) -> bool: ...
    holds_training_columns: bool
    kind: str
    task: str
    n_users: int
    n_items: int
    seed: int
    threads: int
    user_ids: Union[npt.NDArray[np.int64], List[str]]
    item_ids: Union[npt.NDArray[np.int64], List[str]]
    params: str
    training: str
    history: List[Dict[str, Any]]
    has_fold_in: bool
    is_als: bool
    def train_data(self) -> Optional[Dataset]: ...
    def user_factors(self) -> Optional[npt.NDArray[np.float32]]: ...
    def item_factors(self) -> Optional[npt.NDArray[np.float32]]: ...
    def item_biases(self) -> Optional[npt.NDArray[np.float32]]: ...
    def user_biases(self) -> Optional[npt.NDArray[np.float32]]: ...
    def recommend(
        self,
        users: npt.NDArray[np.int64],
        n: int,
        seen: int,
        rows_indptr: Optional[npt.NDArray[np.int64]] = None,
        rows_indices: Optional[npt.NDArray[np.int32]] = None,
        rows_data: Optional[npt.NDArray[np.float32]] = None,
        recalculate: bool = False,
        block: Optional[npt.NDArray[np.int64]] = None,
        allow: Optional[npt.NDArray[np.int64]] = None,
    ) -> Tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]: ...
    def score(
        self,
        users: npt.NDArray[np.int64],
        rows_indptr: Optional[npt.NDArray[np.int64]] = None,
        rows_indices: Optional[npt.NDArray[np.int32]] = None,
        rows_data: Optional[npt.NDArray[np.float32]] = None,
    ) -> npt.NDArray[np.float32]: ...
    def predict(self, users: npt.NDArray[np.int64], items: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]: ...
    def similar_items(
        self, items: npt.NDArray[np.int64], n: int, block: Optional[npt.NDArray[np.int64]] = None, allow: Optional[npt.NDArray[np.int64]] = None
    ) -> Tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]: ...
    def similar_users(
        self, users: npt.NDArray[np.int64], n: int, block: Optional[npt.NDArray[np.int64]] = None, allow: Optional[npt.NDArray[np.int64]] = None
    ) -> Tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]: ...
    def partial_fit_users(
        self, userids: npt.NDArray[np.int64], indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int32], data: npt.NDArray[np.float32], iterations: int = 1
    ) -> None: ...
    def partial_fit_items(
        self, itemids: npt.NDArray[np.int64], indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int32], data: npt.NDArray[np.float32], iterations: int = 1
    ) -> None: ...
    def is_rating(self) -> bool: ...
    def rating_range(self) -> Optional[Tuple[float, float]]: ...

def read_ratings(
    path: str,
    format: Optional[str] = None,
    columns: Optional[Sequence[str]] = None,
    header: Optional[bool] = None,
    delimiter: Optional[str] = None,
    string_ids: bool = False,
    skip_bad_rows: bool = False,
    duplicates: str = "error",
) -> Dataset: ...
def read_train_test(
    train: str, test: str, format: Optional[str] = None, columns: Optional[Sequence[str]] = None,
    header: Optional[bool] = None, delimiter: Optional[str] = None, string_ids: bool = False,
) -> Tuple[Dataset, Dataset]: ...
def check_index_space(what: str, largest: int, interactions: int) -> None: ...
def check_matrix_shape(what: str, rows: int, cols: int, nnz: int) -> None: ...
def split(data: Dataset, kind: str, test_fraction: float = 0.2, k: int = 1, which: str = "random", seed: int = 42) -> Tuple[Dataset, Dataset]: ...
def synthetic(like: str = "ml-100k", users: Optional[int] = None, items: Optional[int] = None, ratings: Optional[int] = None, seed: Optional[int] = None) -> Dataset: ...
def evaluate(
    model: Engine, test: Union[Dataset, str], train: Optional[Dataset] = None, cutoffs: Sequence[int] = (5, 10, 20),
    ranking: bool = False, implicit_threshold: Optional[float] = None, format: Optional[str] = None,
    protocol: str = "full", negatives: Optional[int] = None, seed: Optional[int] = None,
) -> str: ...

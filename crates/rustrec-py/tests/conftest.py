"""Fixtures of the rustrec Python suite: small seeded synthetic data (no files from
outside the repository), the CLI binary, and item files written on the fly."""

import os
import pathlib
import shutil

import numpy as np
import pytest

import rustrec

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def ratings():
    """300 users × 150 items × 9,000 ratings 1–5, MovieLens-shaped, seeded."""
    return rustrec.synthetic("ml-100k", users=300, items=150, ratings=9000, seed=5)


@pytest.fixture(scope="session")
def split(ratings):
    return rustrec.holdout(ratings, test_fraction=0.2, seed=7)


@pytest.fixture(scope="session")
def positives(ratings):
    """The implicit view (ratings ≥ 4) as a users × items CSR matrix of ones."""
    return ratings.to_implicit(4.0).to_csr()


@pytest.fixture(scope="session")
def cli():
    """The `rustrec` binary: $RUSTREC_CLI, or target/{debug,release}/rustrec."""
    candidates = [os.environ.get("RUSTREC_CLI"), shutil.which("rustrec")]
    candidates += [str(ROOT / "target" / p / "rustrec") for p in ("debug", "release")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    pytest.fail(
        "these tests compare with the rustrec CLI: build it (cargo build -p rustrec-cli) "
        "or point RUSTREC_CLI at it"
    )


@pytest.fixture()
def movies_dir(tmp_path, ratings):
    """A directory with a movies.dat covering the synthetic items (genres by id)."""
    genres = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi"]
    lines = []
    for raw in ratings.item_ids:
        g = "|".join(genres[k] for k in range(len(genres)) if (int(raw) >> k) & 1) or "Drama"
        lines.append(f"{raw}::Movie {raw} ({1950 + int(raw) % 50})::{g}")
    (tmp_path / "movies.dat").write_text("\n".join(lines) + "\n", encoding="latin-1")
    return tmp_path


def small_params(kind):
    """Fast settings for each kind (a few epochs, few factors)."""
    p = {}
    names = {x["name"] for x in rustrec.model_class(kind)._info["params"]}
    for name, value in (("factors", 8), ("epochs", 3), ("iterations", 3), ("burn_in", 1), ("thin", 1)):
        if name in names:
            p[name] = value
    return p

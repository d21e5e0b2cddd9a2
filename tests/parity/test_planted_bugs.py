"""Small simulator bugs (relative size 1e-9 to 1e-7) planted in the JAX side are caught by `parity verify`
with the default tolerances: exit 1, a divergence in the weights. The same run without the bug passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import planted
import pytest

from parity.cli import main
from parity.prices import load_prices, save_prices_csv

REPO = Path(__file__).resolve().parents[2]
TRENDING = REPO / "fixtures" / "prices" / "trending_daily_8.csv"


@pytest.fixture(scope="module")
def comparable_prices(tmp_path_factory):
    """Three trending assets rescaled to start at 1, 2 and 3: min_variance's weights then stay inside the
    guard rails (on the raw series the smallest price takes all the weight)."""
    series = load_prices(TRENDING, assets=3)
    rescaled = series.prices / series.prices[0] * np.array([1.0, 2.0, 3.0])
    path = tmp_path_factory.mktemp("prices") / "comparable_3.csv"
    return save_prices_csv(load_prices(rescaled, timestamps=series.timestamps, tokens=series.tokens), path)


def _verify(capsys, *args):
    code = main(["verify", "--backend", "revm", "--blocks", "60", "--quiet", *args])
    return code, capsys.readouterr().out


CASES = {
    "mulFactor x (1+1e-9)": (planted.mul_factor, ("--rule", "momentum", "--assets", "3")),
    "kappa x (1+1e-7)": (planted.kappa, ("--rule", "momentum", "--assets", "3")),
    "epsilon scale x (1-1e-9)": (planted.epsilon_scale,
                                 ("--rule", "momentum", "--assets", "3", "--kappa", "20", "--epsilon-max", "0.01")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_planted_bug_gives_exit_1(capsys, name):
    plant, args = CASES[name]
    clean, out = _verify(capsys, *args)
    assert clean == 0, out
    with plant():
        code, out = _verify(capsys, *args)
    assert code == 1 and out.startswith("DIVERGENCE"), out


def test_planted_min_variance_precision_bug_gives_exit_1(capsys, comparable_prices):
    args = ("--rule", "min_variance", "--prices", str(comparable_prices), "--lamb", "0.9", "--mixing", "0.5")
    clean, out = _verify(capsys, *args)
    assert clean == 0, out
    with planted.min_variance_precision():
        code, out = _verify(capsys, *args)
    assert code == 1 and out.startswith("DIVERGENCE"), out

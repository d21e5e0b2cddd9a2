"""The seed document's code as its users run it (tests/data/seed_weight_calculation_paths.txt: the
seed's text with only the package renamed and the missing jnp import added), and its final value on the
bundled daily series against the same series held per minute."""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

import parity  # noqa: F401
from parity.prices import load_prices
from parity.runners import do_run_on_historic_data

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "data" / "seed_weight_calculation_paths.txt"
BUNDLED = HERE.parents[1] / "fixtures" / "prices" / "btc_eth_daily_2.csv"


def _blocks() -> dict:
    blocks, name = {}, None
    for line in SEED.read_text().splitlines():
        if line.startswith("# ---- block: "):
            name = line.removeprefix("# ---- block: ").strip()
            blocks[name] = []
        elif name is not None:
            blocks[name].append(line)
    return {k: "\n".join(v) + "\n" for k, v in blocks.items()}


def _run(block: str, namespace: dict | None = None) -> tuple[dict, str]:
    namespace = {} if namespace is None else namespace
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_blocks()[block], f"{SEED.name}:{block}", "exec"), namespace)
    return namespace, out.getvalue()


def test_the_text_is_the_seeds_with_only_the_package_renamed():
    text = "".join(_blocks().values())
    assert "quantammsim" not in text
    assert "from parity.runners.jax_runners import do_run_on_historic_data" in text
    assert 'params = {\n    "log_k": jnp.array([3.0, 3.0]),' in text and "rtol=1e-4" in text


@pytest.fixture(scope="module")
def seed_run():
    return _run("numerical_equivalence")[0]


def test_seed_example_runs_and_its_paths_agree(seed_run):
    vec, scan = seed_run["result_vec"], seed_run["result_scan"]
    assert vec["path"] == "vectorized" and scan["path"] == "scan"
    assert vec["tokens"] == ("BTC", "ETH") and vec["prices"].shape == (730, 2)
    assert float(vec["final_value"]) == pytest.approx(float(scan["final_value"]), rel=1e-12)


def test_seed_example_final_value_equals_the_series_held_per_minute(seed_run):
    """The daily rows arbitraged every minute against the pool's fine weights give what the same series held
    per minute gives (quantammsim's own setting: minute rows, arbitrage every minute)."""
    daily = load_prices(BUNDLED)
    minutes = 1440
    held = np.repeat(daily.prices, minutes, axis=0)[: (daily.n_steps - 1) * minutes + 1]
    stamps = daily.timestamps[0] + 60 * np.arange(held.shape[0], dtype=np.int64)
    series = load_prices(held, timestamps=stamps, tokens=daily.tokens)
    minute_run = do_run_on_historic_data({"rule": "momentum", "tokens": ["BTC", "ETH"]},
                                         seed_run["params"], prices=series)
    assert minute_run["run_fingerprint"].price_interval == 1
    final_daily, final_minute = float(seed_run["result_vec"]["final_value"]), float(minute_run["final_value"])
    assert final_daily == pytest.approx(final_minute, rel=1e-6)
    assert final_daily > 1e5  # the pool keeps its value (one jump per day left 8.9e-14 of 1,000,000)
    np.testing.assert_allclose(np.asarray(seed_run["result_vec"]["value"]),
                               np.asarray(minute_run["value"])[::minutes], rtol=1e-9)


def test_pool_support_block_prints_what_the_seed_says():
    _, printed = _run("pool_support")
    assert printed == "True\nTrue\n"


def test_selecting_a_path_block_sets_each_method_the_runner_accepts():
    namespace = {"run_fingerprint": {"rule": "momentum", "tokens": ["BTC", "ETH"]}}
    source = _blocks()["selecting_a_path"].splitlines()
    paths = {}
    for line in source:
        if line.startswith("run_fingerprint["):
            exec(line, namespace)
            fp = dict(namespace["run_fingerprint"], endDateString="2024-03-01 00:00:00")
            paths[fp["weight_calculation_method"]] = do_run_on_historic_data(fp, {"lamb": 0.9, "kappa": 1.0})["path"]
    assert paths == {"auto": "vectorized", "vectorized": "vectorized", "scan": "scan"}

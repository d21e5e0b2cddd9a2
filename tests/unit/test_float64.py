"""float64 cannot be lost: every parity entry point computes in float64 even with x64 switched off, and
`import parity` is the package (not tests/parity/) under every way of launching pytest."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import parity
from parity.float64 import ENTRY_POINTS, MARK
from parity.pools import POOLS, TFMMBasePool

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "fixtures" / "golden" / "momentum_btc_eth_2_scalar.json"


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("dotted", ENTRY_POINTS)
def test_every_entry_point_is_guarded(dotted):
    assert getattr(_resolve(dotted), MARK, False), f"{dotted} is not wrapped by parity.float64.guarded"


@pytest.mark.parametrize("cls", [TFMMBasePool, *POOLS.values()], ids=lambda c: c.__name__)
def test_every_public_pool_method_is_guarded(cls):
    public = [n for n in dir(cls) if not n.startswith("_") and inspect.isfunction(getattr(cls, n))]
    unguarded = [n for n in public if not getattr(getattr(cls, n), MARK, False)]
    assert "calculate_weights" in public and not unguarded


def test_runner_computes_in_float64_with_x64_off():
    fp = {"rule": "momentum", "n_assets": 2, "chunk_period": 1440, "price_interval": 1440}
    params = {"logit_lamb": 2.0, "log_k": -2.0}
    prices = REPO / "fixtures" / "prices" / "btc_eth_daily_2.csv"
    from parity.runners import do_run_on_historic_data

    on = do_run_on_historic_data(fp, params, prices=prices)
    with jax.enable_x64(False):
        assert jnp.asarray(1.0).dtype == jnp.float32  # the switch really is off here
        off = do_run_on_historic_data(fp, params, prices=prices)
    assert off["final_value"].dtype == np.float64
    assert np.array_equal(np.asarray(on["final_value"]), np.asarray(off["final_value"]))


def test_pool_methods_compute_in_float64_with_x64_off():
    from parity.fingerprint import make_run_fingerprint

    pool = POOLS["momentum"]()
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440)
    with jax.enable_x64(False):
        state = pool.get_initial_rule_state(np.array([1.0, 2.0]), {"lamb": 0.95, "kappa": 1.0}, fp)
    assert all(v.dtype == jnp.float64 for v in jax.tree_util.tree_leaves(state))


def test_cli_replay_with_x64_off_is_exact(capsys):
    # the failure seen in the flaky suite: λ = 0.95 decoded as float32 broke the fixture's re-encoding check
    from parity.cli import main

    with jax.enable_x64(False):
        code = main(["replay", str(GOLDEN), "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("PARITY")


def test_parity_is_the_package_in_this_process():
    assert Path(parity.__file__).resolve() == REPO / "parity" / "__init__.py"
    assert jax.config.jax_enable_x64


def test_console_script_pytest_resolves_the_package(tmp_path):
    """The way tox launches pytest (its console script: the repository root is not on sys.path)."""
    probe = REPO / "tests" / "unit" / f"test_zz_probe_{os.getpid()}.py"
    probe.write_text("import jax, parity\n\ndef test_probe():\n"
                     "    assert parity.__file__ and jax.config.jax_enable_x64\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = "import sys, pytest; sys.path.pop(0); sys.exit(pytest.console_main())"  # like bin/pytest
    try:
        run = subprocess.run([sys.executable, "-c", script, str(probe), "-q", "-p", "no:cacheprovider"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

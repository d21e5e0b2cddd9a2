"""Fixtures for the lockstep parity tests: compiled rules, one revm and one eth-tester chain per xdist worker
with every rule deployed (runner = the chain's first account), bundled price scenarios, and a factory that
runs the harness.

CI horizons are short; `--long` runs the same cases over the whole price series.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from eth_utils import to_checksum_address

import parity  # noqa: F401
from parity.chain import RULE_CONTRACTS, compile_rules, make_chain
from parity.fingerprint import make_run_fingerprint
from parity.harness import run_lockstep
from parity.pools import create_pool

from parity_cases import CI_BLOCKS  # noqa: E402

_POOL_KEYS = itertools.count(1)


def fresh_pool_key() -> str:
    """A storage key not used before in this process."""
    return to_checksum_address(f"0x{0xFA1700000 + next(_POOL_KEYS):040x}")


@pytest.fixture(scope="session")
def artifacts():
    return compile_rules()


@pytest.fixture(scope="session")
def chains():
    """backend -> one chain per worker process (safe under pytest -n auto)."""
    return {"revm": make_chain("revm"), "eth-tester": make_chain("eth-tester")}


class _LazyDeployments(dict):
    """(backend, rule) -> Deployed, deploying a rule on first use only."""

    def __init__(self, chains, artifacts):
        super().__init__()
        self._chains, self._artifacts = chains, artifacts

    def __missing__(self, key):
        backend, rule = key
        chain = self._chains[backend]
        dep = chain.deploy(self._artifacts[RULE_CONTRACTS[rule]], chain.accounts[0])
        self[key] = dep
        return dep


@pytest.fixture(scope="session")
def deployed(chains, artifacts):
    """(backend, rule) -> the rule contract deployed on that backend's chain (runner = accounts[0])."""
    return _LazyDeployments(chains, artifacts)


@pytest.fixture
def long_run(request) -> bool:
    return bool(request.config.getoption("--long"))


@pytest.fixture
def lockstep(chains, deployed, long_run):
    """run(rule, params, prices, chunk_period=1440, blocks=None, backend="revm", **kw) -> LockstepResult,
    on the worker's chain against the already-deployed rule, with a fresh pool key per run."""

    def run(rule, params, prices, *, chunk_period=1440, blocks=None, backend="revm", fp_kwargs=None, **kw):
        prices = np.asarray(prices, dtype=np.float64)
        n = prices.shape[1]
        fp = make_run_fingerprint(
            rule=rule, n_assets=n, chunk_period=chunk_period, price_interval=chunk_period, **(fp_kwargs or {})
        )
        if blocks is None:
            blocks = len(prices) - 1 - kw.get("burn_in", 0) if long_run else min(CI_BLOCKS, len(prices) - 1)
        kw.setdefault("progress", False)
        return run_lockstep(
            create_pool(rule),
            params,
            fp,
            prices,
            chains[backend],
            blocks=blocks,
            deployed=kw.pop("deployed", deployed[backend, rule]),
            pool_address=fresh_pool_key(),
            **kw,
        )

    return run

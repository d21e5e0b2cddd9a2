"""Fixtures of the chain tests: the compiled Probe contract, the scenario runner, a local hardhat node."""

from __future__ import annotations

import pytest
from chain_helpers import probe_sources, run_scenario, start_hardhat, stop_hardhat

from parity.chain import compile_sources


@pytest.fixture(scope="session")
def probe_artifacts():
    return compile_sources(probe_sources())


@pytest.fixture(scope="session")
def probe(probe_artifacts):
    return probe_artifacts["Probe"]


@pytest.fixture(scope="session")
def scenario():
    return run_scenario


@pytest.fixture
def hardhat_url():
    """A fresh hardhat node for one test (genesis state), torn down afterwards."""
    proc, url = start_hardhat()
    try:
        yield url
    finally:
        stop_hardhat(proc)

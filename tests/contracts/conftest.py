"""Session fixtures for the contract tests: compiled rules, one revm and one eth-tester chain per xdist
worker, the rules deployed on each with the test account as their runner, and fresh pool keys."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from parity.chain import RULE_CONTRACTS, compile_rules, compile_sources, make_chain

RULES = tuple(RULE_CONTRACTS)
HARNESS_SOURCE = Path(__file__).with_name("sol") / "MathHarness.sol"
_POOL_COUNTER = itertools.count(1)


@pytest.fixture(scope="session")
def artifacts():
    return compile_rules()


@pytest.fixture(scope="session")
def harness_artifact():
    return compile_sources({"test/MathHarness.sol": HARNESS_SOURCE.read_text()})["MathHarness"]


@pytest.fixture(scope="session")
def tester_harness(tester_chain, harness_artifact):
    """MathHarness (PRBMath routines, the rules' _pow, the guard rails) deployed on the eth-tester chain."""
    return tester_chain.deploy(harness_artifact)


def _deploy_rules(chain, artifacts):
    runner = chain.accounts[0]
    return {rule: chain.deploy(artifacts[contract], runner) for rule, contract in RULE_CONTRACTS.items()}


@pytest.fixture(scope="session")
def revm_chain():
    return make_chain("revm")


@pytest.fixture(scope="session")
def tester_chain():
    return make_chain("eth-tester")


@pytest.fixture(scope="session")
def revm_rules(revm_chain, artifacts):
    """rule name -> Deployed on the revm chain; the runner is revm_chain.accounts[0]."""
    return _deploy_rules(revm_chain, artifacts)


@pytest.fixture(scope="session")
def tester_rules(tester_chain, artifacts):
    """rule name -> Deployed on the eth-tester chain; the runner is tester_chain.accounts[0]."""
    return _deploy_rules(tester_chain, artifacts)


def fresh_pool() -> str:
    """A pool key never used before in this process (rule state is keyed by pool address)."""
    return to_checksum_address(f"0x{0xB00000 + next(_POOL_COUNTER):040x}")


@pytest.fixture
def runs(request):
    """The --runs option (None -> the CI budget of the test)."""
    return request.config.getoption("--runs")

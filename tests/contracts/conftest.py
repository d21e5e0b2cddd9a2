"""Session fixtures for the contract tests: compiled rules, one revm and one eth-tester chain per xdist
worker, the rules deployed on each with the test account as their runner, and fresh pool keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from evm_rule_io import deploy_rules
from parity.chain import compile_rules, compile_sources, make_chain

HARNESS_SOURCE = Path(__file__).with_name("sol") / "MathHarness.sol"


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


@pytest.fixture(scope="session")
def revm_chain():
    return make_chain("revm")


@pytest.fixture(scope="session")
def tester_chain():
    return make_chain("eth-tester")


@pytest.fixture(scope="session")
def revm_rules(revm_chain, artifacts):
    """rule name -> Deployed on the revm chain; the runner is revm_chain.accounts[0]."""
    return deploy_rules(revm_chain, artifacts)


@pytest.fixture(scope="session")
def tester_rules(tester_chain, artifacts):
    """rule name -> Deployed on the eth-tester chain; the runner is tester_chain.accounts[0]."""
    return deploy_rules(tester_chain, artifacts)


@pytest.fixture
def runs(request):
    """The --runs option (None -> the CI budget of the test)."""
    return request.config.getoption("--runs")


@pytest.fixture(scope="session")
def via_ir_artifacts():
    """Every contract compiled with the via-IR profile (slow with solc-js the first time; cached)."""
    return compile_rules(profile="via-ir")


@pytest.fixture(scope="session")
def via_ir_chain():
    return make_chain("revm")


@pytest.fixture(scope="session")
def via_ir_rules(via_ir_chain, via_ir_artifacts):
    """rule name -> Deployed (via-IR build) on its own revm chain; the runner is via_ir_chain.accounts[0]."""
    return deploy_rules(via_ir_chain, via_ir_artifacts)

"""The pytest plugin (entry point pytest11 `parity`), run with pytester in a sandbox holding copies of
committed fixtures and their price files: item names, a passing and a corrupted fixture, the fixtures for
users' tests, no collection without --parity-fixtures, and no jax/web3 import at start-up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parity import fixtures as F

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "fixtures" / "golden"
RULE = "momentum_btc_eth_2_scalar"
POOL = "pool/pool_momentum_btc_eth_2_jitter"


def _copy(pytester, name: str) -> Path:
    """Copy fixtures/golden/<name>.json and its price file into the sandbox (same relative paths)."""
    src = GOLDEN / f"{name}.json"
    dst = pytester.path / "fixtures" / "golden" / f"{name}.json"
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    rel = json.loads(src.read_text())["prices"]["path"]
    (pytester.path / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / rel, pytester.path / rel)
    return dst


def _rewrite(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    data["content_sha256"] = F.content_hash(data)
    F.write_fixture(data, path)


@pytest.fixture
def sandbox(pytester):
    _copy(pytester, RULE)
    _copy(pytester, POOL)
    (pytester.path / "fixtures" / "golden" / "notes.json").write_text('{"not": "a fixture"}\n')
    return pytester


def test_items_are_named_by_rule_level_and_series(sandbox):
    result = sandbox.runpytest("--parity-fixtures", "fixtures/golden", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids == [
        "fixtures/golden/momentum_btc_eth_2_scalar.json::momentum[rule-btc_eth_2_scalar]",
        "fixtures/golden/pool/pool_momentum_btc_eth_2_jitter.json::momentum[pool-btc_eth_2_jitter]",
    ]


def test_nothing_is_collected_without_the_option(sandbox):
    sandbox.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = sandbox.runpytest("fixtures", "test_plain.py", "--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == ["test_plain.py::test_ok"]


def test_a_passing_fixture(sandbox):
    result = sandbox.runpytest("--parity-fixtures", "fixtures/golden", "-k", "rule")
    result.assert_outcomes(passed=1, deselected=1)


def test_a_corrupted_fixture_fails_with_the_divergence_summary(sandbox):
    path = sandbox.path / "fixtures" / "golden" / f"{RULE}.json"

    def move_weight(data):  # block 3's weights, 1e-6 apart from what the chain computed (still summing to 1)
        w = data["per_block"][2]["weights"]
        w[0], w[1] = str(int(w[0]) + 10**12), str(int(w[1]) - 10**12)

    _rewrite(path, move_weight)
    result = sandbox.runpytest("--parity-fixtures", "fixtures/golden", "-k", "rule")
    result.assert_outcomes(failed=1, deselected=1)
    text = result.stdout.str()
    assert "MODEL MISMATCH (chain != exact integer model): momentum (MomentumRule) n=2" in text
    assert "chain and integer model differ at block 3, weights[0]" in text
    assert "first divergence: block 3, weights[0]: jax" in text
    assert "Traceback" not in text and "def runtest" not in text


def test_an_edited_fixture_fails_with_the_validation_error(sandbox):
    path = sandbox.path / "fixtures" / "golden" / f"{RULE}.json"
    path.write_text(path.read_text().replace('"blocks": 60', '"blocks": 59'))
    result = sandbox.runpytest("--parity-fixtures", "fixtures/golden", "-k", "rule")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*unusable fixture: *momentum_btc_eth_2_scalar.json: content_sha256: *edited after recording*"])


def test_fixtures_for_users_tests(pytester, tmp_path):
    pytester.makepyfile(test_user='''
        import numpy as np

        def test_chain(parity_chain):
            assert parity_chain.name == "revm" and parity_chain.accounts

        def test_verify_bundled_prices(parity_verify):
            res = parity_verify("momentum", {"kappa": 2.0}, assets=2, blocks=3)
            assert res.passed and res.blocks_compared == 3 and res.backend == "revm"
            assert res.mapped.chain_params["kappa"].tolist() == [2.0]

        def test_verify_price_rows(parity_verify):
            prices = np.array([[1.0, 2.0], [1.1, 1.9], [1.2, 2.1], [1.3, 2.0]])
            res = parity_verify("anti_momentum", prices=prices)
            assert res.passed and res.blocks_compared == 3

        def test_artifacts(parity_artifacts, parity_verify, tmp_path):
            from parity.chain import compile_rules
            from parity.chain.artifacts import write_foundry_artifact

            built = compile_rules()["MomentumRule"]
            write_foundry_artifact(built, tmp_path / "out", "MomentumRule.sol")
            (tmp_path / "out" / "build-info").mkdir()
            (tmp_path / "out" / "build-info" / "x.json").write_text("{}")
            loaded = parity_artifacts(tmp_path / "out")
            assert list(loaded) == ["MomentumRule"] and loaded["MomentumRule"].bytecode == built.bytecode
            res = parity_verify("momentum", assets=2, blocks=2, artifact=loaded["MomentumRule"])
            assert res.passed

        def test_verify_checks_inputs_up_front(parity_verify):
            import pytest
            from parity.errors import UsageError

            with pytest.raises(UsageError, match="lambda"):  # a key the rule never reads
                parity_verify("momentum", {"lambda": 0.5}, assets=2, blocks=2)
            crash = np.array([[1.0, 2.0], [1e20, 2.0], [1.0, 2.0]])  # above what int128 holds with its margin
            with pytest.raises(UsageError, match="asset 0"):
                parity_verify("momentum", prices=crash)
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_start_up_imports_neither_jax_nor_web3(pytester):
    pytester.makepyfile(test_light='''
        import sys

        def test_light():
            assert "parity.pytest_plugin" in sys.modules
            assert "jax" not in sys.modules and "web3" not in sys.modules
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.slow
def test_every_committed_fixture_passes():
    """`pytest --parity-fixtures fixtures/golden` from the repository root (a few minutes)."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "--parity-fixtures", "fixtures/golden", "-q", "-p",
                           "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=3000)
    committed = [p for p in GOLDEN.rglob("*.json") if json.loads(p.read_text()).get("format", "").startswith("parity-golden")]
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.strip().splitlines()[-1].startswith(f"{len(committed)} passed")

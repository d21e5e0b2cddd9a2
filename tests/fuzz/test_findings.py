"""What `parity fuzz` found on the reference contracts with the default parameters (docs/fuzz.md, "Known
limits and divergences"), kept as regression cases: tests/fuzz/findings/<name>.json holds the shrunk
example and the outcome `parity verify` gives on it today (a property of V1 keeps its kind; a defect of
parity that was fixed now passes); fixtures/golden/fuzz/<name>.json is the finding's golden fixture, which
replays with parity and equals a fresh recording of the same example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import parity  # noqa: F401  (float64)
from parity.fixtures import REPO_ROOT, load_fixture, replay
from parity.fuzz.examples import example_from_json
from parity.fuzz.execute import pool_lockstep, rule_lockstep
from parity.fuzz.outcome import lockstep_outcome

FINDINGS = sorted((Path(__file__).parent / "findings").glob("*.json"))
FIXTURES = REPO_ROOT / "fixtures" / "golden" / "fuzz"


def _run(finding: dict):
    example = example_from_json(finding["example"])
    run = pool_lockstep if finding["level"] == "pool" else rule_lockstep
    return example, run(example, {})


@pytest.mark.parametrize("path", FINDINGS, ids=lambda p: p.stem)
def test_finding_still_gives_its_outcome(path):
    finding = json.loads(path.read_text())
    _, result = _run(finding)
    got = lockstep_outcome(result)
    want = finding["expected"]
    assert (got.kind, got.block, got.where) == (want["kind"], want["block"], want["where"]), got.detail


@pytest.mark.parametrize("path", [p for p in FINDINGS if (FIXTURES / p.name).exists()], ids=lambda p: p.stem)
def test_finding_fixture_replays_and_equals_a_fresh_recording(path):
    from parity.fuzz.output import fixture_of
    from parity.fuzz.search import FuzzConfig
    from parity.fuzz.space import fixed_space
    from parity.fuzz.strategies import Shape

    finding = json.loads(path.read_text())
    fx = load_fixture(FIXTURES / path.name)
    assert replay(fx).status == "parity"
    example, result = _run(finding)
    cfg = FuzzConfig(example.rule, fixed_space(example.rule, example.params), Shape(finding["level"], 1, example.blocks, 1))
    fresh = fixture_of(example, result, cfg)
    assert fresh["content_sha256"] == fx.data["content_sha256"], "re-record: the contracts or the recording changed"


def test_min_variance_tiny_move_reverts_where_jax_gives_weights():
    finding = json.loads((Path(__file__).parent / "findings" / "min_variance_tiny_move_revert.json").read_text())
    _, result = _run(finding)
    assert result.revert.reason == result.revert.model_reason == "Panic(0x12)"
    assert all(0 < w < 1 for w in result.revert.jax_weights)
    assert max(abs(a - b) for a, b in zip(*finding["example"]["prices"][:2])) < 1e-8


def test_pool_reciprocal_underflow_is_reported_as_not_comparable():
    finding = json.loads((Path(__file__).parent / "findings" / "pool_momentum_reciprocal_underflow.json").read_text())
    _, result = _run(finding)
    assert result.status == "parity"
    assert "coarse-weight tolerance" in result.pool["uncomparable"]
    w = result.worst["weights"]
    assert w.scaled > 1e-4 and w.scaled < w.tolerance  # the coarse weights' legitimate error at p̄ ≈ 1e19
    assert result.model_blocks_checked == result.blocks_compared  # the pool fields are still checked exactly

"""Each deliberately broken runner or pool (tests/contracts/production_broken.py), verified as a user's
artifact directory (the user path), is caught at its first effective block by the integer-model check,
and by the JAX comparison where the bug changes a compared value (a wrong event field changes only the
events, which the model check compares).

The first effective block is where the broken stack's chain values first differ from the correct stack's
on the same inputs (the bug changes nothing before it). The scenario makes all three bugs show: large
weight moves (κ = 20, ε = 0.3) and late updates (up to half a day), so rails are reached inside intervals."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from parity.fingerprint import make_run_fingerprint
from parity.harness import summary
from parity.harness.driver import run_pool_lockstep
from parity.pools import create_pool

from parity_cases import load_scenario  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
from production_broken import SETTER_ONLY, VARIANTS, broken_stack  # noqa: E402

BLOCKS = 12


def run(mode, artifacts=None):
    """On a fresh chain, so that both stacks see the same block times."""
    from parity.chain import make_chain

    chain = make_chain("revm")
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=1440, price_interval=1440, epsilon_max=0.3)
    return run_pool_lockstep(create_pool("momentum"), {"lamb": 0.8, "kappa": 20.0}, fp,
                             load_scenario("mean_reverting_daily_8", 2), chain, blocks=BLOCKS, mode=mode,
                             update_jitter=43_200, jitter_seed=0, progress=False, artifacts=artifacts)


def first_difference(good, bad):
    """The first block where the broken stack's chain values or events differ from the correct stack's."""
    for row, k in enumerate(good.block_ids):
        if any(good.chain[f][row] != bad.chain[f][row] for f in good.chain):
            return k
        if good.pool["events"][row] != bad.pool["events"][row]:
            return k
    return None


@pytest.fixture(scope="module")
def correct():
    return {mode: run(mode) for mode in ("independent", "resync")}


@pytest.mark.parametrize("mode", ["independent", "resync"])
@pytest.mark.parametrize("variant", sorted(set(VARIANTS) - set(SETTER_ONLY)))
def test_broken_variant_caught_at_first_effective_block(correct, variant, mode, tmp_path):
    good = correct[mode]
    assert good.status == "parity", summary(good)
    bad = run(mode, broken_stack(variant, tmp_path, layout="hardhat" if mode == "resync" else "foundry"))
    assert bad.artifact_info["stack"]["runner"]["source"].startswith("artifact ")
    effective = first_difference(good, bad)
    assert effective is not None, f"{variant}: the scenario never exercises the bug"
    assert bad.status == "model_mismatch"
    assert bad.model_mismatch.block == effective, summary(bad)
    if variant == "swapped_event_times":  # only the events differ: the JAX side sees nothing
        assert bad.model_mismatch.field == "events" and bad.first_divergence is None
    else:
        assert bad.first_divergence is not None and bad.first_divergence.block == effective, summary(bad)

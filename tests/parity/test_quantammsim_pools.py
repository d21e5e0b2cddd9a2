"""quantammsim's six TFMM pool classes (stand-ins with its interface: jit with the fingerprint static, its
hashable dict, its signatures, carries and path-support matrix) through parity.adapters.quantammsim and
`parity verify --pool`: each one's verdict, the vectorized-only path, a scan carry missing a contract
state, to_pool_params for any rule, and failures inside a pool's code (one line, exit 2, report written)."""

from __future__ import annotations

import json
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import quantammsim_standin as q
from parity.adapters import QuantammsimPool
from parity.adapters.quantammsim import HashableDict, default_pool_params, quantammsim_fingerprint
from parity.catalogue import DEFAULT_PARAMS
from parity.cli import main
from parity.fingerprint import make_run_fingerprint
from parity.harness import run_lockstep
from parity_cases import load_scenario

RULES = {"MomentumRule": "momentum", "AntiMomentumRule": "anti_momentum", "PowerChannelRule": "power_channel",
         "ChannelFollowingRule": "mean_reversion_channel", "DifferenceMomentumRule": "difference_momentum",
         "MinimumVarianceRule": "min_variance"}
# contract -> (status, verified path, why it diverges: docs/quantammsim.md, known divergences)
VERDICTS = {
    "MomentumRule": ("parity", "scan"),
    "AntiMomentumRule": ("divergence", "scan"),  # its scan step is Momentum's: the wrong sign
    "PowerChannelRule": ("parity", "scan"),
    "ChannelFollowingRule": ("parity", "scan"),
    "DifferenceMomentumRule": ("divergence", "vectorized"),  # 1 − E₂/E₁ vs the chain's (s̄ − p̄)/p̄
    "MinimumVarianceRule": ("divergence", "vectorized"),  # variance of returns vs of prices
}


def _fp(contract, n=3):
    return make_run_fingerprint(rule=RULES[contract], n_assets=n, chunk_period=1440, price_interval=1440)


def _run(pool, contract, chains, blocks=25, params=None, **kwargs):
    prices = load_scenario("trending_daily_8", 3)
    return run_lockstep(pool, params or DEFAULT_PARAMS[RULES[contract]], _fp(contract), prices, chains["revm"],
                        blocks=blocks, progress=False, **kwargs)


# ------------------------------------------------------------------------------------ the stand-ins


def test_standins_jit_with_the_fingerprint_static_and_refuse_a_plain_dict():
    fp = quantammsim_fingerprint(_fp("MomentumRule"))
    params = default_pool_params({"lamb": np.full(3, 0.9), "kappa": np.full(3, 1.0)}, _fp("MomentumRule"))
    prices = jnp.asarray(np.repeat(load_scenario("trending_daily_8", 3)[:5], 1440, axis=0))
    out = q.MomentumPool().calculate_rule_outputs(params, fp, prices)
    assert out.shape == (4, 3)
    with pytest.raises(ValueError, match="Non-hashable static arguments are not supported"):
        q.MomentumPool().calculate_rule_outputs(params, dict(fp), prices)
    carry = q.MomentumPool().get_initial_rule_state(prices[0], params, fp)
    with pytest.raises(ValueError, match="Non-hashable static arguments"):
        q.MomentumPool().calculate_rule_output_step(carry, prices[1], params, dict(fp))


def test_standins_have_quantammsims_path_support_and_carries():
    support = {name: (cls().supports_vectorized_path(), cls().supports_scan_path()) for name, cls in q.POOLS.items()}
    assert support == {c: (True, c != "MinimumVarianceRule") for c in q.POOLS}
    assert q.AntiMomentumPool.calculate_rule_output_step is q.MomentumPool.calculate_rule_output_step
    assert q.DifferenceMomentumPool.calculate_rule_output_step is q.MomentumPool.calculate_rule_output_step
    fp = quantammsim_fingerprint(_fp("DifferenceMomentumRule"))
    assert set(q.DifferenceMomentumPool().get_initial_rule_state(jnp.ones(3), {}, fp)) == {"ewma", "running_a"}
    with pytest.raises(NotImplementedError):
        q.MinVariancePool().calculate_rule_output_step({}, jnp.ones(3), {}, fp)


def test_the_fingerprint_is_quantammsims_hashable_dict():
    fp = quantammsim_fingerprint(_fp("MomentumRule"))
    assert isinstance(fp, HashableDict) and isinstance(fp, dict)
    assert fp["chunk_period"] == 1440 and fp["n_assets"] == 3 and fp["use_alt_lamb"] is False
    assert fp["maximum_change"] == pytest.approx(3e-4) and fp["minimum_weight"] == pytest.approx(0.1 / 3)
    again = quantammsim_fingerprint(_fp("MomentumRule"))
    assert hash(fp) == hash(again) and fp == again
    nested = HashableDict({"a": [1, 2], "b": {"c": [3], "d": None}})
    assert hash(nested) == hash(HashableDict({"b": {"d": None, "c": [3]}, "a": [1, 2]}))
    assert nested != HashableDict({"a": [1, 2], "b": {"c": [4], "d": None}})


# ------------------------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("contract", list(VERDICTS))
def test_each_of_quantammsims_six_pools_gets_its_verdict(contract, chains):
    status, path = VERDICTS[contract]
    pool = QuantammsimPool(q.POOLS[contract](), contract)
    result = _run(pool, contract, chains)
    assert result.status == status and pool.mode == path
    assert result.model_mismatch is None and result.model_blocks_checked == 25
    if status == "divergence":
        assert result.first_divergence.block == 1 and result.first_divergence.field == "weights"
    else:
        assert all(e.scaled.max() < 0.5 * result.tolerances[f] for f, e in result.errors.items())
    if path == "scan":  # states compared, vectorized path cross-checked
        assert set(result.jax) == {"ewma", "running_a", "weights"} and "errors" in result.vectorized
        assert (result.vectorized["first_divergence"] is None) == (contract != "AntiMomentumRule")
    else:  # weights only, from the pool's own rule outputs; no scan step invented
        assert set(result.jax) == {"weights"}
        assert result.vectorized["skipped"].startswith("verified from the pool's vectorized rule outputs")


@pytest.mark.parametrize("contract,code", [(c, 0 if v[0] == "parity" else 1) for c, v in VERDICTS.items()])
def test_cli_verify_pool_for_each_of_the_six(contract, code, capsys):
    name = q.POOLS[contract].__name__
    rc = main(["verify", "--pool", f"quantammsim_standin:{name}", "--rule-contract", contract, "--assets", "3",
               "--blocks", "12", "--backend", "revm", "--quiet"])
    out = capsys.readouterr()
    assert rc == code, out.out + out.err
    assert out.out.startswith(f"{'PARITY' if code == 0 else 'DIVERGENCE'}: {name} ({contract}) n=3 on revm")


# --------------------------------------------------------------- the vectorized-only path, the carry


class ChainVarianceMinVariance(q.MinVariancePool):
    """Vectorized only, with the chain's rule: the EWMA variance of prices against p̄(t−1) and p̄(t)."""

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        lamb = q.lamb_from_days(params["memory_days_1"], run_fingerprint["chunk_period"])
        chunks = prices[:: run_fingerprint["chunk_period"]]

        def step(carry, p):
            ewma, big_a = carry
            new = lamb * ewma + (1.0 - lamb) * p
            big_a = lamb * big_a + (p - ewma) * (p - new)
            return (new, big_a), (1.0 - lamb) * big_a

        variance = q.chunk_scan(step, (chunks[0], jnp.zeros_like(chunks[0])), chunks[1:])
        return (1.0 / variance) / jnp.sum(1.0 / variance, axis=-1, keepdims=True)


def test_a_vectorized_only_pool_is_verified_block_by_block_from_its_rule_outputs(chains):
    pool = QuantammsimPool(ChainVarianceMinVariance(), "MinimumVarianceRule")
    result = _run(pool, "MinimumVarianceRule", chains, blocks=30)
    assert pool.mode == "vectorized" and result.status == "parity", result.first_divergence
    assert set(result.jax) == {"weights"} and len(result.block_ids) == 30
    assert result.errors["weights"].scaled.max() < 0.1 * result.tolerances["weights"]
    # every block's weights went through the chain's guard rails from the previous block's weights
    from parity.weights.guardrails import guard_weights

    fp, table, mixing = result.mapped.fingerprint, pool._table, result.mapped.chain_params["mixing"]
    prev = np.asarray(result.jax["weights"][0])
    for k in range(1, 30):
        raw = mixing * prev + (1.0 - mixing) * table[k]
        expect = guard_weights(raw, prev, fp.epsilon_max, fp.absolute_weight_guard_rail)
        np.testing.assert_array_equal(np.asarray(result.jax["weights"][k]), np.asarray(expect))
        prev = np.asarray(result.jax["weights"][k])


def test_a_scan_carry_without_a_contract_state_is_named_in_one_line(chains, capsys):
    pool = QuantammsimPool(q.DifferenceMomentumPool(), "DifferenceMomentumRule", path="scan")
    with pytest.raises(ValueError, match=r"DifferenceMomentumPool: its scan carry has no 'short_ewma' "
                                         r"\(DifferenceMomentumRule stores ewma, short_ewma\)"):
        _run(pool, "DifferenceMomentumRule", chains)
    rc = main(["verify", "--pool", "quantammsim_standin:DifferenceMomentumPool", "--rule-contract",
               "DifferenceMomentumRule", "--pool-path", "scan", "--assets", "3", "--blocks", "5", "--backend", "revm"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "its scan carry has no 'short_ewma'" in err
    rc = main(["verify", "--pool", "quantammsim_standin:MinVariancePool", "--rule-contract", "MinimumVarianceRule",
               "--pool-path", "scan", "--assets", "3", "--blocks", "5", "--backend", "revm"])
    err = capsys.readouterr().err
    assert rc == 2 and "MinVariancePool: has no scan path (supports_scan_path() is False)" in err


def test_a_harness_pool_whose_carry_lacks_a_contract_state_is_named(chains):
    from parity.pools import create_pool

    class NoRunningA:
        def __init__(self):
            self.inner, self.chain_rule, self.rule = create_pool("momentum"), "MomentumRule", "no_running_a"

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def get_initial_rule_state(self, price, params, fp):
            carry = self.inner.get_initial_rule_state(price, params, fp)
            return {k: v for k, v in carry.items() if k != "running_a"}

    with pytest.raises(ValueError, match="pool no_running_a: its scan carry has no 'running_a' "
                                         r"\(the rule contract stores ewma, running_a; carry keys: "):
        _run(NoRunningA(), "MomentumRule", chains, blocks=3)


@pytest.mark.parametrize("contract", ["DifferenceMomentumRule", "MinimumVarianceRule", "MomentumRule"])
def test_to_pool_params_works_for_any_rule(contract, chains):
    calls = []

    def mine(chain_params, fp):
        calls.append(sorted(chain_params))
        return default_pool_params(chain_params, fp)

    theirs = _run(QuantammsimPool(q.POOLS[contract](), contract, to_pool_params=mine), contract, chains, blocks=8)
    ours = _run(QuantammsimPool(q.POOLS[contract](), contract), contract, chains, blocks=8)
    assert calls and set(calls[0]) == set(ours.mapped.chain_params)
    np.testing.assert_array_equal(np.array(theirs.jax["weights"]), np.array(ours.jax["weights"]))


# --------------------------------------------------------------------- failures inside a pool's code


def _verify_with_report(tmp_path, capsys, pool, contract="MomentumRule", blocks=10):
    report = tmp_path / "r.json"
    rc = main(["verify", "--pool", f"broken_quantammsim:{pool}", "--rule-contract", contract, "--assets", "3",
               "--blocks", str(blocks), "--backend", "revm", "--report", str(report)])
    out = capsys.readouterr()
    return rc, out.out, out.err, json.loads(report.read_text()) if report.exists() else None


def test_a_failure_in_the_cross_check_keeps_the_verified_blocks_and_their_report(tmp_path, capsys):
    rc, out, err, data = _verify_with_report(tmp_path, capsys, "CrossCheckKeyError")
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert ("the vectorized cross-check: CrossCheckKeyError.calculate_rule_outputs failed at "
            "tests/parity/broken_quantammsim.py:") in err and "in calculate_rule_outputs: KeyError: 'chunk_periodd'" in err
    assert out.startswith("POOL ERROR: CrossCheckKeyError (MomentumRule) n=3 on revm, mode independent, 10 blocks")
    assert data["status"] == "pool_error" and data["blocks_compared"] == 10 and not data["passed"]
    assert data["pool_error"] in err and data["first_divergence"] is None
    assert len(data["series"]["jax"]["weights"]) == 10


def test_a_plain_dict_handed_to_jax_inside_the_pool_is_one_line(tmp_path, capsys):
    rc, out, err, data = _verify_with_report(tmp_path, capsys, "PlainDictInside")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and len(err) < 500, err
    assert "PlainDictInside.calculate_rule_outputs failed at tests/parity/broken_quantammsim.py:" in err
    assert "in calculate_rule_outputs: ValueError: Non-hashable static arguments are not supported" in err
    assert data["blocks_compared"] == 10


def test_a_failure_in_the_scan_step_is_reported_at_its_block(tmp_path, capsys):
    rc, out, err, data = _verify_with_report(tmp_path, capsys, "StepTypeError")
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert "block 1: StepTypeError.calculate_rule_output_step failed at tests/parity/broken_quantammsim.py:" in err
    assert "in calculate_rule_output_step: TypeError:" in err
    assert data["status"] == "pool_error" and data["blocks_compared"] == 0


def test_one_adapter_runs_twice_on_different_prices(chains):
    """The vectorized-only path reads this run's rule outputs, not a compiled copy of an earlier run's."""
    pool = QuantammsimPool(ChainVarianceMinVariance(), "MinimumVarianceRule")
    fp = _fp("MinimumVarianceRule")
    params = DEFAULT_PARAMS["min_variance"]
    first = run_lockstep(pool, params, fp, load_scenario("trending_daily_8", 3), chains["revm"], blocks=12, progress=False)
    second = run_lockstep(pool, params, fp, load_scenario("mean_reverting_daily_8", 3), chains["revm"], blocks=12,
                          progress=False)
    third = run_lockstep(pool, params, fp, load_scenario("trending_daily_8", 3)[::-1].copy(), chains["revm"],
                         blocks=12, progress=False)
    assert first.status == second.status == third.status == "parity"
    assert not np.array_equal(np.array(first.jax["weights"]), np.array(second.jax["weights"]))

"""Driver behaviour: duck-typed simulators with their own carry keys, resync vs independent mode, burn-in
replay and seeding, and rejection of invalid parameters before anything is deployed."""

from __future__ import annotations

import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.harness import SetupError, StateField, StateMap, run_lockstep
from parity.harness.mapping import to_wei
from parity.pools import create_pool
from parity_cases import load_scenario

PARAMS = {"lamb": 0.9, "kappa": 1.0}


class RenamedMomentum:
    """A third-party-style simulator: only the scan-path methods and the parameter encoding, with its own
    carry key names ("level", "trend", "w") and no vectorized path. It delegates the math to MomentumPool."""

    chain_rule = "MomentumRule"
    rule = "third_party_momentum"

    def __init__(self):
        self._inner = create_pool("momentum")

    def chain_params(self, params, fp):
        return self._inner.chain_params(params, fp)

    def encode_chain_params(self, cp, n):
        return self._inner.encode_chain_params(cp, n)

    def decode_chain_params(self, parameters, lambda_store, n):
        return self._inner.decode_chain_params(parameters, lambda_store, n)

    def supports_vectorized_path(self):
        return False

    def get_initial_rule_state(self, price, params, fp):
        c = self._inner.get_initial_rule_state(price, params, fp)
        return {"level": c["ewma"], "trend": c["running_a"]}

    def calculate_coarse_weight_step(self, est, wt, price, params, fp):
        inner = {"ewma": est["level"], "running_a": est["trend"]}
        inner, _, w = self._inner.calculate_coarse_weight_step(inner, {"prev_actual_weight": wt["w"]}, price, params, fp)
        return {"level": inner["ewma"], "trend": inner["running_a"]}, {"w": w}, w


RENAMED_MAP = StateMap(
    (StateField("level", "getMovingAverages"), StateField("trend", "getIntermediateGradientState")),
    init_key="trend",
    weight_key="w",
)


def _fp(n=3, **kw):
    return make_run_fingerprint(rule="momentum", n_assets=n, chunk_period=1440, price_interval=1440, **kw)


def test_duck_typed_simulator_with_its_own_state_map(lockstep, chains):
    prices = load_scenario("trending_daily_8", 3)
    ours = lockstep("momentum", PARAMS, prices, blocks=12)
    theirs = run_lockstep(RenamedMomentum(), PARAMS, _fp(), prices, chains["revm"], blocks=12, state_map=RENAMED_MAP,
                          progress=False)
    assert theirs.status == "parity"
    assert theirs.vectorized == {"skipped": "the pool has no vectorized path"}
    assert set(theirs.errors) == {"level", "trend", "weights"}
    # same rule under other names: identical chain integers; the JAX floats of a carry without the
    # deviation form (plain p − p̄, see pools.common.ewma_update) agree with ours to rounding
    assert theirs.chain["level"] == ours.chain["ewma"] and theirs.chain["trend"] == ours.chain["running_a"]
    assert theirs.chain["weights"] == ours.chain["weights"]
    np.testing.assert_allclose(np.array(theirs.jax["level"]), np.array(ours.jax["ewma"]), rtol=1e-15)
    trend, running_a = np.array(theirs.jax["trend"]), np.array(ours.jax["running_a"])
    assert (np.abs(trend - running_a) <= 1e-12 * np.abs(running_a).max(axis=0)).all()  # of the state's scale


class RenamedDeviationMomentum(RenamedMomentum):
    """The same third-party simulator carrying the deviation form under its own moving-average key:
    "price" and "level_deviation" (<moving-average key>_deviation), which the harness sets from the chain."""

    rule = "third_party_deviation_momentum"

    def get_initial_rule_state(self, price, params, fp):
        c = self._inner.get_initial_rule_state(price, params, fp)
        return {"level": c["ewma"], "trend": c["running_a"], "price": c["price"], "level_deviation": c["ewma_deviation"]}

    def calculate_coarse_weight_step(self, est, wt, price, params, fp):
        inner = {"ewma": est["level"], "running_a": est["trend"], "price": est["price"], "ewma_deviation": est["level_deviation"]}
        inner, _, w = self._inner.calculate_coarse_weight_step(inner, {"prev_actual_weight": wt["w"]}, price, params, fp)
        out = {"level": inner["ewma"], "trend": inner["running_a"], "price": inner["price"],
               "level_deviation": inner["ewma_deviation"]}
        return out, {"w": w}, w


@pytest.mark.parametrize("mode", ["independent", "resync"])
def test_duck_typed_simulator_with_the_deviation_form_under_its_own_keys(lockstep, chains, mode):
    prices = load_scenario("pegged_hourly_8", 3)
    ours = lockstep("momentum", PARAMS, prices, blocks=12, mode=mode)
    theirs = run_lockstep(RenamedDeviationMomentum(), PARAMS, _fp(), prices, chains["revm"], blocks=12,
                          state_map=RENAMED_MAP, progress=False, mode=mode)
    assert theirs.status == "parity"
    assert theirs.chain["trend"] == ours.chain["running_a"]
    assert np.array_equal(np.array(theirs.jax["level"]), np.array(ours.jax["ewma"]))
    assert np.array_equal(np.array(theirs.jax["trend"]), np.array(ours.jax["running_a"]))


def test_resync_starts_each_block_from_the_chain_state(lockstep):
    prices = load_scenario("crash_hourly_8", 5)
    params = {"lamb": 0.98, "kappa": 1.0}
    ind = lockstep("momentum", params, prices, chunk_period=60, blocks=60, mode="independent")
    res = lockstep("momentum", params, prices, chunk_period=60, blocks=60, mode="resync")
    assert ind.status == res.status == "parity"
    assert ind.chain == res.chain  # the chain side does not depend on the mode
    # the one-step error of running_a is never larger than the accumulated drift of the independent run;
    # the moving averages are within ~1 ulp either way (a resync step restarts from the decoded chain
    # state, so the decoding of two prices enters; the independent deviation form telescopes it)
    assert res.errors["running_a"].scaled.max() <= ind.errors["running_a"].scaled.max()
    for r in (res, ind):
        assert r.errors["ewma"].scaled.max() <= 2 * np.finfo(float).eps
    # resync: block k's JAX ewma is one float step from the chain's ewma at k−1
    lam = res.mapped.jax_params["lamb"][0]
    prev = np.array(res.chain["ewma"][9], dtype=object) / 10**18
    price = np.array([int(x) for x in res.prices_wei[10]], dtype=object) / 10**18
    expect = lam * prev.astype(float) + (1.0 - lam) * price.astype(float)
    np.testing.assert_allclose(res.jax["ewma"][10], expect, rtol=4e-16, atol=0)  # XLA may fuse into an FMA


@pytest.mark.parametrize("mode", ["independent", "resync"])
def test_jax_carry_deviations_come_from_the_chain_integers(lockstep, monkeypatch, mode):
    """The deviation-form keys of the JAX carry (price, ewma_deviation, short_ewma_deviation) are set from
    the integers the contract holds: at initialisation, and in resync mode before every step."""
    import parity.harness.driver as driver
    from parity.harness.mapping import from_wei_array

    seen = []
    make_step = driver.make_jax_step

    def recording(pool, params, fp):
        step = make_step(pool, params, fp)

        def wrapped(est, wt, price):
            seen.append({k: np.asarray(v) for k, v in est.items()})
            return step(est, wt, price)

        return wrapped

    monkeypatch.setattr(driver, "make_jax_step", recording)
    prices = load_scenario("pegged_hourly_8", 3)
    params = {"lamb": 0.9, "kappa": 10.0, "lamb_short": 0.5}
    res = lockstep("difference_momentum", params, prices, chunk_period=60, blocks=12, mode=mode,
                   vectorized_check=False)
    assert res.status == "parity" and len(seen) == 12
    p0 = [to_wei(x) for x in prices[0]]
    np.testing.assert_array_equal(seen[0]["price"], from_wei_array(p0))
    for key in ("ewma", "short_ewma"):
        expect = from_wei_array([p - m for p, m in zip(p0, res.initial[key])])
        np.testing.assert_array_equal(seen[0][f"{key}_deviation"], expect)
        np.testing.assert_array_equal(seen[0][key], from_wei_array(res.initial[key]))
    if mode == "resync":
        for k in range(1, 12):
            p_int = [int(x) for x in res.prices_wei[k - 1]]
            np.testing.assert_array_equal(seen[k]["price"], from_wei_array(p_int))
            for key in ("ewma", "short_ewma"):
                chain = res.chain[key][k - 1]
                np.testing.assert_array_equal(seen[k][key], from_wei_array(chain))
                np.testing.assert_array_equal(seen[k][f"{key}_deviation"],
                                              from_wei_array([p - m for p, m in zip(p_int, chain)]))


def test_burn_in_replay_runs_but_does_not_count(lockstep):
    prices = load_scenario("trending_daily_8", 3)
    plain = lockstep("momentum", PARAMS, prices, blocks=15)
    res = lockstep("momentum", PARAMS, prices, blocks=10, burn_in=5, burn_in_mode="replay")
    assert res.block_ids == list(range(1, 16))
    assert res.burn_in_rows == [True] * 5 + [False] * 10
    assert res.chain == plain.chain  # replaying is just running the first blocks
    assert res.first_divergence is None and res.status == "parity"


def test_burn_in_seed_initialises_the_contract_from_the_jax_warm_up(lockstep):
    prices = load_scenario("trending_daily_8", 3)
    res = lockstep("momentum", PARAMS, prices, blocks=10, burn_in=6, burn_in_mode="seed")
    plain = lockstep("momentum", PARAMS, prices, blocks=6)
    assert res.block_ids == list(range(7, 17)) and res.status == "parity"
    # the seed is the JAX state after 6 blocks, in wei (not the chain's own state after 6 blocks)
    assert res.initial["block"] == 6
    assert res.initial["ewma"] == [to_wei(x) for x in plain.jax["ewma"][-1]]
    assert res.initial["running_a"] == [to_wei(x) for x in plain.jax["running_a"][-1]]
    assert sum(res.initial["weights"]) == 10**18


def test_invalid_parameters_are_rejected_before_deployment(chains):
    chain = chains["revm"]
    prices = load_scenario("trending_daily_8", 3)
    before = chain.block_number()
    with pytest.raises(ValueError, match="kappa"):
        run_lockstep(create_pool("momentum"), {"lamb": 0.9, "kappa": -1.0}, _fp(), prices, chain, blocks=3)
    with pytest.raises(ValueError, match="exponents"):
        run_lockstep(create_pool("power_channel"), {"lamb": 0.9, "kappa": 1.0, "exponents": 0.5},
                     make_run_fingerprint(rule="power_channel", n_assets=3, chunk_period=1440, price_interval=1440),
                     prices, chain, blocks=3)
    with pytest.raises(ValueError, match="blocks=500"):
        run_lockstep(create_pool("momentum"), PARAMS, _fp(), prices[:20], chain, blocks=500)
    with pytest.raises(ValueError, match="mode='sideways'"):
        run_lockstep(create_pool("momentum"), PARAMS, _fp(), prices, chain, blocks=3, mode="sideways")
    with pytest.raises(ValueError, match="oracle prices must be > 0"):
        run_lockstep(create_pool("momentum"), PARAMS, _fp(), np.vstack([prices[:3], -prices[3:6]]), chain, blocks=3)
    assert chain.block_number() == before  # nothing was deployed or sent


def test_contract_validparameters_is_consulted(chains):
    """A pool that encodes parameters the contract rejects: the run stops with the rule's own conditions."""

    class LaxMomentum(RenamedMomentum):
        def encode_chain_params(self, cp, n):
            parameters, lam = super().encode_chain_params(cp, n)
            return parameters + [[5]], lam  # useRawPrice must be 0 or 1e18

        def decode_chain_params(self, parameters, lambda_store, n):
            return super().decode_chain_params(parameters[:1], lambda_store, n)

    prices = load_scenario("trending_daily_8", 3)
    with pytest.raises(ValueError, match=r"MomentumRule.validParameters rejected .*useRawPrice"):
        run_lockstep(LaxMomentum(), PARAMS, _fp(), prices, chains["revm"], blocks=3, state_map=RENAMED_MAP)


def test_attached_rule_with_another_runner_is_a_setup_error(chains, artifacts):
    chain = chains["revm"]
    dep = chain.deploy(artifacts["MomentumRule"], chain.accounts[1])  # runner = accounts[1]
    prices = load_scenario("trending_daily_8", 3)
    with pytest.raises(SetupError, match="UNAUTH"):
        run_lockstep(create_pool("momentum"), PARAMS, _fp(), prices, chain, blocks=3, deployed=dep)
    res = run_lockstep(create_pool("momentum"), PARAMS, _fp(), prices, chain, blocks=3, deployed=dep,
                       sender=chain.accounts[1].lower(), progress=False)
    assert res.status == "parity"

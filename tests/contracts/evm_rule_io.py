"""Drive a deployed rule contract and its exact integer model through the same calls and read the same state."""

from __future__ import annotations

import itertools
from typing import Any, Callable

from eth_utils import to_checksum_address

from parity.chain import RULE_CONTRACTS, ContractRevert
from parity.fixedpoint.errors import Revert

RULES = tuple(RULE_CONTRACTS)
_POOL_COUNTER = itertools.count(1)
GRADIENT_RULES = ("momentum", "anti_momentum", "power_channel", "mean_reversion_channel", "difference_momentum")


def deploy_rules(chain, artifacts) -> dict:
    """rule name -> Deployed, every rule deployed with chain.accounts[0] as its runner."""
    runner = chain.accounts[0]
    return {rule: chain.deploy(artifacts[contract], runner) for rule, contract in RULE_CONTRACTS.items()}


def fresh_pool() -> str:
    """A pool key never used before in this process (rule state is keyed by pool address)."""
    return to_checksum_address(f"0x{0xB00000 + next(_POOL_COUNTER):040x}")


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", value) or ("revert", canonical reason) for either side; lists are normalised to lists."""
    try:
        value = fn()
    except (ContractRevert, Revert) as exc:
        return ("revert", exc.reason)
    if isinstance(value, tuple):
        value = list(value)
    return ("ok", value)


def evm_initialise(chain, contract, pool, mas, init, n, sender=None) -> None:
    chain.transact(contract, "initialisePoolRuleIntermediateValues", [pool, mas, init, n], sender=sender)


def evm_update(chain, contract, prev, data, pool, params, lambdas, eps, g, sender=None) -> list[int]:
    tx = chain.transact(contract, "CalculateNewWeights", [prev, data, pool, params, lambdas, eps, g], sender=sender)
    return list(tx.return_value)


def model_update(model, prev, data, pool, params, lambdas, eps, g, sender) -> list[int]:
    return model.calculate_new_weights(prev, data, pool, params, lambdas, eps, g, sender=sender)


def n_words(n: int) -> int:
    return (n + 1) // 2


def evm_state(chain, contract, rule: str, pool: str, n: int) -> dict[str, tuple[str, Any]]:
    """Every public state getter of the rule for `pool` with the true n, and the raw packed words of its
    public mappings (an index past the end of a public array getter reverts with empty data)."""
    state = {"getMovingAverages": outcome(lambda: chain.call(contract, "getMovingAverages", [pool, n]))}
    for k in range(n_words(n)):
        state[f"movingAverages[{k}]"] = outcome(lambda k=k: chain.call(contract, "movingAverages", [pool, k]))
    if rule in GRADIENT_RULES:
        state["getIntermediateGradientState"] = outcome(
            lambda: chain.call(contract, "getIntermediateGradientState", [pool, n])
        )
    if rule == "min_variance":
        state["getIntermediateVarianceState"] = outcome(
            lambda: chain.call(contract, "getIntermediateVarianceState", [pool, n])
        )
    if rule == "difference_momentum":
        for k in range(n_words(n)):
            state[f"shortMovingAverages[{k}]"] = outcome(
                lambda k=k: chain.call(contract, "shortMovingAverages", [pool, k])
            )
    return state


def model_state(model, rule: str, pool: str, n: int) -> dict[str, tuple[str, Any]]:
    """The same getters as evm_state, read from the model."""
    state = {"getMovingAverages": outcome(lambda: model.get_moving_averages(pool, n))}
    for k in range(n_words(n)):
        state[f"movingAverages[{k}]"] = outcome(lambda k=k: model.moving_averages_word(pool, k))
    if rule in GRADIENT_RULES:
        state["getIntermediateGradientState"] = outcome(lambda: model.get_intermediate_gradient_state(pool, n))
    if rule == "min_variance":
        state["getIntermediateVarianceState"] = outcome(lambda: model.get_intermediate_variance_state(pool, n))
    if rule == "difference_momentum":
        for k in range(n_words(n)):
            state[f"shortMovingAverages[{k}]"] = outcome(lambda k=k: model.short_moving_averages(pool, k))
    return state


def evm_update_raw(chain, contract, prev, data, pool, params, lambdas, eps, g, sender=None) -> list[int]:
    """CalculateNewWeights with raw calldata (parity.fixedpoint.calldata markers allowed); revm only."""
    from parity.fixedpoint.calldata import encode_calculate_new_weights

    raw = encode_calculate_new_weights(prev, data, pool, params, lambdas, eps, g)
    return list(chain.transact_raw(contract, "CalculateNewWeights", raw, sender=sender).return_value)

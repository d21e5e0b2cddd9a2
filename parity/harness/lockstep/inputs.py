"""Stage 2, map: the plan's float inputs as the integers both sides consume.

Parameters go float -> on-chain integers -> decoded floats (parity.harness.mapping.map_parameters), prices
to 18-decimal integers and back, the initial weights through their wei encoding; the runner account is
resolved and the integer model answers validParameters before anything is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from parity.catalogue import RULES, rule_of_contract
from parity.harness.lockstep.plan import Plan
from parity.harness.mapping import MappedParams, initial_weights, map_parameters, to_wei

# contract -> what its validParameters requires (for the error naming rejected parameters)
VALID_PARAMETER_RULES = {r.contract: r.valid_parameters for r in RULES.values() if r.contract is not None}


@dataclass(frozen=True)
class RunInputs:
    """The mapped run: parameters both sides use, the runner account, the integer rule model (None when
    the model check is off) and the update prices as wei and as the floats those wei decode to."""

    mapped: MappedParams
    runner: str
    model: Any
    price_wei: list  # (total + 1) rows of ints
    price_dec: np.ndarray  # the same rows decoded to float64
    w0: np.ndarray  # initial weights as given (floats, before the wei round trip)

    @property
    def fingerprint(self):
        return self.mapped.fingerprint


contract_to_rule = rule_of_contract  # contract name -> rule name (None: a contract parity does not ship)


def make_rule_model(contract: str, runner: str, compiler_profile: str = "legacy"):
    """The integer model of a shipped rule contract (None for a contract the project does not ship), with
    the operand order of the given compiler profile."""
    rule = contract_to_rule(contract)
    if rule is None:
        return None
    from parity.fixedpoint.rules import make_model

    return make_model(rule, runner, compiler_profile=compiler_profile)


def rejected(contract: str, parameters) -> ValueError:
    """The error for parameters the rule's validParameters (integer model or chain) refuses."""
    return ValueError(
        f"{contract}.validParameters rejected parameters={parameters} "
        f"(the rule requires: {VALID_PARAMETER_RULES.get(contract, 'see the contract')})"
    )


def resolve_runner(sender: str | None, chain) -> str:
    """The account that sends every transaction: `sender` (checksummed) or the chain's first account."""
    if sender is None:
        return chain.accounts[0]
    from eth_utils import is_address, to_checksum_address

    if not is_address(sender):
        raise ValueError(f"sender={sender!r} is not an address")
    return to_checksum_address(sender)


def wei_prices(update_prices: np.ndarray, rows: int) -> tuple[list, np.ndarray]:
    """The first `rows` update prices as wei and decoded back: both sides consume the same integers."""
    price_wei = [[to_wei(x) for x in row] for row in update_prices[:rows].tolist()]
    price_dec = np.array([[v / 10**18 for v in row] for row in price_wei], dtype=np.float64)
    return price_wei, price_dec


def start_weights(pool, params: dict, fp, n: int) -> np.ndarray:
    """w(0) as the pool defines it (its initial_weights method), else from params."""
    if hasattr(pool, "initial_weights"):
        return np.asarray(pool.initial_weights(params, fp), dtype=np.float64)
    return initial_weights(params, n)


def map_inputs(plan: Plan, chain) -> RunInputs:
    """Stage 2: parameters, runner, rule model and prices. Raises ValueError before any deployment."""
    req = plan.request
    mapped = map_parameters(req.pool, req.params, req.run_fingerprint)
    runner = resolve_runner(req.sender, chain)
    # The integer model answers validParameters before anything is deployed (also when model_check is off).
    model = make_rule_model(plan.contract, runner, req.compiler_profile)
    if model is not None and not model.valid_parameters(mapped.parameters):
        raise rejected(plan.contract, mapped.parameters)
    price_wei, price_dec = wei_prices(plan.update_prices, plan.total + 1)
    w0 = start_weights(req.pool, req.params, mapped.fingerprint, plan.n)
    return RunInputs(mapped, runner, model if req.model_check else None, price_wei, price_dec, w0)

"""The rule catalogue: one row per rule, naming everything parity knows about it.

A row maps the rule name users type to its simulator pool class, its Solidity contract, the default
parameters of `parity verify` / `record` / `drift` / `sweep`, the on-chain state the contract keeps (a
StateMap: carry key <-> getter), its exact integer model and the rule its `validParameters` enforces.
Every layer above core reads rules from here. A new rule is its own modules (pool, contract, integer
model) plus one row in RULES.

Core keeps only the rule tables core itself needs and cannot take from here (core sits below the
catalogue): `parity.pools.POOLS` (create_pool, used by the runner), `parity.fixedpoint.rules.MODELS` (the
production model builds its rule model by name), `parity.chain.compile.RULE_CONTRACTS` (the production stack
deploys its rule by name) and `parity.fingerprint.RULES` (the rule names a fingerprint accepts).
tests/unit/test_catalogue.py checks that they agree with the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from parity.fixedpoint.rules.anti_momentum import AntiMomentumModel
from parity.fixedpoint.rules.base import RuleModel
from parity.fixedpoint.rules.channel_following import ChannelFollowingModel
from parity.fixedpoint.rules.difference_momentum import DifferenceMomentumModel
from parity.fixedpoint.rules.minimum_variance import MinimumVarianceModel
from parity.fixedpoint.rules.momentum import MomentumModel
from parity.fixedpoint.rules.power_channel import PowerChannelModel
from parity.pools.anti_momentum import AntiMomentumPool
from parity.pools.difference_momentum import DifferenceMomentumPool
from parity.pools.index_market_cap import IndexMarketCapPool
from parity.pools.mean_reversion_channel import MeanReversionChannelPool
from parity.pools.min_variance import MinVariancePool
from parity.pools.momentum import MomentumPool
from parity.pools.power_channel import PowerChannelPool
from parity.state_maps import GRADIENT_STATE, SHORT_STATE, VARIANCE_STATE, StateMap


@dataclass(frozen=True)
class Rule:
    """One rule. contract, state_map, model and valid_parameters are None for a simulator-only rule."""

    name: str
    pool: type
    contract: str | None
    default_params: dict
    state_map: StateMap | None
    model: type[RuleModel] | None
    valid_parameters: str | None  # what the contract's validParameters requires, for error messages


_KAPPA = "every κ > 0; optional [useRawPrice] ∈ {0, 1e18}"

# Default parameters: moderate settings for daily prices (λ = 0.9 is about a 3-day memory at daily updates),
# chosen so the out-of-the-box run moves weights without pinning them at the guard rails.
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("momentum", MomentumPool, "MomentumRule", {"lamb": 0.9, "kappa": 1.0}, GRADIENT_STATE, MomentumModel,
         f"1 or 2 arrays; {_KAPPA}"),
    Rule("anti_momentum", AntiMomentumPool, "AntiMomentumRule", {"lamb": 0.9, "kappa": 1.0}, GRADIENT_STATE,
         AntiMomentumModel, f"1 or 2 arrays; {_KAPPA}"),
    Rule("power_channel", PowerChannelPool, "PowerChannelRule", {"lamb": 0.9, "kappa": 20.0, "exponents": 2.0},
         GRADIENT_STATE, PowerChannelModel, "2 or 3 arrays; κ and q of equal length; every κ > 0; every q > 1; "
                                            "optional [useRawPrice] ∈ {0, 1e18}"),
    Rule("mean_reversion_channel", MeanReversionChannelPool, "ChannelFollowingRule",
         {"lamb": 0.9, "kappa": 1.0, "width": 0.1, "amplitude": 0.1, "exponents": 1.5, "inverse_scaling": 0.5415,
          "pre_exp_scaling": 0.5},
         GRADIENT_STATE, ChannelFollowingModel,
         "7 arrays; arrays 1–5 as long as κ; every κ, width, amplitude, exponent, inverse scaling, pre-exp scaling "
         "> 0; [useRawPrice] ∈ {0, 1e18}"),
    Rule("difference_momentum", DifferenceMomentumPool, "DifferenceMomentumRule",
         {"lamb": 0.9, "lamb_short": 0.5, "kappa": 1.0}, SHORT_STATE, DifferenceMomentumModel,
         "2 arrays; every λ_short in [0, 1]; every κ ≠ 0; Σκ ≠ 0"),
    Rule("min_variance", MinVariancePool, "MinimumVarianceRule", {"lamb": 0.9, "mixing": 0.5}, VARIANCE_STATE,
         MinimumVarianceModel, "1 array; every mixing Λ in [0, 1]"),
    Rule("index_market_cap", IndexMarketCapPool, None, {}, None, None, None),  # simulator only (market-cap data)
)}

ON_CHAIN_RULES: tuple[str, ...] = tuple(name for name, r in RULES.items() if r.contract is not None)
DEFAULT_PARAMS: dict[str, dict] = {name: RULES[name].default_params for name in ON_CHAIN_RULES}
CONTRACTS: dict[str, str] = {name: RULES[name].contract for name in ON_CHAIN_RULES}  # rule -> contract name

# parameter keys that replace the default λ / κ (the simulator's parameterisations of the same values)
LAMB_KEYS = ("memory_days", "logit_lamb")
KAPPA_KEYS = ("log_k", "k", "absolute_k", "sp_k")


def rule_of_contract(contract: str | None) -> str | None:
    """The rule whose contract is `contract` (None for a contract parity does not ship)."""
    return next((name for name, c in CONTRACTS.items() if c == contract), None)


def with_defaults(rule: str, params: dict) -> dict:
    """The rule's default parameters overridden by `params` (a λ or κ in another parameterisation replaces
    the default λ or κ)."""
    out = dict(DEFAULT_PARAMS[rule])
    if any(k in params for k in LAMB_KEYS):
        out.pop("lamb", None)
    if any(k in params for k in KAPPA_KEYS):
        out.pop("kappa", None)
    out.update(params)
    return out

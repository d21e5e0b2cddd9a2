"""The ``Pool`` protocol: exactly what the lockstep harness (parity.harness.driver.run_lockstep) calls on a
pool object. Any object with these methods can be verified against a rule contract; parity's own pools
and :class:`parity.adapters.quantammsim.QuantammsimPool` satisfy it.

Types: ``params`` is the caller's parameter dict; ``run_fingerprint`` a parity RunFingerprint; prices and
weights are float64 arrays of shape (n,); a carry is a dict of (n,) arrays.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Pool(Protocol):
    """Required: the parameter encoding (so both sides run on identical values) and the scan-path step.

    Optional attributes and methods the harness uses when present:

    * ``chain_rule: str`` names the rule contract (else the caller gives ``rule_contract=``); ``rule: str``
      names the pool in reports;
    * ``initial_weights(params, run_fingerprint) -> (n,)`` (else ``initial_weights`` /
      ``initial_weights_logits`` in params, else uniform);
    * ``get_initial_guardrail_state(initial_weights) -> dict`` (the weight carry; the harness sets the
      state map's ``weight_key`` in it, ``"prev_actual_weight"`` by default);
    * the vectorized cross-check (see :class:`VectorizedCheck`).
    """

    def chain_params(self, params: dict, run_fingerprint) -> dict:
        """The rule's on-chain parameters as floats (validated; ValueError names what is wrong)."""

    def encode_chain_params(self, chain_params: dict, n: int) -> tuple[list[list[int]], list[int]]:
        """(parameters int256[][], lambdaStore uint64[]) as 18-decimal integers for the contract."""

    def decode_chain_params(self, parameters: list[list[int]], lambda_store: list[int], n: int) -> dict:
        """The float parameters meaning exactly these integers; the JAX side runs on them (plus the
        caller's ``initial_*`` entries)."""

    def get_initial_rule_state(self, initial_price: Any, params: dict, run_fingerprint) -> dict:
        """The estimator carry at the initialisation price; its keys are the state map's carry keys."""

    def calculate_coarse_weight_step(self, est_carry: dict, wt_carry: dict, price: Any, params: dict,
                                     run_fingerprint) -> tuple[dict, dict, Any]:
        """One on-chain update in float64: (estimator carry, weight carry, coarse weights (n,))."""


@runtime_checkable
class VectorizedCheck(Protocol):
    """What the harness's vectorized-path cross-check calls (skipped when ``supports_vectorized_path()``
    is False or a method is missing)."""

    def supports_vectorized_path(self) -> bool:
        """Whether the pool has a whole-series path to cross-check."""

    def calculate_rule_outputs(self, params: dict, run_fingerprint, prices: Any, additional_oracle_input=None,
                               return_states: bool = False):
        """Rule outputs (T−1, n) of update rows 1..T−1, and with ``return_states`` the carry keys' states."""

    def resolve_params(self, params: dict, run_fingerprint, *, validate: bool = True) -> Any:
        """The resolved parameters handed to ``_coarse_scan``."""

    def _coarse_scan(self, rule_outputs: Any, initial_weights: Any, resolved_params: Any, run_fingerprint) -> Any:
        """The guard-rail scan of rule outputs from the initial weights: coarse weights (T−1, n)."""


def missing_methods(obj, protocol=Pool) -> list[str]:
    """Names of ``protocol``'s methods that ``obj`` lacks (empty when it satisfies the protocol)."""
    names = [n for n, v in vars(protocol).items() if callable(v) and not n.startswith("__")]
    return [n for n in names if not callable(getattr(obj, n, None))]

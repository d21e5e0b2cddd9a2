"""The pool-extension contract: what a user's ``TFMMBasePool`` subclass implements, and how parity finds it.

A new pool implements the public hooks (the method names quantammsim's pools use):

* ``calculate_rule_outputs(params, run_fingerprint, prices, additional_oracle_input=None) -> (N−1, n)``
  for the **vectorized** path: rule outputs for chunks 1..N−1 of the whole price history (row r <-> chunk
  r+1; chunk prices are ``prices[::run_fingerprint.chunk_steps]``);
* ``calculate_rule_output_step(carry, price, params, run_fingerprint) -> (carry, (n,))`` together with
  ``get_initial_rule_state(initial_price, params, run_fingerprint) -> carry`` for the **scan** path.

A rule output is a weight change (delta rules) or, with ``rule_outputs_are_weights = True``, a target
weight vector mixed in with ``params["mixing"]``. The guard rails, interpolation, warm-up and bout
slicing are the base class's. ``params`` reaches the hooks as the caller gave it; ``run_fingerprint`` is a
RunFingerprint (attribute or ``fp["key"]`` access).

Capability detection of the public hooks is the seed's rule: a path is supported iff the class's hook
differs from the base class's (an inherited override counts). The private hooks of parity's own pools
(``_rule_step`` / ``_rule_series``) count only in the class that defines them, so no pool runs another
rule's step: a subclass of one of parity's pools supports a path only if it implements it itself (a
public hook, or the private one re-declared).
"""

from __future__ import annotations

PUBLIC_SCAN_HOOK = "calculate_rule_output_step"
PUBLIC_INIT_HOOK = "get_initial_rule_state"
PUBLIC_VECTORIZED_HOOK = "calculate_rule_outputs"


def own_pool(cls) -> bool:
    """True for parity's own pool classes (defined in parity.pools)."""
    return cls.__module__.startswith("parity.pools")


def overrides(cls, name: str) -> bool:
    """True if ``cls`` (or a parent below TFMMBasePool) replaces the base class's method ``name``."""
    from parity.pools.base import TFMMBasePool

    return getattr(cls, name, None) is not getattr(TFMMBasePool, name)


def supports(cls, path: str) -> bool:
    """Whether ``cls`` supports ``path`` ("scan" or "vectorized"), per the rules in the module docstring."""
    private = "_rule_step" if path == "scan" else "_rule_series"
    if private in cls.__dict__:  # honest: the class itself implements the private hook
        return True
    if own_pool(cls):
        return False
    return overrides(cls, PUBLIC_SCAN_HOOK if path == "scan" else PUBLIC_VECTORIZED_HOOK)


def uses_public_outputs(cls) -> bool:
    """The vectorized path calls the public calculate_rule_outputs (a user's class that overrides it)."""
    return not own_pool(cls) and overrides(cls, PUBLIC_VECTORIZED_HOOK)


class SeedParams(dict):
    """The resolved parameters a user's pool passes around: the parent pool's resolved values (if any) as
    dict entries, plus the caller's ``params`` and ``run_fingerprint`` for the public hooks. A missing
    entry falls back to ``params`` (e.g. ``mixing`` for a weight rule)."""

    def __init__(self, resolved, params, run_fingerprint):
        super().__init__(resolved or {})
        self.params = params
        self.run_fingerprint = run_fingerprint

    def __missing__(self, key):
        return self.params[key]


def _seed_rule_step(self, carry, price, cp, oracle_row):
    return self.calculate_rule_output_step(carry, price, cp.params, cp.run_fingerprint)


def _seed_init_state(self, initial_price, cp, params):
    return self.get_initial_rule_state(initial_price, cp.params, cp.run_fingerprint)


def install_seed_bridges(cls) -> None:
    """Route the base class's private scan hooks to the public ones ``cls`` defines (user classes only)."""
    if own_pool(cls):
        return
    if PUBLIC_SCAN_HOOK in cls.__dict__:
        cls._rule_step = _seed_rule_step
    if PUBLIC_INIT_HOOK in cls.__dict__:
        cls._init_state = _seed_init_state

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

import jax

PUBLIC_SCAN_HOOK = "calculate_rule_output_step"
PUBLIC_INIT_HOOK = "get_initial_rule_state"
PUBLIC_VECTORIZED_HOOK = "calculate_rule_outputs"


def own_pool(cls) -> bool:
    """True for parity's own pool classes (defined in parity.pools)."""
    return cls.__module__.startswith("parity.pools")


def overrides(cls, name: str, base: type) -> bool:
    """True if ``cls`` (or a parent below ``base``, the pools' base class) replaces ``base``'s method ``name``."""
    return getattr(cls, name, None) is not getattr(base, name)


def supports(cls, path: str, base: type) -> bool:
    """Whether ``cls`` supports ``path`` ("scan" or "vectorized"), per the rules in the module docstring;
    ``base`` is the pools' base class (TFMMBasePool, which passes itself: this module is below it)."""
    private = "_rule_step" if path == "scan" else "_rule_series"
    if private in cls.__dict__:  # honest: the class itself implements the private hook
        return True
    if own_pool(cls):
        return False
    return overrides(cls, PUBLIC_SCAN_HOOK if path == "scan" else PUBLIC_VECTORIZED_HOOK, base)


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


def _flatten_seed_params(sp):
    keys = tuple(sorted(dict.keys(sp)))
    return [dict.__getitem__(sp, k) for k in keys], (keys, sp.params, sp.run_fingerprint)


def _unflatten_seed_params(aux, values):
    keys, params, run_fingerprint = aux
    return SeedParams(dict(zip(keys, values)), params, run_fingerprint)


# a pytree, so that is_concrete() and tree maps see the resolved arrays inside
jax.tree_util.register_pytree_node(SeedParams, _flatten_seed_params, _unflatten_seed_params)


def _seed_rule_step(self, carry, price, cp, oracle_row):
    return self.calculate_rule_output_step(carry, price, cp.params, cp.run_fingerprint)


def _seed_init_state(self, initial_price, cp, params):
    return self.get_initial_rule_state(initial_price, cp.params, cp.run_fingerprint)


def _seed_rule_series(self, carry0, chunk_prices, cp, oracle):
    """The base class's whole-series hook from the public calculate_rule_outputs: the user's hook gets the
    chunk prices from chunk 0 (recorded by _init_state) with a fingerprint of one price row per chunk."""
    import dataclasses

    import jax.numpy as jnp

    if oracle is not None:
        raise ValueError(f"pool {self.rule!r}: a user pool's calculate_rule_outputs cannot take "
                         "additional_oracle_input through the bout path; call it directly")
    fp = cp.run_fingerprint
    fp = dataclasses.replace(fp, price_interval=fp.chunk_period, weight_interpolation_period=fp.chunk_period)
    prices = jnp.concatenate([jnp.asarray(cp.first_chunk)[None, :], chunk_prices])
    return self.calculate_rule_outputs(cp.params, fp, prices), {}


def _recording_first_chunk(init_state):
    """_init_state that also keeps chunk 0 on the SeedParams (for _seed_rule_series)."""
    if getattr(init_state, "records_first_chunk", False):
        return init_state

    def _init_state(self, initial_price, cp, params):
        if isinstance(cp, SeedParams):
            cp.first_chunk = initial_price
        return init_state(self, initial_price, cp, params)

    _init_state.records_first_chunk = True
    return _init_state


def install_seed_bridges(cls) -> None:
    """Route the base class's private hooks to the public ones ``cls`` defines (user classes only)."""
    if own_pool(cls):
        return
    if PUBLIC_SCAN_HOOK in cls.__dict__:
        cls._rule_step = _seed_rule_step
    if PUBLIC_INIT_HOOK in cls.__dict__:
        cls._init_state = _seed_init_state
    if PUBLIC_VECTORIZED_HOOK in cls.__dict__:
        cls._rule_series = _seed_rule_series
    cls._init_state = _recording_first_chunk(cls._init_state)

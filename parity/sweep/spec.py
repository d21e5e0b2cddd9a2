"""What a sweep runs: verifications (a rule, one parameter set, one price case) and the run settings.

parity.inputs.sweep_spec reads a spec file (TOML or JSON) into a validated `Spec`; the sweep engine
(parity.sweep.session, parity.sweep.runner) runs it; the spec format is described there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

@dataclass(frozen=True)
class PriceCase:
    """One price history a verification runs on: a named series, a row window and the first n columns."""

    series: str
    window: tuple[int, int]
    n: int
    interval: int  # minutes between rows
    chunk_period: int  # minutes between updates

    @property
    def label(self) -> str:
        return f"{self.series}[{self.window[0]}:{self.window[1]}]/n={self.n}"


@dataclass
class Verification:
    """One results row: a rule, one parameter set and one price case."""

    id: int
    rule: str
    entry: int  # index of the rules[] entry
    set_index: int  # index of the set within that entry
    params: dict  # the user's parameter set (before defaults)
    case: PriceCase
    perturb: dict | None = None  # {"param", "relative"}: the JAX side runs on a perturbed value
    group: tuple = ()  # static parameters and array shapes: sets sharing it share one compiled batch


@dataclass
class Spec:
    """A validated spec: verifications, price tables and run settings."""

    verifications: list[Verification]
    prices: dict[str, np.ndarray]  # series name -> (rows, columns) float array
    backend: str = "revm"
    level: str = "rule"
    blocks: int | None = None
    chunk_size: int = 25
    model_sample: int = 1
    vectorized_check: bool = True
    fingerprint: dict = field(default_factory=dict)  # epsilon_max / absolute_weight_guard_rail
    tolerances: dict = field(default_factory=dict)
    heatmap: dict = field(default_factory=dict)
    grid_axes: list = field(default_factory=list)  # parameter names of the first grid (heatmap default)
    stack: dict = field(default_factory=dict)  # level "pool": the spec's `stack` table (the contracts to deploy)


def split_params(jax_params: dict) -> tuple[dict, tuple]:
    """(numeric arrays, static items as a hashable tuple): arrays are vmapped, statics are compiled in."""
    arrays, static = {}, []
    for k, v in sorted(jax_params.items()):
        if isinstance(v, (bool, str, type(None))):
            static.append((k, v))
        else:
            arrays[k] = np.asarray(v, dtype=np.float64)
    return arrays, tuple(static)


def make_fingerprint(rule: str, case: PriceCase, settings: dict):
    """The run fingerprint of one verification (rows are update rows: price_interval = chunk_period)."""
    from parity.fingerprint import make_run_fingerprint

    return make_run_fingerprint(rule=rule, n_assets=case.n, chunk_period=case.chunk_period,
                                price_interval=case.chunk_period, **settings)


def stack_for(stack: dict, rule: str):
    """The StackArtifacts of a spec's `stack` table for `rule` (None: parity's reference stack). Raises
    ValueError (an ArtifactError) naming what does not resolve."""
    from parity.chain.stack import resolve_stack

    names = {role: stack.get(f"{role}_contract") for role in ("runner", "pool", "rule", "vault")}
    return resolve_stack(rule, profile=stack.get("compiler_profile", "legacy"), artifacts=stack.get("artifacts"),
                         contracts=stack.get("contracts"), remap=stack.get("remap", ()), names=names)

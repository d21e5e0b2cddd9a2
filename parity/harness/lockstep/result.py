"""What one lockstep run produced: the result object, a revert that stopped it, a chain/model mismatch.

Rendered by parity.harness.report (JSON, summary) and parity.harness.plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parity.errors import SetupError
from parity.harness import compare as cmp
from parity.harness.mapping import MappedParams, StateMap

__all__ = ["LockstepResult", "ModelMismatch", "RevertInfo", "SetupError"]

@dataclass
class RevertInfo:
    """A revert that stopped the run: at which update block, with which inputs and reason."""

    block: int
    function: str
    reason: str
    inputs: dict
    backend: str
    chain_block: int | None
    model_reason: str | None = None  # what the integer model did at the same call ("" = no model)
    jax_weights: list | None = None  # what the JAX step produced at that block


@dataclass
class ModelMismatch:
    """The chain and the exact integer model disagree (zero tolerance): a contract (or model) bug."""

    block: int
    field: str
    asset: int
    chain_value: Any
    model_value: Any
    chain_state: dict
    model_state: dict


@dataclass
class LockstepResult:
    """Everything one lockstep run produced; see parity.harness.report for its renderings."""

    rule: str
    contract: str
    backend: str
    n_assets: int
    mode: str
    burn_in: int
    burn_in_mode: str
    blocks_requested: int
    chunk_period: int
    mapped: MappedParams
    state_map: StateMap
    tolerances: dict
    scales: dict
    block_ids: list = field(default_factory=list)  # update block k per compared row
    burn_in_rows: list = field(default_factory=list)  # bool per row: replayed burn-in (not counted)
    chain_blocks: list = field(default_factory=list)
    timestamps: list = field(default_factory=list)
    prices_wei: list = field(default_factory=list)  # price row per compared block (ints)
    jax: dict = field(default_factory=dict)  # field -> list of float arrays (n,)
    chain: dict = field(default_factory=dict)  # field -> list of int lists
    errors: dict = field(default_factory=dict)  # field -> compare.FieldErrors
    first_divergence: cmp.Divergence | None = None
    worst: dict = field(default_factory=dict)
    revert: RevertInfo | None = None
    model_check: bool = False
    model_mismatch: ModelMismatch | None = None
    model_blocks_checked: int = 0
    vectorized: dict | None = None  # {"errors", "worst", "first_divergence", "skipped"}
    initial: dict = field(default_factory=dict)  # initial state/weights as ints
    artifact_info: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)
    level: str = "rule"  # "rule": the rule contract alone; "pool": runner + pool + rule (pool_sides)
    pool: dict = field(default_factory=dict)  # pool level only: sample times, stack addresses, gas
    excused: list = field(default_factory=list)  # pool level: boundary notes {block, field, asset, ...}
    sections: dict = field(default_factory=dict)  # further top-level report sections an engine adds (e.g. "audit")
    summary_lines: list = field(default_factory=list)  # and the lines it adds to the terminal summary

    @property
    def counted(self) -> np.ndarray:
        return ~np.asarray(self.burn_in_rows, dtype=bool)

    @property
    def blocks_compared(self) -> int:
        """Compared blocks that count towards the verdict (replayed burn-in rows excluded)."""
        return int(np.sum(self.counted))

    @property
    def status(self) -> str:
        """'model_mismatch' (chain ≠ integer model) | 'revert' | 'divergence' | 'parity'."""
        if self.model_mismatch is not None:
            return "model_mismatch"
        if self.revert is not None:
            return "revert"
        if self.first_divergence is not None:
            return "divergence"
        if self.vectorized and self.vectorized.get("first_divergence") is not None:
            return "divergence"
        return "parity"

    @property
    def passed(self) -> bool:
        return self.status == "parity"

    def state_at(self, block: int) -> dict:
        """Both sides' full state and weights at update block `block` (after that block's update)."""
        if block not in self.block_ids:
            raise ValueError(f"block {block} was not compared (compared: {self.block_ids[:1]}..{self.block_ids[-1:]})")
        row = self.block_ids.index(block)
        return {
            "jax": {k: [float(x) for x in v[row]] for k, v in self.jax.items()},
            "chain": {k: [int(x) for x in v[row]] for k, v in self.chain.items()},
            "price": [int(x) for x in self.prices_wei[row]],
        }

"""Which on-chain state a rule contract keeps, and through which getter each piece is read.

A `StateMap` names the carry keys a rule keeps on chain (the JAX side's names), the getter that reads each
one and the key that initialises the rule-specific state. Which rule uses which map is a row of
parity.catalogue; the harness compares the fields of the map (parity.harness.mapping), the fixtures record
them, and the input checks bound the one that grows (parity.inputs.checks).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StateField:
    """One compared estimator state: carry key, the getter that reads it, and how the getter returns it.

    packed=False: getter(pool, n) -> int256[] of n values.
    packed=True: getter(pool, word_index) -> one raw word holding two int128 values (docs/storage.md)."""

    key: str
    getter: str
    packed: bool = False

    @property
    def kind(self) -> str:
        """The compared quantity (ewma, running_a, variance, short_ewma): picks scale and default tolerance."""
        return GETTER_KINDS.get(self.getter, self.key)


GETTER_KINDS = {
    "getMovingAverages": "ewma",
    "getIntermediateGradientState": "running_a",
    "getIntermediateVarianceState": "variance",
    "shortMovingAverages": "short_ewma",
}


@dataclass(frozen=True)
class StateMap:
    """Which carry keys a rule keeps on chain, and which one initialises its rule-specific state."""

    fields: tuple[StateField, ...]
    init_key: str
    weight_key: str = "prev_actual_weight"  # key of the previous weights in the weight carry

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def moving_average_key(self) -> str:
        """Carry key read through getMovingAverages (initialised from `initialisePoolRuleIntermediateValues`' MAs)."""
        for f in self.fields:
            if f.getter == "getMovingAverages":
                return f.key
        raise ValueError("a StateMap needs a field read through getMovingAverages")

    def field(self, key: str) -> StateField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


# the three shapes of state the shipped rules keep: gradient (momentum family), variance, short moving average
EWMA = StateField("ewma", "getMovingAverages")
GRADIENT_STATE = StateMap((EWMA, StateField("running_a", "getIntermediateGradientState")), init_key="running_a")
VARIANCE_STATE = StateMap((EWMA, StateField("variance", "getIntermediateVarianceState")), init_key="variance")
SHORT_STATE = StateMap((EWMA, StateField("short_ewma", "shortMovingAverages", packed=True)), init_key="short_ewma")

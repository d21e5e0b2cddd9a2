"""One fuzz example: a rule, its parameters, the run settings, a market path and (pool level) the update
timing and the stale-oracle scenario; and the up-front checks every example passes before it runs (what
`parity verify` refuses is refused here too, so every example is a market the chain can hold).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from parity.fuzz.paths import PathRecipe, distinct_prices, expand


@dataclass(frozen=True)
class Settings:
    """What every example of a batch shares (compiled into the JAX functions): n, the update interval,
    ε and the guard rail (None: the fingerprint defaults) and the boolean parameters."""

    n: int
    chunk_period: int = 1440
    epsilon_max: float | None = None
    guard_rail: float | None = None
    statics: tuple = ()

    def fingerprint(self, rule: str):
        from parity.fingerprint import make_run_fingerprint

        kw = {"rule": rule, "n_assets": self.n, "chunk_period": self.chunk_period, "price_interval": self.chunk_period}
        if self.epsilon_max is not None:
            kw["epsilon_max"] = self.epsilon_max
        if self.guard_rail is not None:
            kw["absolute_weight_guard_rail"] = self.guard_rail
        return make_run_fingerprint(**kw)

    def to_json(self) -> dict:
        return {"n": self.n, "chunk_period": self.chunk_period, "epsilon_max": self.epsilon_max,
                "guard_rail": self.guard_rail, **dict(self.statics)}

    @staticmethod
    def from_json(data: dict) -> "Settings":
        core = ("n", "chunk_period", "epsilon_max", "guard_rail")
        statics = tuple(sorted((k, v) for k, v in data.items() if k not in core))
        return Settings(int(data["n"]), int(data["chunk_period"]), data["epsilon_max"], data["guard_rail"], statics)


@dataclass
class Example:
    """One market on one parameter set. `prices` are the update rows (row 0 initialises), every value a
    whole number of wei; `delays` (pool level) the seconds each update is late (≥ the interval: missed
    updates); `stale_oracles`, `stale_seed` (pool level) the seeded stale-oracle scenario of
    run_pool_lockstep (rate 0: none)."""

    rule: str
    settings: Settings
    params: dict
    recipe: PathRecipe
    delays: tuple = ()
    given_prices: np.ndarray | None = field(default=None, repr=False)  # a recorded path instead of the recipe's
    from_recipe: bool = field(default=True, init=False, repr=False)
    stale_oracles: float = 0.0
    stale_seed: int = 0

    def __post_init__(self):
        self.from_recipe = self.given_prices is None

    @property
    def prices(self) -> np.ndarray:
        """The update prices (built from the recipe once, when first needed)."""
        if self.given_prices is None:
            self.given_prices = expand(self.recipe)
        return self.given_prices

    @property
    def n(self) -> int:
        return self.settings.n

    @property
    def blocks(self) -> int:
        return self.prices.shape[0] - 1

    def size(self) -> tuple:
        """What shrinking minimises, in order: blocks, assets, distinct prices, late updates, the stale-oracle
        rate (0: no scenario)."""
        return (self.blocks, self.n, distinct_prices(self.prices), sum(1 for d in self.delays if d), self.stale_oracles)

    @property
    def scenario(self) -> dict | None:
        """The stale-oracle scenario as {"rate", "seed"}, or None."""
        return {"rate": self.stale_oracles, "seed": self.stale_seed} if self.stale_oracles else None

    def variant(self, j: int) -> "Example":
        """The j-th seeded variant of this example's market (parity.fuzz.paths.variant); j = 0: itself."""
        from parity.fuzz.paths import variant

        if j == 0 or not self.from_recipe:
            return self
        return Example(self.rule, self.settings, self.params, variant(self.recipe, j), self.delays,
                       stale_oracles=self.stale_oracles, stale_seed=self.stale_seed)

    def key(self) -> str:
        """Identifies the example's inputs (what its outcome depends on): its recipe, or its recorded prices."""
        path = self.recipe.to_json() if self.from_recipe else self.given_prices.tobytes().hex()
        return json.dumps([self.rule, self.settings.to_json(), _plain(self.params), path, list(self.delays),
                           self.scenario], sort_keys=True)

    def to_json(self) -> dict:
        return {"rule": self.rule, "settings": self.settings.to_json(), "params": _plain(self.params),
                "blocks": self.blocks, "recipe": self.recipe.to_json(),
                "prices": [[float(x) for x in row] for row in self.prices],
                **({"delays": list(self.delays)} if self.delays else {}),
                **({"stale_oracles": self.scenario} if self.scenario else {})}


def example_from_json(data: dict) -> Example:
    """The Example of a report's "example" entry (its prices as recorded; the recipe is kept for reading)."""
    from parity.fuzz.paths import Move

    r = data["recipe"]
    recipe = PathRecipe(r["blocks"], tuple(r["levels"]), tuple(Move(**m) for m in r["moves"]), r.get("volatility", 0.0),
                        r.get("seed", 0))
    stale = data.get("stale_oracles") or {"rate": 0.0, "seed": 0}
    return Example(data["rule"], Settings.from_json(data["settings"]), dict(data["params"]), recipe,
                   tuple(data.get("delays", ())), np.asarray(data["prices"], dtype=np.float64),
                   stale_oracles=float(stale["rate"]), stale_seed=int(stale["seed"]))


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


# ---------------------------------------------------------------------------------------------------------
# up-front checks
# ---------------------------------------------------------------------------------------------------------

_PARAM_CACHE: dict = {}


def check_parameters(rule: str, params: dict, settings: Settings):
    """(pool, fingerprint, chain params) when the rule's mapping and its contract's validParameters accept `params` under
    `settings`; raises ValueError naming what was refused. Cached per (rule, params, settings)."""
    key = (rule, json.dumps(_plain(params), sort_keys=True), settings)
    hit = _PARAM_CACHE.get(key)
    if hit is not None:
        if isinstance(hit, Exception):
            raise hit
        return hit
    try:
        out = _check_parameters(rule, params, settings)
    except ValueError as e:
        _PARAM_CACHE[key] = e
        raise
    _PARAM_CACHE[key] = out
    return out


def _check_parameters(rule: str, params: dict, settings: Settings):
    from parity.fixedpoint.rules import make_model
    from parity.harness.mapping import map_parameters
    from parity.pools import create_pool

    pool = create_pool(rule)
    try:
        fp = settings.fingerprint(rule)
        mapped = map_parameters(pool, params, fp)
        pool.initial_weights(params, fp)
    except (ValueError, TypeError) as e:
        raise ValueError(str(e)) from None
    if not make_model(rule, "0x" + "00" * 19 + "01").valid_parameters(mapped.parameters):
        raise ValueError(f"{pool.chain_rule}.validParameters rejects parameters={mapped.parameters}")
    return pool, fp, pool.chain_params(params, fp)


class _KnownParams:
    """The pool as chain_limits sees it, with its (already validated) chain parameters looked up once."""

    def __init__(self, pool, chain_params: dict):
        self.chain_rule, self._cp = pool.chain_rule, chain_params

    def chain_params(self, params, fp) -> dict:
        return self._cp


def screen(example: Example) -> tuple[str | None, float]:
    """(why `parity verify` would refuse this example before deploying, or None; how close it comes to what
    the contract can store: its largest stored state (or price) over its int128 limit, a search target).
    The refusal is parity.chain_limits' own check; its state peaks are computed once for both answers."""
    from parity.chain_limits import INT128_MAX, MARGIN, MAX_PRICE, STATE_OF_CONTRACT, WAD, check_prices_for_chain, state_peaks
    from parity.errors import InputError

    names = [f"A{i}" for i in range(example.n)]
    try:
        pool, fp, cp = check_parameters(example.rule, example.params, example.settings)
        ratio = float(np.max(example.prices)) / MAX_PRICE
        key = STATE_OF_CONTRACT.get(pool.chain_rule)
        if key is not None:
            n = example.n
            lamb = np.broadcast_to(np.asarray(cp["lamb"], dtype=np.float64).reshape(-1), (n,))
            short = cp.get("lamb_short")
            short = None if short is None else np.broadcast_to(np.asarray(short, dtype=np.float64).reshape(-1), (n,))
            peak = state_peaks(example.prices, lamb, short)[key][0] / (INT128_MAX / WAD / MARGIN)
            ratio = max(ratio, float(np.max(peak)))
        if not ratio < 1.0 or np.min(example.prices) < 1e-18:  # check_prices_for_chain may refuse: its message
            check_prices_for_chain(_KnownParams(pool, cp), example.params, fp, example.prices, names, "prices")
    except (InputError, ValueError) as e:
        return str(e), 0.0
    return None, ratio

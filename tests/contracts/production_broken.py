"""Three deliberately broken variants of the production contracts, made by one textual substitution each
in contracts/production/ and compiled with the rest of the project. Harness tests use them to show that a
check catches each bug at its first effective block.

* ``rounded_multiplier``: the runner rounds m = (w − w⁰)/Δ half away from zero instead of truncating.
* ``tau_without_min``: the pool's τ ignores lastInteropTime (interpolation never stops at the rail).
* ``base_is_target``: the runner stores the rule's target w as the pool's base weight instead of w⁰.
"""

from __future__ import annotations

from functools import lru_cache

from parity.chain.compile import RULE_CONTRACTS, compile_sources, project_sources

RUNNER = "production/UpdateWeightRunner.sol"
POOL = "production/QuantAMMWeightPool.sol"

VARIANTS: dict[str, tuple[str, str, str]] = {
    "rounded_multiplier": (
        RUNNER,
        "int256 m = (_updated[i] - _current[i]) / interval;",
        "int256 m = (2 * (_updated[i] - _current[i]) + (_updated[i] >= _current[i] ? interval : -interval))"
        " / (2 * interval);",
    ),
    "tau_without_min": (
        POOL,
        "uint40 end = nowTime >= t.lastInteropTime ? t.lastInteropTime : nowTime;",
        "uint40 end = nowTime;",
    ),
    "base_is_target": (RUNNER, "weightsAndMultipliers[i] = _current[i];", "weightsAndMultipliers[i] = _updated[i];"),
}

# Bugs that only a scenario with stale oracles exercises (tests/parity/test_pool_level_stale_oracles.py):
# * ``stale_boundary``: an oracle exactly `threshold` seconds old counts as fresh (>= instead of >).
ORACLE_VARIANTS: dict[str, tuple[str, str, str]] = {
    "stale_boundary": (RUNNER, "if (timestamp > block.timestamp - threshold) {",
                       "if (timestamp >= block.timestamp - threshold) {"),
}


def broken_sources(variant: str, rules: tuple[str, ...] = ("momentum",)) -> dict[str, str]:
    """The production contracts and the given rules' sources, `variant`'s substitution applied (it must
    match exactly once). Fewer rules compile faster (about 9 s for one rule, 21 s for all six)."""
    path, old, new = {**VARIANTS, **ORACLE_VARIANTS}[variant]
    wanted = {f"rules/{RULE_CONTRACTS[r]}.sol" for r in rules}
    sources = {k: v for k, v in project_sources().items() if k.startswith("production/") or k in wanted}
    if sources[path].count(old) != 1:
        raise AssertionError(f"{variant}: the text to replace occurs {sources[path].count(old)} times in {path}")
    sources[path] = sources[path].replace(old, new)
    return sources


@lru_cache(maxsize=None)
def broken_artifacts(variant: str, rules: tuple[str, ...] = ("momentum",)) -> dict:
    """Compiled artifacts (production contracts and `rules`) with `variant` in place."""
    return compile_sources(broken_sources(variant, rules))

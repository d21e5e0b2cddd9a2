"""Deliberately broken variants of the production contracts, made by one textual substitution each in
contracts/production/ and compiled with the rest of the project, then handed to the harness as a user's
artifact directory (the user path). Harness tests use them to show that a check catches each bug at its
first effective block.

* ``rounded_multiplier``: the runner rounds m = (w − w⁰)/Δ half away from zero instead of truncating.
* ``tau_without_min``: the pool's τ ignores lastInteropTime (interpolation never stops at the rail).
* ``base_is_target``: the runner stores the rule's target w as the pool's base weight instead of w⁰.
* ``swapped_event_times``: the runner's WeightsUpdated swaps its two time fields (a wrong event field).
* ``unguarded_last_run``: InitialisePoolLastRunTime skips its permission check (only a setter call shows it).
"""

from __future__ import annotations

from functools import lru_cache

from parity.chain.compile import RULE_CONTRACTS, compile_sources, project_sources

RUNNER = "production/UpdateWeightRunner.sol"
POOL = "production/QuantAMMWeightedPool.sol"

VARIANTS: dict[str, tuple[str, str, str]] = {
    "rounded_multiplier": (
        RUNNER,
        "int256 m = (_updated[i] - _current[i]) / _interval;",
        "int256 m = (2 * (_updated[i] - _current[i]) + (_updated[i] >= _current[i] ? _interval : -_interval))"
        " / (2 * _interval);",
    ),
    "tau_without_min": (
        POOL,
        "uint40 mt = block.timestamp >= t.lastInteropTime ? t.lastInteropTime : uint40(block.timestamp);",
        "uint40 mt = uint40(block.timestamp);",
    ),
    "base_is_target": (RUNNER, "values[i] = _current[i];", "values[i] = _updated[i];"),
    "swapped_event_times": (
        RUNNER,
        "emit WeightsUpdated(_pool, _owner, stored, _lastInterp, uint40(block.timestamp));",
        "emit WeightsUpdated(_pool, _owner, stored, uint40(block.timestamp), _lastInterp);",
    ),
    "unguarded_last_run": (RUNNER, '_checkOverride(_poolAddress, "No permission to set last run time");', ""),
}
SETTER_ONLY = ("unguarded_last_run",)  # no performUpdate shows it: a lockstep of updates never exercises it


def broken_sources(variant: str, rules: tuple[str, ...] = ("momentum",)) -> dict[str, str]:
    """The production contracts and the given rules' sources, `variant`'s substitution applied (it must
    match exactly once). Fewer rules compile faster (about 9 s for one rule, 21 s for all six)."""
    path, old, new = VARIANTS[variant]
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


def broken_stack(variant: str, out_dir, rules: tuple[str, ...] = ("momentum",), layout: str = "foundry"):
    """`variant` written as a user's artifact directory (runner, pool and the rules) and loaded back through
    the user path: a parity.chain.stack.StackArtifacts for rules[0] with parity's vault stand-in."""
    from pathlib import Path

    from parity.chain.artifacts import write_foundry_artifact, write_hardhat_artifact
    from parity.chain.stack import stack_from_artifacts

    arts = broken_artifacts(variant, rules)
    out = Path(out_dir)
    for name in ("UpdateWeightRunner", "QuantAMMWeightedPool", *(RULE_CONTRACTS[r] for r in rules)):
        art = arts[name]
        if layout == "foundry":
            write_foundry_artifact(art, out, art.source_unit)
        else:
            write_hardhat_artifact(art, out, f"contracts/{art.source_unit}")
    return stack_from_artifacts(out, rules[0])

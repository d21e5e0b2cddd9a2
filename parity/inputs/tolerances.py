"""`--tolerance FIELD=VALUE`: the fields each level accepts, parsed into {field: tolerance}."""

from __future__ import annotations

from parity.errors import UsageError
from parity.harness.compare import FIELDS, parse_tolerance
from parity.harness.lockstep.plan import POOL_TOLERANCE_KEYS
from parity.inputs.levels import check_samples


def tolerance_fields(args) -> tuple[str, ...]:
    """Field names --tolerance accepts at the chosen level."""
    level = getattr(args, "level", None)  # None: `parity replay`, whose fixture decides the level
    if level == "rule":
        return FIELDS
    samples = check_samples(args) if hasattr(args, "samples_per_interval") else 3
    return (*FIELDS, *POOL_TOLERANCE_KEYS, *(f"fine_{j}" for j in range(samples)))


def level_fields(args) -> tuple[str, ...]:
    """The `--tolerance` fields of the chosen level beyond the rule's (none at rule level)."""
    return tuple(f for f in tolerance_fields(args) if f not in FIELDS)


def parse_tolerances(args) -> dict:
    """{field: tolerance} from the repeated --tolerance FIELD=VALUE; UsageError naming a bad one."""
    return tolerances_from_specs(args.tolerance, tolerance_fields(args))


def tolerances_from_specs(specs, fields) -> dict:
    """{field: tolerance} from FIELD=VALUE strings, each field one of `fields`; UsageError naming a bad one."""
    tolerances = {}
    for spec in specs:
        try:
            field, value = parse_tolerance(spec, fields)
        except ValueError as e:
            raise UsageError(str(e)) from None
        tolerances[field] = value
    return tolerances

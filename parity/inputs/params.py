"""Rule parameters from the command line: the catalogue's defaults, then a --params JSON file, then flags."""

from __future__ import annotations

from parity.catalogue import DEFAULT_PARAMS, KAPPA_KEYS, LAMB_KEYS, ON_CHAIN_RULES
from parity.errors import UsageError
from parity.io import load_json_file

# flag -> params key (values: one number or comma-separated per-asset numbers)
PARAM_FLAGS = {
    "--lamb": "lamb",
    "--kappa": "kappa",
    "--memory-days": "memory_days",
    "--exponents": "exponents",
    "--width": "width",
    "--amplitude": "amplitude",
    "--inverse-scaling": "inverse_scaling",
    "--pre-exp-scaling": "pre_exp_scaling",
    "--lamb-short": "lamb_short",
    "--mixing": "mixing",
    "--initial-weights": "initial_weights",
}


FLAG_KEYS = ("use_raw_price",)  # the only parameters that take true/false (or 0/1)
MAX_PARAM_LENGTH = 64  # a per-asset list has at most this many entries (parity runs at most 8 assets)


def _value_problem(key: str, value) -> str | None:
    """Why `value` cannot be the value of parameter `key` (None when it can)."""
    if key in FLAG_KEYS:
        ok = isinstance(value, bool) or (type(value) in (int, float) and value in (0, 1))
        return None if ok else f"{value!r:.60} must be true or false"
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not 1 <= len(value) <= MAX_PARAM_LENGTH:
        return f"a list of {len(value)} values; give one number or one per asset (at most {MAX_PARAM_LENGTH})"
    for x in items:
        if isinstance(x, bool):
            return f"{str(x).lower()} is a boolean; a number is expected (true is not 1)"
        if type(x) not in (int, float):
            return f"{x!r:.60} is not a number (give a number or a list of numbers, one per asset)"
        if isinstance(x, int) and abs(x) > 2**1000:
            return f"a {len(str(abs(x)))}-digit integer is too large for float64"
        if x != x or x in (float("inf"), float("-inf")):
            return f"{x!r} is not finite"
    return None


def check_parameter_values(params: dict, label: str) -> None:
    """UsageError naming the first parameter whose value is not a number (or a list of numbers); booleans
    are refused except for the flags in FLAG_KEYS."""
    for key, value in params.items():
        if not isinstance(key, str):
            raise UsageError(f"{label}: parameter name {key!r} must be a string")
        problem = _value_problem(key, value)
        if problem is not None:
            raise UsageError(f"{label}: {key!r}: {problem}")


def check_rule(rule) -> None:
    """UsageError unless `rule` is a rule with an on-chain contract."""
    if rule not in ON_CHAIN_RULES:
        hint = " (it has no on-chain rule)" if rule == "index_market_cap" else ""
        raise UsageError(f"--rule {rule!r}{hint}: choose one of {', '.join(ON_CHAIN_RULES)}")


def load_params(args) -> dict:
    """The run's parameters: the rule's defaults overridden by --params, then by the parameter flags and
    --[no-]use-raw-price. Sets ``args.given_params``: the keys the user gave (not left at a default)."""
    check_rule(args.rule)
    defaults = DEFAULT_PARAMS[args.rule]
    params = dict(defaults)
    if args.params is not None:
        loaded = load_json_file(args.params, "--params")
        if not isinstance(loaded, dict):
            raise UsageError(f"--params {args.params}: must hold a JSON object of parameter names to values")
        check_parameter_values(loaded, f"--params {args.params}")
        if any(k in loaded for k in LAMB_KEYS):
            params.pop("lamb", None)
        if any(k in loaded for k in KAPPA_KEYS):
            params.pop("kappa", None)
        params.update(loaded)
    for key in PARAM_FLAGS.values():
        v = getattr(args, f"param_{key}")
        if v is not None:
            if key == "memory_days":
                params.pop("lamb", None)
            params[key] = v
    if args.use_raw_price is not None:
        params["use_raw_price"] = bool(args.use_raw_price)
    args.given_params = {k for k in params if k not in defaults or params[k] is not defaults[k]}
    return params

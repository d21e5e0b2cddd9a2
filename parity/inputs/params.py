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

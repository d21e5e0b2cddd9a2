"""quantammsim run-fingerprint keys: which ones parity honours, which it refuses with the reason, which are no-ops.

``split_run_fingerprint(d)`` sorts a quantammsim-style dict (parity.quantammsim_inputs describes the
categories); ``absorb_quantammsim_keys`` is what ``make_run_fingerprint`` does with the keys it does not
own. This module knows the key names only; it needs nothing from the rest of parity, so the fingerprint
can use it.
"""

from __future__ import annotations

import warnings

# keys that change a run and that parity's runner honours (see parity.runners)
RUN_KEYS = ("tokens", "startDateString", "endDateString", "use_pre_exp_scaling", "do_arb")


def _zero(v):
    return v is None or (not isinstance(v, bool) and isinstance(v, (int, float)) and v == 0)


# key -> (accepted(value) -> bool, why a non-default value cannot be honoured)
CHECKED_KEYS = {
    "use_alt_lamb": (lambda v: v in (False, None),
                     "the on-chain rules divide the gradient by the moving average of λ (or the raw price); "
                     "quantammsim's second EWMA with λ_alt has no on-chain counterpart (and its own scan path "
                     "ignores the key)"),
    "fees": (_zero, "parity's runner computes zero-fee arbitrage reserves only"),
    "gas_cost": (_zero, "parity's runner computes zero-fee, zero-gas arbitrage reserves only"),
    "arb_fees": (_zero, "parity's runner computes arbitrage without external arbitrageur costs"),
    "protocol_fee_split": (_zero, "parity's runner has no swap fees to split"),
    "noise_trader_ratio": (_zero, "parity's runner models no noise-trader fee income"),
    "arb_frequency": (lambda v: v in (1, None), "parity's runner arbitrages every price row"),
    "do_trades": (lambda v: v in (False, None), "parity's runner takes no trade list"),
    "numeraire": (lambda v: v is None, "values are in the units of the prices given (no numeraire switch)"),
    "subsidary_pools": (lambda v: v in (None, [], ()), "parity runs one pool at a time"),
    "n_ensemble_members": (lambda v: v in (1, None), "ensembles change the parameter shapes; run one member"),
    "training_data_kind": (lambda v: v in ("historic", None), "parity runs on the historic prices given"),
}

# keys accepted with no effect on a parity run (quantammsim defaults file, simulator docs)
NOOP_KEYS = (
    "freq", "bout_offset", "return_val", "turnover_penalty", "price_noise_sigma", "ensemble_init_method",
    "ensemble_init_scale", "ensemble_init_seed", "checkpoint_fused", "learnable_bounds_settings",
    "optimisation_settings", "ste_max_change", "ste_min_max_weight", "arb_quality", "use_fused_reserves",
    "endTestDateString", "all_sig_variations", "initial_memory_length", "initial_memory_length_delta",
    "initial_k_per_day", "initial_weights_logits", "initial_log_amplitude", "initial_raw_width",
    "initial_raw_exponents", "initial_pre_exp_scaling", "initial_arc_length_speed", "initial_shift_exponent",
    "initial_price_ratio", "initial_centeredness_margin", "initial_daily_price_shift_base",
)
NOOP_PREFIXES = ("reclamm_",)  # reCLAMM pool settings


class QuantammsimKeyWarning(UserWarning):
    """quantammsim run-fingerprint keys that have no effect on a parity run (listed once per call)."""


def is_noop_key(key: str) -> bool:
    return key in NOOP_KEYS or key.startswith(NOOP_PREFIXES)


def _check(key, value):
    accepted, why = CHECKED_KEYS[key]
    try:
        ok = accepted(value)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"run fingerprint {key}={value!r}: parity cannot honour it: {why}")


def split_run_fingerprint(fingerprint: dict) -> tuple[dict, dict, list[str]]:
    """(make_run_fingerprint kwargs, run keys given, no-op keys given) of a quantammsim-style dict.

    Raises ValueError for a checked key with a value parity cannot honour, and for ``tokens`` that
    disagree with ``n_assets``. Unknown keys stay in the first dict (make_run_fingerprint names them).
    """
    if not isinstance(fingerprint, dict):
        raise ValueError(f"run_fingerprint={type(fingerprint).__name__}: must be a dict or a RunFingerprint")
    kwargs, run, noop = {}, {}, []
    for key, value in fingerprint.items():
        if key in RUN_KEYS:
            run[key] = value
        elif key in CHECKED_KEYS:
            _check(key, value)
            noop.append(key)  # the default value: no effect
        elif isinstance(key, str) and is_noop_key(key):
            noop.append(key)
        else:
            kwargs[key] = value
    settings = fingerprint.get("optimisation_settings")
    if isinstance(settings, dict) and "training_data_kind" in settings:
        _check("training_data_kind", settings["training_data_kind"])
    if "tokens" in run:
        tokens = check_tokens(run["tokens"])
        n = kwargs.get("n_assets")
        if n is not None and n != len(tokens):
            raise ValueError(f"run fingerprint n_assets={n!r}: conflicts with tokens={list(tokens)} ({len(tokens)} assets)")
        kwargs["n_assets"] = len(tokens)
    if "use_pre_exp_scaling" in run and not isinstance(run["use_pre_exp_scaling"], bool):
        raise ValueError(f"run fingerprint use_pre_exp_scaling={run['use_pre_exp_scaling']!r}: must be True or False")
    if "do_arb" in run and not isinstance(run["do_arb"], bool):
        raise ValueError(f"run fingerprint do_arb={run['do_arb']!r}: must be True or False")
    return kwargs, run, noop


def absorb_quantammsim_keys(kwargs: dict) -> dict:
    """make_run_fingerprint's view of a quantammsim dict: parity keys (``tokens`` -> ``n_assets``), the no-op
    keys listed once in a warning; a run key that changes the run but needs the prices or the params
    (dates, ``use_pre_exp_scaling=False``, ``do_arb=False``) is an error pointing at do_run_on_historic_data."""
    out, run, noop = split_run_fingerprint(kwargs)
    defaults = {"use_pre_exp_scaling": True, "do_arb": True, "startDateString": None, "endDateString": None}
    for key, value in run.items():
        if key == "tokens":
            continue
        if value != defaults[key]:
            raise ValueError(f"run fingerprint {key}={value!r}: do_run_on_historic_data honours it (it needs the "
                             "prices or the params); a RunFingerprint cannot hold it")
        noop.append(key)
    warn_noop(noop)
    return out


def check_tokens(tokens) -> tuple[str, ...]:
    """tokens as a tuple of distinct names (at least two)."""
    if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
        raise ValueError(f"run fingerprint tokens={tokens!r}: must be a list of token names")
    tokens = tuple(tokens)
    if len(tokens) < 2 or len(set(tokens)) != len(tokens):
        raise ValueError(f"run fingerprint tokens={list(tokens)!r}: need at least 2 distinct token names")
    return tokens


def warn_noop(keys: list[str]) -> None:
    """One warning listing every no-op key given (nothing when there is none)."""
    if keys:
        warnings.warn(
            f"run fingerprint key(s) with no effect on a parity run (training settings, other pool kinds or "
            f"quantammsim defaults): {', '.join(sorted(keys))}",
            QuantammsimKeyWarning,
            stacklevel=3,
        )

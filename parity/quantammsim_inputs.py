"""quantammsim run fingerprints as they are: every key accepted, each one honoured, rejected or a no-op.

A quantammsim user's run fingerprint dict carries about 60 keys (its defaults file), most of which only
matter for training or for pool kinds parity does not have. ``split_run_fingerprint(d)`` sorts them:

* **parity keys** (``RunFingerprint`` fields and the aliases ``maximum_change`` / ``minimum_weight``) go to
  ``make_run_fingerprint``;
* **run keys** that change the result of a run and that parity's runner honours: ``tokens`` (select price
  columns by name, in quantammsim's sorted order), ``startDateString`` / ``endDateString`` (the bout),
  ``use_pre_exp_scaling`` (False: ψ fixed at 0.5, the ψ parameters are ignored), ``do_arb`` (False: reserves
  stay at the initial reserves);
* **checked keys**: a value that changes the result in quantammsim but that parity cannot reproduce is
  rejected with the reason (``use_alt_lamb=True``, non-zero ``fees``, ``do_trades=True``, …); the
  quantammsim default value is accepted and has no effect;
* **no-op keys** (training settings, initial values for training, other pool kinds, straight-through
  estimators that only change gradients): accepted; the ones given are listed once in a
  ``QuantammsimKeyWarning``.

Anything else is still an unknown key (``make_run_fingerprint`` names it).
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings

import numpy as np

from parity.fingerprint import ALIASES, RunFingerprint

PARITY_KEYS = tuple(f for f in RunFingerprint.__dataclass_fields__) + tuple(ALIASES)

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

QUANTAMMSIM_KEYS = PARITY_KEYS + RUN_KEYS + tuple(CHECKED_KEYS) + NOOP_KEYS


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


def parse_date(field: str, text) -> int:
    """quantammsim date string ("YYYY-MM-DD HH:MM:SS", UTC) -> unix seconds."""
    if not isinstance(text, str):
        raise ValueError(f"run fingerprint {field}={text!r}: must be a date string like '2024-01-01 00:00:00'")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            when = _dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return int(when.replace(tzinfo=_dt.timezone.utc).timestamp())
    raise ValueError(f"run fingerprint {field}={text!r}: must be a date string like '2024-01-01 00:00:00' (UTC)")


def bout_from_dates(run: dict, timestamps) -> tuple[int, int | None]:
    """(start_index, bout_length) from startDateString / endDateString on the price timestamps.

    As quantammsim: the bout starts at the row of the start date and ``bout_length`` counts the rows from
    it to the end date inclusive (so the run has bout_length − 1 weight rows). Either date may be absent
    (start: first row; end: run to the last row). Dates must fall on a price row.
    """
    ts = np.asarray(timestamps)
    rows = {}
    for field in ("startDateString", "endDateString"):
        if run.get(field) is None:
            continue
        t = parse_date(field, run[field])
        hit = np.flatnonzero(ts == t)
        if not hit.size:
            first, last = (_dt.datetime.fromtimestamp(int(x), _dt.timezone.utc) for x in (ts[0], ts[-1]))
            raise ValueError(f"run fingerprint {field}={run[field]!r}: no price row at that time; the prices run "
                             f"from {first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC, one row every "
                             f"{int(ts[1] - ts[0]) // 60} minutes")
        rows[field] = int(hit[0])
    start = rows.get("startDateString", 0)
    if "endDateString" not in rows:
        return start, None
    end = rows["endDateString"]
    if end <= start:
        raise ValueError(f"run fingerprint endDateString={run['endDateString']!r}: must be after startDateString")
    return start, end - start + 1


PRE_EXP_SCALING_KEYS = ("pre_exp_scaling", "sp_pre_exp_scaling", "logit_pre_exp_scaling", "raw_pre_exp_scaling")


def _load_series(prices, tokens):
    """A PriceSeries for prices given as a path or a PriceSeries, or the bundled one holding ``tokens``."""
    from parity.prices import PriceSeries, bundled_prices_for, load_prices

    if prices is None:
        if tokens is None:
            raise ValueError("prices=None: give a (T, n) array or a CSV path, or run fingerprint tokens to use the "
                             "bundled price data (nothing is downloaded)")
        return bundled_prices_for(tokens)
    if isinstance(prices, PriceSeries):
        return prices
    if isinstance(prices, (str, os.PathLike)):
        return load_prices(prices)
    return None


def resolve_run_inputs(run_fingerprint, prices, start_index):
    """(RunFingerprint, prices, start_index, run options) for do_run_on_historic_data.

    ``run_fingerprint`` is a RunFingerprint or a quantammsim-style dict (see the module docstring). Prices
    with names (a CSV path, a PriceSeries, or the bundled data when prices is None) are selected by
    ``tokens`` in sorted order, as quantammsim loads them; their row interval becomes ``price_interval``
    unless the dict sets it. Returns prices as a PriceSeries when names are known, else as given; the run
    options hold ``tokens`` (the column names used, or None), ``do_arb`` and ``use_pre_exp_scaling``.
    """
    from parity.fingerprint import make_run_fingerprint

    options = {"tokens": None, "do_arb": True, "use_pre_exp_scaling": True}
    if isinstance(run_fingerprint, RunFingerprint):
        series = _load_series(prices, None) if prices is not None else None
        return run_fingerprint, (series if series is not None else prices), start_index, options
    kwargs, run, noop = split_run_fingerprint(run_fingerprint)
    warn_noop(noop)
    tokens = tuple(sorted(check_tokens(run["tokens"]))) if "tokens" in run else None
    options.update({k: run[k] for k in ("do_arb", "use_pre_exp_scaling") if k in run})
    series = _load_series(prices, tokens)
    if series is None:  # an array: no names, no timestamps
        dated = [k for k in ("startDateString", "endDateString") if run.get(k) is not None]
        if dated:
            raise ValueError(f"run fingerprint {dated[0]}={run[dated[0]]!r}: prices given as an array have no "
                             "timestamps; give a CSV path or a PriceSeries to select the bout by date")
        return make_run_fingerprint(**kwargs), prices, start_index, options
    if tokens is not None:
        series = series.select(list(tokens))
        options["tokens"] = tokens
    else:
        options["tokens"] = tuple(series.tokens)
    given = kwargs.get("price_interval")
    if given is None:
        kwargs["price_interval"] = series.interval_minutes
    elif given != series.interval_minutes:
        raise ValueError(f"run fingerprint price_interval={given!r}: the prices are {series.interval_minutes} minutes "
                         "apart; drop the key or give the matching value")
    if run.get("startDateString") is not None or run.get("endDateString") is not None:
        start, bout = bout_from_dates(run, series.timestamps)
        if start_index not in (0, start):
            raise ValueError(f"start_index={start_index!r}: conflicts with startDateString={run.get('startDateString')!r} "
                             f"(row {start}); give one of them")
        start_index = start
        if bout is not None:
            if kwargs.get("bout_length") not in (None, bout):
                raise ValueError(f"run fingerprint bout_length={kwargs['bout_length']!r}: conflicts with the dates "
                                 f"({bout} rows from start to end inclusive); give one of them")
            kwargs["bout_length"] = bout
    return make_run_fingerprint(**kwargs), series, start_index, options


def apply_run_options(params: dict, options: dict) -> dict:
    """params as the run uses them: without pre-exponent scaling keys when use_pre_exp_scaling is False
    (quantammsim then fixes ψ at 0.5)."""
    if options.get("use_pre_exp_scaling", True):
        return params
    return {k: v for k, v in params.items() if k not in PRE_EXP_SCALING_KEYS}

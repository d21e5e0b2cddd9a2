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
  rejected with the reason (``use_alt_lamb=True``, non-zero ``fees``, ``arb_frequency != 1``, …); the
  quantammsim default value is accepted and has no effect;
* **no-op keys** (training settings, initial values for training, other pool kinds, straight-through
  estimators that only change gradients): accepted; the ones given are listed once in a
  ``QuantammsimKeyWarning``.

Anything else is still an unknown key (``make_run_fingerprint`` names it).
"""

from __future__ import annotations

import datetime as _dt
import os

import numpy as np

from parity.fingerprint import ALIASES, RunFingerprint
from parity.quantammsim_keys import (  # noqa: F401  (re-exported: the key table lives below the fingerprint)
    CHECKED_KEYS,
    NOOP_KEYS,
    RUN_KEYS,
    QuantammsimKeyWarning,
    check_tokens,
    split_run_fingerprint,
    warn_noop,
)

PARITY_KEYS = tuple(f for f in RunFingerprint.__dataclass_fields__) + tuple(ALIASES)

QUANTAMMSIM_KEYS = PARITY_KEYS + RUN_KEYS + tuple(CHECKED_KEYS) + NOOP_KEYS


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

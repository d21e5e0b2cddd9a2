"""Price tables from the command line: a price CSV (parity.prices format) and the --assets selection."""

from __future__ import annotations

from pathlib import Path

from parity.errors import UsageError
from parity.io import read_input_text


def load_price_table(path: Path):
    """(token names, (T, n) float array, minutes between rows) from a price CSV (parity.prices format)."""
    from parity.prices import load_prices

    read_input_text(path, "--prices")  # a regular UTF-8 text file of sane size
    try:
        series = load_prices(path)
    except ValueError as e:
        raise UsageError(f"--prices {path}: {str(e).removeprefix(f'{path}: ')}") from None
    return list(series.tokens), series.prices, int(series.interval_minutes)


def select_assets(names, values, spec):
    """(names, values) of the columns --assets selects: the first k, or the named ones in the given order."""
    if spec is None:
        return names, values
    spec = spec.strip()
    if spec.isdigit():
        k = int(spec)
        if not 2 <= k <= len(names):
            raise UsageError(f"--assets {k}: must be between 2 and the {len(names)} price columns ({', '.join(names)})")
        return names[:k], values[:, :k]
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    missing = [w for w in wanted if w not in names]
    if missing:
        raise UsageError(f"--assets: unknown column(s) {', '.join(missing)}; the price file has {', '.join(names)}")
    if len(wanted) < 2 or len(set(wanted)) != len(wanted):
        raise UsageError(f"--assets {spec!r}: give at least 2 distinct column names")
    idx = [names.index(w) for w in wanted]
    return wanted, values[:, idx]


def load_run_prices(args):
    """(names, (T, n) prices, interval minutes) of --prices with --assets applied."""
    names, values, interval = load_price_table(args.prices)
    names, values = select_assets(names, values, args.assets)
    return names, values, interval


def assets_argument(spec: str | None):
    """--assets (checked by check_assets_spec) as parity.fixtures.record takes it: None, a count, or a list
    of column names."""
    if spec is None:
        return None
    spec = spec.strip()
    return int(spec) if spec.isdigit() else [s.strip() for s in spec.split(",") if s.strip()]

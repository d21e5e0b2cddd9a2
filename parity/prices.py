"""Price series: loading and validation, CSV round trip, seeded synthetic scenarios, bundled fixtures.

CSV format: a header ``timestamp,<TOKEN>,<TOKEN>,...`` then one row per time step: integer unix seconds
followed by one price per token written with ``repr`` (so floats round-trip exactly). Timestamps must be
strictly increasing and evenly spaced by a whole number of minutes.

``python -m parity.prices regenerate [--out DIR]`` rewrites the bundled fixtures (``fixtures/prices``).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "prices"
SCENARIOS = ("trending", "mean_reverting", "crash", "pegged")
START_TIMESTAMP = 1704067200  # 2024-01-01T00:00:00Z, start of every generated series
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z: later timestamps are refused
MAX_GENERATED_STEPS = 1_000_000  # rows of one generated series

# synthetic assets: name and starting price, spanning eight orders of magnitude
TOKENS = ("BTC", "ETH", "SOL", "LINK", "ADA", "DOGE", "SHIB", "UNI")
LEVELS = (60000.0, 3000.0, 150.0, 20.0, 1.0, 0.05, 2e-4, 7.0)
STABLE_TOKENS = ("USDC", "USDT", "DAI", "FRAX", "LUSD", "TUSD", "USDP", "GUSD")
MINUTES_PER_YEAR = 365.0 * 1440.0

# (file name, scenario, n_assets, n_steps, interval_minutes, seed)
FIXTURES = (
    ("btc_eth_daily_2.csv", "trending", 2, 730, 1440, 6),
    ("trending_daily_8.csv", "trending", 8, 400, 1440, 8),
    ("mean_reverting_daily_8.csv", "mean_reverting", 8, 400, 1440, 18),
    ("crash_hourly_8.csv", "crash", 8, 1440, 60, 28),
    ("pegged_hourly_8.csv", "pegged", 8, 1440, 60, 38),
)
# (file name, base fixture, stablecoin column, its constant price): the base series plus a stablecoin,
# e.g. for quantammsim's default tokens (BTC, ETH, USDC)
STABLE_COLUMN_FIXTURES = (
    ("btc_eth_usdc_daily_3.csv", "btc_eth_daily_2.csv", "USDC", 1.0),
)


@dataclass(frozen=True, eq=False)
class PriceSeries:
    """A validated price table: ``prices[t, i]`` is the price of ``tokens[i]`` at ``timestamps[t]``.

    timestamps: int64 unix seconds (T,), strictly increasing, spaced ``interval_minutes`` apart;
    prices: float64 (T, n), finite and > 0.
    """

    timestamps: np.ndarray
    tokens: tuple[str, ...]
    prices: np.ndarray
    interval_minutes: int

    @property
    def n_assets(self) -> int:
        return self.prices.shape[1]

    @property
    def n_steps(self) -> int:
        return self.prices.shape[0]

    def select(self, assets) -> PriceSeries:
        """Columns by count (first k) or by token names, in the order given."""
        columns = _asset_columns(assets, self.tokens)
        return _from_arrays(self.timestamps, self.prices[:, columns], tuple(self.tokens[c] for c in columns))


def _asset_columns(assets, tokens) -> list[int]:
    n = len(tokens)
    if isinstance(assets, bool):
        raise ValueError(f"assets={assets!r}: must be an int (first k columns) or a list of token names")
    if isinstance(assets, (int, np.integer)):
        if not 1 <= assets <= n:
            raise ValueError(f"assets={assets!r}: must be between 1 and the number of columns ({n})")
        return list(range(int(assets)))
    if isinstance(assets, str):
        assets = [assets]
    names = list(assets)
    missing = [a for a in names if a not in tokens]
    if missing:
        raise ValueError(f"assets={names!r}: unknown token(s) {missing}; available: {list(tokens)}")
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"assets={names!r}: must be a non-empty list without repeats")
    return [tokens.index(a) for a in names]


def validate_prices(timestamps, prices, tokens) -> int:
    """Check the table; returns interval_minutes. Raises ValueError naming the row or column at fault."""
    if prices.ndim != 2:
        raise ValueError(f"prices: shape {prices.shape}: must be 2-D (time steps x assets)")
    T, n = prices.shape
    if T < 2:
        raise ValueError(f"prices: {T} row(s): need at least 2 rows")
    if n < 1:
        raise ValueError("prices: 0 columns: need at least one asset")
    if len(tokens) != n or len(set(tokens)) != n:
        raise ValueError(f"tokens={list(tokens)!r}: need {n} distinct names, one per price column")
    bad = ~np.isfinite(prices) | ~(prices > 0)
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"prices: row {row}, column {tokens[col]}: value {float(prices[row, col])!r}: "
                         "prices must be finite and > 0")
    if timestamps.shape != (T,):
        raise ValueError(f"timestamps: shape {timestamps.shape}: need one timestamp per row ({T})")
    if timestamps.min() < 0:
        row = int(np.argmax(timestamps < 0))
        raise ValueError(f"timestamps: row {row}: {int(timestamps[row])} is negative: must be unix seconds >= 0")
    step = int(timestamps[1] - timestamps[0])
    if step <= 0 or step % 60:
        raise ValueError(f"timestamps: rows 0-1 are {step} s apart: spacing must be a positive whole number "
                         "of minutes")
    gaps = np.diff(timestamps)
    irregular = np.flatnonzero(gaps != step)
    if irregular.size:
        row = int(irregular[0]) + 1
        raise ValueError(f"timestamps: row {row} (timestamp {int(timestamps[row])}) is {int(gaps[row - 1])} s after "
                         f"row {row - 1}; rows must be strictly increasing and evenly spaced ({step} s, as rows 0-1)")
    return step // 60


def _from_arrays(timestamps, prices, tokens) -> PriceSeries:
    timestamps = np.asarray(timestamps)
    if timestamps.dtype.kind not in "iu":
        raise ValueError(f"timestamps: dtype {timestamps.dtype}: must be integer unix seconds")
    timestamps = timestamps.astype(np.int64)
    prices = np.array(prices, dtype=np.float64)
    interval = validate_prices(timestamps, prices, tuple(tokens))
    timestamps.setflags(write=False)
    prices.setflags(write=False)
    return PriceSeries(timestamps, tuple(tokens), prices, interval)


def _read_csv(path: Path) -> PriceSeries:
    try:
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
    except (csv.Error, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a price CSV ({e})") from None
    if not rows:
        raise ValueError(f"{path}: empty file; expected a header 'timestamp,<TOKEN>,...'")
    header = [h.strip() for h in rows[0]]
    if header[0] != "timestamp" or len(header) < 2:
        raise ValueError(f"{path}: header {rows[0]!r}: must be 'timestamp,<TOKEN>,...'")
    tokens = tuple(header[1:])
    if not all(tokens):
        raise ValueError(f"{path}: header {rows[0]!r}: column {tokens.index('') + 1} has an empty name")
    if len(rows) < 3:
        raise ValueError(f"{path}: {len(rows) - 1} data row(s) after the header: need at least 2 rows")
    timestamps, prices = [], []
    for line, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise ValueError(f"{path}: row {line} has {len(row)} fields: expected {len(header)}")
        try:
            timestamps.append(int(row[0]) if row[0].strip().isascii() else None)
        except ValueError:
            timestamps.append(None)
        if timestamps[-1] is None or not 0 <= timestamps[-1] <= MAX_TIMESTAMP:
            raise ValueError(f"{path}: row {line}: timestamp {row[0][:40]!r}: must be integer unix seconds in "
                             f"[0, {MAX_TIMESTAMP}]") from None
        try:
            prices.append([float(x) for x in row[1:]])
        except ValueError:
            raise ValueError(f"{path}: row {line}: prices {row[1:]!r:.80}: must be numbers") from None
    try:
        return _from_arrays(np.array(timestamps, dtype=np.int64), np.array(prices, dtype=np.float64).reshape(len(prices), len(tokens)), tokens)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def load_prices(source, *, assets=None, timestamps=None, tokens=None, interval_minutes=1) -> PriceSeries:
    """Load and validate prices from a CSV path, a (T, n) array or a PriceSeries.

    ``assets``: an int k (first k columns) or a list of token names (that order). For an array source,
    ``timestamps`` defaults to START_TIMESTAMP spaced ``interval_minutes`` apart and ``tokens`` to
    "A0", "A1", ...
    """
    if isinstance(source, PriceSeries):
        series = source
    elif isinstance(source, (str, Path)):
        series = _read_csv(Path(source))
    else:
        prices = np.asarray(source, dtype=np.float64)
        if prices.ndim != 2:
            raise ValueError(f"prices: shape {prices.shape}: must be 2-D (time steps x assets)")
        if timestamps is None:
            if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, (int, np.integer)) \
                    or interval_minutes < 1:
                raise ValueError(f"interval_minutes={interval_minutes!r}: must be a positive integer")
            timestamps = START_TIMESTAMP + 60 * int(interval_minutes) * np.arange(prices.shape[0], dtype=np.int64)
        if tokens is None:
            tokens = tuple(f"A{i}" for i in range(prices.shape[1]))
        series = _from_arrays(timestamps, prices, tuple(tokens))
    return series if assets is None else series.select(assets)


def bundled_files() -> list[str]:
    """Names of the bundled price files, in the order they are searched (FIXTURES, then the stablecoin ones)."""
    return [f[0] for f in FIXTURES] + [f[0] for f in STABLE_COLUMN_FIXTURES]


def bundled_prices_for(tokens) -> PriceSeries:
    """The first bundled fixture (in :func:`bundled_files` order) that has a column for every token in ``tokens``."""
    wanted = list(tokens)
    for name in bundled_files():
        series = _read_csv(FIXTURE_DIR / name)
        if set(wanted) <= set(series.tokens):
            return series
    available = sorted({t for name in bundled_files() for t in _read_csv(FIXTURE_DIR / name).tokens})
    raise ValueError(f"tokens={wanted!r}: no bundled price file has all of them (bundled tokens: {available}); "
                     "give prices=<CSV path or array>")


def save_prices_csv(series: PriceSeries, path) -> Path:
    """Write ``series`` as CSV (timestamps as integers, prices with repr: exact round trip)."""
    path = Path(path)
    lines = [",".join(("timestamp",) + tuple(series.tokens))]
    for ts, row in zip(series.timestamps.tolist(), series.prices.tolist()):
        lines.append(",".join([str(ts)] + [repr(x) for x in row]))
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------- synthetic scenarios

def _correlated_normals(rng, n_steps, n_assets, rho):
    common = rng.standard_normal((n_steps, 1))
    own = rng.standard_normal((n_steps, n_assets))
    return math.sqrt(rho) * common + math.sqrt(1.0 - rho) * own


def _trending(rng, n_steps, n_assets, dt):
    """Correlated geometric Brownian motion with a per-asset drift (annualised)."""
    mu = rng.uniform(-0.4, 1.2, n_assets)
    sigma = rng.uniform(0.4, 1.0, n_assets)
    z = _correlated_normals(rng, n_steps - 1, n_assets, rho=0.6)
    steps = (mu - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * z
    return np.vstack([np.zeros(n_assets), np.cumsum(steps, axis=0)])


def _mean_reverting(rng, n_steps, n_assets, dt):
    """Ornstein-Uhlenbeck log price around the start level, exact discretisation (half-lives 1-6 weeks)."""
    theta = np.log(2.0) / (rng.uniform(7.0, 42.0, n_assets) / 365.0)
    sigma = rng.uniform(0.5, 1.2, n_assets)
    decay = np.exp(-theta * dt)
    sd = sigma * np.sqrt((1.0 - decay**2) / (2.0 * theta))
    z = _correlated_normals(rng, n_steps, n_assets, rho=0.3)
    x = np.empty((n_steps, n_assets))
    x[0] = sd * z[0]
    for t in range(1, n_steps):
        x[t] = decay * x[t - 1] + sd * z[t]
    return x


def _crash(rng, n_steps, n_assets, dt):
    """Mild GBM, then a 30-60 % drop over a few steps in the middle, then a partial exponential recovery."""
    sigma = rng.uniform(0.3, 0.8, n_assets)
    z = _correlated_normals(rng, n_steps - 1, n_assets, rho=0.5)
    x = np.vstack([np.zeros(n_assets), np.cumsum(-0.5 * sigma**2 * dt + sigma * math.sqrt(dt) * z, axis=0)])
    start = int(rng.integers(int(0.45 * n_steps), int(0.55 * n_steps)))
    length = max(1, int(rng.integers(2, 7)))
    drop = np.log1p(-rng.uniform(0.3, 0.6, n_assets))  # log of the remaining fraction
    recovered = rng.uniform(0.3, 0.7, n_assets)  # share of the loss won back
    recovery_steps = max(1.0, 0.15 * n_steps)
    t = np.arange(n_steps)
    fall = np.clip((t - start + 1) / length, 0.0, 1.0)[:, None] * drop
    since = np.clip(t - (start + length - 1), 0, None)[:, None]
    regain = -drop * recovered * (1.0 - np.exp(-since / recovery_steps))
    return x + fall + regain


def _pegged(rng, n_steps, n_assets):
    """Stablecoins: exactly 1.0 most of the time, short exactly-constant off-peg stretches of 1e-5-2e-3."""
    prices = np.ones((n_steps, n_assets))
    for i in range(n_assets):
        t = int(rng.integers(0, 24))
        while t < n_steps:
            length = int(rng.integers(1, 12))
            size = float(rng.choice([1e-5, 1e-4, 5e-4, 2e-3]))
            prices[t:t + length, i] = round(1.0 + size * float(rng.choice([-1.0, 1.0])) * rng.uniform(0.2, 1.0), 6)
            t += length + int(rng.integers(6, 120))
    return prices


def generate_prices(scenario: str, n_assets: int, n_steps: int, interval_minutes: int, seed: int) -> PriceSeries:
    """Seeded synthetic prices (deterministic for a given numpy version).

    scenario: "trending" (correlated GBM with drift), "mean_reverting" (OU in log price), "crash" (a sharp
    30-60 % drop mid-series, then partial recovery) or "pegged" (stablecoin-like, mostly exactly 1.0).
    Non-pegged assets start at LEVELS (60000 down to 2e-4).
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario={scenario!r}: must be one of {', '.join(SCENARIOS)}")
    for name, value, lo in (("n_assets", n_assets, 1), ("n_steps", n_steps, 2), ("interval_minutes", interval_minutes, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise ValueError(f"{name}={value!r}: must be an integer >= {lo}")
    if n_assets > len(TOKENS):
        raise ValueError(f"n_assets={n_assets!r}: at most {len(TOKENS)} synthetic assets")
    if n_steps > MAX_GENERATED_STEPS:
        raise ValueError(f"n_steps={n_steps}: at most {MAX_GENERATED_STEPS:,} generated rows")
    if START_TIMESTAMP + 60 * interval_minutes * (n_steps - 1) > MAX_TIMESTAMP:
        raise ValueError(f"interval_minutes={interval_minutes} × n_steps={n_steps}: the series would end after "
                         "the year 9999")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise ValueError(f"seed={seed!r}: must be an integer in [0, 2^64)")
    rng = np.random.default_rng(seed)
    dt = interval_minutes / MINUTES_PER_YEAR
    if scenario == "pegged":
        tokens, prices = STABLE_TOKENS[:n_assets], _pegged(rng, n_steps, n_assets)
    else:
        log_moves = {"trending": _trending, "mean_reverting": _mean_reverting, "crash": _crash}[scenario]
        tokens = TOKENS[:n_assets]
        prices = np.asarray(LEVELS[:n_assets]) * np.exp(log_moves(rng, n_steps, n_assets, dt))
    timestamps = START_TIMESTAMP + 60 * interval_minutes * np.arange(n_steps, dtype=np.int64)
    return _from_arrays(timestamps, prices, tokens)


def with_stable_column(series: PriceSeries, token: str, price: float) -> PriceSeries:
    """``series`` with one more column, ``token`` at the constant ``price``."""
    column = np.full((series.n_steps, 1), float(price))
    return _from_arrays(series.timestamps, np.hstack([series.prices, column]), series.tokens + (token,))


def regenerate_fixtures(out_dir=FIXTURE_DIR) -> list[Path]:
    """Write every bundled fixture CSV into ``out_dir`` (FIXTURES, then STABLE_COLUMN_FIXTURES); returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [save_prices_csv(generate_prices(scenario, n, steps, interval, seed), out_dir / name)
             for name, scenario, n, steps, interval, seed in FIXTURES]
    for name, base, token, price in STABLE_COLUMN_FIXTURES:
        paths.append(save_prices_csv(with_stable_column(_read_csv(out_dir / base), token, price), out_dir / name))
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parity.prices", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    regen = sub.add_parser("regenerate", help="rewrite the bundled price fixtures")
    regen.add_argument("--out", type=Path, default=FIXTURE_DIR, help=f"output folder (default {FIXTURE_DIR})")
    args = parser.parse_args(argv)
    for path in regenerate_fixtures(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

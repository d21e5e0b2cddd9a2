"""pytest plugin (entry point ``pytest11: parity``): golden fixtures as test items, and fixtures for users' tests
(docs/pytest-plugin.md).

* ``pytest --parity-fixtures DIR`` collects every golden fixture under DIR (rule and pool level) as one
  item named ``<rule>[<level>-<series>]``; the item replays the fixture (``parity.fixtures.replay``) and
  fails with the verify-style summary (first block, field, asset, both values) when it diverges, or with
  the validation error when the file is not a usable fixture. Price paths in a fixture resolve against
  ``--parity-root`` (default: the pytest rootdir).
* ``parity_chain``: a fresh in-process chain (``--parity-backend``, default revm);
  ``parity_verify``: ``verify(rule, params=None, prices=None, ...) -> LockstepResult``;
  ``parity_artifacts``: ``load(dir) -> {contract name: Artifact}`` for a Foundry ``out/`` or Hardhat
  ``artifacts/`` directory.

Nothing is collected without ``--parity-fixtures``, and nothing heavy (jax, web3) is imported until an item
or a fixture runs: loading the plugin costs a pytest start-up nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FORMATS = {"parity-golden-fixture": "rule", "parity-golden-pool-fixture": "pool"}


def pytest_addoption(parser):
    group = parser.getgroup("parity", "parity golden fixtures and chain fixtures")
    group.addoption("--parity-fixtures", action="append", default=[], metavar="DIR",
                    help="collect every parity golden fixture under DIR as a test item (repeatable)")
    group.addoption("--parity-root", default=None, metavar="DIR",
                    help="directory the fixtures' price paths are relative to (default: the rootdir)")
    group.addoption("--parity-backend", default="revm", choices=("revm", "eth-tester"),
                    help="in-process chain of the parity_chain fixture (default revm)")


def _fixture_dirs(config) -> list[Path]:
    return [Path(d).resolve() for d in config.getoption("parity_fixtures")]


def pytest_configure(config):
    """The fixture directories are collected like path arguments: alone when no path was given (not the
    testpaths), next to the given ones otherwise."""
    dirs = _fixture_dirs(config)
    if not dirs:
        return
    for d in dirs:
        if not d.is_dir():
            raise pytest.UsageError(f"--parity-fixtures {d}: not a directory")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = []
    config.args.extend(str(d) for d in dirs if str(d) not in config.args)


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".json":
        return None
    dirs = _fixture_dirs(parent.config)
    path = file_path.resolve()
    if not any(d == path.parent or d in path.parents for d in dirs):
        return None
    return FixtureFile.from_parent(parent, path=file_path)


def _series(stem: str, rule: str) -> str:
    for prefix in ("pool_", f"{rule}_"):
        stem = stem.removeprefix(prefix)
    return stem


class FixtureFile(pytest.File):
    """One JSON file under --parity-fixtures: one item if it is a parity fixture (or claims to be one and
    cannot be read), nothing otherwise."""

    def collect(self):
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            yield FixtureItem.from_parent(self, name=f"{self.path.stem}[unreadable]", error=f"{self.path}: {e}")
            return
        if not isinstance(data, dict) or data.get("format") not in FORMATS:
            return
        rule = str(data.get("rule", "unknown"))
        name = f"{rule}[{FORMATS[data['format']]}-{_series(self.path.stem, rule)}]"
        yield FixtureItem.from_parent(self, name=name)


class FixtureDiverged(Exception):
    """The replay did not give parity; the message is the verify-style summary."""


class FixtureItem(pytest.Item):
    """Replay one golden fixture against the current simulator and integer model."""

    def __init__(self, *, error: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self):
        if self.error is not None:
            raise FixtureDiverged(self.error)
        from parity.fixtures import load_fixture, replay
        from parity.harness.report import summary

        root = self.config.getoption("parity_root") or self.config.rootpath
        result = replay(load_fixture(self.path, root=root))
        if not result.passed:
            raise FixtureDiverged(summary(result))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, FixtureDiverged):
            return str(excinfo.value)
        if isinstance(excinfo.value, ValueError):  # FixtureError: the file is not a usable fixture
            return f"unusable fixture: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"parity fixture {self.name}"


# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def parity_chain(request):
    """A fresh in-process chain (backend from --parity-backend, default revm)."""
    from parity.chain import make_chain

    return make_chain(request.config.getoption("parity_backend"))


@pytest.fixture
def parity_verify(parity_chain):
    """``verify(rule, params=None, prices=None, *, assets=None, blocks=None, chunk_period=None,
    epsilon_max=None, guard_rail=None, level="rule", chain=None, **options) -> LockstepResult``.

    params default to `parity verify`'s defaults for the rule (given keys override them); prices are a CSV
    path (default the bundled trending series) or a (T, n) array of update rows; chain defaults to
    ``parity_chain``; options go to run_lockstep / run_pool_lockstep (mode, burn_in, tolerances,
    artifact, artifacts, ...)."""

    def verify(rule, params=None, prices=None, *, chain=None, **kwargs):
        return run_verification(rule, params, prices, chain=chain or parity_chain, **kwargs)

    return verify


def run_verification(rule, params=None, prices=None, *, chain, assets=None, blocks=None, chunk_period=None,
                     epsilon_max=None, guard_rail=None, level="rule", **options):
    """One lockstep verification as `parity verify` runs it, after the same up-front checks (parameter keys
    the rule reads, prices and stored states the chain can hold: parity.inputs.checks; see the
    parity_verify fixture)."""
    import numpy as np

    from parity.catalogue import DEFAULT_PARAMS
    from parity.fingerprint import make_run_fingerprint
    from parity.harness import run_lockstep, run_pool_lockstep
    from parity.inputs.arguments import DEFAULT_PRICES
    from parity.inputs.checks import check_run_inputs
    from parity.pools import create_pool
    from parity.prices import load_prices

    merged = {**DEFAULT_PARAMS.get(rule, {}), **(params or {})}
    if prices is None or isinstance(prices, (str, Path)):
        series = load_prices(Path(prices or DEFAULT_PRICES), assets=assets)
        values, interval, names = series.prices, int(series.interval_minutes), list(series.tokens)
    else:
        values, interval = np.asarray(prices, dtype=np.float64), None
        names = [f"asset {i}" for i in range(values.shape[1])]
    chunk = chunk_period or interval or 1440
    fp_kwargs = {k: v for k, v in (("epsilon_max", epsilon_max), ("absolute_weight_guard_rail", guard_rail)) if v is not None}
    fp = make_run_fingerprint(rule=rule, n_assets=values.shape[1], chunk_period=chunk, price_interval=interval or chunk,
                              **fp_kwargs)
    pool = create_pool(rule)
    check_run_inputs(pool, merged, fp, values, names, blocks=blocks, burn_in=options.get("burn_in", 0),
                     label="parity_verify prices", given=set(params or {}))
    run = run_pool_lockstep if level == "pool" else run_lockstep
    return run(pool, merged, fp, values, chain, blocks=blocks, progress=options.pop("progress", False),
               **options)


@pytest.fixture
def parity_artifacts():
    """``load(dir) -> {contract name: Artifact}``: every compiled contract under a Foundry ``out/`` or
    Hardhat ``artifacts/`` directory, read as ``--artifacts DIR`` reads it (parity.chain.stack: build-info,
    cache and Hardhat's ``*.dbg.json`` skipped)."""
    from parity.chain.stack import load_artifact_dir

    return load_artifact_dir

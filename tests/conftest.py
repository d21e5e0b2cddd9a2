"""Shared pytest configuration for parity."""

from pathlib import Path

import jax
import pytest

import parity  # enables float64 before any test creates an array

pytest_plugins = ["pytester"]  # tests/plugin: the parity pytest plugin run in a sandbox

if not getattr(parity, "__file__", None) or not jax.config.jax_enable_x64:
    # `parity` resolved to tests/parity/ (a namespace package) and parity/__init__.py never ran
    pytest.exit(f"import parity resolved to {list(getattr(parity, '__path__', []))}, not the package: "
                "float64 is off; run pytest with the repository root on sys.path", returncode=3)


def pytest_addoption(parser):
    parser.addoption(
        "--runs",
        type=int,
        default=None,
        help="number of random steps/examples for randomised tests (default: the CI budget)",
    )
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="run parity tests over long horizons instead of the short CI horizons",
    )


PERFORMANCE_DIR = Path(__file__).resolve().parent / "performance"


def pytest_ignore_collect(collection_path, config):
    """tests/performance (timing, never asserted) is collected only when a command-line path names it,
    e.g. `pytest tests/performance/test_weight_calculation_timing.py -v -s`; a plain `pytest` neither runs
    nor counts it."""
    path = Path(collection_path).resolve()
    if PERFORMANCE_DIR != path and PERFORMANCE_DIR not in path.parents:
        return None
    for arg in config.args:
        named = Path(str(arg).split("::")[0]).resolve()
        if named == PERFORMANCE_DIR or PERFORMANCE_DIR in named.parents:
            return None
    return True

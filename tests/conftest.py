"""Shared pytest configuration for parity."""

import jax
import pytest

import parity  # enables float64 before any test creates an array

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

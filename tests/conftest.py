"""Shared pytest configuration for parity."""

import parity  # noqa: F401  (enables float64 before any test creates an array)


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

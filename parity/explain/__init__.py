"""`parity explain`: re-run one block on the simulator and the integer model with every named operation
recorded, and name the first operation whose error exceeds what rounding of its inputs explains
(docs/explain.md). Importing the package is light; the engine loads on first use."""

from __future__ import annotations

import importlib

from parity.float64 import guarded

_LAZY = {
    "BlockCase": "case", "ExplainInputError": "case", "block_case": "case", "report_of": "case",
    "Explanation": "engine", "Row": "engine", "explain_case": "engine", "render": "text",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"parity.explain.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'parity.explain' has no attribute {name!r}")


@guarded
def explain_report(report: dict, *, block: int | None = None, asset: int | None = None, source: str = "report",
                   pool=None):
    """Explain a block of a report dict (``parity.harness.report.to_dict``); returns an Explanation."""
    from parity.explain.case import block_case
    from parity.explain.engine import explain_case

    return explain_case(block_case(report, source=source, block=block, asset=asset), pool=pool)


@guarded
def explain_path(path, *, block: int | None = None, asset: int | None = None):
    """Explain a block of a JSON report file or a golden fixture (replayed first); returns an Explanation."""
    from parity.explain.case import block_case, report_of
    from parity.explain.engine import explain_case

    report, source = report_of(path)
    return explain_case(block_case(report, source=source, block=block, asset=asset))


__all__ = ["BlockCase", "ExplainInputError", "Explanation", "Row", "block_case", "explain_case", "explain_path",
           "explain_report", "render", "report_of"]

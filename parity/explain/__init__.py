"""`parity explain`: re-run one block on the simulator and the integer model with every named operation
recorded, and name the first operation whose error exceeds what rounding of its inputs explains
(docs/explain.md)."""

from __future__ import annotations

from parity.explain.case import BlockCase, ExplainInputError, block_case, report_of
from parity.explain.engine import Explanation, Row, explain_case
from parity.explain.render import render
from parity.float64 import guarded


@guarded
def explain_report(report: dict, *, block: int | None = None, asset: int | None = None, source: str = "report",
                   pool=None) -> Explanation:
    """Explain a block of a report dict (``parity.harness.report.to_dict``)."""
    return explain_case(block_case(report, source=source, block=block, asset=asset), pool=pool)


@guarded
def explain_path(path, *, block: int | None = None, asset: int | None = None) -> Explanation:
    """Explain a block of a JSON report file or a golden fixture (replayed first)."""
    report, source = report_of(path)
    return explain_case(block_case(report, source=source, block=block, asset=asset))


__all__ = ["BlockCase", "ExplainInputError", "Explanation", "Row", "block_case", "explain_case", "explain_path",
           "explain_report", "render", "report_of"]

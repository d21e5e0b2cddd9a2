"""`parity audit`'s options -> a checked AuditRequest (nothing is read from the node here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from parity.errors import UsageError
from parity.harness.compare import FIELDS
from parity.harness.lockstep.plan import POOL_TOLERANCE_KEYS
from parity.inputs.tolerances import tolerances_from_specs
from parity.inputs.node import check_address, check_block, check_block_range, check_positive, check_rpc_url
from parity.io import check_outputs

AUDIT_TOLERANCE_FIELDS = (*FIELDS, *POOL_TOLERANCE_KEYS, "fine_0")


@dataclass(frozen=True)
class AuditRequest:
    url: str
    pool: str
    from_block: int | None
    to_block: int | None
    tolerances: dict
    batch_size: int
    log_page: int
    record: Path | None


def audit_tolerances(specs) -> dict:
    """{field: tolerance} of the audit's --tolerance FIELD=VALUE (rule and pool-level fields)."""
    return tolerances_from_specs(specs, AUDIT_TOLERANCE_FIELDS)


def audit_request(args) -> AuditRequest:
    """Every option checked; the outputs (--report, --plot, --record) checked writable and distinct."""
    url = check_rpc_url(args.rpc_url)
    pool = check_address(args.pool, "--pool")
    lo, hi = check_block(args.from_block, "--from-block"), check_block(args.to_block, "--to-block")
    check_block_range(lo, hi)
    check_outputs({"--report": args.report, "--plot": args.plot, "--record": args.record}, {})
    return AuditRequest(url, pool, lo, hi, audit_tolerances(args.tolerance),
                        check_positive(args.batch_size, "--batch-size", 10_000),
                        check_positive(args.log_page, "--log-page", 10**9), args.record)

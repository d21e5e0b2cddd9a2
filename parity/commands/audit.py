"""`parity audit`: replay a deployed pool's update history over JSON-RPC, update by update (parity.audit,
docs/audit.md).

Exit codes: 0 every update exact and within tolerance, 1 a divergence (chain != integer model, or JAX beyond
tolerance), 2 bad input (an unreachable node, an address that is not a QuantAMM pool, a node without the
history, a range without updates, a bad option).
"""

from __future__ import annotations

from pathlib import Path

from parity.commands.common import emit
from parity.inputs.audit import audit_request

HELP = "audit a deployed pool's updates over JSON-RPC: integer model exact, JAX within tolerance, drift"


def add_parser(subparsers):
    """The `audit` subcommand and its options."""
    p = subparsers.add_parser("audit", help=HELP, description=HELP)
    p.add_argument("--rpc-url", required=True, help="the node's JSON-RPC URL; it must answer eth_call at past blocks "
                                                    "(an archive node, or a local fork)")
    p.add_argument("--pool", required=True, metavar="ADDRESS", help="the QuantAMM pool to audit")
    p.add_argument("--from-block", default=None, metavar="A", help="first block of the range (default 0)")
    p.add_argument("--to-block", default=None, metavar="B", help="last block of the range (default: the latest)")
    p.add_argument("--record", type=Path, default=None, metavar="FIXTURE",
                   help="write the audited history as a pool-level golden fixture (`parity replay` checks it offline)")
    p.add_argument("--tolerance", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a field's tolerance on |jax − chain| / scale (repeatable)")
    p.add_argument("--report", type=Path, default=None, help="write the JSON report here")
    p.add_argument("--plot", type=Path, default=None, help="write a PNG plot of the JAX error per update here")
    p.add_argument("--batch-size", type=int, default=200, help="JSON-RPC requests per batch (default 200)")
    p.add_argument("--log-page", type=int, default=10_000, help="blocks per eth_getLogs request (default 10000)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and only the verdict line")
    return p


def run(args) -> int:
    """`parity audit`: returns the exit code."""
    from parity.audit.engine import audit

    req = audit_request(args)
    history, result = audit(req.url, req.pool, req.from_block, req.to_block, tolerances=req.tolerances,
                            progress=not args.quiet, batch_size=req.batch_size, log_page=req.log_page)
    if req.record is not None:
        from parity.audit.record import write_audit_fixture

        write_audit_fixture(history, result, req.record)
    code = emit(result, args)
    if req.record is not None and not args.quiet:
        print(f"  fixture: {req.record}")
    return code

"""The terminal text of an Explanation: context, the side-by-side table, the verdict."""

from __future__ import annotations

from decimal import Decimal

from parity.explain.engine import Explanation, Row

HEAD = ("stage", "op", "asset", "JAX (float64)", "chain (integer model)", "scaled", "JAX err/bound", "chain err, wei [allowed]")


def _num(x: Decimal | None, exact: bool = False) -> str:
    if x is None:
        return "—"
    if exact:  # an 18-decimal value: every digit
        text = f"{x:.18f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    return f"{float(x):.17g}"


def _sig(x, digits=2) -> str:
    return "—" if x is None else f"{float(x):.{digits}g}"


def _chain_cell(r: Row) -> str:
    if r.chain_err is None:
        return "—"
    return f"{float(r.chain_err):+.2g} [{float(r.chain_lo):+.3g}, {float(r.chain_hi):+.3g}]" + (" !!" if r.chain_out else "")


def _jax_cell(r: Row) -> str:
    ratio = r.jax_ratio
    return "—" if ratio is None else f"{ratio:.2g}" + (" !!" if r.jax_out else "")


def _cells(r: Row) -> tuple:
    return (r.op.stage, r.op.name, "-" if r.asset is None else str(r.asset), _num(r.jax), _num(r.chain, exact=True),
            _sig(r.scaled), _jax_cell(r), _chain_cell(r))


def table(ex: Explanation) -> list[str]:
    """The rows of the shown asset (and scalar ops) in operation order, plus the first flagged row if it is
    another asset's."""
    shown = [r for r in ex.rows if r.asset in (None, ex.case.asset) or r is ex.first]
    cells = [HEAD] + [_cells(r) for r in shown]
    widths = [max(len(c[j]) for c in cells) for j in range(len(HEAD))]
    return ["  " + "  ".join(c[j].ljust(widths[j]) for j in range(len(HEAD))).rstrip() for c in cells]


def _carried(ex: Explanation) -> str | None:
    """How far the run's own JAX state before the block was from the chain's (scaled error per field)."""
    case = ex.case
    if not case.jax_prev or not case.scales:
        return None
    from parity.harness.mapping import STATE_MAPS

    parts = []
    weights = ("pool_weights", "multipliers") if case.level == "pool" else ("weights",)
    for key in (*STATE_MAPS[case.contract].keys, *weights):
        chain, jax, scale = case.state_prev.get(key), case.jax_prev.get(key), case.scales.get(key)
        if chain is None:
            continue
        if jax is None or scale is None:
            continue
        worst = max(abs(j - c / 1e18) / s if s else 0.0 for j, c, s in zip(jax, chain, scale))
        tol = case.tolerances.get(key)
        parts.append(f"{key} {worst:.2g}" + (f" (tol {tol:.2g})" if tol is not None else ""))
    return ", ".join(parts) if parts else None


def _model_line(ex: Explanation) -> str:
    case, model = ex.case, ex.model
    if model.revert is not None:
        return f"the integer model reverts at block {case.block} with reason {model.revert!r} (values up to the revert are shown)"
    ok = ex.model_matches_chain
    if ok is None:
        return "the run has no recorded chain values after this block"
    if ok:
        return f"the integer model's re-run reproduces the recorded chain after block {case.block} exactly"
    diffs = [f"{k}[{i}] model {m} vs chain {c}" for k, v in case.chain_after.items() if k in model.after
             for i, (m, c) in enumerate(zip(model.after[k], v)) if m != c]
    return (f"the integer model's re-run does NOT reproduce the recorded chain after block {case.block} "
            f"({'; '.join(diffs[:2])}): the model or the contract that ran is not the reference; the chain "
            "column shows the model")


def verdict(ex: Explanation) -> list[str]:
    r = ex.first
    if r is None:
        return [f"no operation exceeds its rounding bound at block {ex.case.block}: given the same inputs, the "
                "simulator and the integer model differ only by what rounding explains"]
    where = f"{r.op.stage} `{r.op.name}` ({r.op.formula})" + ("" if r.asset is None else f" at asset {r.asset}")
    lines = [f"first operation beyond its rounding bound: {where}"]
    if r.jax_out:
        lines.append(f"  the simulator (JAX) is {_sig(abs(r.jax_err), 3)} from the exact result of its own inputs; float64 "
                     f"rounding explains at most {_sig(r.jax_bound, 3)} ({r.jax_ratio:.3g} times the bound): "
                     "a simulator bug in this operation")
    if r.chain_out:
        lines.append(f"  the integer model (= the chain) is {float(r.chain_err):+.3g} wei from the exact result of its own "
                     f"inputs; its fixed-point rounding allows [{float(r.chain_lo):+.3g}, {float(r.chain_hi):+.3g}] wei: "
                     "a contract-side bug in this operation")
    return lines


def render(ex: Explanation) -> str:
    """The full text: context, the table, the verdict."""
    case = ex.case
    lines = [
        f"EXPLAIN: {case.rule} ({case.contract}) n={case.n}, block {case.block}, {case.source}",
        f"  why this block: {case.why}",
        f"  both sides re-run block {case.block} from the chain's state after block {case.block - 1}; asset "
        f"{case.asset} shown (--asset)",
        f"  {_model_line(ex)}",
    ]
    carried = _carried(ex)
    if carried:
        lines.append(f"  the run's own JAX state before the block vs the chain's (scaled error): {carried}")
    if ex.missing:
        lines.append("  not recorded (no probe on that side): " + ", ".join(f"{op} ({side})" for side, op in ex.missing))
    lines += ["", *table(ex), ""]
    lines += verdict(ex)
    return "\n".join(lines)

"""What `parity fuzz` writes for a counterexample, into its --out folder:

  counterexample.json   a golden fixture of the shrunk example (rule or pool level), recorded by
                        re-running it through `parity verify`'s lockstep on revm with the same build; for a
                        revert, its blocks before the revert (none when the first block reverts);
  prices.csv, params.json  the shrunk market and parameters, for `parity verify --prices ... --params ...`;
  report.json, report.md   what broke, where, the shrunk inputs, how to reproduce it, and the search's
                        statistics.

A pool-level example with a stale-oracle scenario gets no counterexample.json: a pool fixture records no
oracle scenario (`parity record` refuses --stale-oracles and replay runs none), so it would replay another
run. Its report says so and gives the `parity verify ... --stale-oracles R --stale-seed S` line instead.

Every file is written atomically (parity.io.write_atomic).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np

from parity.fuzz.examples import Example, _plain
from parity.fuzz.execute import START_TIMESTAMP, pool_lockstep, rule_lockstep
from parity.fuzz.outcome import PROPERTIES, Outcome, lockstep_outcome

FILES = ("counterexample.json", "prices.csv", "params.json", "report.json", "report.md")


def property_of(kind: str) -> str:
    return next((p for p, kinds in PROPERTIES.items() if kind in kinds), kind)


def rerun(example: Example, cfg):
    """The example through `parity verify`'s lockstep (the level's own driver, revm, model and vectorized
    checks on): (LockstepResult, its Outcome)."""
    if cfg.shape.level == "pool":
        result = pool_lockstep(example, cfg.tolerances, cfg.stack_artifacts, cfg.vectorized_check, cfg.chain_options)
    else:
        result = rule_lockstep(example, cfg.tolerances, cfg.artifact, cfg.vectorized_check)
    return result, lockstep_outcome(result)


NO_SCENARIO_FIXTURE = ("no fixture written: a pool fixture records no oracle scenario (`parity record` refuses "
                       "--stale-oracles, replay runs none), so it would replay another run")
DELAYS_NOT_IN_VERIFY = ("the verify line runs every update on time (`parity verify` takes no explicit delays); "
                        "the example's delays are in report.json")


def no_fixture_reason(example: Example, result) -> str | None:
    """Why the counterexample gets no golden fixture (None: it gets one)."""
    if example.scenario is not None:
        return NO_SCENARIO_FIXTURE
    if not result.block_ids:
        return "no fixture written: no block completed before the revert"
    return None


def fixture_of(example: Example, result, cfg) -> dict | None:
    """The golden fixture of the re-run (None when it gets none: no_fixture_reason)."""
    from parity.prices import load_prices

    if no_fixture_reason(example, result) is not None:
        return None
    series = load_prices(example.prices, interval_minutes=example.settings.chunk_period)
    if cfg.shape.level == "pool":
        from parity.fixtures.pool import pool_fixture_data

        return pool_fixture_data(result, example.rule, series, example.prices, backend="revm",
                                 start_timestamp=START_TIMESTAMP)
    from parity.fixtures.rule import fixture_data

    art = cfg.artifact
    profile = "via-ir" if art is not None and (art.settings or {}).get("viaIR") else "legacy"
    return fixture_data(result, example.rule, series, example.prices, backend="revm",
                        runner=_runner(),
                        start_timestamp=START_TIMESTAMP, compiler_profile=profile, artifact=art)


def _runner() -> str:
    """The revm chain's first account: the runner rule_lockstep sends from."""
    from parity.chain import make_chain

    return make_chain("revm").accounts[0]


def verify_command(example: Example, out: Path, cfg) -> str:
    """The `parity verify` line that runs the shrunk example, its stale-oracle scenario included (the pool
    level's delays are in the fixture, or, under a scenario, not reproduced: DELAYS_NOT_IN_VERIFY)."""
    s = example.settings
    args = ["parity", "verify", "--rule", example.rule, "--prices", str(out / "prices.csv"), "--params",
            str(out / "params.json"), "--backend", "revm", "--chunk-period", str(s.chunk_period)]
    if s.epsilon_max is not None:
        args += ["--epsilon-max", repr(s.epsilon_max)]
    if s.guard_rail is not None:
        args += ["--guard-rail", repr(s.guard_rail)]
    if cfg.shape.level == "pool":
        args += ["--level", "pool"]
    if example.scenario is not None:
        args += ["--stale-oracles", repr(example.stale_oracles), "--stale-seed", str(example.stale_seed)]
    args += [str(a) for a in cfg.artifact_source]
    return " ".join(shlex.quote(a) for a in args)


def report_of(result, cfg, reproduced: Outcome | None, paths: dict, no_fixture: str | None = None) -> dict:
    """report.json's content; no_fixture: why no golden fixture was written (no_fixture_reason)."""
    ex, o = result.example, result.outcome
    note = DELAYS_NOT_IN_VERIFY if ex.scenario is not None and any(ex.delays) else None
    return {
        "rule": cfg.rule, "level": cfg.shape.level, "seed": cfg.seed, "property": property_of(o.kind),
        "kind": o.kind, "block": o.block, "where": o.where, "detail": o.detail,
        "shrunk": {"blocks": ex.blocks, "assets": ex.n, "distinct_prices": ex.size()[2],
                   "late_updates": ex.size()[3], "stale_oracles": ex.scenario, "complete": result.shrink_complete,
                   "note": result.note},
        "example": ex.to_json(),
        "verify": None if reproduced is None else {"kind": reproduced.kind, "block": reproduced.block,
                                                   "where": reproduced.where, "detail": reproduced.detail,
                                                   "same": reproduced.kind == o.kind},
        "files": paths,
        "no_fixture": no_fixture,
        "reproduce": {"replay": f"parity replay {paths['fixture']}" if paths.get("fixture") else None,
                      "verify": verify_command(ex, Path(paths["folder"]), cfg), "note": note},
        "search": result.stats.to_json(),
        "space": cfg.space.to_json(),
    }


def report_markdown(report: dict) -> str:
    ex = report["example"]
    lines = [
        f"# parity fuzz: {report['rule']} ({report['level']} level) breaks `{report['property']}`",
        "",
        f"**{report['kind']}** at block {report['block']} ({report['where']}): {report['detail']}",
        "",
        f"Shrunk to {report['shrunk']['blocks']} block(s), {report['shrunk']['assets']} assets, "
        f"{report['shrunk']['distinct_prices']} distinct prices"
        + (f", {report['shrunk']['late_updates']} late update(s)" if report["level"] == "pool" else "")
        + ("" if report["shrunk"]["complete"] else f" ({report['shrunk']['note']})") + ".",
        "",
        f"- settings: `{json.dumps(ex['settings'])}`",
        f"- parameters: `{json.dumps(ex['params'])}`",
        f"- update prices (row 0 initialises): `{json.dumps(ex['prices'])}`",
    ]
    if ex.get("delays"):
        lines.append(f"- seconds late per update: `{ex['delays']}`")
    if ex.get("stale_oracles"):
        lines.append(f"- stale oracles: rate {ex['stale_oracles']['rate']:g}, seed {ex['stale_oracles']['seed']}")
    v = report["verify"]
    if v is not None:
        lines += ["", f"`parity verify` on the same inputs: **{v['kind']}** at block {v['block']} ({v['where']})"
                  + ("" if v["same"] else " — not the same verdict as the batched engine")]
    lines += ["", "Reproduce:", ""]
    if report["reproduce"]["replay"]:
        lines.append(f"    {report['reproduce']['replay']}")
    lines.append(f"    {report['reproduce']['verify']}")
    notes = [f"{x[0].upper()}{x[1:]}." for x in (report["reproduce"]["note"], report["no_fixture"]) if x]
    lines += ["", *notes] if notes else []
    s = report["search"]
    lines += ["", f"Search: seed {report['seed']}, {s['examples']} examples in {s['batches']} batches "
              f"({s['seconds']} s), shrinking {s['shrink_examples']} examples ({s['shrink_seconds']} s)."]
    return "\n".join(lines) + "\n"


def write_counterexample(result, cfg, out) -> dict:
    """Re-run the counterexample through the lockstep, write every file into `out`; returns the report."""
    from parity.fixtures.format import dumps
    from parity.io import write_atomic
    from parity.prices import load_prices, save_prices_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ex = result.example
    lock, reproduced = rerun(ex, cfg)
    no_fixture = no_fixture_reason(ex, lock)
    fixture = fixture_of(ex, lock, cfg)
    paths = {"folder": str(out), "fixture": None, "prices": str(out / "prices.csv"), "params": str(out / "params.json"),
             "report": str(out / "report.json")}
    if fixture is not None:
        write_atomic(out / "counterexample.json", dumps(fixture))
        paths["fixture"] = str(out / "counterexample.json")
    save_prices_csv(load_prices(ex.prices, interval_minutes=ex.settings.chunk_period), out / "prices.csv")
    write_atomic(out / "params.json", json.dumps(_plain(ex.params), indent=1, sort_keys=True) + "\n")
    report = report_of(result, cfg, reproduced, paths, no_fixture)
    write_atomic(out / "report.json", json.dumps(report, indent=1, sort_keys=True, default=_default) + "\n")
    write_atomic(out / "report.md", report_markdown(report))
    return report


def _default(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def summary(result, cfg, report: dict | None) -> str:
    """The terminal summary: the verdict line first."""
    s = result.stats
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(s.kinds.items()))
    head = (f"parity fuzz {cfg.rule} ({cfg.shape.level} level, seed {cfg.seed}): "
            + ("no counterexample" if result.example is None else f"COUNTEREXAMPLE: {result.outcome.kind}"))
    lines = [head, f"  {s.examples} examples in {s.batches} batches, {s.seconds:.1f} s ({kinds}); worst error/tolerance "
                   f"{s.worst_ratio:.3g}, worst stored state/limit {s.worst_headroom:.3g}"]
    if s.repeats:
        lines[-1] += f"; {s.repeats} repeats not re-run"
    if s.refusals:
        reason, count = s.refusals.most_common(1)[0]
        lines.append(f"  refused up front (not a market the chain can hold): {s.kinds['refused']}; most often: {reason}")
    if s.both_refuse is not None:
        ex, o = s.both_refuse
        lines.append(f"  chain reverted and JAX gave no weights (not a counterexample): {s.kinds['both_refuse']}; "
                     f"first: block {o.block}, {o.detail}")
    if report is not None:
        o = result.outcome
        lines += [f"  {report['property']}: {o.kind} at block {o.block} ({o.where}): {o.detail}",
                  f"  shrunk to {report['shrunk']['blocks']} block(s), {report['shrunk']['assets']} assets, "
                  f"{report['shrunk']['distinct_prices']} distinct prices in {s.shrink_examples} shrink examples "
                  f"({s.shrink_seconds:.1f} s)" + ("" if result.shrink_complete else f"; {result.note}")]
        v = report["verify"]
        if v is not None:
            lines.append(f"  parity verify on it: {v['kind']} at block {v['block']}" + ("" if v["same"] else " (differs)"))
        lines.append(f"  wrote {', '.join(p for p in (report['files']['fixture'], report['files']['report']) if p)}")
        if report["files"]["fixture"] is None:
            lines.append(f"  {report['no_fixture']}; reproduce with: {report['reproduce']['verify']}")
        if report["reproduce"]["note"]:
            lines.append(f"  {report['reproduce']['note']}")
    return "\n".join(lines)

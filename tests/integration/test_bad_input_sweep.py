"""Bad input to `parity sweep`: the spec and candidate files, the prices, the parameter sets, the heatmap, the
size of the sweep, the output folder and the scheduler. Every case exits 2 with one line naming the entry,
before anything runs; the output folder is not created and the inputs are intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bad_input_helpers import BTC_ETH, one_line_exit_2


def _spec(tmp_path: Path, **patch) -> Path:
    spec = {"series": [{"path": str(BTC_ETH), "windows": [[0, 8]]}],
            "rules": [{"rule": "momentum", "params": [{"lamb": 0.9, "kappa": 1.0}]}], **patch}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def _sweep(capsys, tmp_path, spec, *needles, extra=(), inputs=()):
    out = tmp_path / "out"
    return one_line_exit_2(capsys, ["sweep", spec, "--out", out, *extra], *needles, inputs=[spec, *inputs],
                           outputs=[out])


@pytest.fixture
def no_run(monkeypatch):
    """A refused spec never reaches the sweep engine."""
    import parity.sweep.runner as runner

    def forbidden(*a, **k):
        raise AssertionError("the sweep ran on a bad input")

    monkeypatch.setattr(runner, "run_sweep", forbidden)


@pytest.mark.parametrize("kind", ["binary", "nested-json", "nested-toml", "device", "directory", "not-a-table"])
def test_unreadable_spec(capsys, tmp_path, no_run, kind):
    path = {"device": Path("/dev/zero"), "directory": tmp_path / "d"}.get(kind, tmp_path / "spec.toml")
    if kind == "directory":
        path.mkdir()
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    if kind == "nested-json":
        path = tmp_path / "spec.json"
        path.write_text("[" * 100_000 + "]" * 100_000)
    if kind == "nested-toml":
        path.write_text("x = " + "[" * 5_000 + "]" * 5_000 + "\n")
    if kind == "not-a-table":
        path = tmp_path / "spec.json"
        path.write_text("[1]")
    expected = {"binary": "binary", "nested-json": "nested", "nested-toml": "nested", "device": "not a regular file",
                "directory": "directory", "not-a-table": "table/object"}[kind]
    if path.is_file():
        _sweep(capsys, tmp_path, path, f"spec {path}", expected)
    else:  # a directory or a device: nothing to compare before and after
        one_line_exit_2(capsys, ["sweep", path, "--out", tmp_path / "out"], expected, outputs=[tmp_path / "out"])


@pytest.mark.parametrize("kind", ["binary", "nested", "missing", "boolean"])
def test_bad_candidates_file(capsys, tmp_path, no_run, kind):
    cands = tmp_path / "cands.json"
    if kind == "binary":
        cands.write_bytes(b"\x00\x01" * 100)
    if kind == "nested":
        cands.write_text("[" * 1_000 + "]" * 1_000)
    if kind == "boolean":
        cands.write_text(json.dumps([{"lamb": 0.9, "kappa": True}]))
    spec = _spec(tmp_path, rules=[{"rule": "momentum", "file": "cands.json"}])
    expected = {"binary": "binary", "nested": "nested", "missing": "file not found",
                "boolean": "'kappa': true is a boolean"}[kind]
    _sweep(capsys, tmp_path, spec, "rules[0]", expected, inputs=[cands] if cands.exists() else [])


@pytest.mark.parametrize("price, expected", [("1e30", "above"), ("1e-30", "below 1 wei")])
def test_prices_the_chain_cannot_hold(capsys, tmp_path, no_run, price, expected):
    csv = tmp_path / "p.csv"
    csv.write_text("timestamp,A,B\n" + "".join(f"{1704067200 + 86400 * t},{price},2.0\n" for t in range(10)))
    spec = _spec(tmp_path, series=[{"path": str(csv)}])
    _sweep(capsys, tmp_path, spec, "rules[0] set 0", "column p[0]", expected, inputs=[csv])


def test_state_beyond_int128_is_found_before_running(capsys, tmp_path, no_run):
    csv = tmp_path / "p.csv"
    csv.write_text("timestamp,A,B\n" + "".join(f"{1704067200 + 86400 * t},{1e19 if t < 3 else 4e19},2.0\n" for t in range(10)))
    spec = _spec(tmp_path, series=[{"path": str(csv)}], rules=[{"rule": "momentum", "params": [{"lamb": 0.999}]}])
    _sweep(capsys, tmp_path, spec, "running_a", "int128", inputs=[csv])


@pytest.mark.parametrize("generate, expected", [
    ({"scenario": "trending", "n_assets": 2, "n_steps": 10**9}, "n_steps=1000000000: at most 1,000,000"),
    ({"scenario": "trending", "n_assets": 2, "n_steps": 100, "interval_minutes": 10**12}, "year 9999"),
    ({"scenario": "trending", "n_assets": 2, "n_steps": 100, "seed": -1}, "seed=-1"),
    ({"scenario": "trending", "n_assets": 2, "n_steps": 100, "steps": 5}, "unknown key(s) steps"),
])
def test_oversized_or_bad_generate(capsys, tmp_path, no_run, generate, expected):
    spec = _spec(tmp_path, series=[{"name": "g", "generate": generate}])
    _sweep(capsys, tmp_path, spec, "series[0]", expected)


@pytest.mark.parametrize("params, expected", [
    ({"lambda": 0.5}, "'lambda' is not used by rule momentum"),
    ({"lamb": 0.9, "kappa": True}, "'kappa': true is a boolean"),
    ({"lamb": "0.9"}, "'lamb': '0.9' is not a number"),
])
def test_bad_parameter_sets(capsys, tmp_path, no_run, params, expected):
    spec = _spec(tmp_path, rules=[{"rule": "momentum", "params": [params]}])
    _sweep(capsys, tmp_path, spec, "rules[0] set 0", expected)


@pytest.mark.parametrize("heatmap, expected", [
    ({"x": "lamb", "y": "nope"}, "heatmap.y=\"nope\""),
    ({"x": "lamb", "y": "kappa", "field": "weight"}, "heatmap.field='weight'"),
    ({"x": "lamb", "y": "lamb"}, "both 'lamb'"),
    ({"x": "lamb"}, "give both x and y"),
])
def test_bad_heatmap_axes(capsys, tmp_path, no_run, heatmap, expected):
    spec = _spec(tmp_path, heatmap=heatmap, rules=[{"rule": "momentum", "grid": {"lamb": [0.8, 0.9], "kappa": [1.0]}}])
    _sweep(capsys, tmp_path, spec, expected)


def test_a_million_set_grid_is_refused_before_expansion(capsys, tmp_path, no_run, monkeypatch):
    import parity.inputs.sweep_spec as sweep_spec

    def forbidden(*a, **k):
        raise AssertionError("a set was validated before the size check")

    monkeypatch.setattr(sweep_spec, "check_parameters", forbidden)
    values = [0.5 + i * 1e-4 for i in range(1000)]
    spec = _spec(tmp_path, rules=[{"rule": "momentum", "grid": {"lamb": values, "kappa": values}}])
    _sweep(capsys, tmp_path, spec, "1,000,000 verifications", "rules[0]: 1000000 sets", "split it")


def test_number_of_verifications_is_printed_when_the_run_starts(capsys, tmp_path, monkeypatch):
    import parity.sweep.runner as runner

    def interrupted(chunks, workers, on_done):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_local", interrupted)
    spec = _spec(tmp_path, rules=[{"rule": "momentum", "grid": {"lamb": [0.8, 0.9], "kappa": [0.5, 1.0, 2.0]}}])
    from parity.cli import main

    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2  # interrupted right after the count
    assert capsys.readouterr().err.splitlines() == ["parity sweep: 6 verifications", "parity sweep: interrupted"]


@pytest.mark.parametrize("kind", ["file", "spec-inside", "price-inside"])
def test_out_folder_that_would_overwrite_an_input(capsys, tmp_path, no_run, kind):
    spec = _spec(tmp_path)
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
        one_line_exit_2(capsys, ["sweep", spec, "--out", out], f"--out {out}: is a file", inputs=[spec, out])
        return
    out.mkdir()
    victim = out / ("results.json" if kind == "spec-inside" else "results.csv")
    if kind == "spec-inside":
        victim.write_text(spec.read_text())
        spec = victim
    else:
        victim.write_text(BTC_ETH.read_text())
        spec = _spec(tmp_path, series=[{"path": str(victim), "windows": [[0, 8]]}])
    one_line_exit_2(capsys, ["sweep", spec, "--out", out], "--out", "same file as an input of the spec",
                    inputs=[spec, victim])


@pytest.mark.parametrize("extra, expected", [
    (["--scheduler", "tcp://localhost:notaport"], "must be tcp://HOST:PORT"),
    (["--scheduler", "http://localhost:8786"], "must be tcp://HOST:PORT"),
    (["--scheduler", "tcp://:8786"], "must be tcp://HOST:PORT"),
    (["--connect-timeout", "-1"], "--connect-timeout -1.0"),
    (["--connect-timeout", "nan"], "--connect-timeout nan"),
    (["--connect-timeout", "1e9"], "(0, 3600]"),
    (["--workers", "0"], "--workers 0"),
    (["--workers", "1000000"], "between 1 and 256"),
])
def test_bad_run_options(capsys, tmp_path, no_run, extra, expected):
    _sweep(capsys, tmp_path, _spec(tmp_path), expected, extra=extra)


def test_unreachable_scheduler_times_out_in_one_line(capsys, tmp_path):
    line = _sweep(capsys, tmp_path, _spec(tmp_path), "setup error: cannot connect to the Dask scheduler tcp://127.0.0.1:9",
                  "within 1 s", extra=["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1"])
    assert line.startswith("parity sweep: setup error:")

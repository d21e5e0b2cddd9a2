"""Bad input to `parity drift`: outputs checked before the run and never an input, parameters and prices
checked as `parity verify` checks them, --blocks within the series, a rule that cannot run on the prices named
instead of a table of NaN. Every case: one line, exit 2, nothing written, the inputs intact. Outputs are
written atomically (a full disk leaves the previous report)."""

from __future__ import annotations

import errno
import json
import shutil

import pytest

import parity.io as pio
from parity.cli import main

from bad_input_helpers import BTC_ETH, one_line_exit_2

T0, DAY = 1704067200, 86400


def _csv(path, a, b=2.0, rows=12):
    path.write_text("timestamp,A,B\n" + "".join(f"{T0 + DAY * t},{a},{b}\n" for t in range(rows)))
    return path


def _drift(*args):
    return ["drift", "--rule", "momentum", *map(str, args)]


@pytest.fixture
def no_run(monkeypatch):
    import parity.drift as drift

    def forbidden(*a, **k):
        raise AssertionError("drift ran on a bad input")

    monkeypatch.setattr(drift, "drift_report", forbidden)


def test_report_equal_to_prices_is_refused(capsys, tmp_path, no_run):
    prices = shutil.copyfile(BTC_ETH, tmp_path / "p.csv")
    one_line_exit_2(capsys, _drift("--prices", prices, "--report", tmp_path / ".." / tmp_path.name / "p.csv"),
                    "--report", "same file as --prices", inputs=[prices])


def test_report_equal_to_params_or_plot_is_refused(capsys, tmp_path, no_run):
    params = tmp_path / "params.json"
    params.write_text('{"lamb": 0.9}')
    one_line_exit_2(capsys, _drift("--prices", BTC_ETH, "--params", params, "--report", params), "same file as --params",
                    inputs=[params])
    out = tmp_path / "o.png"
    one_line_exit_2(capsys, _drift("--prices", BTC_ETH, "--report", out, "--plot", out), "--plot", "same file as --report",
                    outputs=[out])


def test_plot_extension_is_checked_before_the_run(capsys, tmp_path, no_run):
    report, plot = tmp_path / "r.json", tmp_path / "p.xyz"
    one_line_exit_2(capsys, _drift("--prices", BTC_ETH, "--report", report, "--plot", plot), f"--plot {plot}", "'.xyz'",
                    outputs=[report, plot])


def test_unwritable_report_is_checked_before_the_run(capsys, tmp_path, no_run):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    one_line_exit_2(capsys, _drift("--prices", BTC_ETH, "--report", blocker / "r.json"), "--report", "not a directory")


@pytest.mark.parametrize("params, expected", [
    ({"lambda": 0.5}, "'lambda' is not used by rule momentum"),
    ({"lamb": 0.9, "kappa": True}, "'kappa': true is a boolean"),
])
def test_bad_params(capsys, tmp_path, no_run, params, expected):
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params))
    one_line_exit_2(capsys, _drift("--prices", BTC_ETH, "--params", path), expected, inputs=[path])


@pytest.mark.parametrize("price, expected", [("1e300", "above"), ("1e-300", "below 1 wei")])
def test_prices_the_production_loop_cannot_hold(capsys, tmp_path, no_run, price, expected):
    path = _csv(tmp_path / "p.csv", price)
    one_line_exit_2(capsys, _drift("--prices", path), f"--prices {path}", "column A", expected, inputs=[path])


@pytest.mark.parametrize("blocks", ["0", "12", "100000"])
def test_blocks_beyond_the_series(capsys, tmp_path, no_run, blocks):
    path = _csv(tmp_path / "p.csv", 1.0, rows=12)  # 11 updates
    one_line_exit_2(capsys, _drift("--prices", path, "--blocks", blocks), f"--blocks {blocks}", "must be in 1..11")


def test_prices_the_rule_cannot_run_on_are_named_not_a_table_of_nan(capsys, tmp_path):
    path = _csv(tmp_path / "p.csv", 1.0, 2.0)  # never move: min_variance's variance stays 0
    report = tmp_path / "r.json"
    one_line_exit_2(capsys, ["drift", "--rule", "min_variance", "--prices", path, "--report", report],
                    f"--prices {path}", "weights are nan from row 1 (update 1), asset A", inputs=[path],
                    outputs=[report])


def test_report_on_a_full_disk_keeps_the_previous_report(capsys, tmp_path, monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pio.os, "fsync", no_space)
    report = tmp_path / "r.json"
    report.write_text("previous report\n")
    code = main(_drift("--prices", BTC_ETH, "--blocks", "3", "--report", report))
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [f"parity drift: error: {report}: No space left on device"]
    assert report.read_text() == "previous report\n" and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]

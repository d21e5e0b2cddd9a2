"""`parity explain` from the command line: the table and verdict on a golden fixture and on a report, and bad
input (missing file, not a report, a report without series, block or asset out of range) as one line on
stderr with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parity.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "golden" / "power_channel_btc_eth_2_raw.json"
PRICES = REPO / "fixtures" / "prices" / "btc_eth_daily_2.csv"


def _run(capsys, *args):
    code = main(["explain", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_fixture_block_and_asset(capsys):
    code, out, err = _run(capsys, FIXTURE, "--block", 3, "--asset", 1)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("EXPLAIN: power_channel (PowerChannelRule) n=2, block 3, fixture ")
    assert "block 3 as asked" in lines[1]
    assert "reproduces the recorded chain after block 3 exactly" in out
    h = next(i for i, line in enumerate(lines) if "JAX (float64)" in line)
    op_col, asset_col = lines[h].index(" op ") + 1, lines[h].index(" asset ") + 1
    rows = [line for line in lines[h + 1:] if line.startswith("  ")]
    ops = [line[op_col:].split()[0] for line in rows]
    assert ops == ["ewma", "mul_factor", "running_a", "gradient", "reciprocal", "relative", "signal", "centre",
                   "raw_weights", "clamped", "limited", "weights"]
    assert [line[asset_col:].split()[0] for line in rows] == ["1", "-", "1", "1", "1", "1", "1", "-", "1", "1", "1", "1"]
    assert lines[-1].startswith("no operation exceeds its rounding bound at block 3")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("explain") / "report.json"
    code = main(["verify", "--rule", "momentum", "--prices", str(PRICES), "--blocks", "4", "--backend", "revm",
                 "--quiet", "--report", str(path)])
    assert code == 0
    return path


def test_report_default_block_is_the_worst_weight(capsys, report):
    data = json.loads(report.read_text())
    assert data["fingerprint"]["rule"] == "momentum" and len(data["initial"]["price"]) == 2  # the new keys
    code, out, err = _run(capsys, report)
    assert code == 0, err
    worst = data["worst"]["weights"]
    assert f"block {worst['block']}" in out.splitlines()[0]
    assert f"largest weight error is at block {worst['block']} asset {worst['asset']}" in out


def _one_line_error(code, out, err, *fragments):
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("parity explain: error: "), err
    for f in fragments:
        assert f in lines[0], lines[0]


def test_missing_file(capsys, tmp_path):
    _one_line_error(*_run(capsys, tmp_path / "nope.json"), "nope.json", "not found")


def test_not_json(capsys):
    _one_line_error(*_run(capsys, PRICES), "btc_eth_daily_2.csv", "not valid JSON")


def test_json_that_is_not_a_report(capsys, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"rule": "momentum"}\n')
    _one_line_error(*_run(capsys, path), "not a parity report or golden fixture")


def test_report_without_series(capsys, tmp_path, report):
    data = json.loads(report.read_text())
    del data["series"]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(data))
    _one_line_error(*_run(capsys, path), "no per-block series")


def test_block_out_of_range(capsys, report):
    _one_line_error(*_run(capsys, report, "--block", 9), "--block 9: out of range", "1..4")
    _one_line_error(*_run(capsys, report, "--block", 0), "--block 0: out of range")


def test_asset_out_of_range(capsys, report):
    _one_line_error(*_run(capsys, report, "--asset", 2), "--asset 2: out of range", "0..1")


def test_corrupted_fixture(capsys, tmp_path):
    data = json.loads(FIXTURE.read_text())
    data["per_block"][0]["weights"][0] = "1"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data) + "\n")
    _one_line_error(*_run(capsys, path), "content_sha256")

"""Outputs are written whole or not at all: a failure while writing (a full disk) leaves any previous file
untouched and no partial or temporary file behind, and the command says so in one line (exit 2)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

import parity.io as pio
from parity.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "golden" / "power_channel_btc_eth_2_raw.json"
BTC_ETH = REPO / "fixtures" / "prices" / "btc_eth_daily_2.csv"


@pytest.fixture
def full_disk(monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pio.os, "fsync", no_space)


def test_write_atomic_replaces_whole_files(tmp_path):
    target = tmp_path / "out.txt"
    pio.write_atomic(target, "first\n")
    pio.write_atomic(target, b"second\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_atomic_failure_keeps_the_old_file(tmp_path, full_disk):
    target = tmp_path / "out.txt"
    target.write_text("precious\n")
    with pytest.raises(OSError):
        pio.write_atomic(target, "x" * 10_000)
    assert target.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_replay_report_on_a_full_disk(capsys, tmp_path, full_disk):
    report = tmp_path / "r.json"
    report.write_text("previous report\n")
    code = main(["replay", str(FIXTURE), "--report", str(report), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [f"parity replay: error: {report}: No space left on device"]
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_record_on_a_full_disk_keeps_the_existing_fixture(capsys, tmp_path, full_disk):
    out = shutil.copyfile(FIXTURE, tmp_path / "fx.json")
    before = out.read_bytes()
    code = main(["record", "--rule", "momentum", "--prices", str(BTC_ETH), "--blocks", "3", "--backend", "revm",
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "No space left" in err
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fx.json"]


def test_plot_failure_keeps_the_old_plot(capsys, tmp_path, monkeypatch):
    import matplotlib.figure

    def broken_savefig(self, fname, **kwargs):
        Path(fname).write_bytes(b"half a png")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken_savefig)
    plot = tmp_path / "p.png"
    plot.write_bytes(b"old plot")
    code = main(["replay", str(FIXTURE), "--plot", str(plot), "--quiet"])
    assert code == 2 and "No space left" in capsys.readouterr().err
    assert plot.read_bytes() == b"old plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.png"]

"""Shared by the bad-input tests of each command: run `parity ...` in process and require exit code 2, ONE line
on stderr (no traceback) naming the input, nothing on stdout, nothing written and the inputs intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

from parity.cli import main

REPO = Path(__file__).resolve().parents[2]
PRICES = REPO / "fixtures" / "prices"
BTC_ETH = PRICES / "btc_eth_daily_2.csv"


def digest(paths) -> dict:
    """{path: sha256 of its bytes, or None when absent}: compare before and after a command."""
    out = {}
    for p in paths:
        p = Path(p)
        out[p] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
    return out


def one_line_exit_2(capsys, argv, *needles, inputs=(), outputs=()) -> str:
    """Run the command; assert exit 2, one stderr line containing every needle, an empty stdout, every
    path of `inputs` unchanged and no path of `outputs` created. Returns the line."""
    before = digest(inputs)
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2, out.out + out.err
    assert len(lines) == 1, out.err
    assert "Traceback" not in out.err and out.out == "", out.out + out.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert digest(inputs) == before, "an input was changed"
    for p in outputs:
        assert not Path(p).exists(), f"{p} was written"
    return lines[0]

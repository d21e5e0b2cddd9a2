"""Helpers of the chain tests: Probe sources, a scenario run on any backend, starting a local hardhat node."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from parity.chain import ContractRevert

SOL_DIR = Path(__file__).parent / "sol"
CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"
HARDHAT_BIN = CONTRACTS_DIR / "node_modules" / ".bin" / "hardhat"
HARDHAT_CONFIG = CONTRACTS_DIR / "hardhat" / "hardhat.config.js"
ONE = 10**18
T0 = 1_700_000_000  # genesis timestamp of the in-process backends and of the hardhat config


def probe_sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(SOL_DIR.glob("*.sol"))}


REVERTING = [  # (function, args, canonical reason)
    ("failString", (), "UNAUTH_CALC"),
    ("failEmpty", (), ""),
    ("failCustomImported", (5,), "ProbeFailure"),
    ("overflow", (1,), "Panic(0x11)"),
    ("divide", (1, 0), "Panic(0x12)"),
    ("at", (10,), "Panic(0x32)"),
    ("log2Of", (0,), "PRBMathSD59x18__LogInputTooSmall"),
    ("onlyOwner", (), "NotOwner"),
]


def run_scenario(chain, artifacts) -> list:
    """A fixed sequence of deploys, transactions, calls and reverts; returns everything observable."""
    artifact = artifacts["Probe"]
    out = []
    owner = chain.accounts[1]
    p = chain.deploy(artifact, owner, timestamp=T0 + 10)
    out.append(("deploy", p.address, chain.block_number(), chain.timestamp()))
    r = chain.transact(p, "store", [[1, 2, -3]], timestamp=T0 + 20)
    out.append(("store", r.block_number, r.timestamp, r.return_value, r.logs))
    r = chain.transact(p, "mulAll", [[[ONE, 2 * ONE], [3]], ONE // 2], timestamp=T0 + 35)
    out.append(("mulAll", r.block_number, r.timestamp, r.return_value, r.logs))
    for fn, args, _ in REVERTING:
        for mode in ("tx", "call"):
            try:
                if mode == "tx":
                    chain.transact(p, fn, args, timestamp=T0 + 40)
                else:
                    chain.call(p, fn, args)
                out.append((fn, mode, "no revert"))
            except ContractRevert as exc:
                out.append((fn, mode, exc.reason, exc.block, exc.data))
    out.append(("after reverts", chain.block_number(), chain.timestamp()))
    r = chain.transact(p, "onlyOwner", [], timestamp=T0 + 40, sender=owner)
    out.append(("onlyOwner", r.block_number, r.timestamp, r.return_value, r.logs))
    out.append(("calls", chain.call(p, "getStored"), chain.call(p, "pair"), chain.call(p, "owner"),
                chain.call(p, "store", [[7]]), chain.call(p, "getStored")))
    try:
        chain.deploy(artifacts["RevertingConstructor"], 0, timestamp=T0 + 45)
        out.append(("constructor", "no revert"))
    except ContractRevert as exc:
        out.append(("constructor", exc.reason, exc.function, exc.block, exc.data))
    q = chain.deploy(artifact, chain.accounts[2], timestamp=T0 + 50)
    r = chain.deploy(artifacts["RevertingConstructor"], 3, timestamp=T0 + 51)
    out.append(("deploys", q.address, r.address, chain.call(r, "value"), chain.block_number(), chain.timestamp()))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rpc(url: str, method: str) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=2) as resp:
        return json.loads(resp.read())


def start_hardhat(timeout: float = 60.0):
    """Start `hardhat node` (offline, 127.0.0.1, a free port); returns (process, url)."""
    if not HARDHAT_BIN.exists():
        raise RuntimeError(f"hardhat is not installed at {HARDHAT_BIN}: run `cd contracts && npm ci`")
    port = _free_port()
    env = dict(os.environ, HARDHAT_DISABLE_TELEMETRY_PROMPT="true", DO_NOT_TRACK="1")
    proc = subprocess.Popen(
        ["node", str(HARDHAT_BIN), "--config", str(HARDHAT_CONFIG), "node", "--hostname", "127.0.0.1",
         "--port", str(port)],
        cwd=HARDHAT_CONFIG.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hardhat node exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            _rpc(url, "eth_chainId")
            return proc, url
        except OSError:
            time.sleep(0.2)
    stop_hardhat(proc)
    raise RuntimeError(f"hardhat node did not answer on {url} within {timeout} s")


def stop_hardhat(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.stderr:
        proc.stderr.close()

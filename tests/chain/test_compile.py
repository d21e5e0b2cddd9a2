"""Compilation: pinned settings, import resolution, the on-disk cache, compiler selection and errors."""

from __future__ import annotations

import json
import shutil
import stat
import threading
from pathlib import Path

import pytest
from chain_helpers import probe_sources

from parity.chain import RULE_CONTRACTS, CompilationError, CompilerNotFound, compile_rules, compile_sources, make_chain
from parity.chain import compile as C

TINY = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;
contract Tiny { uint256 public x; function set(uint256 v) external { x = v; } }
"""


def test_fresh_cache_compiles_once_then_serves_from_disk(tmp_path):
    before = C.compiler_invocations()
    first = compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path)
    assert C.compiler_invocations() == before + 1
    art = first["Tiny"]
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".json"] == [f"{art.source_hash}.json"]
    second = compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path)
    assert C.compiler_invocations() == before + 1  # served from the cache: no compiler run
    assert second == first
    (tmp_path / f"{art.source_hash}.json").write_text('{"truncated')  # a damaged entry is compiled again
    assert compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path) == first
    assert C.compiler_invocations() == before + 2


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("PARITY_CACHE_DIR", raising=False)
    assert C.default_cache_dir() == C.REPO_ROOT / ".parity-cache" / "solc"
    monkeypatch.setenv("PARITY_CACHE_DIR", str(tmp_path))
    assert C.default_cache_dir() == tmp_path / "solc"


def test_concurrent_compiles_share_one_compiler_run(tmp_path):
    source = TINY.replace("uint256 public x;", "uint256 public x; uint256 public concurrent;")
    before = C.compiler_invocations()
    results = []
    threads = [threading.Thread(target=lambda: results.append(compile_sources({"T.sol": source}, cache_dir=tmp_path)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and results[0] == results[1] == results[2]
    assert C.compiler_invocations() == before + 1
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("solc-cache")


def test_artifact_fields_and_pinned_settings(tiny_cache):
    art = compile_sources({"Tiny.sol": TINY}, cache_dir=tiny_cache)["Tiny"]
    assert art.contract_name == "Tiny"
    assert art.compiler_version.startswith("0.8.26+commit.")
    assert art.settings["optimizer"] == {"enabled": True, "runs": 999}
    assert art.settings["evmVersion"] == "cancun"
    assert art.bytecode.startswith("0x60") and art.deployed_bytecode.startswith("0x60")
    assert {f["name"] for f in art.abi if f["type"] == "function"} == {"x", "set"}
    chain = make_chain("eth-tester")
    tiny = chain.deploy(art)
    assert chain.w3.eth.get_code(tiny.address).to_0x_hex() == art.deployed_bytecode  # no immutables: exact code


def test_source_hash_tracks_every_input_byte(tiny_cache):
    def digest(sources):
        return C.source_hash(C.standard_input(C.resolve_sources(sources)))

    a = digest({"Tiny.sol": TINY})
    assert a == compile_sources({"Tiny.sol": TINY}, cache_dir=tiny_cache)["Tiny"].source_hash == digest({"Tiny.sol": TINY})
    b = digest({"Tiny.sol": TINY + "\n"})
    c = digest({"Other.sol": TINY})
    assert len({a, b, c}) == 3 and all(len(h) == 64 and int(h, 16) >= 0 for h in (a, b, c))


def test_imports_are_resolved_into_the_input():
    src = '''import "./a/B.sol"; // import "commented.sol";
    /* import "block.sol"; */ import {X, Y} from '../c.sol';
    import * as M from "@prb/math/contracts/PRBMath.sol"; import "d.sol" as D;'''
    assert C.imports_of(src) == ["./a/B.sol", "../c.sol", "@prb/math/contracts/PRBMath.sol", "d.sol"]
    resolved = C.resolve_sources(probe_sources())
    assert set(resolved) == {"Probe.sol", "ProbeErrors.sol", "@prb/math/contracts/PRBMathSD59x18.sol",
                             "@prb/math/contracts/PRBMath.sol"}


def test_compiler_errors_are_raised_with_formatted_messages(tmp_path):
    with pytest.raises(CompilationError, match=r"(?s)ParserError.*Broken\.sol"):
        compile_sources({"Broken.sol": TINY.replace("x = v;", "x = v")}, cache_dir=tmp_path)
    with pytest.raises(CompilationError, match='"missing/Thing.sol" imported by "M.sol"'):
        compile_sources({"M.sol": 'import "missing/Thing.sol";'}, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="sources"):
        compile_sources({}, cache_dir=tmp_path)
    assert not list(tmp_path.glob("*.json"))  # nothing cached for failed compilations


def test_no_compiler_gives_install_hint(tmp_path):
    with pytest.raises(CompilerNotFound, match="npm ci"):
        C.select_compiler(which=lambda name: None, solcx_candidates=lambda: [])
    with pytest.raises(CompilerNotFound, match="npm ci"):
        C.select_compiler(which=lambda name: "/usr/bin/node" if name == "node" else None,
                          solcx_candidates=lambda: [], node_modules=tmp_path)


def _fake_native_solc(tmp_path: Path, version: str) -> str:
    """A stand-in for a native solc binary: answers --version, compiles standard JSON via solc-js."""
    path = tmp_path / f"solc-{version}"
    path.write_text(f"""#!/usr/bin/env node
if (process.argv.includes("--version")) {{
  console.log("solc, the solidity compiler commandline interface");
  console.log("Version: {version}+commit.8a97fa7a.Linux.g++");
  process.exit(0);
}}
const solc = require({json.dumps(str(C.NODE_MODULES / "solc"))});
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => process.stdout.write(solc.compile(Buffer.concat(chunks).toString())));
""")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_native_solc_of_the_pinned_version_is_preferred(tmp_path):
    good = _fake_native_solc(tmp_path, "0.8.26")
    wrong = _fake_native_solc(tmp_path, "0.8.25")
    node = lambda name, solc=None: {"solc": solc, "node": "/usr/bin/node"}.get(name)  # noqa: E731
    chosen = C.select_compiler(which=lambda n: node(n, good), solcx_candidates=lambda: [])
    assert chosen == C.NativeSolc(path=good, version="0.8.26+commit.8a97fa7a")
    chosen = C.select_compiler(which=lambda n: node(n, wrong), solcx_candidates=lambda: [good])
    assert isinstance(chosen, C.NativeSolc) and chosen.path == good  # py-solc-x's install dir
    chosen = C.select_compiler(which=lambda n: node(n, wrong), solcx_candidates=lambda: [])
    assert isinstance(chosen, C.SolcJs)


def test_native_and_js_compilers_give_identical_artifacts(tmp_path):
    native = C.NativeSolc(path=_fake_native_solc(tmp_path, "0.8.26"), version="0.8.26+commit.8a97fa7a")
    via_native = compile_sources(probe_sources(), cache_dir=tmp_path / "n", compiler=native)
    js = C.select_compiler(which=lambda n: None if n == "solc" else shutil.which(n), solcx_candidates=lambda: [])
    assert isinstance(js, C.SolcJs)
    via_js = compile_sources(probe_sources(), cache_dir=tmp_path / "j", compiler=js)
    assert via_native == via_js


def test_rule_contracts_compile_and_name_themselves():
    arts = compile_rules()
    names = {"MomentumRule": "Momentum", "AntiMomentumRule": "AntiMomentum", "PowerChannelRule": "PowerChannel",
             "ChannelFollowingRule": "ChannelFollowing", "DifferenceMomentumRule": "DifferenceMomentum",
             "MinimumVarianceRule": "MinimumVariance"}
    assert set(RULE_CONTRACTS.values()) == set(names)
    assert RULE_CONTRACTS["mean_reversion_channel"] == "ChannelFollowingRule"
    assert RULE_CONTRACTS["min_variance"] == "MinimumVarianceRule"
    chain = make_chain("revm")
    for contract, name in names.items():
        art = arts[contract]
        assert any(f.get("name") == "CalculateNewWeights" for f in art.abi)
        assert chain.call(chain.deploy(art, chain.accounts[0]), "name") == name

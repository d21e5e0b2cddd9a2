"""Compiler profiles: legacy (default) and via-IR share every setting but the pipeline, are cached as two
entries, and an unknown profile is a clear error; v1 and v1-foundry are V1's Hardhat and Foundry builds
(settings written out here from V1's configuration, not read from the module), and v1 picks each file's
solc as Hardhat does."""

from __future__ import annotations

import pytest

from parity.chain import compile as C
from parity.chain import compile_sources

TINY = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;
contract Tiny { uint256 public x; function set(uint256 v) external { x = v; } }
"""


def test_profiles_differ_only_in_the_pipeline():
    legacy, via_ir = C.profile_settings("legacy"), C.profile_settings("via-ir")
    assert legacy is C.SETTINGS and legacy["viaIR"] is False and via_ir["viaIR"] is True
    assert {k: v for k, v in via_ir.items() if k != "viaIR"} == {k: v for k, v in legacy.items() if k != "viaIR"}
    assert C.profile_of(legacy) == "legacy" and C.profile_of(via_ir) == "via-ir" and C.profile_of({}) == "legacy"


def test_each_profile_is_cached_separately(tmp_path):
    before = C.compiler_invocations()
    legacy = compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path)["Tiny"]
    via_ir = compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path, profile="via-ir")["Tiny"]
    assert C.compiler_invocations() == before + 2
    assert legacy.source_hash != via_ir.source_hash and via_ir.settings["viaIR"] is True
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted([legacy.source_hash, via_ir.source_hash])
    assert compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path, profile="via-ir")["Tiny"] == via_ir
    assert C.compiler_invocations() == before + 2  # both served from the cache


def test_unknown_profile_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match=r"compiler profile: got 'ir', must be one of legacy, via-ir, v1, v1-foundry"):
        compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path, profile="ir")


V1_STEPS = ("dhfoDgvulfnTUtnIf [ xa[r]EscLM cCTUtTOntnfDIul Lcul Vcul [j] Tpeul xa[rul] xa[r]cL gvif "
            "CTUca[r]LSsTFOtfDnca[r]Iulc ] jmul[jul] VcTOcul jmul : fDnTOcmu")


def test_v1_profiles_have_v1s_settings():
    hardhat = C.get_profile("v1")
    pool, runner = hardhat.build_for("production/QuantAMMWeightedPool.sol"), hardhat.build_for("production/UpdateWeightRunner.sol")
    for build, runs in ((pool, 850), (runner, 9999)):
        s = build.settings
        assert (s["viaIR"], s["evmVersion"], s["optimizer"]["enabled"], s["optimizer"]["runs"]) == (True, "cancun", True, runs)
        assert s["optimizer"]["details"] == {"yulDetails": {"optimizerSteps": V1_STEPS}}
        assert "metadata" not in s  # V1 sets none: solc's default IPFS hash
    assert pool.version == "0.8.26" and hardhat.versions == ("0.8.26", "0.8.27")
    assert hardhat.build_for("QuantAMMWeightedPoolFactory.sol") is pool
    foundry = C.get_profile("v1-foundry").default
    assert foundry.version == "0.8.26" and "metadata" not in foundry.settings
    assert {k: v for k, v in foundry.settings.items() if k != "outputSelection"} == {
        "optimizer": {"enabled": True, "runs": 999}, "evmVersion": "cancun", "viaIR": False}
    assert C.pipeline_of("v1") == "via-ir" and C.pipeline_of("v1-foundry") == C.pipeline_of("legacy") == "legacy"


@pytest.mark.parametrize("pragma, version", [
    ("^0.8.24", "0.8.27"), (">=0.8.0 <0.9.0", "0.8.27"), ("0.8.26", "0.8.26"), ("=0.8.26", "0.8.26"),
    ("~0.8.20", "0.8.27"), (">=0.8.4", "0.8.27"), ("<0.8.27", "0.8.26"), ("0.8.25 || ^0.8.26", "0.8.27"),
])
def test_v1_picks_the_highest_solc_the_pragmas_allow(pragma, version):
    closure = {"A.sol": f"pragma solidity {pragma};\ncontract A {{}}", "B.sol": "pragma solidity >=0.8.0;"}
    assert C.pick_version(("0.8.26", "0.8.27"), closure, "A.sol") == version
    with pytest.raises(C.CompilationError, match="no compiler of 0.8.26, 0.8.27 satisfies"):
        C.pick_version(("0.8.26", "0.8.27"), {"A.sol": "pragma solidity ^0.7.0;"}, "A.sol")


def test_revm_can_lift_the_eip170_code_size_limit():
    """V1's legacy-built pool is over 24,576 bytes; its Hardhat network lifts the limit, and so can revm."""
    from parity.chain import ChainError, make_chain
    from parity.chain.compile import Artifact
    from parity.inputs.stack_options import UNLIMITED_CODE_SIZE

    def big(size: int) -> Artifact:  # creation code: RETURN `size` zero bytes as the runtime code
        return Artifact("Big", [], f"0x62{size:06x}6000f3", "0x" + "00" * size, "none", {}, "")

    with pytest.raises(ChainError, match="CreateContractSizeLimit"):
        make_chain("revm").deploy(big(24_577))
    assert make_chain("revm").deploy(big(24_576)).address
    assert make_chain("revm", code_size_limit=UNLIMITED_CODE_SIZE).deploy(big(27_010)).address

"""Users' code and contracts to `parity verify`: a plug-in pool's import, construction and step, an artifact that
does not decode and a source that does not compile each end in ONE line (exit 2) naming what failed; the
report of the blocks verified before a pool failed is still written. `--contract` reads imports only under
the source's directory, the --remap targets and the pinned node packages: anything else is refused by name
before it is read (a security property, docs/bad-input.md)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from parity.cli import main

from bad_input_helpers import BTC_ETH, REPO, one_line_exit_2

def _verify(*args):
    return ["verify", "--backend", "revm", "--blocks", "5", "--prices", str(BTC_ETH), "--quiet", *args]


def _module(tmp_path: Path, name: str, body: str) -> str:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return name


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    """The user's folder: `--pool module:Class` imports from the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ------------------------------------------------------------------------------------- plug-in pools

MOMENTUM = """
import jax
import jax.numpy as jnp
from parity.pools.momentum import MomentumPool as _Momentum


class MomentumPool:  # a user's harness Pool: parity's momentum by delegation
    chain_rule, rule = "MomentumRule", "user_momentum"

    def __init__(self):
        self._p = _Momentum()

    def chain_params(self, params, fp):
        return self._p.chain_params(params, fp)

    def encode_chain_params(self, cp, n):
        return self._p.encode_chain_params(cp, n)

    def decode_chain_params(self, parameters, lambda_store, n):
        return self._p.decode_chain_params(parameters, lambda_store, n)

    def initial_weights(self, params, fp):
        return self._p.initial_weights(params, fp)

    def get_initial_rule_state(self, price, params, fp):
        return self._p.get_initial_rule_state(price, params, fp)

    def get_initial_guardrail_state(self, w):
        return self._p.get_initial_guardrail_state(w)

    def calculate_coarse_weight_step(self, est, wt, price, params, fp, additional_oracle_input=None):
        return self._p.calculate_coarse_weight_step(est, wt, price, params, fp)
"""


def test_pool_module_that_raises_on_import(capsys, user_dir):
    mod = _module(user_dir, "pool_import_err", "raise RuntimeError('cannot reach the price service')\n")
    one_line_exit_2(capsys, _verify("--rule", "momentum", "--pool", f"{mod}:Pool"), f"--pool '{mod}:Pool'",
                    f"importing '{mod}' raised RuntimeError: cannot reach the price service")


def test_pool_class_that_raises_in_its_constructor(capsys, user_dir):
    mod = _module(user_dir, "pool_init_err", MOMENTUM + """
class Pool(MomentumPool):
    def __init__(self):
        raise KeyError("config")
""")
    one_line_exit_2(capsys, _verify("--rule", "momentum", "--pool", f"{mod}:Pool"),
                    "cannot instantiate Pool", "KeyError: 'config'")


def test_pool_step_that_raises_names_class_method_and_exception(capsys, user_dir):
    mod = _module(user_dir, "pool_step_err", MOMENTUM + """
class Pool(MomentumPool):
    def calculate_coarse_weight_step(self, est, wt, price, params, fp, additional_oracle_input=None):
        return self._helper(est)

    def _helper(self, est):
        return {}["missing"]
""")
    report = user_dir / "r.json"
    code = main(_verify("--rule", "momentum", "--pool", f"{mod}:Pool", "--report", str(report)))
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in out.err, out.err
    line = (user_dir / f"{mod}.py").read_text().splitlines().index('        return {}["missing"]') + 1
    assert f"block 1: Pool.calculate_coarse_weight_step failed at {mod}.py:{line} in _helper: KeyError: 'missing'" in lines[0]
    assert out.out.startswith("POOL ERROR")
    assert json.loads(report.read_text())["pool_error"].startswith("block 1: Pool.calculate_coarse_weight_step")


def test_pool_failing_mid_run_keeps_the_report_of_the_verified_blocks(capsys, user_dir):
    """An error raised while the compiled step runs (a callback into the user's Python at block 3)."""
    mod = _module(user_dir, "pool_callback_err", MOMENTUM + """
import numpy as np

calls = []

def _feed(x):
    calls.append(1)
    if len(calls) == 3:
        raise ConnectionError("price feed went away")
    return np.float64(x)

class Pool(MomentumPool):
    def calculate_coarse_weight_step(self, est, wt, price, params, fp, additional_oracle_input=None):
        est, wt, w = super().calculate_coarse_weight_step(est, wt, price, params, fp)
        scale = jax.pure_callback(_feed, jax.ShapeDtypeStruct((), jnp.float64), jnp.float64(1.0))
        return est, wt, w * scale
""")
    report = user_dir / "r.json"
    code = main(_verify("--rule", "momentum", "--pool", f"{mod}:Pool", "--report", str(report),
                        "--no-vectorized-check"))
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in out.err, out.err
    assert lines[0].startswith("parity verify: error: block 3: Pool.calculate_coarse_weight_step failed"), lines[0]
    assert "price feed went away" in lines[0]
    data = json.loads(report.read_text())
    assert data["status"] == "pool_error" and data["blocks_compared"] == 2, data["status"]


def test_nan_from_a_users_pool_is_named_at_its_block(capsys, user_dir):
    mod = _module(user_dir, "pool_nan", MOMENTUM + """
class Pool(MomentumPool):
    def get_initial_guardrail_state(self, w):
        return {**super().get_initial_guardrail_state(w), "n": jnp.float64(0.0)}

    def calculate_coarse_weight_step(self, est, wt, price, params, fp, additional_oracle_input=None):
        n = wt["n"] + 1.0
        est, wt, w = super().calculate_coarse_weight_step(est, wt, price, params, fp)
        w = jnp.where(n >= 4.0, w.at[1].set(jnp.nan), w)
        return est, {**wt, "n": n}, w
""")
    report = user_dir / "r.json"
    code = main(_verify("--rule", "momentum", "--pool", f"{mod}:Pool", "--report", str(report)))
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2 and len(lines) == 1, out.err
    assert "block 4: Pool.calculate_coarse_weight_step returned nan in weights[1]" in lines[0], lines[0]
    assert json.loads(report.read_text())["blocks_compared"] == 3


def test_quantammsim_style_pool_that_raises(capsys, user_dir):
    mod = _module(user_dir, "qsim_err", """
import jax.numpy as jnp

class Pool:
    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        return {"ewma": initial_price, "running_a": jnp.zeros_like(initial_price)}

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        return carry, params["no_such_key"]
""")
    code = main(_verify("--rule-contract", "MomentumRule", "--pool", f"{mod}:Pool"))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "Pool.calculate_rule_output_step failed at qsim_err.py:9" in err[0] and "KeyError: 'no_such_key'" in err[0]


# ------------------------------------------------------------------------------------------ artifacts


@pytest.fixture(scope="module")
def momentum_artifact():
    from parity.chain import compile_rules

    return compile_rules()["MomentumRule"]


def _foundry(tmp_path, artifact, edit) -> Path:
    from parity.chain.artifacts import write_foundry_artifact

    path = write_foundry_artifact(artifact, tmp_path / "out", "MomentumRule.sol")
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    return path


ARTIFACT_CASES = {
    "link-references-list": (lambda d: d["bytecode"].__setitem__("linkReferences", []), "bytecode.linkReferences", "must be an object"),
    "link-references-nested": (lambda d: d["bytecode"].__setitem__("linkReferences", {"L.sol": [1]}), "bytecode.linkReferences", "must be an object"),
    "deployed-bytecode-string": (lambda d: d.__setitem__("deployedBytecode", "0x00"), "deployedBytecode", "must be an object"),
    "deployed-bytecode-not-hex": (lambda d: d["deployedBytecode"].__setitem__("object", "0xzz"), "deployedBytecode.object", "not hex"),
    "abi-entry-number": (lambda d: d["abi"].append(7), "abi[", "expected an object"),
    "abi-function-without-name": (lambda d: d["abi"].append({"type": "function", "inputs": []}), "abi[", "needs a \"name\""),
    "abi-bad-type": (lambda d: d["abi"].append({"type": "function", "name": "f", "inputs": [{"type": "uint257"}]}), "inputs[0]", "not an ABI type"),
    "abi-kind": (lambda d: d["abi"].append({"type": "method", "name": "f"}), ".type", "not one of"),
    "abi-inputs-not-list": (lambda d: d["abi"].append({"type": "event", "name": "E", "inputs": {}}), ".inputs", "must be a list"),
    "abi-missing-function": (lambda d: d.__setitem__("abi", [e for e in d["abi"] if e.get("name") != "CalculateNewWeights"]),
                             "no CalculateNewWeights(", "rule ABI"),
    "metadata-deep": (lambda d: d.__setitem__("metadata", "[" * 50_000), None, None),
}


@pytest.mark.parametrize("case", sorted(ARTIFACT_CASES))
def test_artifact_that_does_not_decode(capsys, tmp_path, momentum_artifact, case):
    edit, field, fragment = ARTIFACT_CASES[case]
    path = _foundry(tmp_path, momentum_artifact, edit)
    if field is None:  # a metadata string that is not JSON only loses the compiler version: still deploys
        from parity.chain.artifacts import load_artifact

        assert load_artifact(path).compiler_version == "unknown"
        return
    report = tmp_path / "r.json"
    one_line_exit_2(capsys, _verify("--rule", "momentum", "--artifact", path, "--report", report), str(path), field,
                    fragment, inputs=[path], outputs=[report])


@pytest.mark.parametrize("kind", ["deep", "device", "binary", "directory", "not-an-object"])
def test_artifact_file_that_is_not_an_artifact(capsys, tmp_path, kind):
    path = {"device": Path("/dev/zero"), "directory": tmp_path}.get(kind, tmp_path / "a.json")
    if kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    if kind == "not-an-object":
        path.write_text("[1, 2]")
    expected = {"deep": "nested", "device": "not a regular file", "binary": "binary", "directory": "directory",
                "not-an-object": "expected a JSON object"}[kind]
    one_line_exit_2(capsys, _verify("--rule", "momentum", "--artifact", path), str(path), expected)


# ------------------------------------------------------------------------------------------ --contract

CANARY = "CANARY-7f3a: this text must never be read or printed"


def _sol(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.26;\n" + body)
    return path


@pytest.fixture
def reads(monkeypatch):
    """Every file the --contract loader opens."""
    import parity.chain.sources as sources

    opened = []
    original = sources.read_input_text

    def recording(path, *a, **k):
        opened.append(Path(path).resolve())
        return original(path, *a, **k)

    monkeypatch.setattr(sources, "read_input_text", recording)
    return opened


def test_source_that_does_not_compile_gives_the_first_error_with_file_and_line(capsys, tmp_path):
    src = _sol(tmp_path / "src" / "Broken.sol", "contract Broken {\n    uint256 x = 1\n}\n")
    one_line_exit_2(capsys, _verify("--rule", "momentum", "--contract", src), f"--contract {src}: does not compile",
                    f"{src}:5:1: ParserError: Expected ';' but got '}}'", inputs=[src])


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "symlink", "remap-escape", "backslash"])
def test_imports_outside_the_named_roots_are_refused_before_reading(capsys, tmp_path, reads, how):
    secret = tmp_path / "secret.sol"
    secret.write_text(CANARY + "\n")
    src_dir = tmp_path / "a" / "b"
    lib = tmp_path / "a" / "lib"
    lib.mkdir(parents=True)
    name = {"absolute": str(secret), "dot-dot": "../../secret.sol", "symlink": "linked.sol",
            "remap-escape": "lib/../../secret.sol", "backslash": "..\\\\..\\\\secret.sol"}[how]
    src = _sol(src_dir / "X.sol", f'import "{name}";\ncontract X {{}}\n')
    if how == "symlink":
        (src_dir / "linked.sol").symlink_to(secret)
    argv = _verify("--rule", "momentum", "--contract", src, "--remap", f"lib/={lib}")
    why = {"symlink": "outside", "remap-escape": "outside"}.get(how, "imports resolve only under")  # by file / name
    line = one_line_exit_2(capsys, argv, f'import "{name}"', why, inputs=[src, secret])
    assert CANARY not in line
    assert secret.resolve() not in reads, "the file outside the roots was opened"


def test_etc_passwd_is_not_read(capsys, tmp_path, reads):
    src = _sol(tmp_path / "X.sol", 'import "/etc/passwd";\ncontract X {}\n')
    line = one_line_exit_2(capsys, _verify("--rule", "momentum", "--contract", src), 'import "/etc/passwd"',
                           "is an absolute path")
    assert "root:" not in line and Path("/etc/passwd").resolve() not in reads


# ------------------------------------------------------------------------------ --contracts SRC_DIR (pool level)

def _verify_pool_sources(src_dir, *args):
    """verify --level pool with the runner compiled from SRC_DIR (pool, rule and vault parity's)."""
    return ["verify", "--level", "pool", "--backend", "revm", "--blocks", "2", "--prices", str(BTC_ETH), "--quiet",
            "--rule", "momentum", "--contracts", str(src_dir), "--pool-contract", "reference",
            "--rule-contract", "reference", *args]


@pytest.fixture
def reads_any(monkeypatch):
    """Every file the import loader and the --contracts scan open (parity.chain.sources and parity.io)."""
    import parity.chain.sources as sources
    import parity.io as io

    opened = []
    for module in (sources, io):
        original = module.read_input_text

        def recording(path, *a, _original=original, **k):
            opened.append(Path(path).resolve())
            return _original(path, *a, **k)

        monkeypatch.setattr(module, "read_input_text", recording)
    return opened


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "symlink", "remap-escape", "backslash"])
def test_contracts_dir_imports_outside_the_named_roots_are_refused_before_reading(capsys, tmp_path, reads_any, how):
    secret = tmp_path / "secret.sol"
    secret.write_text(CANARY + "\n")
    src_dir = tmp_path / "a" / "src"
    lib = tmp_path / "a" / "lib"
    lib.mkdir(parents=True)
    name = {"absolute": str(secret), "dot-dot": "../../secret.sol", "symlink": "linked.sol",
            "remap-escape": "lib/../../secret.sol", "backslash": "..\\\\..\\\\secret.sol"}[how]
    runner = _sol(src_dir / "UpdateWeightRunner.sol", f'import "{name}";\ncontract UpdateWeightRunner {{}}\n')
    if how == "symlink":
        (src_dir / "linked.sol").symlink_to(secret)
    argv = _verify_pool_sources(src_dir, "--remap", f"lib/={lib}")
    why = {"symlink": "outside", "remap-escape": "outside"}.get(how, "imports resolve only under")
    line = one_line_exit_2(capsys, argv, f"--contracts {src_dir}", f'import "{name}"', why, inputs=[runner, secret])
    assert CANARY not in line
    assert secret.resolve() not in reads_any, "the file outside the roots was opened"


def test_contracts_dir_file_linked_from_outside_is_never_opened(capsys, tmp_path, reads_any):
    """A .sol link inside SRC_DIR that leads out of it is not a source of SRC_DIR: not scanned, not compiled."""
    secret = _sol(tmp_path / "elsewhere" / "UpdateWeightRunner.sol", f"// {CANARY}\ncontract UpdateWeightRunner {{}}\n")
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    (src_dir / "UpdateWeightRunner.sol").symlink_to(secret)
    line = one_line_exit_2(capsys, _verify_pool_sources(src_dir), "--runner-contract",
                           f"no .sol file under {src_dir} defines contract UpdateWeightRunner", inputs=[secret])
    assert CANARY not in line and secret.resolve() not in reads_any


def test_contracts_dir_with_remap_compiles_and_verifies(capsys, tmp_path, reads_any):
    """The positive path: parity's runner from SRC_DIR, its types through --remap from another folder, and
    nothing read outside SRC_DIR, the remap target and the pinned packages."""
    production = REPO / "contracts" / "production"
    src_dir, lib = tmp_path / "src", tmp_path / "lib"
    src_dir.mkdir()
    lib.mkdir()
    (lib / "ProductionTypes.sol").write_text((production / "ProductionTypes.sol").read_text())
    text = (production / "UpdateWeightRunner.sol").read_text()
    assert 'import "./ProductionTypes.sol";' in text
    (src_dir / "UpdateWeightRunner.sol").write_text(text.replace('import "./ProductionTypes.sol";', 'import "types/ProductionTypes.sol";'))
    code = main([str(a) for a in _verify_pool_sources(src_dir, "--remap", f"types/={lib}")])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    roots = (src_dir.resolve(), lib.resolve(), (REPO / "contracts" / "node_modules").resolve())
    assert reads_any and all(any(r in p.parents for r in roots) for p in reads_any), reads_any
    assert lib.resolve() / "ProductionTypes.sol" in reads_any

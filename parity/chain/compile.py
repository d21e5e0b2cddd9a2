"""Compile the Solidity contracts with solc 0.8.26 (native solc via py-solc-x, else solc-js) and cache the artifacts.

The standard-JSON input is self-contained: every imported file (project files under ``contracts/`` and
``@prb/math/...`` from ``contracts/node_modules``) is resolved here and embedded as source content, so the
compiler never reads the file system. Native solc and solc-js are the same compiler front end and back end
built for two targets; given the same standard-JSON input and ``bytecodeHash: "none"`` they emit identical
bytecode, which keeps artifacts independent of the compiler build and the checkout path.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

# ---- the one place where the compiler and its settings are pinned -------------------------------------
SOLC_VERSION = "0.8.26"
VIA_IR = False
SETTINGS: dict = {
    "optimizer": {"enabled": True, "runs": 999},
    "evmVersion": "cancun",
    "viaIR": VIA_IR,
    "metadata": {"bytecodeHash": "none"},
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}
# Compiler profiles: the same settings on the legacy pipeline (default) or via-IR (V1's own build). They differ
# only in operand order at two sub-expressions on malformed input (docs/malformed-inputs.md); each profile
# has its own standard-JSON input, hence its own source hash and cache entry.
DEFAULT_PROFILE = "legacy"
PROFILES: dict[str, dict] = {
    "legacy": SETTINGS,
    "via-ir": {**SETTINGS, "viaIR": True},
}
# -------------------------------------------------------------------------------------------------------

RULE_CONTRACTS: dict[str, str] = {
    "momentum": "MomentumRule",
    "anti_momentum": "AntiMomentumRule",
    "power_channel": "PowerChannelRule",
    "mean_reversion_channel": "ChannelFollowingRule",
    "difference_momentum": "DifferenceMomentumRule",
    "min_variance": "MinimumVarianceRule",
}

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = REPO_ROOT / "contracts"
NODE_MODULES = CONTRACTS_DIR / "node_modules"
EXCLUDED_DIRS = ("node_modules", "hardhat")
SOLC_JS_SCRIPT = Path(__file__).with_name("solc_js.js")
INSTALL_HINT = (
    f"install solc-js {SOLC_VERSION} with `cd contracts && npm ci` (needs node >= 18 on PATH), "
    f"or put a native solc {SOLC_VERSION} on PATH"
)


class CompilationError(Exception):
    """The compiler rejected the sources; the message holds its formatted error messages and `errors` the
    compiler's error objects (type, message, sourceLocation {file, start, end}), when it returned them."""

    def __init__(self, message: str, errors: list | None = None):
        super().__init__(message)
        self.errors = list(errors or [])


class CompilerNotFound(RuntimeError):
    """No usable compiler (native solc of the pinned version, or node + solc-js) was found."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    contract_name: str
    abi: list
    bytecode: str  # 0x-hex creation code
    deployed_bytecode: str
    compiler_version: str
    settings: dict
    source_hash: str


# ---- compilers -----------------------------------------------------------------------------------------
_INVOCATIONS = [0]


def compiler_invocations() -> int:
    """Number of compiler runs in this process (cache hits do not count)."""
    return _INVOCATIONS[0]


def _short_version(version: str) -> str:
    """'0.8.26+commit.8a97fa7a.Emscripten.clang' -> '0.8.26+commit.8a97fa7a'."""
    m = re.search(r"(\d+\.\d+\.\d+)(?:-nightly\.[\d.]+)?(\+commit\.[0-9a-f]+)", version)
    if not m:
        raise CompilerNotFound(f"cannot parse compiler version {version!r}")
    return m.group(1) + m.group(2)


@dataclass(frozen=True)
class NativeSolc:
    """A native solc binary of the pinned version, driven through py-solc-x."""

    path: str
    version: str

    def compile(self, standard_input: dict) -> tuple[dict, str]:
        import solcx
        from solcx.exceptions import SolcError

        try:
            out = solcx.compile_standard(standard_input, solc_binary=self.path, allow_empty=True)
        except SolcError as exc:
            raise CompilationError(f"solc {self.version} ({self.path}) failed:\n{exc.message}") from exc
        return out, self.version


@dataclass(frozen=True)
class SolcJs:
    """solc-js from contracts/node_modules, driven through its JavaScript API by solc_js.js."""

    node: str
    package_dir: str

    def compile(self, standard_input: dict) -> tuple[dict, str]:
        proc = subprocess.run(
            [self.node, str(SOLC_JS_SCRIPT), self.package_dir],
            input=json.dumps(standard_input).encode(),
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            raise CompilationError(
                f"solc-js ({self.package_dir}) exited with {proc.returncode}:\n{proc.stderr.decode(errors='replace')}"
            )
        result = json.loads(proc.stdout)
        return result["output"], _short_version(result["version"])


def _native_version(path: str) -> str | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
        return _short_version(out)
    except (OSError, subprocess.SubprocessError, CompilerNotFound):
        return None


def _solcx_candidates() -> list[str]:
    try:
        import solcx

        return [str(solcx.get_executable(SOLC_VERSION))]
    except Exception:  # py-solc-x raises SolcNotInstalled (or similar) when it has no such compiler
        return []


def select_compiler(
    *,
    which: Callable[[str], str | None] = shutil.which,
    solcx_candidates: Callable[[], list[str]] = _solcx_candidates,
    node_modules: Path = NODE_MODULES,
):
    """Pick a native solc of exactly SOLC_VERSION (PATH, then py-solc-x's install dir), else node + solc-js."""
    native = which("solc")
    for path in ([native] if native else []) + solcx_candidates():
        version = _native_version(path)
        if version is not None and version.split("+")[0] == SOLC_VERSION:
            return NativeSolc(path=path, version=version)
    node = which("node")
    package = Path(node_modules) / "solc"
    if node is None:
        raise CompilerNotFound(f"no native solc {SOLC_VERSION} and no `node` on PATH: {INSTALL_HINT}")
    try:
        js_version = json.loads((package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise CompilerNotFound(f"no native solc {SOLC_VERSION} and solc-js is not installed at {package}: {INSTALL_HINT}") from exc
    if js_version != SOLC_VERSION:
        raise CompilerNotFound(f"solc-js at {package} is version {js_version}, need {SOLC_VERSION}: {INSTALL_HINT}")
    return SolcJs(node=node, package_dir=str(package))


# ---- sources -------------------------------------------------------------------------------------------
_COMMENT_OR_STRING = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', re.S)
_IMPORT = re.compile(r'\bimport\s+(?:[^;"\']*?)?["\']([^"\']+)["\'][^;]*;')


def _strip_comments(source: str) -> str:
    return _COMMENT_OR_STRING.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'" else " ", source)


def imports_of(source: str) -> list[str]:
    """Import paths of a Solidity source, in order of appearance (comments ignored)."""
    return _IMPORT.findall(_strip_comments(source))


def _resolve_name(importer: str, path: str) -> str:
    if path.startswith("./") or path.startswith("../"):
        return posixpath.normpath(posixpath.join(posixpath.dirname(importer), path))
    return path


def _load_import(name: str, contracts_dir: Path, node_modules: Path) -> str | None:
    for base in (contracts_dir, node_modules):
        candidate = base / name
        if candidate.is_file():
            return candidate.read_text()
    return None


def close_imports(sources: Mapping[str, str], load: Callable[[str, str], str | None],
                  missing: Callable[[str, str], None]) -> dict[str, str]:
    """`sources` closed under imports: a unit not yet present comes from `load(name, importer)`; where that
    gives None, `missing(name, importer)` is called (and raises). Units in the order they were found."""
    resolved = dict(sources)
    pending = list(sources)
    while pending:
        importer = pending.pop()
        for path in imports_of(resolved[importer]):
            name = _resolve_name(importer, path)
            if name in resolved:
                continue
            content = load(name, importer)
            if content is None:
                missing(name, importer)
            resolved[name] = content
            pending.append(name)
    return resolved


def resolve_sources(
    sources: Mapping[str, str], *, contracts_dir: Path = CONTRACTS_DIR, node_modules: Path = NODE_MODULES
) -> dict[str, str]:
    """Close `sources` under imports: missing units come from contracts/ or contracts/node_modules."""

    def missing(name: str, importer: str) -> None:
        raise CompilationError(
            f'source "{name}" imported by "{importer}" not found in the given sources, '
            f"{contracts_dir} or {node_modules}" + ("" if node_modules.is_dir() else f"; {INSTALL_HINT}")
        )

    resolved = close_imports(sources, lambda name, importer: _load_import(name, contracts_dir, node_modules), missing)
    return dict(sorted(resolved.items()))


def project_sources(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, str]:
    """Every .sol file under contracts/ (minus node_modules and hardhat), keyed by its path relative to it."""
    files = {}
    for path in sorted(Path(contracts_dir).rglob("*.sol")):
        rel = path.relative_to(contracts_dir)
        if rel.parts[0] in EXCLUDED_DIRS:
            continue
        files[rel.as_posix()] = path.read_text()
    return files


def profile_settings(profile: str = DEFAULT_PROFILE) -> dict:
    """The pinned compiler settings of `profile` ("legacy" or "via-ir")."""
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise ValueError(f"compiler profile: got {profile!r}, must be one of {', '.join(PROFILES)}") from None


def profile_of(settings: Mapping) -> str:
    """The profile name of recorded compiler settings (viaIR on -> "via-ir")."""
    return "via-ir" if settings.get("viaIR") else "legacy"


def standard_input(sources: Mapping[str, str], profile: str = DEFAULT_PROFILE) -> dict:
    """The standard-JSON input for already resolved sources, with the pinned settings of `profile`."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": content} for name, content in sorted(sources.items())},
        "settings": profile_settings(profile),
    }


def source_hash(std_input: dict) -> str:
    """SHA-256 (hex) over the canonical JSON of the standard-JSON input."""
    canonical = json.dumps(std_input, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---- cache ---------------------------------------------------------------------------------------------
def default_cache_dir() -> Path:
    env = os.environ.get("PARITY_CACHE_DIR")
    return (Path(env) if env else REPO_ROOT / ".parity-cache") / "solc"


def _artifacts_from_output(output: dict, version: str, digest: str, settings: dict = SETTINGS) -> dict:
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompilationError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors), errors)
    contracts: dict[str, dict] = {}
    for unit, by_name in sorted(output.get("contracts", {}).items()):
        for name, c in sorted(by_name.items()):
            if name in contracts:
                raise CompilationError(
                    f'contract name "{name}" is defined in both "{contracts[name]["source_unit"]}" and "{unit}"; '
                    "contract names must be unique"
                )
            contracts[name] = {
                "source_unit": unit,
                "abi": c["abi"],
                "bytecode": "0x" + c["evm"]["bytecode"]["object"],
                "deployed_bytecode": "0x" + c["evm"]["deployedBytecode"]["object"],
            }
    return {"compiler_version": version, "settings": settings, "source_hash": digest, "contracts": contracts}


def _write_atomic(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _read_cached(target: Path, digest: str) -> dict | None:
    try:
        record = json.loads(target.read_text())
    except (OSError, ValueError):
        return None  # missing or unreadable: compile again and replace it
    return record if record.get("source_hash") == digest else None


def _compile_cached(std_input: dict, cache_dir: Path | str | None, compiler=None) -> dict:
    digest = source_hash(std_input)
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{digest}.json"
    record = _read_cached(target, digest)
    if record is not None:
        return record
    with open(directory / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent pytest-xdist workers compile once
        record = _read_cached(target, digest)
        if record is not None:
            return record
        compiler = compiler or select_compiler()
        _INVOCATIONS[0] += 1
        output, version = compiler.compile(std_input)
        record = _artifacts_from_output(output, version, digest, std_input["settings"])
        _write_atomic(target, record)
        return record


def _to_artifacts(record: dict) -> dict[str, Artifact]:
    return {
        name: Artifact(
            contract_name=name,
            abi=c["abi"],
            bytecode=c["bytecode"],
            deployed_bytecode=c["deployed_bytecode"],
            compiler_version=record["compiler_version"],
            settings=record["settings"],
            source_hash=record["source_hash"],
        )
        for name, c in record["contracts"].items()
    }


def compile_sources(
    sources: dict[str, str], *, cache_dir=None, compiler=None, profile: str = DEFAULT_PROFILE
) -> dict[str, Artifact]:
    """Compile {virtual path: source} (imports resolved from the given sources, contracts/ and node_modules)
    with the settings of compiler `profile` ("legacy" or "via-ir")."""
    if not sources:
        raise ValueError("sources: got an empty dict; need at least one {virtual path: Solidity source}")
    for name, content in sources.items():
        if not isinstance(name, str) or not isinstance(content, str):
            raise ValueError(f"sources: key {name!r} must map a str path to a str source, got {type(content).__name__}")
    std_input = standard_input(resolve_sources(sources), profile)
    return _to_artifacts(_compile_cached(std_input, cache_dir, compiler))


def compile_rules(*, cache_dir=None, compiler=None, profile: str = DEFAULT_PROFILE) -> dict[str, Artifact]:
    """Compile every contract under contracts/ (minus node_modules and hardhat) with compiler `profile`;
    keyed by contract name. Each profile is cached separately."""
    sources = project_sources()
    if not sources:
        raise CompilationError(f"no .sol files under {CONTRACTS_DIR} (excluding {', '.join(EXCLUDED_DIRS)})")
    return compile_sources(sources, cache_dir=cache_dir, compiler=compiler, profile=profile)

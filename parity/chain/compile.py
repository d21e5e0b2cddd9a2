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

# ---- the one place where the compilers and their settings are pinned ----------------------------------
SOLC_VERSION = "0.8.26"  # the default compiler (contracts/node_modules/solc)
SOLC_VERSIONS = ("0.8.26", "0.8.27")  # 0.8.27: contracts/node_modules/solc-0.8.27 (an npm alias)
VIA_IR = False
OUTPUTS = {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}}
SETTINGS: dict = {
    "optimizer": {"enabled": True, "runs": 999},
    "evmVersion": "cancun",
    "viaIR": VIA_IR,
    "metadata": {"bytecodeHash": "none"},
    "outputSelection": OUTPUTS,
}
# V1's yul optimizer step sequence (its Hardhat config; docs/your-stack.md)
V1_OPTIMIZER_STEPS = (
    "dhfoDgvulfnTUtnIf [ xa[r]EscLM cCTUtTOntnfDIul Lcul Vcul [j] Tpeul xa[rul] xa[r]cL gvif CTUca[r]LSsTFOtfDnca[r]Iulc ] "
    "jmul[jul] VcTOcul jmul : fDnTOcmu"
)


def _v1_hardhat_settings(runs: int) -> dict:
    return {"optimizer": {"enabled": True, "runs": runs, "details": {"yulDetails": {"optimizerSteps": V1_OPTIMIZER_STEPS}}},
            "evmVersion": "cancun", "viaIR": True, "outputSelection": OUTPUTS}


@dataclass(frozen=True)
class Build:
    """One compiler configuration: the solc version and the standard-JSON settings."""

    version: str
    settings: dict


@dataclass(frozen=True)
class Profile:
    """A named build of the contracts: a default Build and per-file overrides (file name -> Build).

    ``pipeline`` is the code generator of the default build ("legacy" or "via-ir"): the rules' integer model
    follows its operand order on malformed input (docs/malformed-inputs.md)."""

    name: str
    default: Build
    overrides: tuple = ()
    pipeline: str = "legacy"
    description: str = ""
    versions: tuple = ()  # if given: the default build's solc is the highest of these that every pragma allows

    def build_for(self, unit: str) -> Build:
        """The Build of source unit `unit` (a path; overrides match its file name)."""
        base = posixpath.basename(unit)
        return next((b for name, b in self.overrides if name == base), self.default)


_V1_POOL = Build("0.8.26", _v1_hardhat_settings(850))
# Compiler profiles. Each build has its own standard-JSON input, hence its own source hash and cache entry.
DEFAULT_PROFILE = "legacy"
PROFILES: dict[str, Profile] = {
    "legacy": Profile("legacy", Build(SOLC_VERSION, SETTINGS), pipeline="legacy", description=(
        "solc 0.8.26, legacy code generator, optimizer 999 runs, cancun, no metadata hash: V1's Foundry build "
        "(forge build) but for the metadata hash, which has no effect on behaviour")),
    "via-ir": Profile("via-ir", Build(SOLC_VERSION, {**SETTINGS, "viaIR": True}), pipeline="via-ir", description=(
        "the legacy profile's settings with the via-IR code generator (solc 0.8.26, 999 runs, default optimizer "
        "steps, no metadata hash); not V1's Hardhat build (see v1)")),
    "v1": Profile("v1", Build("0.8.27", _v1_hardhat_settings(9999)),
                  overrides=(("QuantAMMWeightedPool.sol", _V1_POOL), ("QuantAMMWeightedPoolFactory.sol", _V1_POOL)),
                  pipeline="via-ir", versions=SOLC_VERSIONS, description=(
        "V1's Hardhat build (its `build` script): via-IR, cancun, V1's yul optimizer steps, solc's default "
        "metadata; QuantAMMWeightedPool.sol with solc 0.8.26 and 850 runs, every other file with 9999 runs and "
        "the highest of solc 0.8.26 and 0.8.27 that its pragmas (and its imports') allow, as Hardhat picks")),
    "v1-foundry": Profile("v1-foundry", Build(SOLC_VERSION, {k: v for k, v in SETTINGS.items() if k != "metadata"}),
                          pipeline="legacy", description=(
        "V1's Foundry build (forge build): solc 0.8.26, legacy code generator, 999 runs, cancun, default "
        "optimizer steps and solc's default metadata")),
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


def install_hint(version: str = SOLC_VERSION) -> str:
    return (f"install solc-js {version} with `cd contracts && npm ci` (needs node >= 18 on PATH), "
            f"or put a native solc {version} on PATH")


INSTALL_HINT = install_hint()


class CompilationError(Exception):
    """The compiler rejected the sources; the message holds its formatted error messages."""


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
    source_unit: str = ""  # the source file that defines it ("" for artifacts loaded from elsewhere)


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


def _solcx_candidates(version: str = SOLC_VERSION) -> list[str]:
    try:
        import solcx

        return [str(solcx.get_executable(version))]
    except Exception:  # py-solc-x raises SolcNotInstalled (or similar) when it has no such compiler
        return []


def _js_version(package: Path) -> str | None:
    try:
        return json.loads((package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def select_compiler(
    *,
    which: Callable[[str], str | None] = shutil.which,
    solcx_candidates: Callable[..., list[str]] = _solcx_candidates,
    node_modules: Path = NODE_MODULES,
    version: str = SOLC_VERSION,
):
    """Pick a native solc of exactly `version` (PATH, then py-solc-x's install dir), else node + solc-js
    (contracts/node_modules/solc when it is that version, else its npm alias solc-<version>)."""
    native = which("solc")
    candidates = solcx_candidates() if version == SOLC_VERSION else solcx_candidates(version)
    for path in ([native] if native else []) + candidates:
        found = _native_version(path)
        if found is not None and found.split("+")[0] == version:
            return NativeSolc(path=path, version=found)
    node = which("node")
    hint = install_hint(version)
    if node is None:
        raise CompilerNotFound(f"no native solc {version} and no `node` on PATH: {hint}")
    packages = [Path(node_modules) / "solc", Path(node_modules) / f"solc-{version}"]
    found = [(p, _js_version(p)) for p in packages]
    for package, js_version in found:
        if js_version == version:
            return SolcJs(node=node, package_dir=str(package))
    if all(v is None for _, v in found):
        raise CompilerNotFound(f"no native solc {version} and solc-js is not installed at {packages[0]}: {hint}")
    have = ", ".join(f"{p} is {v}" for p, v in found if v is not None)
    raise CompilerNotFound(f"solc-js at {have}, need {version}: {hint}")


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


def close_imports(sources: Mapping[str, str], load: Callable[[str], str | None], missing: Callable[[str, str], None]) -> dict[str, str]:
    """`sources` closed under imports: a unit not yet present comes from `load(name)`; where that gives None,
    `missing(name, importer)` is called (and raises). Units in the order they were found."""
    resolved = dict(sources)
    pending = list(sources)
    while pending:
        importer = pending.pop()
        for path in imports_of(resolved[importer]):
            name = _resolve_name(importer, path)
            if name in resolved:
                continue
            content = load(name)
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

    resolved = close_imports(sources, lambda name: _load_import(name, contracts_dir, node_modules), missing)
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


def get_profile(profile: str = DEFAULT_PROFILE) -> Profile:
    """The compiler Profile named `profile` (one of PROFILES)."""
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise ValueError(f"compiler profile: got {profile!r}, must be one of {', '.join(PROFILES)}") from None


def profile_settings(profile: str = DEFAULT_PROFILE) -> dict:
    """The pinned compiler settings of `profile`'s default build."""
    return get_profile(profile).default.settings


def pipeline_of(profile: str) -> str:
    """The code generator ("legacy" or "via-ir") of `profile`'s default build (the rules' build)."""
    return get_profile(profile).pipeline


def profile_of(settings: Mapping) -> str:
    """The code generator of recorded compiler settings (viaIR on -> "via-ir", else "legacy")."""
    return "via-ir" if settings.get("viaIR") else "legacy"


def standard_input(sources: Mapping[str, str], profile: str = DEFAULT_PROFILE, *, build: Build | None = None) -> dict:
    """The standard-JSON input for already resolved sources, with the settings of `build` (default: the
    default build of `profile`)."""
    return {
        "language": "Solidity",
        "sources": {name: {"content": content} for name, content in sorted(sources.items())},
        "settings": (build or get_profile(profile).default).settings,
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
        raise CompilationError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
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


def cache_key(digest: str, version: str = SOLC_VERSION) -> str:
    """The cache file stem of a standard-JSON input (its source hash) compiled by solc `version`."""
    return digest if version == SOLC_VERSION else f"{digest}-solc-{version}"


def _compile_cached(std_input: dict, cache_dir: Path | str | None, compiler=None, version: str = SOLC_VERSION) -> dict:
    digest = source_hash(std_input)
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    key = cache_key(digest, version)
    target = directory / f"{key}.json"
    record = _read_cached(target, digest)
    if record is not None:
        return record
    with open(directory / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent pytest-xdist workers compile once
        record = _read_cached(target, digest)
        if record is not None:
            return record
        compiler = compiler or select_compiler(version=version)
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
            source_unit=c["source_unit"],
        )
        for name, c in record["contracts"].items()
    }


_PRAGMA = re.compile(r"\bpragma\s+solidity\s+([^;]+);")
_COMPARATOR = re.compile(r"(\^|~|>=|<=|>|<|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?")


def _as_tuple(version: str) -> tuple[int, int, int]:
    return tuple(int(x) for x in version.split("+")[0].split(".")[:3])  # type: ignore[return-value]


def _allows(comparator: re.Match, v: tuple) -> bool:
    op, parts = comparator.group(1) or "=", [comparator.group(i) for i in (2, 3, 4)]
    fixed = [int(x) for x in parts if x is not None and x not in ("x", "*")]
    base = tuple(fixed + [0] * (3 - len(fixed)))
    if op == "^":  # same leftmost non-zero part
        lead = next((i for i, x in enumerate(base) if x), 2)
        upper = tuple(list(base[:lead]) + [base[lead] + 1] + [0] * (2 - lead))
        return base <= v < upper
    if op == "~":
        upper = (base[0], base[1] + 1, 0) if len(fixed) >= 2 else (base[0] + 1, 0, 0)
        return base <= v < upper
    if op == "=" and len(fixed) < 3:  # a partial version matches every version it names
        return v[: len(fixed)] == tuple(fixed)
    return {"=": v == base, ">=": v >= base, "<=": v <= base, ">": v > base, "<": v < base}[op]


def pragma_allows(version: str, source: str) -> bool:
    """Whether every `pragma solidity` of `source` allows compiler `version` (npm semver ranges)."""
    v = _as_tuple(version)
    for text in _PRAGMA.findall(_strip_comments(source)):
        alternatives = [alt for alt in text.split("||") if alt.strip()]
        if not any(all(_allows(c, v) for c in _COMPARATOR.finditer(alt)) for alt in alternatives):
            return False
    return True


def pick_version(versions, closure: Mapping[str, str], unit: str) -> str:
    """The highest of `versions` that every pragma in `closure` (a unit and its imports) allows."""
    for version in sorted(versions, key=_as_tuple, reverse=True):
        if all(pragma_allows(version, src) for src in closure.values()):
            return version
    raise CompilationError(f'"{unit}": no compiler of {", ".join(versions)} satisfies the pragmas of it and its imports')


def build_groups(sources: Mapping[str, str], profile: str = DEFAULT_PROFILE,
                 close: Callable[[dict], dict] | None = None) -> list[tuple[Build, list[str]]]:
    """The source units grouped by the Build `profile` gives each (one compiler run per group); `close`
    closes a unit under its imports (for the pragmas of a profile with several compiler versions)."""
    prof = get_profile(profile)
    groups: dict[tuple, tuple[Build, list[str]]] = {}
    for unit in sorted(sources):
        build = prof.build_for(unit)
        if prof.versions and build is prof.default:
            closure = (close or resolve_sources)({unit: sources[unit]})
            build = Build(pick_version(prof.versions, closure, unit), build.settings)
        key = (build.version, json.dumps(build.settings, sort_keys=True))
        groups.setdefault(key, (build, []))[1].append(unit)
    return list(groups.values())


def compile_sources(
    sources: dict[str, str], *, cache_dir=None, compiler=None, profile: str = DEFAULT_PROFILE,
    load: Callable[[dict], dict] | None = None,
) -> dict[str, Artifact]:
    """Compile {virtual path: source} (imports resolved from the given sources, contracts/ and node_modules;
    `load` closes a set of sources under its imports instead, if given) with compiler `profile`. Files the
    profile builds differently are compiled in separate runs; a contract defined in one of the given files
    comes from that file's run."""
    if not sources:
        raise ValueError("sources: got an empty dict; need at least one {virtual path: Solidity source}")
    for name, content in sources.items():
        if not isinstance(name, str) or not isinstance(content, str):
            raise ValueError(f"sources: key {name!r} must map a str path to a str source, got {type(content).__name__}")
    close = load or resolve_sources
    own: dict[str, Artifact] = {}
    imported: dict[str, Artifact] = {}
    for build, units in build_groups(sources, profile, close):
        std_input = standard_input(close({u: sources[u] for u in units}), build=build)
        record = _compile_cached(std_input, cache_dir, compiler, build.version)
        for name, art in _to_artifacts(record).items():
            (own if record["contracts"][name]["source_unit"] in units else imported)[name] = art
    return {**imported, **own}


PRODUCTION_PART = "production/"  # the production stack compiles apart from the rules (its own source hash)


def compile_rules(*, cache_dir=None, compiler=None, profile: str = DEFAULT_PROFILE) -> dict[str, Artifact]:
    """Compile every contract under contracts/ (minus node_modules and hardhat) with compiler `profile`;
    keyed by contract name. The rules (with base/ and tools/) and the production stack are compiled in
    separate runs, so a change to one part leaves the other's source hash alone. Each profile is cached
    separately."""
    sources = project_sources()
    if not sources:
        raise CompilationError(f"no .sol files under {CONTRACTS_DIR} (excluding {', '.join(EXCLUDED_DIRS)})")
    out: dict[str, Artifact] = {}
    for part in (False, True):
        chosen = {k: v for k, v in sources.items() if k.startswith(PRODUCTION_PART) == part}
        if chosen:
            out.update(compile_sources(chosen, cache_dir=cache_dir, compiler=compiler, profile=profile))
    return out

"""Users' contracts: compiled artifacts (Foundry, Hardhat) and Solidity files compiled with the pinned compiler.

* ``load_artifact(path)`` reads a Foundry artifact (``out/<File>.sol/<Contract>.json``: ``abi``,
  ``bytecode.object``, ``bytecode.linkReferences``, ``metadata``) or a Hardhat artifact
  (``artifacts/contracts/<File>.sol/<Contract>.json``: ``_format`` "hh-sol-artifact-1", ``contractName``,
  ``abi``, ``bytecode``, ``linkReferences``) into a :class:`parity.chain.compile.Artifact`. Bytecode with
  unlinked library placeholders is refused (it cannot be deployed).
* ``compile_contract("path/X.sol[:Name]", ["@prb/math=lib/prb-math", ...])`` compiles the file with the
  compiler pinned in parity.chain.compile (same settings, same cache) and returns contract ``Name``
  (default: the file's stem). Imports resolve through the remappings (longest prefix first), then relative
  to the current directory, then ``contracts/node_modules`` (which holds @prb/math 2.5.0).
* ``write_foundry_artifact`` / ``write_hardhat_artifact`` write an Artifact in either layout (used by the
  tests, and handy to hand a parity-compiled contract to other tools).

The contract must keep the rule ABI the harness drives (constructor ``(address updateWeightRunner)``,
``CalculateNewWeights``, ``initialisePoolRuleIntermediateValues``, ``validParameters`` and the getters).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from parity.chain.compile import DEFAULT_PROFILE, NODE_MODULES, Artifact, close_imports, compile_sources

PLACEHOLDER = re.compile(r"__\$[0-9a-fA-F]{34}\$__|__[A-Za-z0-9_.:/-]{1,36}__")
HARDHAT_FORMAT = "hh-sol-artifact-1"


class ArtifactError(ValueError):
    """An artifact or contract file parity cannot use; the message names the file and what is wrong."""


def _hex(path, field, value) -> str:
    if not isinstance(value, str) or not value:
        raise ArtifactError(f"{path}: {field} is missing or empty: expected the creation bytecode as a hex string")
    code = value if value.startswith("0x") else "0x" + value
    placeholders = sorted(set(PLACEHOLDER.findall(code)))
    if placeholders:
        raise ArtifactError(f"{path}: {field} has unlinked library placeholder(s) {', '.join(placeholders)}: link the "
                            "libraries first (forge build --libraries, or Hardhat's libraries option), then verify")
    if len(code) <= 2 or not re.fullmatch(r"0x[0-9a-fA-F]*", code) or len(code) % 2:
        raise ArtifactError(f"{path}: {field} is not hex bytecode")
    return code


def _link_references(path, refs) -> None:
    if refs:
        names = sorted(f"{unit}:{lib}" for unit, libs in refs.items() for lib in libs)
        raise ArtifactError(f"{path}: linkReferences lists unlinked libraries {', '.join(names)}: link them first "
                            "(forge build --libraries, or Hardhat's libraries option), then verify")


def _compiler_of(metadata) -> str:
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return "unknown"
    if isinstance(metadata, dict):
        return str(metadata.get("compiler", {}).get("version", "unknown"))
    return "unknown"


def load_artifact(path) -> Artifact:
    """An Artifact from a Foundry or Hardhat artifact JSON file (see the module docstring)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path}: file not found") from None
    except ValueError as exc:
        raise ArtifactError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("abi"), list):
        raise ArtifactError(f"{path}: no 'abi' list: expected a Foundry (out/X.sol/X.json) or Hardhat artifact")
    digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    if data.get("_format") == HARDHAT_FORMAT or "contractName" in data:
        _link_references(path, data.get("linkReferences"))
        code = _hex(path, "bytecode", data.get("bytecode"))
        deployed = data.get("deployedBytecode") or ""
        name = data.get("contractName") or path.stem
        compiler = "unknown (hardhat artifact)"
    elif isinstance(data.get("bytecode"), dict):
        _link_references(path, data["bytecode"].get("linkReferences"))
        code = _hex(path, "bytecode.object", data["bytecode"].get("object"))
        deployed = (data.get("deployedBytecode") or {}).get("object", "")
        name = path.stem
        compiler = _compiler_of(data.get("metadata"))
    else:
        raise ArtifactError(f"{path}: neither a Foundry artifact (bytecode.object) nor a Hardhat artifact "
                            f"(_format {HARDHAT_FORMAT!r} with a bytecode string)")
    return Artifact(contract_name=name, abi=data["abi"], bytecode=code, deployed_bytecode=deployed,
                    compiler_version=compiler, settings={}, source_hash=digest)


# ---------------------------------------------------------------------------------------------- compile


def parse_remappings(specs) -> list[tuple[str, Path]]:
    """``PREFIX=PATH`` strings -> (prefix, directory), longest prefix first."""
    out = []
    for spec in specs or ():
        prefix, sep, target = spec.partition("=")
        if not sep or not prefix or not target:
            raise ArtifactError(f"--remap {spec!r}: must be PREFIX=PATH (e.g. @prb/math=lib/prb-math)")
        if not Path(target).is_dir():
            raise ArtifactError(f"--remap {spec!r}: {target} is not a directory")
        out.append((prefix, Path(target)))
    return sorted(out, key=lambda item: -len(item[0]))


def _read_import(name: str, remappings, base: Path) -> str | None:
    candidates = [target / name[len(prefix):].lstrip("/") for prefix, target in remappings if name.startswith(prefix)]
    candidates += [base / name, NODE_MODULES / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text()
    return None


def _main_units(paths, base: Path) -> tuple[dict[str, str], Path]:
    """{unit name: source} of the given files (names relative to ``base``; a file outside ``base`` is named
    by its file name and its directory becomes the base), and that base."""
    mains = {}
    for path in [paths] if isinstance(paths, (str, Path)) else list(paths):
        path = Path(path)
        try:
            mains[path.resolve().relative_to(Path(base).resolve()).as_posix()] = path.read_text()
        except ValueError:
            mains[path.name] = path.read_text()
            base = path.parent
    return mains, Path(base)


def user_sources(paths, remappings, base: Path) -> dict[str, str]:
    """{unit name: source} for the files ``paths`` (one or several) and everything they import."""
    mains, base = _main_units(paths, base)

    def missing(name: str, importer: str) -> None:
        raise ArtifactError(f'{importer}: import "{name}" not found through the remappings, '
                            f"{base} or {NODE_MODULES}: add --remap PREFIX=PATH")

    return close_imports(mains, lambda name: _read_import(name, remappings, base), missing)


def compile_files(paths, remaps=(), *, base=None, cache_dir=None, profile: str = DEFAULT_PROFILE) -> dict[str, Artifact]:
    """Compile the given .sol files (and their imports, through the remappings) with compiler `profile`;
    every contract they define, by name (check_linked refuses unlinked library placeholders)."""
    base = Path(base) if base is not None else Path.cwd()
    everything = user_sources(paths, parse_remappings(remaps), base)
    mains, _ = _main_units(paths, base)

    def load(subset: dict) -> dict:  # every import is already in `everything`
        return close_imports(subset, everything.get, lambda name, importer: None)

    return compile_sources(mains, cache_dir=cache_dir, profile=profile, load=load)


def check_linked(artifact: Artifact, where) -> Artifact:
    """`artifact` if its creation code is deployable hex; ArtifactError for unlinked library placeholders."""
    _hex(where, f"{artifact.contract_name} bytecode", artifact.bytecode)
    return artifact


def compile_contract(spec: str, remaps=(), *, base=None, cache_dir=None, profile: str = DEFAULT_PROFILE) -> Artifact:
    """Compile ``path/X.sol[:Name]`` with compiler `profile` and the remappings; returns contract Name."""
    file_part, _, name = str(spec).partition(":")
    path = Path(file_part)
    if path.suffix != ".sol" or not path.is_file():
        raise ArtifactError(f"--contract {spec!r}: {path} is not a .sol file")
    artifacts = compile_files([path], remaps, base=base, cache_dir=cache_dir, profile=profile)
    name = name or path.stem
    if name not in artifacts:
        raise ArtifactError(f"--contract {spec!r}: no contract {name!r} in {path} (compiled: {', '.join(sorted(artifacts))}); "
                            "name it as path/X.sol:Name")
    return check_linked(artifacts[name], path)


# ---------------------------------------------------------------------------------------------- writers


def write_foundry_artifact(artifact: Artifact, out_dir, source_file: str) -> Path:
    """``out_dir/<source_file>/<Contract>.json`` in Foundry's layout."""
    target = Path(out_dir) / Path(source_file).name / f"{artifact.contract_name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"compiler": {"version": artifact.compiler_version}, "language": "Solidity",
                "settings": {**artifact.settings, "compilationTarget": {source_file: artifact.contract_name}}}
    target.write_text(json.dumps({
        "abi": artifact.abi,
        "bytecode": {"object": artifact.bytecode, "sourceMap": "", "linkReferences": {}},
        "deployedBytecode": {"object": artifact.deployed_bytecode, "sourceMap": "", "linkReferences": {}},
        "metadata": metadata,
    }, indent=2))
    return target


def write_hardhat_artifact(artifact: Artifact, artifacts_dir, source_name: str) -> Path:
    """``artifacts_dir/<source_name>/<Contract>.json`` in Hardhat's layout (hh-sol-artifact-1)."""
    target = Path(artifacts_dir) / source_name / f"{artifact.contract_name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({
        "_format": HARDHAT_FORMAT, "contractName": artifact.contract_name, "sourceName": source_name,
        "abi": artifact.abi, "bytecode": artifact.bytecode, "deployedBytecode": artifact.deployed_bytecode,
        "linkReferences": {}, "deployedLinkReferences": {},
    }, indent=2))
    return target

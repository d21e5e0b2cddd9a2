"""Users' contracts: compiled artifacts (Foundry, Hardhat) and Solidity files compiled with the pinned compiler.

* ``load_artifact(path)`` reads a Foundry artifact (``out/<File>.sol/<Contract>.json``: ``abi``,
  ``bytecode.object``, ``bytecode.linkReferences``, ``metadata``) or a Hardhat artifact
  (``artifacts/contracts/<File>.sol/<Contract>.json``: ``_format`` "hh-sol-artifact-1", ``contractName``,
  ``abi``, ``bytecode``, ``linkReferences``) into a :class:`parity.chain.compile.Artifact`. Bytecode with
  unlinked library placeholders is refused (it cannot be deployed).
* ``compile_contract("path/X.sol[:Name]", ["@prb/math=lib/prb-math", ...])`` compiles the file with a
  compiler profile of parity.chain.compile (same settings, same cache) and returns contract ``Name``
  (default: the file's stem); ``compile_files`` compiles several files under one source directory (the
  pool level's ``--contracts SRC_DIR``). Imports resolve through the remappings (longest prefix first), then under the
  file's own directory (or the source directory), then the pinned node packages (@prb/math 2.5.0), and
  nowhere else (parity.chain.sources); a source that does not compile is reported as the compiler's first error.
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

from parity.chain.compile import DEFAULT_PROFILE, Artifact, compile_sources
from parity.io import parse_json_text

PLACEHOLDER = re.compile(r"__\$[0-9a-fA-F]{34}\$__|__[A-Za-z0-9_.:/-]{1,36}__")
HARDHAT_FORMAT = "hh-sol-artifact-1"


class ArtifactError(ValueError):
    """An artifact or contract file parity cannot use; the message names the file and what is wrong."""


def _hex(path, field, value, *, creation: bool = True) -> str:
    if not isinstance(value, str) or (creation and not value):
        raise ArtifactError(f"{path}: {field} is missing or not a string: expected the "
                            f"{'creation' if creation else 'deployed'} bytecode as a hex string")
    code = value if value.startswith("0x") else "0x" + value
    placeholders = sorted(set(PLACEHOLDER.findall(code)))
    if placeholders:
        raise ArtifactError(f"{path}: {field} has unlinked library placeholder(s) {', '.join(placeholders)}: link the "
                            "libraries first (forge build --libraries, or Hardhat's libraries option), then verify")
    if (creation and len(code) <= 2) or not re.fullmatch(r"0x[0-9a-fA-F]*", code) or len(code) % 2:
        raise ArtifactError(f"{path}: {field} is not hex bytecode (0x followed by an even number of hex digits)")
    return code


def _link_references(path, field: str, refs) -> None:
    """linkReferences: {source unit: {library: [{start, length}, ...]}}; any library listed is unlinked."""
    if refs is None:
        return
    if not isinstance(refs, dict) or not all(isinstance(libs, dict) for libs in refs.values()):
        raise ArtifactError(f"{path}: {field} must be an object {{source unit: {{library: [offsets]}}}}, "
                            f"found {json.dumps(refs)[:80]}")
    if refs:
        names = sorted(f"{unit}:{lib}" for unit, libs in refs.items() for lib in libs)
        if names:
            raise ArtifactError(f"{path}: {field} lists unlinked libraries {', '.join(names)}: link them first "
                                "(forge build --libraries, or Hardhat's libraries option), then verify")


def _compiler_of(metadata) -> str:
    if isinstance(metadata, str):
        try:
            metadata = parse_json_text(metadata, "metadata")
        except ValueError:
            return "unknown"
    if isinstance(metadata, dict) and isinstance(metadata.get("compiler"), dict):
        return str(metadata["compiler"].get("version", "unknown"))[:80]
    return "unknown"


ABI_KINDS = ("function", "constructor", "event", "error", "fallback", "receive")
MUTABILITY = ("pure", "view", "nonpayable", "payable")
_TUPLE = re.compile(r"tuple((?:\[\d*\])*)\Z")


def _abi_type(where: str, param, depth: int = 0) -> str:
    """The canonical type of an ABI parameter (tuples spelled out from their components)."""
    from eth_abi.exceptions import ParseError
    from eth_abi.grammar import parse

    if not isinstance(param, dict) or not isinstance(param.get("type"), str):
        raise ArtifactError(f"{where}: expected a parameter object with a \"type\" string, found {json.dumps(param)[:80]}")
    if not isinstance(param.get("name", ""), str):
        raise ArtifactError(f"{where}.name: must be a string")
    kind = param["type"]
    tup = _TUPLE.match(kind)
    if tup:
        parts = param.get("components")
        if not isinstance(parts, list) or depth > 8:
            raise ArtifactError(f"{where}: a tuple needs a \"components\" list (at most 8 levels deep)")
        return "(" + ",".join(_abi_type(f"{where}.components[{i}]", c, depth + 1) for i, c in enumerate(parts)) + ")" + tup.group(1)
    try:
        parsed = parse(kind)
        parsed.validate()
    except (ParseError, ValueError, TypeError) as e:
        reason = str(e).splitlines()[0].rsplit("': ", 1)[-1][:80]
        raise ArtifactError(f"{where}: {kind[:60]!r} is not an ABI type ({reason})") from None
    return kind


def check_abi(path, abi) -> list:
    """`abi` if it is a list of well-formed ABI entries (kind, name, parameter types); else ArtifactError
    naming the entry."""
    if not isinstance(abi, list):
        raise ArtifactError(f"{path}: no 'abi' list: expected a Foundry (out/X.sol/X.json) or Hardhat artifact")
    for i, entry in enumerate(abi):
        where = f"{path}: abi[{i}]"
        if not isinstance(entry, dict):
            raise ArtifactError(f"{where}: expected an object, found {json.dumps(entry)[:80]}")
        kind = entry.get("type", "function")
        if kind not in ABI_KINDS:
            raise ArtifactError(f"{where}.type: {str(kind)[:60]!r} is not one of {', '.join(ABI_KINDS)}")
        if kind in ("function", "event", "error") and not (isinstance(entry.get("name"), str) and entry["name"]):
            raise ArtifactError(f"{where}: a {kind} needs a \"name\" string")
        if entry.get("stateMutability", "nonpayable") not in MUTABILITY:
            raise ArtifactError(f"{where}.stateMutability: {str(entry['stateMutability'])[:60]!r} is not one of {', '.join(MUTABILITY)}")
        for key in ("inputs", "outputs"):
            params = entry.get(key, [])
            if not isinstance(params, list):
                raise ArtifactError(f"{where}.{key}: must be a list of parameters")
            for j, param in enumerate(params):
                _abi_type(f"{where}.{key}[{j}]", param)
    return abi


def abi_signatures(abi) -> dict:
    """{function name (or "constructor"): [tuple of canonical input types, ...]} of a checked ABI."""
    out: dict = {}
    for entry in abi:
        kind = entry.get("type", "function")
        if kind in ("function", "constructor"):
            name = entry.get("name") if kind == "function" else "constructor"
            out.setdefault(name, []).append(tuple(_abi_type("", p) for p in entry.get("inputs", [])))
    return out


def _read_artifact(path, option: str):
    from parity.io import MAX_DOCUMENT_BYTES, load_json_file

    return load_json_file(path, option, max_bytes=MAX_DOCUMENT_BYTES)


def load_artifact(path, option: str = "--artifact") -> Artifact:
    """An Artifact from a Foundry or Hardhat artifact JSON file (see the module docstring); `option` (the
    command-line option that named the file) leads every error message."""
    data = _read_artifact(path, option)  # a regular UTF-8 file of sane size and nesting (InputError otherwise)
    digest = "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()
    name_of_file, path = Path(path).stem, f"{option} {path}"  # `path` names the input in every message
    if not isinstance(data, dict):
        raise ArtifactError(f"{path}: expected a JSON object (a Foundry or Hardhat artifact), found {type(data).__name__}")
    abi = check_abi(path, data.get("abi"))
    if data.get("_format") == HARDHAT_FORMAT or "contractName" in data:
        _link_references(path, "linkReferences", data.get("linkReferences"))
        code = _hex(path, "bytecode", data.get("bytecode"))
        deployed = _hex(path, "deployedBytecode", data.get("deployedBytecode") or "", creation=False)
        name = data.get("contractName") or name_of_file
        compiler = "unknown (hardhat artifact)"
    elif isinstance(data.get("bytecode"), dict):
        _link_references(path, "bytecode.linkReferences", data["bytecode"].get("linkReferences"))
        code = _hex(path, "bytecode.object", data["bytecode"].get("object"))
        deployed_entry = data.get("deployedBytecode") or {}
        if not isinstance(deployed_entry, dict):
            raise ArtifactError(f"{path}: deployedBytecode must be an object with \"object\" (Foundry), "
                                f"found {json.dumps(deployed_entry)[:80]}")
        deployed = _hex(path, "deployedBytecode.object", deployed_entry.get("object") or "", creation=False)
        name = name_of_file
        compiler = _compiler_of(data.get("metadata"))
    else:
        raise ArtifactError(f"{path}: neither a Foundry artifact (bytecode.object) nor a Hardhat artifact "
                            f"(_format {HARDHAT_FORMAT!r} with a bytecode string)")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]{0,127}", name):
        raise ArtifactError(f"{path}: contractName {str(name)[:60]!r} is not a contract name")
    return Artifact(contract_name=name, abi=abi, bytecode=code, deployed_bytecode=deployed,
                    compiler_version=compiler, settings={}, source_hash=digest)


def check_rule_interface(artifact: Artifact, reference_abi: list, getters, label: str) -> None:
    """ArtifactError unless `artifact` has the constructor and every function the harness calls on a rule
    (HARNESS_CALLS and the state `getters`) with the input types they have in `reference_abi`."""
    have, want = abi_signatures(artifact.abi), abi_signatures(reference_abi)
    for name in (*HARNESS_CALLS, *getters):
        for signature in want.get(name, []):
            if signature not in have.get(name, []):
                found = ", ".join("(" + ",".join(s) + ")" for s in have.get(name, [])) or "none"
                raise ArtifactError(f"{label}: the contract has no {name}({','.join(signature)}) (found: {found}); "
                                    "the harness drives the rule ABI of parity's own contracts")


# what the harness calls on a rule contract (besides the state getters of its state map)
HARNESS_CALLS = ("constructor", "validParameters", "initialisePoolRuleIntermediateValues", "CalculateNewWeights")


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


def first_compiler_error(exc, sources: dict, files: dict) -> str:
    """The compiler's first error on one line: file:line:column: type: message (and how many more)."""
    errors = getattr(exc, "errors", [])
    if not errors:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        named = [ln for ln in lines if "Error" in ln.split(":")[0]]
        return (named or lines or ["the compiler failed"])[0][:300]
    e = errors[0]
    loc, where = e.get("sourceLocation") or {}, ""
    unit = loc.get("file")
    if unit in sources and isinstance(loc.get("start"), int) and loc["start"] >= 0:
        before = sources[unit][: loc["start"]]
        line, column = before.count("\n") + 1, loc["start"] - (before.rfind("\n") + 1) + 1
        where = f"{files.get(unit, unit)}:{line}:{column}: "
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}{e.get('type', 'Error')}: {str(e.get('message', '')).splitlines()[0][:300]}{more}"


def compile_files(paths, remaps=(), *, base=None, label: str = "--contract", cache_dir=None,
                  profile: str = DEFAULT_PROFILE) -> dict[str, Artifact]:
    """Compile the given .sol files (and their imports, through the remappings) with compiler `profile`;
    every contract they define, by name (check_linked refuses unlinked library placeholders). Files and
    imports are read only under `base` (default: the one file's directory), the remap targets and the
    pinned node packages (parity.chain.sources); `label` names the option in every error."""
    from parity.chain.compile import CompilationError, CompilerNotFound
    from parity.chain.sources import user_sources
    from parity.errors import SetupError

    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    sources, files = user_sources(paths, parse_remappings(remaps), label, base=base)
    mains = list(sources)[: len(paths)]  # the given files come first, then what they import

    def load(subset: dict) -> dict:  # every import is already in `sources`
        from parity.chain.compile import close_imports

        return close_imports(subset, lambda name, importer: sources.get(name), lambda name, importer: None)

    try:
        return compile_sources({name: sources[name] for name in mains}, cache_dir=cache_dir, profile=profile, load=load)
    except CompilationError as e:
        raise ArtifactError(f"{label}: does not compile: {first_compiler_error(e, sources, files)}") from None
    except CompilerNotFound as e:
        raise SetupError(str(e)) from None


def check_linked(artifact: Artifact, where) -> Artifact:
    """`artifact` if its creation code is deployable hex; ArtifactError for unlinked library placeholders."""
    _hex(where, f"{artifact.contract_name} bytecode", artifact.bytecode)
    return artifact


def compile_contract(spec: str, remaps=(), *, cache_dir=None, profile: str = DEFAULT_PROFILE) -> Artifact:
    """Compile ``path/X.sol[:Name]`` with compiler `profile` and the remappings; returns contract Name.
    Imports are read only under the file's directory, the remap targets and the pinned node packages
    (parity.chain.sources)."""
    file_part, _, name = str(spec).partition(":")
    path = Path(file_part)
    label = f"--contract {spec}"
    if path.suffix != ".sol" or not path.is_file():
        raise ArtifactError(f"{label}: {path} is not a .sol file")
    artifacts = compile_files([path], remaps, label=label, cache_dir=cache_dir, profile=profile)
    name = name or path.stem
    if name not in artifacts:
        raise ArtifactError(f"{label}: no contract {name!r} in {path} (compiled: {', '.join(sorted(artifacts))}); "
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

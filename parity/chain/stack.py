"""The contracts of a production stack, role by role: parity's reference build, a user's compiled artifacts
(a Foundry ``out/`` or Hardhat ``artifacts/`` directory), a user's sources compiled with a parity compiler
profile, or a mix (docs/your-stack.md).

Roles: ``runner`` (UpdateWeightRunner), ``pool`` (QuantAMMWeightedPool), ``rule`` (one of the six rules),
``vault`` (parity's VaultStandIn unless the user brings one), and the harness's own ``oracle`` (MockOracle)
and ``driver`` (ProductionDriver), which are always parity's. Contract names default to V1's; a name of
``reference`` takes that role from parity's reference build instead.

    python -m parity.chain.stack OUT_DIR [--layout foundry|hardhat] [--profile legacy|via-ir|v1|v1-foundry]

writes the reference stack (runner, pool, the six rules, the vault stand-in) as an artifact directory in
either layout, as `forge build` or `npx hardhat compile` would lay it out.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, fields
from pathlib import Path

from .artifacts import ArtifactError, check_linked, compile_files, load_artifact, write_foundry_artifact, write_hardhat_artifact
from .compile import DEFAULT_PROFILE, PROFILES, RULE_CONTRACTS, Artifact, compile_rules

REFERENCE = "reference"
USER_ROLES = ("runner", "pool", "rule", "vault")
V1_NAMES = {"runner": "UpdateWeightRunner", "pool": "QuantAMMWeightedPool"}
V1_RULE_NAMES = {
    "momentum": "MomentumUpdateRule",
    "anti_momentum": "AntiMomentumUpdateRule",
    "power_channel": "PowerChannelUpdateRule",
    "mean_reversion_channel": "ChannelFollowingUpdateRule",
    "difference_momentum": "DifferenceMomentumUpdateRule",
    "min_variance": "MinimumVarianceUpdateRule",
}
REFERENCE_NAMES = {"runner": "UpdateWeightRunner", "pool": "QuantAMMWeightedPool", "vault": "VaultStandIn",
                   "oracle": "MockOracle", "driver": "ProductionDriver"}


@dataclass(frozen=True)
class StackContract:
    """One role's contract: the artifact to deploy and where it came from (for reports and fixtures)."""

    artifact: Artifact
    source: str  # "reference (profile P)", "artifact PATH" or "source PATH (profile P)"

    @property
    def user(self) -> bool:
        return not self.source.startswith(REFERENCE)


@dataclass(frozen=True)
class StackArtifacts:
    """The six contracts deploy_pool_stack deploys."""

    runner: StackContract
    pool: StackContract
    rule: StackContract
    vault: StackContract
    oracle: StackContract
    driver: StackContract

    def describe(self) -> dict:
        """role -> {"contract": name, "source": ...} (JSON-ready)."""
        return {f.name: {"contract": getattr(self, f.name).artifact.contract_name, "source": getattr(self, f.name).source}
                for f in fields(self)}

    def replace(self, **roles: StackContract) -> "StackArtifacts":
        return StackArtifacts(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **roles})


def rule_name_of(rule: str) -> str:
    """parity's reference contract of simulator rule `rule`."""
    if rule not in RULE_CONTRACTS:
        raise ValueError(f"rule={rule!r}: expected one of {sorted(RULE_CONTRACTS)}")
    return RULE_CONTRACTS[rule]


def reference_stack(rule: str, artifacts: dict | None = None, *, profile: str = DEFAULT_PROFILE) -> StackArtifacts:
    """parity's reference stack for `rule`, from `artifacts` (compile_rules output) or compiled with `profile`."""
    artifacts = artifacts if artifacts is not None else compile_rules(profile=profile)
    name = rule_name_of(rule)
    settings_profile = next((p for p, prof in PROFILES.items() if prof.default.settings == artifacts[name].settings), profile)
    source = f"{REFERENCE} (profile {settings_profile})"
    contracts = {role: StackContract(artifacts[n], source) for role, n in REFERENCE_NAMES.items()}
    return StackArtifacts(rule=StackContract(artifacts[name], source), **contracts)


# ---- user artifact directories ----------------------------------------------------------------------------

_SKIP_DIRS = {"build-info", "cache", "node_modules"}


def _candidates(root: Path, name: str) -> list[Path]:
    """Artifact files of contract `name` under `root` (Foundry: Name.json or Name.<solc>.json; Hardhat:
    Name.json beside Name.dbg.json); `name` may be "File.sol:Name"."""
    file_part, _, contract = name.rpartition(":")
    pattern = re.compile(rf"{re.escape(contract)}(\.\d+\.\d+\.\d+)?\.json")
    out = []
    for path in sorted(root.rglob("*.json")):
        if _SKIP_DIRS & set(path.relative_to(root).parts[:-1]) or not pattern.fullmatch(path.name):
            continue
        if file_part and path.parent.name != Path(file_part).name:
            continue
        out.append(path)
    return out


def find_artifact(root, name: str, option: str) -> Path:
    """The one artifact file of contract `name` under directory `root` (ArtifactError otherwise)."""
    root = Path(root)
    if not root.is_dir():
        raise ArtifactError(f"--artifacts {root}: not a directory (expected a Foundry out/ or Hardhat artifacts/ directory)")
    found = _candidates(root, name)
    if not found:
        raise ArtifactError(f"{option} {name}: no artifact {name.rpartition(':')[2]}.json under {root}")
    if len(found) > 1:
        listed = ", ".join(str(p.relative_to(root)) for p in found)
        raise ArtifactError(f"{option} {name}: {len(found)} artifacts match ({listed}); name one as File.sol:{name}")
    return found[0]


def _rule_names(rule: str, given: str | None) -> list[str]:
    """Names to try for the rule: the given one, else V1's, then parity's reference name."""
    return [given] if given else [V1_RULE_NAMES[rule], rule_name_of(rule)]


def stack_from_artifacts(root, rule: str, names: dict | None = None, *, profile: str = DEFAULT_PROFILE,
                         reference: StackArtifacts | None = None) -> StackArtifacts:
    """The stack with every role found by contract name under artifact directory `root` (names: role ->
    name, None for the default, "reference" for parity's contract; the vault defaults to parity's)."""
    names = dict(names or {})
    ref = reference or reference_stack(rule, profile=profile)
    chosen = {}
    for role in USER_ROLES:
        given = names.get(role)
        if given == REFERENCE or (role == "vault" and given is None):
            continue
        option = f"--{role}-contract"
        tries = _rule_names(rule, given) if role == "rule" else [given or V1_NAMES[role]]
        for i, name in enumerate(tries):
            try:
                path = find_artifact(root, name, option)
            except ArtifactError:
                if i + 1 < len(tries):
                    continue
                if len(tries) > 1:
                    raise ArtifactError(f"{option}: neither {' nor '.join(tries)} has an artifact under {root}; "
                                        f"name the rule contract with {option} NAME") from None
                raise
            chosen[role] = StackContract(load_artifact(path), f"artifact {path}")
            break
    return ref.replace(**chosen)


def stack_from_sources(src_dir, remaps, rule: str, names: dict | None = None, *, profile: str = DEFAULT_PROFILE,
                       reference: StackArtifacts | None = None) -> StackArtifacts:
    """The stack with every role compiled from the Solidity file under `src_dir` that defines its contract
    (with `profile` and the import remappings)."""
    names = dict(names or {})
    ref = reference or reference_stack(rule, profile=profile)
    src_dir = Path(src_dir)
    if not src_dir.is_dir():
        raise ArtifactError(f"--contracts {src_dir}: not a directory of Solidity sources")
    wanted: dict[str, tuple[str, Path]] = {}
    for role in USER_ROLES:
        given = names.get(role)
        if given == REFERENCE or (role == "vault" and given is None):
            continue
        tries = _rule_names(rule, given) if role == "rule" else [given or V1_NAMES[role]]
        wanted[role] = _defining_file(src_dir, tries, f"--{role}-contract")
    files = sorted({path for _, path in wanted.values()})
    compiled = compile_files(files, remaps, base=src_dir, profile=profile)
    chosen = {role: StackContract(check_linked(compiled[name], path), f"source {path} (profile {profile})")
              for role, (name, path) in wanted.items()}
    return ref.replace(**chosen)


def _defining_file(src_dir: Path, names: list[str], option: str) -> tuple[str, Path]:
    """(contract name, file) of the first of `names` that one .sol file under src_dir defines."""
    for name in names:
        contract = name.rpartition(":")[2]
        decl = re.compile(rf"^\s*(?:abstract\s+)?contract\s+{re.escape(contract)}\b", re.M)
        hits = [p for p in sorted(src_dir.rglob("*.sol")) if "node_modules" not in p.parts and decl.search(p.read_text(errors="replace"))]
        if ":" in name:
            hits = [p for p in hits if p.name == Path(name.rpartition(":")[0]).name]
        if len(hits) > 1:
            raise ArtifactError(f"{option} {name}: defined in {len(hits)} files ({', '.join(map(str, hits))}); "
                                f"name one as File.sol:{contract}")
        if hits:
            return contract, hits[0]
    raise ArtifactError(f"{option}: no .sol file under {src_dir} defines contract {' or '.join(names)}")


def with_user_rule(rule: str, artifact: Artifact, source: str, *, profile: str = DEFAULT_PROFILE,
                   reference: StackArtifacts | None = None) -> StackArtifacts:
    """parity's reference runner and pool around a user's rule contract."""
    ref = reference or reference_stack(rule, profile=profile)
    return ref.replace(rule=StackContract(artifact, source))


def resolve_stack(rule: str, *, profile: str = DEFAULT_PROFILE, artifacts=None, contracts=None, remap=(),
                  names: dict | None = None, rule_artifact: Artifact | None = None, rule_source: str = "") -> StackArtifacts | None:
    """The stack a user asked for, or None for parity's reference stack: a directory of compiled artifacts
    (`artifacts`) or of sources (`contracts`, compiled with `profile` and the remappings), with contract names
    by role (None: V1's default; "reference": parity's); or one rule artifact with the reference runner and
    pool. ArtifactError (a ValueError) names the option that is wrong."""
    names = {k: v for k, v in (names or {}).items() if v is not None}
    if artifacts is not None and contracts is not None:
        raise ArtifactError("--artifacts and --contracts: give one of them (compiled artifacts or Solidity sources)")
    if rule_artifact is not None and (artifacts is not None or contracts is not None):
        raise ArtifactError("--artifact/--contract (one rule) with --artifacts/--contracts (a stack): give the stack and "
                            "name its rule with --rule-contract NAME")
    if artifacts is not None:
        return stack_from_artifacts(artifacts, rule, names, profile=profile)
    if contracts is not None:
        return stack_from_sources(contracts, remap, rule, names, profile=profile)
    if names:
        role, name = next(iter(names.items()))
        raise ArtifactError(f"--{role}-contract {name}: applies with --artifacts DIR or --contracts SRC_DIR")
    if rule_artifact is not None:
        return with_user_rule(rule, rule_artifact, rule_source, profile=profile)
    return None


# ---- writing the reference stack as an artifact directory ----------------------------------------------------


def write_reference_artifacts(out_dir, *, layout: str = "foundry", profile: str = DEFAULT_PROFILE,
                              artifacts: dict | None = None) -> list[Path]:
    """Write runner, pool, vault stand-in and the six rules as a Foundry (out/) or Hardhat (artifacts/)
    directory; returns the written files."""
    if layout not in ("foundry", "hardhat"):
        raise ValueError(f"layout={layout!r}: must be 'foundry' or 'hardhat'")
    artifacts = artifacts if artifacts is not None else compile_rules(profile=profile)
    names = [REFERENCE_NAMES["runner"], REFERENCE_NAMES["pool"], REFERENCE_NAMES["vault"], *RULE_CONTRACTS.values()]
    written = []
    for name in names:
        art = artifacts[name]
        if layout == "foundry":
            written.append(write_foundry_artifact(art, out_dir, art.source_unit or f"{name}.sol"))
        else:
            written.append(write_hardhat_artifact(art, out_dir, f"contracts/{art.source_unit or name + '.sol'}"))
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m parity.chain.stack",
                                 description="write parity's reference stack as a Foundry or Hardhat artifact directory")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--layout", choices=("foundry", "hardhat"), default="foundry")
    ap.add_argument("--profile", choices=tuple(PROFILES), default=DEFAULT_PROFILE)
    args = ap.parse_args(argv)
    for path in write_reference_artifacts(args.out_dir, layout=args.layout, profile=args.profile):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

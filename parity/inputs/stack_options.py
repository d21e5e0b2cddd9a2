"""The options that choose the contracts of a pool-level run (`parity verify --level pool`, `parity record
--level pool`): a user's compiled stack (--artifacts DIR), a user's sources (--contracts SRC_DIR --remap ...),
contract names by role, or one user rule (--artifact/--contract) with parity's runner and pool
(docs/your-stack.md). parity.inputs.levels.add_level_arguments registers them for verify and record; the
functions here turn them into what the pool level deploys."""

from __future__ import annotations

import argparse
from pathlib import Path

ROLE_FLAGS = {"runner": "--runner-contract", "pool": "--pool-contract", "vault": "--vault-contract"}
STACK_FLAGS = ("--artifacts", "--contracts", *ROLE_FLAGS.values())


def add_stack_arguments(p: argparse.ArgumentParser) -> None:
    """--artifacts, --contracts and the contract names by role (plus --rule-contract and --remap where the
    parser does not have them yet)."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("--artifacts", type=Path, default=None, metavar="DIR",
                     help="pool level: deploy the runner, pool and rule found in this Foundry out/ or Hardhat "
                          "artifacts/ directory (contract names default to V1's)")
    src.add_argument("--contracts", type=Path, default=None, metavar="SRC_DIR",
                     help="pool level: compile the runner, pool and rule from the Solidity files under SRC_DIR that "
                          "define them (with --compiler-profile and --remap)")
    defaults = {"runner": "UpdateWeightRunner", "pool": "QuantAMMWeightedPool", "vault": "parity's VaultStandIn"}
    for role, flag in ROLE_FLAGS.items():
        p.add_argument(flag, dest=f"{role}_contract", default=None, metavar="NAME",
                       help=f"pool level: the {role} contract in --artifacts/--contracts (default {defaults[role]}); "
                            "File.sol:Name if several match, 'reference' for parity's own")
    p.add_argument("--unlimited-code-size", action="store_true",
                   help="revm: lift EIP-170's 24,576-byte limit on deployed code (V1's legacy-built pool is larger; "
                        "its Hardhat network sets allowUnlimitedContractSize)")
    if "--rule-contract" not in p._option_string_actions:
        p.add_argument("--rule-contract", default=None, metavar="NAME",
                       help="pool level: the rule contract in --artifacts/--contracts (default V1's name, e.g. "
                            "MomentumUpdateRule, then parity's, e.g. MomentumRule)")
    if "--remap" not in p._option_string_actions:
        p.add_argument("--remap", action="append", default=[], metavar="PREFIX=PATH",
                       help="import remapping for --contracts (repeatable), e.g. @prb/math=lib/prb-math")


def stack_requested(args) -> bool:
    """Whether the user named a stack (a directory of artifacts or of sources)."""
    return getattr(args, "artifacts", None) is not None or getattr(args, "contracts", None) is not None


def refuse_at_rule_level(args) -> None:
    """ValueError naming the first stack option given with --level rule."""
    for flag in STACK_FLAGS:
        if getattr(args, flag[2:].replace("-", "_"), None) is not None:
            raise ValueError(f"{flag}: applies to --level pool only (at rule level use --artifact or --contract)")


def stack_from_args(args, rule_artifact=None):
    """The StackArtifacts the options describe, or None for parity's reference stack. ValueError (an
    ArtifactError) names the option that is wrong."""
    from parity.chain.stack import resolve_stack

    profile = getattr(args, "compiler_profile", "legacy")
    names = {role: getattr(args, f"{role}_contract", None) for role in ROLE_FLAGS}
    if stack_requested(args):
        names["rule"] = getattr(args, "rule_contract", None)
    source = ""
    if rule_artifact is not None:
        artifact, contract = getattr(args, "artifact", None), getattr(args, "contract", None)
        source = f"artifact {artifact}" if artifact is not None else f"source {contract} (profile {profile})"
    return resolve_stack(args.rule, profile=profile, artifacts=getattr(args, "artifacts", None),
                         contracts=getattr(args, "contracts", None), remap=getattr(args, "remap", ()) or (),
                         names=names, rule_artifact=rule_artifact, rule_source=source)


UNLIMITED_CODE_SIZE = 2**32  # revm's limit_contract_code_size when --unlimited-code-size is given


def chain_options(args) -> dict:
    """Keyword arguments for make_chain from --unlimited-code-size (revm only; ValueError elsewhere)."""
    if not getattr(args, "unlimited_code_size", False):
        return {}
    if getattr(args, "backend", None) != "revm":
        raise ValueError(f"--unlimited-code-size: applies to --backend revm only (got --backend {args.backend})")
    return {"code_size_limit": UNLIMITED_CODE_SIZE}

"""`parity verify` options for plug-in pools and contracts: ``--pool``, ``--rule-contract``, ``--artifact``,
``--contract`` and ``--remap`` (the logic lives here, in parity.adapters and parity.chain.artifacts). With
a stack at the pool level (``--artifacts`` / ``--contracts``, parity.inputs.stack_options) they name the
user's contracts instead."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from parity.catalogue import CONTRACTS, rule_of_contract
from parity.inputs.stack_options import stack_requested


def add_plugin_arguments(p: argparse.ArgumentParser) -> None:
    """The plug-in options of `parity verify`."""
    p.add_argument("--pool", default=None, metavar="package.module:Class",
                   help="verify this importable pool (a harness Pool, or a quantammsim-style pool) instead of --rule's")
    p.add_argument("--rule-contract", default=None, metavar="NAME",
                   help="the on-chain rule the pool or contract implements (e.g. MomentumRule): state getters, "
                        "parameter encoding and the integer model's rule; at --level pool with --artifacts or "
                        "--contracts: the rule's contract name there")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--artifact", type=Path, default=None, metavar="PATH",
                     help="deploy this compiled contract (Foundry out/X.sol/X.json or Hardhat artifacts/.../X.json)")
    src.add_argument("--contract", default=None, metavar="PATH.sol[:Name]",
                     help="compile this Solidity file with the pinned compiler (--compiler-profile) and deploy its "
                          "contract")
    p.add_argument("--remap", action="append", default=[], metavar="PREFIX=PATH",
                   help="import remapping for --contract (repeatable), e.g. @prb/math=lib/prb-math")


@dataclass
class Plugins:
    """What the plug-in options resolve to: the pool (None: --rule's own), the artifact to deploy (None:
    parity's compiled contract) and the rule contract name (None: the pool's chain_rule)."""

    pool: object | None = None
    artifact: object | None = None
    rule_contract: str | None = None


def resolve_plugins(args) -> Plugins:
    """Resolve the plug-in options; sets ``args.rule`` from --rule-contract when --rule is absent.
    Raises ValueError with a one-line message for bad input."""
    if stack_requested(args):  # --rule-contract names the rule in the user's stack; --rule picks the simulator's
        if args.rule is None:
            raise ValueError("give --rule RULE (the simulator's rule) with --artifacts or --contracts")
        if args.pool is not None:
            raise ValueError("--pool: applies to --level rule only")
        return Plugins()
    if args.rule_contract is not None and args.rule_contract not in CONTRACTS.values():
        raise ValueError(f"--rule-contract {args.rule_contract!r}: must be one of {', '.join(CONTRACTS.values())} "
                         "(the rule whose ABI, state getters and parameter encoding the contract keeps)")
    if args.rule is None:
        args.rule = rule_of_contract(args.rule_contract)
        if args.rule is None:
            raise ValueError("give --rule RULE (or --rule-contract NAME with --pool)")
    elif args.rule_contract is not None and CONTRACTS.get(args.rule) != args.rule_contract:
        raise ValueError(f"--rule {args.rule} runs {CONTRACTS.get(args.rule)}, not --rule-contract "
                         f"{args.rule_contract}: give one of them")
    out = Plugins(rule_contract=args.rule_contract)
    if args.pool is not None:
        from parity.adapters import load_pool

        out.pool, out.rule_contract = load_pool(args.pool, args.rule_contract or CONTRACTS.get(args.rule))
    if args.remap and args.contract is None:
        raise ValueError("--remap applies to --contract only")
    if args.artifact is not None:
        from parity.chain.artifacts import load_artifact

        out.artifact = load_artifact(args.artifact)
    elif args.contract is not None:
        from parity.chain.artifacts import compile_contract

        out.artifact = compile_contract(args.contract, args.remap, profile=getattr(args, "compiler_profile", "legacy"))
    return out

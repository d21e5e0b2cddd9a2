"""`parity fuzz`'s command-line input checked and turned into a FuzzConfig (parity.fuzz.search). Every check
raises InputError with one line naming the flag, the value and the rule it broke (exit code 2, nothing
written)."""

from __future__ import annotations

import math
from pathlib import Path

from parity.catalogue import CONTRACTS, DEFAULT_PARAMS
from parity.errors import InputError
from parity.fuzz.execute import default_workers
from parity.fuzz.outcome import PROPERTIES
from parity.fuzz.space import MAX_ASSETS, auto_space, fixed_space
from parity.inputs.checks import check_parameter_keys
from parity.inputs.fuzz_space import SpaceError, load_space
from parity.io import load_json_file


def fuzz_config(args):
    """(FuzzConfig, output folder) from the parsed arguments; InputError (one line) for bad input."""
    from parity.fuzz.search import FuzzConfig
    from parity.fuzz.strategies import Shape

    rule = check_rule(args.rule)
    level = args.level
    workers = positive("--workers", args.workers) if args.workers is not None else None
    if args.scheduler is not None and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise InputError(f"--scheduler {args.scheduler!r}: must look like tcp://HOST:PORT")
    workers = workers or default_workers()
    examples, seconds = budget(args.examples, args.time, level)
    blocks = positive("--blocks", args.blocks, maximum=10_000)
    batch = args.batch if args.batch is not None else (32 if level == "rule" else 2 * workers)
    batch = positive("--batch", batch, maximum=64)
    n_range = asset_range(args.assets)
    checked = properties(args.properties)
    space = param_space(rule, args.params, args.param_space, n_range, dict(DEFAULT_PARAMS[rule]))
    fields = tolerances(args.tolerance, rule, level)
    artifact = rule_artifact(args.artifact, args.contract, args.remap, rule, args.contracts is not None)
    stack = pool_stack(args, level, artifact)
    if not isinstance(args.seed, int) or not 0 <= args.seed < 2**64:
        raise InputError(f"--seed {args.seed}: must be an integer in [0, 2^64)")
    out = output_folder(args.out or Path(f"fuzz-{rule}-{level}"), [args.params, args.param_space, args.artifact, args.artifacts, args.contracts])
    shrink = positive_float("--shrink-time", args.shrink_time)
    source = source_flags(args)
    variants = positive("--variants", args.variants if args.variants is not None else (8 if level == "rule" else 1),
                        maximum=batch)
    cfg = FuzzConfig(rule, space, Shape(level, 1, blocks, batch, variants), checked, examples, seconds, args.seed,
                     fields, None if stack is not None else artifact, source, stack, workers, args.scheduler, shrink,
                     args.vectorized_check, chain_options(args, level))
    return cfg, out


def check_rule(rule: str) -> str:
    if rule not in CONTRACTS:
        raise InputError(f"--rule {rule!r}: choose one of {', '.join(CONTRACTS)}")
    return rule


def positive(flag: str, value, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum is not None and value > maximum):
        top = f" and at most {maximum}" if maximum is not None else ""
        raise InputError(f"{flag} {value}: must be an integer ≥ 1{top}")
    return value


def positive_float(flag: str, value) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(f"{flag} {value}: must be a number of seconds > 0")
    return float(value)


def budget(examples, seconds, level: str) -> tuple[int | None, float | None]:
    """(examples, seconds): one of them; the level's default example count when neither is given."""
    if seconds is not None:
        return None, positive_float("--time", seconds)
    if examples is None:
        return (1000 if level == "rule" else 100), None
    return positive("--examples", examples), None


def asset_range(text: str | None) -> tuple[int, int] | None:
    """`--assets N` or `LO-HI` as (lo, hi) within 2..8."""
    if text is None:
        return None
    parts = text.strip().split("-")
    try:
        lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) and all(p.isascii() for p in parts) else (0, 0)
    except ValueError:
        lo = hi = 0
    if not 2 <= lo <= hi <= MAX_ASSETS:
        raise InputError(f"--assets {text!r}: must be N or LO-HI with 2 ≤ LO ≤ HI ≤ {MAX_ASSETS}")
    return lo, hi


def properties(text: str) -> tuple:
    names = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    unknown = [p for p in names if p not in PROPERTIES]
    if unknown or not names:
        raise InputError(f"--properties {text!r}: {'unknown ' + repr(unknown[0]) if unknown else 'empty'}; "
                         f"choose from {', '.join(PROPERTIES)}")
    return names


def param_space(rule: str, params_file, space_spec, n_range, defaults: dict):
    """The ParamSpace of --params FILE, --param-space auto|FILE or the rule's defaults, with --assets."""
    import dataclasses

    try:
        if space_spec == "auto":
            space = auto_space(rule, defaults)
        elif space_spec is not None:
            space = load_space(space_spec, rule, defaults)
        else:
            space = fixed_space(rule, _fixed_params(rule, params_file, defaults))
    except SpaceError as e:
        raise InputError(str(e)) from None
    per_asset = {len(v) for v in space.fixed.values() if isinstance(v, list)}
    if len(per_asset) > 1:
        raise InputError(f"--params: per-asset lists of different lengths {sorted(per_asset)}: give one length (n)")
    if per_asset:
        k = per_asset.pop()
        if not 2 <= k <= MAX_ASSETS or (n_range is not None and not n_range[0] <= k <= n_range[1]):
            raise InputError(f"--params: per-asset lists of length {k} fix n = {k}, outside --assets {n_range} or 2..8")
        n_range = (k, k)
    if n_range is not None:
        space = dataclasses.replace(space, n=n_range)
    _check_fixed(rule, space)
    return space


def _fixed_params(rule: str, path, defaults: dict) -> dict:
    if path is None:
        return dict(defaults)
    loaded = load_json_file(path, "--params")
    if not isinstance(loaded, dict):
        raise InputError(f"--params {path}: must hold a JSON object of parameter names to values")
    params = dict(defaults)
    if any(k in loaded for k in ("memory_days", "logit_lamb")):
        params.pop("lamb", None)
    if any(k in loaded for k in ("log_k", "k", "absolute_k", "sp_k")):
        params.pop("kappa", None)
    params.update(loaded)
    return params


def _check_fixed(rule: str, space) -> None:
    """The fixed parameters are read by the rule and accepted by its contract at the smallest n."""
    from parity.fuzz.examples import Settings, check_parameters
    from parity.pools import create_pool

    n = space.n[0]
    settings = Settings(n)
    try:
        fp = settings.fingerprint(rule)
        if not space.ranges:
            check_parameter_keys(create_pool(rule), dict(space.fixed), set(space.fixed), fp, "--params")
            check_parameters(rule, dict(space.fixed), settings)
    except InputError:
        raise
    except ValueError as e:
        raise InputError(f"--params: {e}") from None


def tolerances(specs, rule: str, level: str) -> dict:
    from parity.harness import compare
    from parity.harness.lockstep.plan import POOL_TOLERANCE_KEYS
    from parity.harness.mapping import state_map_for

    fields = (*state_map_for(CONTRACTS[rule]).keys, "weights")
    if level == "pool":
        fields += POOL_TOLERANCE_KEYS
    out = {}
    for spec in specs:
        try:
            field, value = compare.parse_tolerance(spec, fields)
        except ValueError as e:
            raise InputError(str(e)) from None
        out[field] = value
    return out


def rule_artifact(artifact, contract, remaps, rule: str, sources: bool = False):
    """The user's rule build (--artifact / --contract); `sources`: --contracts takes the remappings too."""
    if remaps and contract is None and not sources:
        raise InputError("--remap applies to --contract and --contracts only")
    if artifact is None and contract is None:
        return None
    from parity.chain.artifacts import ArtifactError, compile_contract, load_artifact

    try:
        art = load_artifact(artifact) if artifact is not None else compile_contract(contract, remaps)
    except ArtifactError as e:
        raise InputError(str(e)) from None
    _check_abi(art, rule)
    return art


def _check_abi(art, rule: str) -> None:
    names = {f.get("name") for f in art.abi if f.get("type") == "function"}
    needed = {"CalculateNewWeights", "initialisePoolRuleIntermediateValues", "validParameters"}
    missing = sorted(needed - names)
    if missing:
        raise InputError(f"artifact {art.contract_name}: has no {', '.join(missing)}: it must keep the ABI of "
                         f"{CONTRACTS[rule]}")


def output_folder(path, inputs) -> Path:
    """--out: a folder that exists or can be created, writable, not a file and not one of the inputs."""
    import os

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {path}: is a file; give a folder")
    for given in inputs:
        if given is not None and str(given) != "auto" and Path(given).resolve() == path.resolve():
            raise InputError(f"--out {path}: is one of the inputs")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"--out {path}: {probe} is not a writable folder")
    return path


def pool_stack(args, level: str, rule_art):
    """Pool level: the StackArtifacts of --artifacts / --contracts (a user's runner, pool and rule) or of one
    user rule (--artifact / --contract) with parity's runner and pool; None for parity's reference stack.
    At rule level the stack options are refused."""
    from parity.inputs.stack_options import ROLE_FLAGS, refuse_at_rule_level, stack_from_args, stack_requested

    try:
        if level == "rule":
            refuse_at_rule_level(args)
            for flag, given in (("--rule-contract", args.rule_contract is not None),
                                ("--unlimited-code-size", args.unlimited_code_size)):
                if given:
                    raise ValueError(f"{flag}: applies to --level pool only")
            return None
        named = any(getattr(args, f"{role}_contract", None) is not None for role in ROLE_FLAGS)
        if rule_art is None and not stack_requested(args) and not named:
            return None
        return stack_from_args(args, rule_art)
    except ValueError as e:  # an ArtifactError names the option that is wrong
        raise InputError(str(e)) from None


def chain_options(args, level: str) -> dict:
    """make_chain's keyword arguments at pool level (--unlimited-code-size lifts EIP-170 on revm)."""
    from parity.inputs.stack_options import UNLIMITED_CODE_SIZE

    return {"code_size_limit": UNLIMITED_CODE_SIZE} if level == "pool" and args.unlimited_code_size else {}


def source_flags(args) -> tuple:
    """The flags that name the user's contracts, for the report's `parity verify` line."""
    from parity.inputs.stack_options import ROLE_FLAGS

    flags: list = []
    if args.artifact is not None:
        flags += ["--artifact", args.artifact.resolve()]
    elif args.contract is not None:
        flags += ["--contract", args.contract]
    if args.artifacts is not None:
        flags += ["--artifacts", args.artifacts.resolve()]
    elif args.contracts is not None:
        flags += ["--contracts", args.contracts.resolve()]
    for role, flag in (*ROLE_FLAGS.items(), ("rule", "--rule-contract")):
        if getattr(args, f"{role}_contract", None) is not None:
            flags += [flag, getattr(args, f"{role}_contract")]
    flags += [x for r in args.remap for x in ("--remap", r)]
    return tuple(flags) + (("--unlimited-code-size",) if args.unlimited_code_size else ())

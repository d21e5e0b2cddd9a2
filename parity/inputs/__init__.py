"""User input -> a validated run: one place used alike by every command (verify, record, replay, sweep, drift).

    arguments.py   the shared option groups of the commands (run, report) and the bundled default prices
    params.py      --params files and parameter flags over the catalogue's defaults
    prices.py      price tables and --assets selection
    fingerprint.py the run fingerprint from the options (quantammsim's keys: parity.quantammsim_keys)
    tolerances.py  --tolerance FIELD=VALUE per level
    levels.py      --level rule | pool: its options, and the run / record function it selects
    plugins.py     --pool, --rule-contract, --artifact, --contract: users' pools and contracts
    checks.py      the checks before a run: parameter keys, tolerance fields, sender, what the chain can hold
    sweep_spec.py  a sweep spec (TOML or JSON) -> the validated parity.sweep.spec.Spec

Every bad input raises a parity.errors.UsageError (InputError, SpecError, ...) with one line naming it.
"""

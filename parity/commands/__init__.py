"""The subcommands of `parity`: one module each, with ``add_parser(subparsers)`` and ``run(args) -> exit code``.

parity.cli registers them (one line each in its COMMANDS); nothing else imports a command. A command turns
its options into a validated run (parity.inputs), runs an engine and prints; a bad input raises a
parity.errors.UsageError, which parity.cli reports as one line with exit code 2.
"""

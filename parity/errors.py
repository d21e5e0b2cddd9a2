"""The errors every layer raises for a run that cannot go ahead, and the exit codes of the `parity` command.

`UsageError` is the one base for bad input: a command prints its message as one line on stderr and exits
with `EXIT_USAGE`, with no traceback and nothing written. Errors that mean bad input subclass it
(`InputError` here; the fixture, sweep-spec and plug-in errors where they are defined), so the command line
maps all of them in one place. `SetupError` is the other exit-2 case: the run could not start for a reason
outside the user's inputs (compiler, chain, deployment).
"""

from __future__ import annotations

EXIT_PARITY, EXIT_DIVERGENCE, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


class UsageError(ValueError):
    """Bad input: one line naming the input, the value and the rule it broke; exit code 2."""


class InputError(UsageError):
    """A bad input file or value found by a check before anything is computed or deployed."""


class SetupError(Exception):
    """The run could not start for a reason outside the user's inputs (compiler, chain, deployment)."""

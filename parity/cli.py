"""The `parity` command: builds the parser from the subcommands in parity.commands and runs one.

Exit codes: 0 parity, 1 divergence (including a revert or a chain/integer-model mismatch), 2 bad input or
set-up error (one line on stderr saying what to fix; no traceback). A new subcommand is a module in
parity.commands (``add_parser(subparsers)``, ``run(args) -> int``) and one line in COMMANDS.
"""

from __future__ import annotations

import argparse
import os
import sys

from parity.commands import audit, drift, explain, fuzz, record, replay, sweep, verify
from parity.errors import EXIT_BROKEN_PIPE, EXIT_USAGE, SetupError, UsageError
from parity.float64 import guarded

COMMANDS = {  # subcommand name -> its module, in the order `parity --help` lists them
    "verify": verify,
    "record": record,
    "replay": replay,
    "sweep": sweep,
    "drift": drift,
    "audit": audit,
    "explain": explain,
    "fuzz": fuzz,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: same one-line format and exit code 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The `parity` parser with every subcommand of COMMANDS."""
    parser = _Parser(prog="parity", description="Prove a JAX TFMM simulator and the on-chain rules agree, block by block.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


@guarded
def main(argv=None) -> int:
    """Entry point of the `parity` command."""
    args = build_parser().parse_args(argv)
    try:
        code = COMMANDS[args.command].run(args)
        sys.stdout.flush()  # a closed pipe must surface here, not at interpreter exit
    except UsageError as e:
        print(f"parity {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except SetupError as e:
        print(f"parity {args.command}: setup error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"parity {args.command}: interrupted", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader closed our output (e.g. `| head`): stop quietly, with the shell's SIGPIPE status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as e:  # e.g. a full disk while writing an output (written atomically: nothing half-written)
        print(f"parity {args.command}: error: {e.filename or 'output'}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())

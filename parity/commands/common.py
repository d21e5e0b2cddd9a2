"""What several commands print: the verdict summary, and the report and plot of a lockstep result."""

from __future__ import annotations

from parity.errors import EXIT_DIVERGENCE, EXIT_PARITY


def print_summary(result, quiet: bool) -> None:
    """The verdict summary on stdout: only its first line when quiet."""
    from parity.harness.report import summary

    text = summary(result)
    print(text.splitlines()[0] if quiet else text)


def emit(result, args) -> int:
    """Write the requested report and plot, then print the summary; return the exit code of the verdict.

    Files first: a reader that goes away (`| head`) must not cost the user the report."""
    from parity.harness import report

    if args.report is not None:
        report.write_json(result, args.report)
    if args.plot is not None:
        from parity.harness.plot import plot_report

        plot_report(result, args.plot)
    print_summary(result, args.quiet)
    if not args.quiet:
        for label, path in (("report", args.report), ("plot", args.plot)):
            if path is not None:
                print(f"  {label}: {path}")
    return EXIT_PARITY if result.passed else EXIT_DIVERGENCE

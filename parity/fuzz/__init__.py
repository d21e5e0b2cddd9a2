"""Differential fuzzing of a rule: parity fuzz (see parity.fuzz.command and docs/fuzz.md)."""

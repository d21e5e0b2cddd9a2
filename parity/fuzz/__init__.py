"""Differential fuzzing of a rule: the engine of `parity fuzz` (the command is parity.commands.fuzz, its input
checks parity.inputs.fuzz; docs/fuzz.md)."""

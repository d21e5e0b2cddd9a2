"""Coarse-weight guard rails (on-chain semantics, float64) and fine-weight interpolation."""

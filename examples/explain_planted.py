"""Plant a bug on one side and let `parity explain` find it (docs/explain.md).

    python examples/explain_planted.py kappa      # simulator: κ × (1 + 1e-7) in FINISH
    python examples/explain_planted.py rounding   # integer model (the chain's stand-in): ONE ⊘ d rounded

`kappa` verifies Momentum on 3 bundled assets with the plant, writes the report to explain-kappa.json and
explains its first divergence. `rounding` explains block 3 of a committed golden fixture with a model whose
reciprocal 1/p̄ is rounded half away from zero instead of truncated.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

from parity.cli import main


@contextmanager
def kappa_plant(rel=1e-7):
    import jax

    from parity.pools import momentum

    original = momentum.finish
    jax.clear_caches()
    momentum.finish = lambda signal, kappa, sign=1.0: original(signal, kappa * (1.0 + rel), sign)
    try:
        yield
    finally:
        momentum.finish = original
        jax.clear_caches()


@contextmanager
def rounding_plant():
    from parity.fixedpoint.rules import base
    from parity.fixedpoint.sd59x18 import ONE

    original = base.div

    def div(x, y):  # ⊘ rounded half away from zero instead of truncated
        q = original(x, y)
        rest = abs(x) * ONE - abs(q) * abs(y)
        return q + (1 if (x < 0) == (y < 0) else -1) * (2 * rest >= abs(y))

    base.div = div
    try:
        yield
    finally:
        base.div = original


def run(which: str) -> int:
    if which == "kappa":
        with kappa_plant():
            main(["verify", "--rule", "momentum", "--assets", "3", "--blocks", "20", "--backend", "revm", "--quiet",
                  "--report", "explain-kappa.json"])
            return main(["explain", "explain-kappa.json"])
    if which == "rounding":
        with rounding_plant():
            return main(["explain", "fixtures/golden/momentum_btc_eth_2_scalar.json", "--block", "3", "--asset", "0"])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else ""))

"""`parity audit`: a deployed pool's update history, read over JSON-RPC and checked update by update
(docs/audit.md).

Stages: discover (discover.py: the pool's runner(s), rule, oracles and settings from the views, its updates
and every other state change from the events), read (read.py: the state at b − 1 and b of every update, the
oracles, samples of the pool's weights; batched through node.py), check (engine.py with sides.py: the exact
integer model from each update's state at b − 1 must give the chain's state at b; the JAX production step
within the run's tolerances), and report (rows.py, drift.py, record.py). history.py holds what was read; a
pool-level fixture carries it, so `parity replay` re-runs the checks without a node.
"""

"""`parity replay` of an audit fixture: the audit's checks re-run on the recorded history, without a node.

The history comes from the fixture's `audit` section and its per_block events; the checks are the live
audit's (parity.audit.engine.check_history), so the integer model must reproduce every recorded value and
event exactly and the JAX step must stay within the tolerances. parity.fixtures.pool then requires the values
the checks derived from the history to equal the fixture's per_block entries, so the two parts of the file
cannot disagree.
"""

from __future__ import annotations

from pathlib import Path

from parity.audit.engine import check_history
from parity.audit.history import history_from_json


def _history(fixture):
    from parity.fixtures.format import FixtureError

    data = fixture.data
    try:
        return history_from_json(data["audit"], data["per_block"], f"fixture {Path(fixture.file).name}")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise FixtureError(fixture.file, "audit", f"not an audited history parity can read ({type(e).__name__}: {e})") from None


def replay_audit(fixture, *, tolerances=None, model_check: bool = True, vectorized_check: bool = True):
    """Replay an audit fixture (see the module docstring); returns the LockstepResult. vectorized_check: an
    audit has no vectorized path (each update starts from the chain's state), so it is not used."""
    result = check_history(_history(fixture), tolerances=tolerances, model_check=model_check, backend="replay of rpc")
    result.artifact_info.update({"fixture": Path(fixture.file).name, "recorded_backend": "rpc"})
    return result

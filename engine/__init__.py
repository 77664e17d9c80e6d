"""EarnVerdict verdict engine: weighs a skill upgrade, a job switch and a side hustle.

Standard library only, deterministic, and runnable unchanged under Pyodide.
"""

import json

from .errors import InputError
from .verdict import prepare, verdict

__all__ = ["InputError", "prepare", "to_json", "verdict"]


def to_json(result) -> str:
    """The engine's one JSON text: what `python -m engine` prints and the quiz's page API returns,
    so the two can be compared byte for byte."""
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"

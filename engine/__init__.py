"""EarnVerdict verdict engine: weighs a skill upgrade, a job switch and a side hustle.

Standard library only, deterministic, and runnable unchanged under Pyodide.
"""

from .errors import InputError
from .verdict import verdict

__all__ = ["InputError", "verdict"]

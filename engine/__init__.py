"""EarnVerdict verdict engine: weighs a skill upgrade, a job switch and a side hustle.

Standard library only, deterministic, and runnable unchanged under Pyodide.
"""

import json

from .errors import InputError

__all__ = ["InputError", "prepare", "to_json", "verdict"]


def __getattr__(name: str):
    # The verdict's modules load on first use: the site's build reads only the catalog, and
    # importing the whole engine for it took some 25 ms of every build.
    if name in ("prepare", "verdict"):
        import importlib

        module = importlib.import_module(".verdict", __name__)  # binds the submodule to the name, until the next line
        globals().update(prepare=module.prepare, verdict=module.verdict)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_json(result) -> str:
    """The engine's one JSON text: what `python -m engine` prints and the quiz's page API returns,
    so the two can be compared byte for byte."""
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"

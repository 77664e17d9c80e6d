"""Command line: `python -m engine [FILE]` prints the verdict for answers JSON on stdin or in FILE.

`python -m engine roles|skills|levels|markets|parameters` lists the catalog as JSON.
Output is JSON with indent=2 and ensure_ascii=False, keys in the engine's fixed order,
so the same input always prints the same bytes. Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import json
import sys

from . import catalog, to_json, verdict
from .errors import InputError

LISTINGS = {
    "roles": catalog.roles,
    "levels": catalog.levels,
    "markets": catalog.markets,
    "skills": catalog.skills,
    "parameters": catalog.parameters,
}
USAGE = "usage: python -m engine [answers.json | - | roles | levels | markets | skills | parameters] (answers on stdin when no file)"


def read_answers(argv: list[str]):
    name = argv[0] if argv and argv[0] != "-" else "stdin"
    if name == "stdin":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(name, "rb") as handle:
                data = handle.read()
        except OSError as err:
            raise InputError(name, f"cannot read file ({err.strerror or err})") from None
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(name, "is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise InputError(name, f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise InputError(name, "JSON is nested too deeply") from None


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(USAGE, file=sys.stderr if len(argv) > 1 else sys.stdout)
        return 2 if len(argv) > 1 else 0
    try:
        if argv and argv[0] in LISTINGS:
            result = LISTINGS[argv[0]]()
        else:
            result = verdict(read_answers(argv))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(to_json(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

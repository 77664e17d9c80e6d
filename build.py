#!/usr/bin/env python3
"""Build the EarnVerdict site: `python build.py [build|check|serve|new] ...` (see --help)."""

import os
import sys

from sitegen.cli import main

if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Ended without tearing down the interpreter: freeing a build's objects one by one took
    # 50-100 ms at N=1,000, after all the work was done and written. main() has closed, joined
    # or stopped everything it started.
    os._exit(code)

#!/usr/bin/env python3
"""Build the EarnVerdict site: `python build.py [build|check|serve|new] ...` (see --help)."""

import sys

from sitegen.cli import main

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Build the EarnVerdict site: `python build.py [build|check|serve|new] ...` (see --help)."""

import gc
import os
import sys

# A build makes many objects that live until it ends and few reference cycles. At the default
# threshold (a collection every 700 new container objects) an edit's build ran the cyclic
# collector some 130 times, 18-23 ms of its 0.45 s, each pass walking objects that were not
# garbage. At this one an edit's build collects not once, and a cold build's largest process
# peaks no higher (108-122 MB either way at N=1,000).
gc.set_threshold(100_000, 10, 10)

from sitegen.cli import main  # noqa: E402  (imported with the collector set as above)

if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Ended without tearing down the interpreter: freeing a build's objects one by one took
    # 50-100 ms at N=1,000, after all the work was done and written. main() has closed, joined
    # or stopped everything it started.
    os._exit(code)

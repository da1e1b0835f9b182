"""Benchmarks: `make bench` (python -m bench) and `make bench-load`.

They share tests/live.py (servers, Chromium) with the tests. It is imported
as `live` with tests/ on the path, as pytest does: textstat's wheel installs
a top-level package named `tests`, which would shadow `tests.live`.
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

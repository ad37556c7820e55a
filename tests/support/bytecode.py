"""Write the bytecode of our own packages once, as an install does.

An editable checkout leaves borderwatch, crawler and alerts without .pyc files, and under
PYTHONDONTWRITEBYTECODE (set on this machine) every CLI process and extraction worker would compile the same ~80
modules again: about 0.25 s of CPU each. compileall writes the files regardless of that variable, and Python
still reads them. Used by the test session (tests/conftest.py) and the benchmarks (bench/run.py), so that both
measure what an installed user runs.
"""

from __future__ import annotations

import compileall
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("borderwatch", "crawler", "alerts")


def compile_our_packages() -> None:
    for package in PACKAGES:
        compileall.compile_dir(str(REPO / package), quiet=1)

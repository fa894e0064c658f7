"""``python -m tests.reliability [--full]``: run the reliability suite and print its tables.

Without ``--full`` it runs the CI subset (one fault per phase per provider, ~10 kills, a few hundred
hostile inputs per target); ``--full`` runs the whole fault matrix, 100 kills and thousands of inputs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__)
    parser.add_argument("--full", action="store_true", help="the whole matrix (takes several minutes)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (e.g. -k crash)")
    args = parser.parse_args(argv)
    if args.full:
        os.environ["DIALER_RELIABILITY_FULL"] = "1"
    import pytest

    here = Path(__file__).resolve().parent
    return int(pytest.main([str(here), "-m", "reliability", "-q", "-p", "no:cacheprovider",
                            *args.pytest_args]))


if __name__ == "__main__":
    sys.exit(main())

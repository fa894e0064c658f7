"""`dialer` sub-commands: account (placeholder until implemented)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `dialer` parser."""
    del sub  # nothing yet


def _unused(args: argparse.Namespace) -> int:  # pragma: no cover
    return 0

"""Client side of the single-instance hand-off (placeholder: the desktop work replaces this).

Standard library only: this runs on every ``tel:`` link click before anything else is imported.
"""

from __future__ import annotations

from collections.abc import Sequence


def forward(argv: Sequence[str]) -> int | None:
    """Send the request to a running instance; return an exit code, or None when none is running."""
    del argv
    return None

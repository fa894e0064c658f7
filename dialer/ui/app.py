"""Application start-up (placeholder: the desktop app work replaces this)."""

from __future__ import annotations


def run(*, demo: bool = False, uri: str | None = None, minimized: bool = False) -> int:
    del demo, uri, minimized
    print("The window is not built yet.")
    return 1

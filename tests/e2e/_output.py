"""Reading a child process's output lines on a thread, so a test can poll them without blocking."""

from __future__ import annotations

import queue
import subprocess
import threading


class OutputLines:
    """Every line the process writes to stdout, collected as it comes; ``output()`` returns all so far."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._proc = proc
        self._lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line.rstrip("\n"))

    def output(self) -> list[str]:
        while True:
            try:
                self.seen.append(self._lines.get_nowait())
            except queue.Empty:
                return self.seen

"""`dialer parse X | head -1`: when the reader leaves early the command ends quietly, without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: object) -> None:
    env = dict(os.environ, DIALER_HOME=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "dialer", "parse", "+44 20 7946 0000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `head -1` that has read its line and gone
    stderr = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert code == 141


def test_a_reader_that_stays_gets_the_whole_answer(tmp_path: object) -> None:
    env = dict(os.environ, DIALER_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "dialer", "parse", "+44 20 7946 0000"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.returncode == 0 and "+44 20 7946 0000" in out.stdout

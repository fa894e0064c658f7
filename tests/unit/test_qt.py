"""dialer.qt: PySide's import hook gives the same answers without keeping every module's source in memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, linecache, sys
from dialer import qt
import email.message, json.decoder, sqlite3, uuid  # imported after PySide6: each goes through the hook
kept = sorted(linecache.cache)
import uses_feature  # (``from __feature__ import`` itself reads a source: not the per-module hook)
from shibokensupport import feature
check = feature._mod_uses_pyside
differ = [name for name, module in list(sys.modules.items())
          if module is not None and check(module) != check.__wrapped__(module)]
print(json.dumps({"replaced": qt.SOURCES_KEPT_OUT, "kept": kept, "differ": differ, "snake": uses_feature.NAME,
                  "marks": [feature.pyside_feature_dict.get(n) for n in ("uses_feature", "email.message")]}))
"""

USES_FEATURE = """
from PySide6 import QtCore
from __feature__ import snake_case

obj = QtCore.QObject()
obj.set_object_name("snake")
NAME = obj.object_name()
"""


def test_pysides_import_hook_answers_the_same_and_keeps_no_sources(tmp_path: Path) -> None:
    (tmp_path / "uses_feature.py").write_text(USES_FEATURE, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True,
                         env={"PYTHONPATH": f"{root}:{tmp_path}", "QT_QPA_PLATFORM": "offscreen"})
    result = json.loads(out.stdout)
    assert result["replaced"]
    assert result["kept"] == [], "no module's source stays in linecache"
    assert result["differ"] == [], "every loaded module gets PySide's own answer"
    assert result["snake"] == "snake", "a module that selects a PySide feature still gets it"
    assert result["marks"][0] != -1 and result["marks"][1] == -1  # PySide: handled / ignored (-1)

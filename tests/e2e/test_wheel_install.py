"""A user's install, not a developer's: build the wheel, install it (not editable) into a fresh venv, and
check that the installed app finds every icon it draws, paints its window with them, and that
``dialer register-handler`` installs the icon its desktop entry names.

The editable install CI uses for everything else reads icons from the source tree, which hid that a wheel
carried none. Dependencies come from the test interpreter's own site-packages (a path line in the new
venv, so nothing is downloaded); ``dialer`` itself comes only from the wheel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK_ICONS = r"""
import os, re, sys
from pathlib import Path
import dialer
from dialer.qt import QtWidgets
app = QtWidgets.QApplication(["dialer"])
from dialer.ui import icons

def drawn(icon):
    image = icon.pixmap(32, 32).toImage()
    return any(image.pixelColor(x, y).alpha() > 0 for x in range(image.width()) for y in range(image.height()))

names = sys.argv[1].split(",")
print("package", dialer.__file__)
print("missing", ",".join(n for n in names if not drawn(icons.icon(n))))
print("app_icon", "ok" if drawn(icons.app_icon()) else "missing")
"""


def _names_drawn_by_the_ui() -> list[str]:
    found: set[str] = set()
    for path in (ROOT / "dialer").rglob("*.py"):
        found.update(re.findall(r'icons?\.icon\("([a-z_]+)"', path.read_text(encoding="utf-8")))
    return sorted(found)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                            str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp / "dist").glob("dialer_desktop-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies (PySide6, httpx...) from this interpreter; a plain path line, so the editable
    # install's own .pth there is not run and cannot shadow the wheel.
    Path(site, "deps-from-test-env.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return venv


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp), XDG_DATA_HOME=str(tmp / "data"),
               XDG_CONFIG_HOME=str(tmp / "config"), XDG_RUNTIME_DIR=str(tmp / "run"), DIALER_HOME=str(tmp / "home"))
    (tmp / "run").mkdir(mode=0o700, exist_ok=True)
    return env


def test_the_installed_wheel_draws_every_icon_the_ui_uses(wheel_venv: Path, tmp_path: Path) -> None:
    names = _names_drawn_by_the_ui()
    assert {"call", "backspace", "refresh"} <= set(names)
    out = subprocess.run([str(wheel_venv / "bin" / "python"), "-c", CHECK_ICONS, ",".join(names)],
                         capture_output=True, text=True, env=_env(tmp_path), cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    assert lines["package"].startswith(str(wheel_venv)), "the test must exercise the wheel, not the source tree"
    assert out.stdout.splitlines()[1] == "missing ", f"icons missing from the wheel: {lines.get('missing')}"
    assert lines["app_icon"] == "ok"


def test_the_installed_app_paints_its_window_with_icons(wheel_venv: Path, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    out = subprocess.run([str(wheel_venv / "bin" / "python"), "-m", "dialer.ui.screenshots", str(shots)],
                         capture_output=True, text=True, env=_env(tmp_path), cwd=tmp_path, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "No Icon set" not in out.stderr
    assert (shots / "idle-light.png").stat().st_size > 10_000


def test_register_handler_installs_the_icon_its_desktop_entry_names(wheel_venv: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    out = subprocess.run([str(wheel_venv / "bin" / "dialer"), "register-handler"], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    entries = list((tmp_path / "data" / "applications").glob("*.desktop"))
    assert entries, out.stdout
    icon_name = re.search(r"^Icon=(.+)$", entries[0].read_text(encoding="utf-8"), re.M)
    assert icon_name is not None
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / f"{icon_name.group(1)}.svg"
    assert icon.is_file() and icon.read_text(encoding="utf-8").lstrip().startswith("<")


def test_the_wheel_installs_both_commands(wheel_venv: Path, tmp_path: Path) -> None:
    # dialerw is the windowless entry point (a GUI launcher on Windows) for link handling.
    for command in ("dialer", "dialerw"):
        out = subprocess.run([str(wheel_venv / "bin" / command), "--version"], capture_output=True, text=True,
                             env=_env(tmp_path), cwd=tmp_path, timeout=60)
        assert out.returncode == 0 and out.stdout.startswith("dialer "), out.stderr

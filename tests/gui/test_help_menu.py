"""Help menu: About names the versions and licences; Open log folder opens the folder the logs are in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialer import __version__
from dialer.qt import QtCore, QtGui


def test_about_lists_the_dialer_qt_and_their_licences(window: Any, qtbot: Any, tmp_path: Path) -> None:
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[-1] == "&Help"
    window.help_menu.act_about.trigger()
    box = window.help_menu.about_box
    assert box is not None and box.isVisible()
    text = box.text()
    assert f"<td>Dialer</td><td>{__version__}</td><td>MIT</td>" in text
    assert "<td>Qt</td>" in text and "LGPL-3.0-only" in text
    assert "<td>httpx</td>" in text
    box.grab().save(str(tmp_path / "about.png"))
    box.close()


class _FileOpener(QtCore.QObject):
    """Stands in for the desktop's file manager: records which folder it was asked to show."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @QtCore.Slot(QtCore.QUrl)
    def open(self, url: QtCore.QUrl) -> None:
        self.opened.append(url.toLocalFile())


def test_open_log_folder_opens_the_folder_with_the_logs(window: Any, qtbot: Any, dialer_home: Path) -> None:
    opener = _FileOpener()
    QtGui.QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        window.help_menu.act_logs.trigger()
    finally:
        QtGui.QDesktopServices.unsetUrlHandler("file")
    assert opener.opened == [str(dialer_home / "logs")]

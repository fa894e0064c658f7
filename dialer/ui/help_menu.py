"""The Help menu: About (versions and licenses) and Open log folder.

Built with the window, so it imports nothing beyond Qt until the user opens About (importlib.metadata and
platform cost milliseconds the first paint does not need).
"""

from __future__ import annotations

import sys

from dialer.i18n import _
from dialer.qt import QtCore, QtGui, QtWidgets

TYPE_CHECKING = False  # not typing's (see dialer.ui)
if TYPE_CHECKING:
    from importlib import metadata
    from typing import Any

# What the user is running on, and under which licences; the Qt libraries are LGPL-3.0 (PySide6 wheels).
COMPONENTS = ("PySide6-Essentials", "qasync", "httpx", "phonenumbers", "keyring", "platformdirs", "vobject",
              "starlette", "uvicorn", "jeepney")
KNOWN_LICENSES = {"PySide6-Essentials": "LGPL-3.0-only", "shiboken6": "LGPL-3.0-only"}


def _license_of(dist: metadata.Distribution) -> str:
    meta: Any = dist.metadata  # an email.message.Message underneath; the protocol type lacks .get
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return ", ".join(classifiers)
    text = str(meta.get("License") or "").strip()
    return text.splitlines()[0][:40] if text else _("see its package")


def components() -> list[tuple[str, str, str]]:
    """(name, version, licence) of the dialer and each library it is built on that is installed."""
    import platform
    from importlib import metadata

    from dialer import __version__

    rows = [("Dialer", __version__, "MIT"), ("Python", platform.python_version(), "PSF-2.0"),
            ("Qt", QtCore.qVersion(), "LGPL-3.0-only")]
    for name in COMPONENTS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        rows.append((name, dist.version, KNOWN_LICENSES.get(name) or _license_of(dist)))
    return rows


def about_html() -> str:
    import html
    import platform

    rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{html.escape(v)}</td><td>{html.escape(lic)}</td></tr>"
                   for n, v, lic in components())
    return ("<h3>Dialer</h3><p>" + html.escape(_("Places calls through your web telephony provider: your phone "
                                                 "rings first, then the number you called. Dialer itself carries "
                                                 "no audio.")) + "</p>"
            f"<table cellspacing='6'><tr><th align='left'>{html.escape(_('Component'))}</th>"
            f"<th align='left'>{html.escape(_('Version'))}</th>"
            f"<th align='left'>{html.escape(_('Licence'))}</th></tr>{rows}</table>"
            f"<p>{html.escape(platform.system())} {html.escape(platform.release())}, {sys.platform}</p>")


class HelpMenu(QtCore.QObject):
    """Adds Help > About Dialer and Help > Open log folder to ``window``'s menu bar."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        menu = window.menuBar().addMenu(_("&Help"))
        self.act_logs = menu.addAction(_("Open &log folder"))
        self.act_logs.setObjectName("helpLogs")
        self.act_logs.setToolTip(_("The log and any crash reports, to attach to a bug report"))
        self.act_logs.triggered.connect(self.open_log_folder)
        menu.addSeparator()
        self.act_about = menu.addAction(_("&About Dialer"))
        self.act_about.setObjectName("helpAbout")
        self.act_about.setMenuRole(QtGui.QAction.MenuRole.AboutRole)
        self.act_about.triggered.connect(self.show_about)
        self.about_box: QtWidgets.QMessageBox | None = None

    def show_about(self) -> QtWidgets.QMessageBox:
        box = QtWidgets.QMessageBox(self.window)
        box.setWindowTitle(_("About Dialer"))
        box.setTextFormat(QtCore.Qt.TextFormat.RichText)
        box.setText(about_html())
        box.setIconPixmap(self.window.windowIcon().pixmap(64, 64))
        box.setStandardButtons(QtWidgets.QMessageBox.StandardButton.Close)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.about_box = box
        return box

    def open_log_folder(self) -> bool:
        from dialer import paths

        folder = paths.log_dir()
        opened = bool(QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(folder))))
        if not opened:
            QtWidgets.QMessageBox.information(self.window, _("Log folder"),
                                              _("The log and crash reports are in:\n{folder}").format(folder=folder))
        return opened

"""Crisp SVG icons tinted to the current palette (so they read on light and dark backgrounds).

The SVG files in ``resources/icons`` are drawn in black; :func:`icon` swaps the colour for the palette's
text colour and renders the vector at whatever size and device-pixel ratio Qt asks for, so icons never
blur. Icons are cached per (name, colour, size).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dialer.qt import QtCore, QtGui, QtWidgets

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICON_DIR = RESOURCES / "icons"
APP_ICON = RESOURCES / "dialer.svg"


@cache
def _svg_text(name: str) -> str:
    try:
        return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return ""


def _render(svg: bytes, size: int) -> QtGui.QPixmap:
    from PySide6.QtSvg import QSvgRenderer  # QtSvg only when the first icon is drawn

    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(QtCore.QByteArray(svg))
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return QtGui.QPixmap.fromImage(image)


def default_color() -> QtGui.QColor:
    app = QtWidgets.QApplication.instance()
    if isinstance(app, QtWidgets.QApplication):
        return app.palette().color(QtGui.QPalette.ColorRole.WindowText)
    return QtGui.QColor("#202124")


def icon(name: str, color: str | QtGui.QColor | None = None) -> QtGui.QIcon:
    """The named icon in ``color`` (default: the palette's text colour); an empty icon if missing."""
    text = _svg_text(name)
    if not text:
        return QtGui.QIcon()
    qcolor = QtGui.QColor(color) if color is not None else default_color()
    svg = text.replace("#000000", qcolor.name()).encode()
    result = QtGui.QIcon()
    for size in (16, 20, 24, 32, 48, 64):
        result.addPixmap(_render(svg, size))
    return result


def app_icon() -> QtGui.QIcon:
    """The application icon (resources/dialer.svg), or the call glyph until that file exists."""
    if APP_ICON.is_file():
        return QtGui.QIcon(str(APP_ICON))
    return icon("call", "#1b873f")

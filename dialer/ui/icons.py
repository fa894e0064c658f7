"""Crisp SVG icons tinted to the current palette (so they read on light and dark backgrounds).

The SVG files in ``dialer/resources/icons`` (package data: wheels, pipx and bundles carry them) are drawn in black; :func:`icon` swaps the colour for the palette's
text colour and renders the vector at whatever size and device-pixel ratio Qt asks for, so icons never
blur. Icons are rendered lazily, per size and device-pixel ratio, and cached.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dialer.qt import QtCore, QtGui, QtWidgets

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
ICON_DIR = RESOURCES / "icons"
APP_ICON = RESOURCES / "dialer.svg"
TRANSPARENT = QtGui.QColor(0, 0, 0, 0)  # not Qt.GlobalColor: see dialer.qt on the Qt namespace


@cache
def _svg_text(name: str) -> str:
    try:
        return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return ""


def _render(svg: bytes, width: int, height: int, scale: float = 1.0) -> QtGui.QPixmap:
    """The vector drawn at ``width`` x ``height`` (times ``scale``), by Qt's SVG image plugin.

    The plugin renders with QSvgRenderer, antialiased, into a transparent image: the same pixels as
    drawing with a QSvgRenderer from Python, without importing PySide6.QtSvg, whose QSvgRenderer class
    makes PySide build the whole Qt namespace (~13 ms) when the first icon is drawn before the first paint.
    """
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    buffer = QtCore.QBuffer()
    buffer.setData(QtCore.QByteArray(svg))
    buffer.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
    reader = QtGui.QImageReader(buffer, QtCore.QByteArray(b"svg"))
    reader.setScaledSize(QtCore.QSize(w, h))
    image = reader.read()
    if image.isNull():  # no SVG plugin: an empty (transparent) icon rather than an error
        image = QtGui.QImage(w, h, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(TRANSPARENT)
    pixmap = QtGui.QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(scale)
    return pixmap


class _SvgIconEngine(QtGui.QIconEngine):
    """Renders the vector only at the sizes Qt actually asks for (nothing is drawn at start-up)."""

    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._cache: dict[tuple[int, int, float, bool], QtGui.QPixmap] = {}

    def _pixmap(self, size: QtCore.QSize, mode: QtGui.QIcon.Mode, scale: float) -> QtGui.QPixmap:
        disabled = mode == QtGui.QIcon.Mode.Disabled
        key = (size.width(), size.height(), scale, disabled)
        pixmap = self._cache.get(key)
        if pixmap is None:
            pixmap = _render(self._svg, size.width(), size.height(), scale)
            if disabled:
                faded = QtGui.QPixmap(pixmap.size())
                faded.setDevicePixelRatio(scale)
                faded.fill(TRANSPARENT)
                painter = QtGui.QPainter(faded)
                painter.setOpacity(0.4)
                painter.drawPixmap(0, 0, pixmap)
                painter.end()
                pixmap = faded
            self._cache[key] = pixmap
        return pixmap

    def pixmap(self, size: QtCore.QSize, mode: QtGui.QIcon.Mode, state: QtGui.QIcon.State) -> QtGui.QPixmap:
        return self._pixmap(size, mode, 1.0)

    def scaledPixmap(self, size: QtCore.QSize, mode: QtGui.QIcon.Mode, state: QtGui.QIcon.State,
                     scale: float) -> QtGui.QPixmap:
        return self._pixmap(size, mode, scale)

    def paint(self, painter: QtGui.QPainter, rect: QtCore.QRect, mode: QtGui.QIcon.Mode,
              state: QtGui.QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        painter.drawPixmap(rect, self._pixmap(rect.size(), mode, scale))

    def clone(self) -> QtGui.QIconEngine:
        return _SvgIconEngine(self._svg)


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
    return QtGui.QIcon(_SvgIconEngine(svg))


def app_icon() -> QtGui.QIcon:
    """The application icon (dialer/resources/dialer.svg), or the call glyph if that file is missing."""
    if APP_ICON.is_file():
        return QtGui.QIcon(str(APP_ICON))
    return icon("call", "#1b873f")

"""Light and dark looks: follow the system (QStyleHints.colorScheme) or a forced choice from settings.

Everything uses the Fusion style so both looks are predictable on every desktop; dark mode gets a full
dark palette (Fusion draws with the palette), light mode the standard Fusion palette. Accent colours the
call UI uses (green Call, red Hang up, warnings) are picked per look so text on them keeps its contrast.
"""

from __future__ import annotations

from dialer.qt import QtCore, QtGui, QtWidgets

MODES = ("system", "light", "dark")


class Accents:
    """The look's accent colours (a plain class: typing.NamedTuple would import typing before the paint)."""

    __slots__ = ("badge", "call", "call_text", "disabled_bg", "disabled_text", "hangup", "hangup_text", "muted",
                 "ok", "warning")

    def __init__(self, *, call: str, call_text: str, hangup: str, hangup_text: str, warning: str, ok: str,
                 muted: str, badge: str, disabled_bg: str, disabled_text: str) -> None:
        self.call = call
        self.call_text = call_text
        self.hangup = hangup
        self.hangup_text = hangup_text
        self.warning = warning
        self.ok = ok
        self.muted = muted
        self.badge = badge
        self.disabled_bg = disabled_bg
        self.disabled_text = disabled_text


LIGHT = Accents(call="#1b873f", call_text="#ffffff", hangup="#c62828", hangup_text="#ffffff",
                warning="#9a5b00", ok="#1b6e34", muted="#5f6368", badge="#6a1b9a",
                disabled_bg="#d5d7da", disabled_text="#6b7075")
DARK = Accents(call="#2e9e55", call_text="#ffffff", hangup="#d84343", hangup_text="#ffffff",
               warning="#f0b04a", ok="#6fd08c", muted="#a3a8ae", badge="#ce93d8",
               disabled_bg="#2f3134", disabled_text="#8a8f95")


class ThemeState(QtCore.QObject):
    """The current look; ``changed`` fires when it flips (system change or settings)."""

    changed = QtCore.Signal(bool)  # is_dark

    def __init__(self) -> None:
        super().__init__()
        self.mode = "system"
        self.is_dark = False
        self.styled = False


_state: ThemeState | None = None


def state() -> ThemeState:
    global _state
    if _state is None:
        _state = ThemeState()
    return _state


def accents() -> Accents:
    return DARK if state().is_dark else LIGHT


def system_is_dark() -> bool:
    """Whether the desktop asks for a dark look (the platform theme's colour scheme is Dark).

    Asked of Fusion, whose standard palette is dark exactly when the platform theme's colour scheme is
    (Qt 6.5+: ``qt_fusionPalette()``), rather than of ``QStyleHints.colorScheme()``: that returns a
    ``Qt.ColorScheme``, and the first value of the Qt namespace in Python makes PySide build all 94 of its
    enums (~13 ms before the first paint; the style costs ~5 ms). Any other style: the colour scheme.
    """
    style = QtWidgets.QApplication.style()
    if style is not None and style.name().lower() == "fusion":
        window = style.standardPalette().color(QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorRole.Window)
        return window.lightness() < 128
    hints = QtGui.QGuiApplication.styleHints()
    try:
        return bool(hints.colorScheme() == QtCore.Qt.ColorScheme.Dark)
    except AttributeError:  # Qt < 6.5
        return False


def dark_palette() -> QtGui.QPalette:
    pal = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    group = QtGui.QPalette.ColorGroup
    window = QtGui.QColor("#202124")
    base = QtGui.QColor("#17181a")
    alt = QtGui.QColor("#26282b")
    text = QtGui.QColor("#e8eaed")
    button = QtGui.QColor("#303134")
    highlight = QtGui.QColor("#3d7bd9")
    disabled = QtGui.QColor("#7c8085")
    pal.setColor(role.Window, window)
    pal.setColor(role.WindowText, text)
    pal.setColor(role.Base, base)
    pal.setColor(role.AlternateBase, alt)
    pal.setColor(role.ToolTipBase, QtGui.QColor("#3c4043"))
    pal.setColor(role.ToolTipText, text)
    pal.setColor(role.PlaceholderText, QtGui.QColor("#9aa0a6"))
    pal.setColor(role.Text, text)
    pal.setColor(role.Button, button)
    pal.setColor(role.ButtonText, text)
    pal.setColor(role.BrightText, QtGui.QColor("#ff6b6b"))
    pal.setColor(role.Link, QtGui.QColor("#8ab4f8"))
    pal.setColor(role.LinkVisited, QtGui.QColor("#c58af9"))
    pal.setColor(role.Highlight, highlight)
    pal.setColor(role.HighlightedText, QtGui.QColor("#ffffff"))
    pal.setColor(role.Light, QtGui.QColor("#45474b"))
    pal.setColor(role.Midlight, QtGui.QColor("#3a3c40"))
    pal.setColor(role.Mid, QtGui.QColor("#2a2c2f"))
    pal.setColor(role.Dark, QtGui.QColor("#111213"))
    pal.setColor(role.Shadow, QtGui.QColor("#000000"))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, disabled)
    pal.setColor(group.Disabled, role.Button, QtGui.QColor("#2a2b2e"))
    pal.setColor(group.Disabled, role.Base, QtGui.QColor("#1d1e20"))
    return pal


def light_palette() -> QtGui.QPalette:
    """Fusion's light colours, written out: asking the style would follow a dark desktop even when the
    user forced the light look."""
    pal = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    group = QtGui.QPalette.ColorGroup
    window = QtGui.QColor("#efefef")
    text = QtGui.QColor("#000000")
    disabled = QtGui.QColor("#bebebe")
    pal.setColor(role.Window, window)
    pal.setColor(role.WindowText, text)
    pal.setColor(role.Base, QtGui.QColor("#ffffff"))
    pal.setColor(role.AlternateBase, QtGui.QColor("#f7f7f7"))
    pal.setColor(role.ToolTipBase, QtGui.QColor("#ffffdc"))
    pal.setColor(role.ToolTipText, text)
    pal.setColor(role.PlaceholderText, QtGui.QColor("#6b7075"))
    pal.setColor(role.Text, text)
    pal.setColor(role.Button, window)
    pal.setColor(role.ButtonText, text)
    pal.setColor(role.BrightText, QtGui.QColor("#ffffff"))
    pal.setColor(role.Link, QtGui.QColor("#1a5fb4"))
    pal.setColor(role.LinkVisited, QtGui.QColor("#813d9c"))
    pal.setColor(role.Highlight, QtGui.QColor("#308cc6"))
    pal.setColor(role.HighlightedText, QtGui.QColor("#ffffff"))
    pal.setColor(role.Light, QtGui.QColor("#ffffff"))
    pal.setColor(role.Midlight, QtGui.QColor("#cacaca"))
    pal.setColor(role.Mid, QtGui.QColor("#b8b8b8"))
    pal.setColor(role.Dark, QtGui.QColor("#9f9f9f"))
    pal.setColor(role.Shadow, QtGui.QColor("#767676"))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, disabled)
    pal.setColor(group.Disabled, role.Base, window)
    return pal


def _stylesheet(acc: Accents) -> str:
    return f"""
QPushButton#callButton {{ background: {acc.call}; color: {acc.call_text}; border: none;
    border-radius: 6px; padding: 8px 18px; font-weight: 600; }}
QPushButton#callButton:disabled {{ background: {acc.disabled_bg}; color: {acc.disabled_text}; }}
QPushButton#hangupButton {{ background: {acc.hangup}; color: {acc.hangup_text}; border: none;
    border-radius: 6px; padding: 8px 18px; font-weight: 600; }}
QPushButton#hangupButton:disabled {{ background: {acc.disabled_bg}; color: {acc.disabled_text}; }}
QLabel#demoBadge {{ background: {acc.badge}; color: palette(window); border-radius: 4px;
    padding: 1px 8px; font-weight: 600; }}
QLabel[role="muted"] {{ color: {acc.muted}; }}
QLabel[role="warning"] {{ color: {acc.warning}; }}
QLabel[role="ok"] {{ color: {acc.ok}; }}
QToolButton[role="digit"] {{ font-size: 18px; }}
"""


# Given to the QApplication constructor (``dialer.ui.app.create_app``): Qt builds Fusion directly, and no
# QStyle reaches Python (the first one makes PySide set up the QStyle class: ~5 ms before the first paint).
STYLE_ARGS = ("-style", "Fusion")


def styled_by_arguments() -> None:
    """The QApplication was created with :data:`STYLE_ARGS`: :func:`apply` need not set the style."""
    state().styled = True


def apply(app: QtWidgets.QApplication, mode: str = "system") -> bool:
    """Apply ``mode`` ("system" | "light" | "dark"); returns whether the result is dark."""
    st = state()
    st.mode = mode if mode in MODES else "system"
    dark = system_is_dark() if st.mode == "system" else st.mode == "dark"
    if not st.styled:  # set once, without building the platform's default style first
        app.setStyle("Fusion")
        st.styled = True
    app.setPalette(dark_palette() if dark else light_palette())
    app.setStyleSheet(_stylesheet(DARK if dark else LIGHT))
    was_dark = st.is_dark
    st.is_dark = dark
    if was_dark != dark:
        st.changed.emit(dark)
    return dark


def follow_system(app: QtWidgets.QApplication) -> None:
    """Re-apply the look when the desktop switches between light and dark (only in "system" mode)."""
    hints = QtGui.QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is None:
        return

    def _on_change(*_args: object) -> None:
        if state().mode == "system":
            apply(app, "system")

    signal.connect(_on_change)

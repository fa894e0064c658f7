"""The live call: both legs as a timeline, elapsed time, cost so far, Hang up, DTMF keys, the outcome.

Driven entirely by :meth:`CallPanel.show_call` with the service's ``ActiveCall`` snapshots. The one-second
timer that ticks the elapsed time runs only while a call is live; it stops when the call finishes so an
idle app has no periodic wake-ups.
"""

from __future__ import annotations

from typing import Any

from dialer.core.calls import LegRole, LegState
from dialer.providers.base import HangupSupport
from dialer.qt import QtCore, QtWidgets
from dialer.ui import icons
from dialer.ui.balance_widget import money
from dialer.ui.dialpad import DialPad

ROLE_NAMES = {LegRole.SELF: "Your phone", LegRole.DESTINATION: "Destination"}

OUTCOME_WORDS = {
    LegState.COMPLETED: "Call ended.",
    LegState.BUSY: "The line was busy.",
    LegState.NO_ANSWER: "Nobody answered.",
    LegState.REJECTED: "The call was declined.",
    LegState.FAILED: "The call could not be connected.",
    LegState.CANCELED: "The call was cancelled.",
    LegState.UNKNOWN: "The provider did not report how the call ended.",
}


def elapsed_text(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def outcome_words(active: Any) -> str:
    """The final outcome in plain words: the error when there is one, else read from the legs."""
    if getattr(active, "error", None):
        return str(active.error)
    legs = active.call.legs
    if not any(leg.state.is_terminal for leg in legs):
        return str(active.accepted_words())
    own = active.call.leg(LegRole.SELF)
    state = active.call.outcome
    dest = active.call.leg(LegRole.DESTINATION)
    if (own is not None and own.state is LegState.COMPLETED and dest is not None
            and dest.state is LegState.UNKNOWN):
        name = active.plan.account.capabilities.display_name
        return f"Call ended. Your phone answered; {name} does not report whether the destination answered."
    dest_untouched = dest is None or dest.state in (LegState.QUEUED, LegState.UNKNOWN, LegState.CANCELED)
    if own is not None and own.state is state and state in _OWN_WORDS and dest_untouched:
        return _OWN_WORDS[state]
    return OUTCOME_WORDS.get(state, "Call ended.")


_OWN_WORDS = {
    LegState.BUSY: "Your phone was busy, so the number was not called.",
    LegState.NO_ANSWER: "You did not answer your phone, so the number was not called.",
    LegState.REJECTED: "You declined the call on your phone.",
}


class LegRow(QtWidgets.QWidget):
    """One leg: its name, the states it went through ("ringing → answered"), and the current one."""

    def __init__(self, role: LegRole, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.history: list[LegState] = []
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        self.dot = QtWidgets.QLabel("●", self)
        self.dot.setFixedWidth(16)
        self.name = QtWidgets.QLabel(ROLE_NAMES[role], self)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.name.setMinimumWidth(96)
        self.states = QtWidgets.QLabel("waiting", self)
        self.states.setObjectName(f"leg_{role.value}")
        self.states.setAccessibleName(f"{ROLE_NAMES[role]} status")
        self.states.setWordWrap(True)
        row.addWidget(self.dot)
        row.addWidget(self.name)
        row.addWidget(self.states, 1)

    def update_state(self, state: LegState | None, reported: bool = True) -> None:
        if state is None:
            return
        if state is not LegState.QUEUED and (not self.history or self.history[-1] is not state):
            self.history.append(state)
        if not reported and not state.is_terminal:
            text = "not reported by this provider"
        elif self.history:
            text = " → ".join(s.label for s in self.history)
        else:
            text = LegState.QUEUED.label
        self.states.setText(text)
        color = {LegState.ANSWERED: "#2e9e55", LegState.RINGING: "#e0a000", LegState.COMPLETED: "#7c8085"}
        if state.is_terminal and state is not LegState.COMPLETED:
            tint = "#d84343"
        else:
            tint = color.get(state, "#7c8085")
        self.dot.setStyleSheet(f"color: {tint};")

    def current_text(self) -> str:
        return self.states.text()


class CallPanel(QtWidgets.QWidget):
    hangupRequested = QtCore.Signal(int)
    dtmfRequested = QtCore.Signal(int, str)
    cancelPostdialRequested = QtCore.Signal(int)
    sendPostdialRequested = QtCore.Signal(int)
    dismissed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callPanel")
        self.setAccessibleName("Current call")
        self.active: Any = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(8)
        self.title = QtWidgets.QLabel(self)
        self.title.setObjectName("callTitle")
        self.title.setAccessibleName("Calling")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.subtitle = QtWidgets.QLabel(self)
        self.subtitle.setProperty("role", "muted")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)

        self.legs_box = QtWidgets.QGroupBox("Progress", self)
        self.legs_layout = QtWidgets.QVBoxLayout(self.legs_box)
        self.leg_rows: dict[LegRole, LegRow] = {}
        layout.addWidget(self.legs_box)

        stats = QtWidgets.QHBoxLayout()
        self.elapsed = QtWidgets.QLabel("00:00", self)
        self.elapsed.setObjectName("elapsed")
        self.elapsed.setAccessibleName("Elapsed time")
        efont = self.elapsed.font()
        efont.setPointSizeF(efont.pointSizeF() * 1.8)
        self.elapsed.setFont(efont)
        self.cost = QtWidgets.QLabel(self)
        self.cost.setObjectName("costSoFar")
        self.cost.setAccessibleName("Cost so far")
        self.cost.setProperty("role", "muted")
        stats.addWidget(self.elapsed)
        stats.addStretch(1)
        stats.addWidget(self.cost)
        layout.addLayout(stats)

        postdial = QtWidgets.QHBoxLayout()
        self.postdial = QtWidgets.QLabel(self)
        self.postdial.setObjectName("pendingDtmf")
        self.postdial.setAccessibleName("Digits to send after answer")
        self.postdial.setWordWrap(True)
        self.cancel_postdial = QtWidgets.QPushButton("Don't send", self)
        self.cancel_postdial.setAccessibleName("Cancel queued digits")
        self.cancel_postdial.clicked.connect(self._cancel_postdial)
        self.send_postdial = QtWidgets.QPushButton(self)
        self.send_postdial.setObjectName("sendPostdialButton")
        self.send_postdial.setAccessibleName("Send the digits now")
        self.send_postdial.setToolTip("The provider does not report when the destination answers: press this "
                                      "once you hear it (or its menu).")
        self.send_postdial.clicked.connect(self._send_postdial)
        postdial.addWidget(self.postdial, 1)
        postdial.addWidget(self.send_postdial)
        postdial.addWidget(self.cancel_postdial)
        layout.addLayout(postdial)

        self.keypad_note = QtWidgets.QLabel(self)
        self.keypad_note.setProperty("role", "muted")
        self.keypad_note.setWordWrap(True)
        layout.addWidget(self.keypad_note)
        self.keypad = DialPad(self, compact=True, name="Call keypad")
        self.keypad.setObjectName("callKeypad")
        self.keypad.pressed.connect(self._key)
        layout.addWidget(self.keypad)
        self.sent = QtWidgets.QLabel(self)
        self.sent.setObjectName("sentDtmf")
        self.sent.setAccessibleName("Tones sent")
        self.sent.setProperty("role", "muted")
        layout.addWidget(self.sent)

        self.outcome = QtWidgets.QLabel(self)
        self.outcome.setObjectName("outcome")
        self.outcome.setAccessibleName("Call outcome")
        self.outcome.setWordWrap(True)
        ofont = self.outcome.font()
        ofont.setPointSizeF(ofont.pointSizeF() * 1.2)
        ofont.setBold(True)
        self.outcome.setFont(ofont)
        layout.addWidget(self.outcome)
        self.hangup_notice = QtWidgets.QLabel(self)  # why a hang-up did not end the call, and what to do
        self.hangup_notice.setObjectName("hangupNotice")
        self.hangup_notice.setAccessibleName("Hang-up result")
        self.hangup_notice.setProperty("role", "warning")
        self.hangup_notice.setWordWrap(True)
        self.hangup_notice.hide()
        layout.addWidget(self.hangup_notice)
        layout.addStretch(1)

        buttons = QtWidgets.QHBoxLayout()
        self.hangup = QtWidgets.QPushButton(icons.icon("call_end", "#ffffff"), "Hang up", self)
        self.hangup.setObjectName("hangupButton")
        self.hangup.setAccessibleName("Hang up")
        self.hangup.setShortcut("Esc")
        self.hangup.clicked.connect(self._hang_up)
        self.done = QtWidgets.QPushButton("Back to dial pad", self)
        self.done.setObjectName("doneButton")
        self.done.setAccessibleName("Back to dial pad")
        self.done.clicked.connect(self.dismissed)
        buttons.addStretch(1)
        buttons.addWidget(self.hangup)
        buttons.addWidget(self.done)
        layout.addLayout(buttons)

        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.sent_digits = ""
        self.hangup_pending = False

    # -- state --------------------------------------------------------------------------------------
    @property
    def call_id(self) -> int | None:
        return None if self.active is None else int(self.active.id)

    @property
    def is_live(self) -> bool:
        return self.active is not None and not self.active.finished

    def show_call(self, active: Any) -> None:
        """Show (or update to) this snapshot of the call."""
        new_call = self.active is None or self.active.id != active.id
        self.active = active
        caps = active.plan.account.capabilities
        if new_call:
            self._reset(active)
        plan = active.plan
        name = getattr(plan, "display_name", None)
        number = plan.info.international if plan.info is not None else plan.destination
        self.title.setText(name or number)
        extra = [number] if name else []
        if plan.info is not None and plan.info.country_name:
            extra.append(plan.info.country_name)
        extra.append(f"via {plan.account.display_name}")
        self.subtitle.setText(" · ".join(extra))

        from dialer.providers.base import LegReporting

        reported = caps.leg_status is not LegReporting.NONE
        for leg in active.call.legs:
            row = self.leg_rows.get(leg.role)
            if row is not None:
                two_legs = caps.leg_status is LegReporting.TWO_LEGS or leg.role is LegRole.DESTINATION
                own_leg = active.call.leg(LegRole.SELF)
                unreported_dest = (leg.role is LegRole.DESTINATION and leg.state is LegState.UNKNOWN
                                   and own_leg is not None  # e.g. a Ringez bridge call: only your leg
                                   and own_leg.state in (LegState.ANSWERED, LegState.COMPLETED))
                row.update_state(leg.state, reported=reported and not unreported_dest
                                 and (two_legs or leg.state.is_terminal or leg.state is not LegState.QUEUED))
        self._tick()

        pending = getattr(active, "pending_dtmf", "")
        offered = getattr(active, "offered_dtmf", "")
        if offered:
            self.postdial.setText("When the destination answers, send:")
        else:
            self.postdial.setText(f"After answer, will send: {pending}" if pending else "")
        self.postdial.setVisible(bool(pending or offered) and not active.finished)
        self.cancel_postdial.setVisible(bool(pending) and not offered and not active.finished)
        self.send_postdial.setText(f"Send {offered}")
        self.send_postdial.setVisible(bool(offered) and not active.finished)
        self.send_postdial.setEnabled(bool(offered))

        own = active.call.leg(LegRole.SELF)
        dest = active.call.leg(LegRole.DESTINATION)
        # Your phone answered and the destination's answer is not reported: keys may be needed any time.
        answered = active.answered_at is not None
        keys_ok = answered or (own is not None and own.state is LegState.ANSWERED and dest is not None
                               and dest.state is LegState.UNKNOWN)
        self.keypad.setVisible(caps.dtmf and not active.finished)
        self.keypad.setEnabled(caps.dtmf and keys_ok)
        if not caps.dtmf:
            self.keypad_note.setText(f"{caps.display_name} cannot send key presses; use your phone's keypad.")
        elif not keys_ok and not active.finished:
            self.keypad_note.setText("The keypad works once the call is answered.")
        else:
            self.keypad_note.setText("")
        self.keypad_note.setVisible(bool(self.keypad_note.text()) and not active.finished)
        self.sent.setText(f"Sent: {self.sent_digits}" if self.sent_digits else "")

        self._update_hangup(caps, answered, active.finished)
        if active.finished:
            self.timer.stop()
            self.outcome.setText(outcome_words(active))
            self.outcome.setProperty("role", "ok" if active.call.outcome is LegState.COMPLETED
                                     and not active.error else "warning")
            self.outcome.style().unpolish(self.outcome)
            self.outcome.style().polish(self.outcome)
            self.outcome.show()
            self.done.show()
            self.done.setDefault(True)
            self.hangup.hide()
            self.hangup_notice.hide()
        else:
            self.outcome.hide()
            self.done.hide()
            self.hangup.show()
            if answered and not self.timer.isActive():
                self.timer.start()

    def _reset(self, active: Any) -> None:
        for row in self.leg_rows.values():
            row.setParent(None)
            row.deleteLater()
        self.leg_rows.clear()
        for leg in active.call.legs:
            row = LegRow(leg.role, self.legs_box)
            self.legs_layout.addWidget(row)
            self.leg_rows[leg.role] = row
        self.sent_digits = ""
        self.hangup_pending = False
        self.hangup.setText("Hang up")
        self.hangup_notice.clear()
        self.hangup_notice.hide()
        self.cancel_postdial.setEnabled(True)
        self.timer.stop()

    def _update_hangup(self, caps: Any, answered: bool, finished: bool) -> None:
        support = caps.hangup
        note = caps.hangup_note
        if support is HangupSupport.NEVER:
            self.hangup.setEnabled(False)
            self.hangup.setToolTip(note or f"{caps.display_name} cannot end calls from the app; "
                                           "hang up on your phone.")
        elif support is HangupSupport.BEFORE_CONNECT and answered:
            self.hangup.setEnabled(False)
            self.hangup.setToolTip(note or "Once connected, this call can only be ended from your phone.")
        else:
            self.hangup.setEnabled(not finished and not self.hangup_pending)
            self.hangup.setToolTip("End the call (Esc)")

    def _tick(self) -> None:
        if self.active is None:
            return
        self.elapsed.setText(elapsed_text(self.active.elapsed_s()))
        cost = self.active.cost_so_far()
        currency = getattr(self.active, "currency", None) or self.active.plan.currency
        rate = getattr(self.active.plan, "rate_per_minute", None)
        if not self.active.finished and rate is not None:
            # Live: the estimate from the rate (billed per started minute) beats a running total the
            # provider may report only at the end (some report 0.00 until then).
            started_minutes = -(-int(self.active.elapsed_s()) // 60) if self.active.elapsed_s() > 0 else 0
            cost = rate * max(started_minutes, 1 if self.active.answered_at is not None else 0)
            currency = self.active.plan.currency
        if self.active.answered_at is None and not self.active.finished:
            self.cost.setText(f"{money(rate, self.active.plan.currency)} per minute" if rate is not None else "")
        elif cost is None:
            self.cost.setText("")
        elif self.active.finished and getattr(self.active, "cost", None) is not None:
            self.cost.setText(f"Cost: {money(cost, currency)}")
        else:
            self.cost.setText(f"About {money(cost, currency)} so far")

    # -- actions ------------------------------------------------------------------------------------
    def _hang_up(self) -> None:
        if self.is_live and self.hangup.isEnabled():
            self.hangup_pending = True
            self.hangup.setEnabled(False)
            self.hangup.setText("Hanging up…")
            self.hangupRequested.emit(self.call_id)

    def hangup_failed(self, message: str = "") -> None:
        """The hang-up did not end the call: show why and what to do (e.g. decline on the phone)."""
        self.hangup_pending = False
        self.hangup.setText("Hang up")
        self.hangup_notice.setText(message)
        self.hangup_notice.setVisible(bool(message) and self.is_live)
        if self.active is not None:
            self._update_hangup(self.active.plan.account.capabilities, self.active.answered_at is not None,
                                self.active.finished)

    def send_key(self, digit: str) -> bool:
        """Send a tone if the call can take one now; returns whether it was sent."""
        if not (self.is_live and self.keypad.isVisible() and self.keypad.isEnabled()):
            return False
        self._key(digit)
        return True

    def _key(self, digit: str) -> None:
        if not self.is_live or digit == "+":
            return
        self.sent_digits += digit
        self.sent.setText(f"Sent: {self.sent_digits}")
        self.dtmfRequested.emit(self.call_id, digit)

    def _send_postdial(self) -> None:
        if self.is_live and self.active.offered_dtmf:
            self.send_postdial.setEnabled(False)
            self.sendPostdialRequested.emit(self.call_id)

    def _cancel_postdial(self) -> None:
        if self.is_live:
            self.cancelPostdialRequested.emit(self.call_id)
            self.cancel_postdial.setEnabled(False)

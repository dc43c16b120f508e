"""What the right side shows while several queue rows are selected: how many, and the
bulk actions an officer has (claim, internal note, change status, transfer), each
enabled when it fits at least one of the selected cases."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desk.actions import MAX_BULK
from ui import text
from ui.resources import icon

# (op type, icon, shortcut): the same keys as the case pane's buttons for one case, so
# a key means the same action whether one case or many are selected (only one of the
# two is on screen at a time, and a hidden widget's shortcuts do not fire).
BULK_BUTTONS = (
    ("claim", "claim", "Ctrl+Shift+L"),
    ("note", "note", "Ctrl+Shift+N"),
    ("set_status", "status", "Ctrl+Shift+S"),
    ("transfer", "transfer", "Ctrl+Shift+T"),
)


class BulkPanel(QWidget):
    sig_bulk_requested = Signal(str)  # op type

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("bulkPanel")
        self.count = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.count_label = QLabel()
        self.count_label.setObjectName("caseNumber")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.count_label)
        self.hint = QLabel(self.tr("Each action is one operation per case; a case it does not "
                                   "fit is left as it is, and the summary says why."))
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setObjectName("entryMeta")
        layout.addWidget(self.hint)
        self.buttons: dict[str, QPushButton] = {}
        self.shortcuts: dict[str, QShortcut] = {}
        for op_type, icon_name, key in BULK_BUTTONS:
            row = QHBoxLayout()
            button = QPushButton(icon(icon_name), self._caption(op_type))
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{self._caption(op_type)} ({key})")
            button.clicked.connect(lambda _=False, t=op_type: self.sig_bulk_requested.emit(t))
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setWhatsThis(self.tr("%1 (the selected cases)").replace("%1", self._caption(op_type)))
            shortcut.activated.connect(lambda t=op_type: self._shortcut(t))
            row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
            self.buttons[op_type] = button
            self.shortcuts[op_type] = shortcut
        self.fits = QLabel()
        self.fits.setWordWrap(True)
        self.fits.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.fits)
        layout.addStretch(1)

    def _caption(self, op_type: str) -> str:
        captions = {"claim": self.tr("Claim"), "note": self.tr("Internal note…"),
                    "set_status": self.tr("Change status…"), "transfer": self.tr("Transfer…")}
        return captions.get(op_type, text.label("Op", op_type))

    def show_count(self, count: int) -> None:
        """A new selection: its size at once; what fits follows from `show_fits`."""
        self.count = count
        self.count_label.setText(self.tr("%n case(s) selected", "", count))
        if count > MAX_BULK:
            self.fits.setText(self.tr("At most %1 cases can be changed at once; select fewer.")
                              .replace("%1", str(MAX_BULK)))
            for button in self.buttons.values():
                button.setEnabled(False)
        else:
            self.fits.setText(self.tr("Checking what each action fits…"))

    def show_fits(self, fits: dict[str, int]) -> None:
        """How many of the selected cases each action fits (desk.actions.allowed_on)."""
        lines = []
        for op_type, button in self.buttons.items():
            n = fits.get(op_type, 0)
            button.setEnabled(n > 0)
            lines.append(self.tr("%1: %2 of %3").replace("%1", self._caption(op_type).rstrip("…"))
                         .replace("%2", str(n)).replace("%3", str(self.count)))
        self.fits.setText("\n".join(lines))

    def _shortcut(self, op_type: str) -> None:
        if self.buttons[op_type].isEnabled():
            self.sig_bulk_requested.emit(op_type)

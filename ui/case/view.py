"""The case pane: header and accountability, clocks explained, the masked citizen with
a Show button, the case body and the timeline, the action bar and the composer.

Every piece of citizen text is shown as plain text (QLabel with Qt.PlainText, read-only
QPlainTextEdit): a body holding <img src=x> shows those characters literally.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.actions import allowed_on
from desk.clocks import explain_shown_clock
from desk.masking import fields_in_text, mask_citizen, mask_text
from desk.rules import KNOWN_STATUSES
from ui import text
from ui.attachments.attach import AttachList
from ui.attachments.files import FilesPanel
from ui.case.related import RelatedCases
from ui.clockfmt import DUE_SOON_STATE, OK, OVERDUE, PAUSED, utcnow
from ui.resources import icon

CLOCK_OBJECT_NAMES = {OVERDUE: "clockOverdue", DUE_SOON_STATE: "clockDueSoon", OK: "clockOk",
                      PAUSED: "clockPaused"}

# Action buttons in the bar, in order: (op type, icon, shortcut).
ACTION_BUTTONS = (
    ("claim", "claim", "Ctrl+Shift+L"),
    ("accept", "accept", "Ctrl+Shift+A"),
    ("decline", "decline", "Ctrl+Shift+D"),
    ("callback", "callback", "Ctrl+Shift+B"),
    ("set_status", "status", "Ctrl+Shift+S"),
    ("transfer", "transfer", "Ctrl+Shift+T"),
    ("reassign", "reassign", "Ctrl+Shift+G"),
)

COMPOSE_MODES = ("reply", "note", "urge")


def plain_label(value: str = "", *, object_name: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(wrap)
    label.setText(value)
    if object_name:
        label.setObjectName(object_name)
    return label


class EntryWidget(QFrame):
    """One timeline entry. Its look says what it is: citizen, late, pending, conflicting.

    The pane keeps its entry widgets and refills them (`set_entry`) when another case is
    shown: building a frame of labels per entry on every selection kept the GUI thread
    busy for tens of milliseconds on a long timeline."""

    def __init__(self, entry: dict, context, parent=None, *, mask=lambda t: t):
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        self.title = plain_label()
        self.title.setStyleSheet("font-weight: 600;")
        self.meta = plain_label(object_name="entryMeta")
        self.detail = plain_label()
        self.body = plain_label()
        for label in (self.title, self.meta, self.detail, self.body):
            layout.addWidget(label)
        self.set_entry(entry, mask=mask)

    def set_entry(self, entry: dict, *, mask=lambda t: t) -> None:
        context = self.context
        state = entry.get("local_state")
        if state == "conflict":
            look = "entryConflict"
        elif state == "pending":
            look = "entryPending"
        elif entry.get("late"):
            look = "entryLate"
        elif entry.get("type") == "citizen_message":
            look = "entryCitizen"
        else:
            look = "entry"
        _set_look(self, look)
        self.entry = entry
        zone = context.formatter.zone
        head = text.label("Entry", entry.get("type"))
        marks = []
        if state == "pending":
            marks.append(self.tr("not sent yet"))
        elif state == "conflict":
            marks.append(self.tr("conflict: not applied"))
        if entry.get("late"):
            marks.append(self.tr("recorded late"))
        if marks:
            head += "  [" + ", ".join(marks) + "]"
        self.title.setText(head)
        author = entry.get("author_name") or context.officer_name(entry.get("author_id"))
        done = text.format_local(entry.get("performed_at"), zone)
        if entry.get("type") == "citizen_message" or (entry.get("type") == "rating" and not author):
            # A citizen has no unit and the platform received it when it was written.
            meta = self.tr("citizen · %1").replace("%1", done)
        elif entry.get("type") == "status" and (entry.get("data") or {}).get("by") == "citizen":
            meta = self.tr("automatic, after the citizen's message · %1").replace("%1", done)
        else:
            meta = (self.tr("%1 · %2 · done %3 · received %4") if state is None
                    else self.tr("%1 · %2 · done %3 · not yet received by the platform"))
            meta = (meta.replace("%1", author or "-")
                    .replace("%2", context.unit_name(entry.get("unit_id")) or "-")
                    .replace("%3", done)
                    .replace("%4", text.format_local(entry.get("received_at"), zone)))
        self.meta.setText(meta)
        detail = _entry_detail(entry, context)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        # Citizens' numbers and names in any text stay masked until the officer reveals.
        self.body.setText(mask(entry.get("body") or ""))
        self.body.setVisible(bool(entry.get("body")))


def _entry_detail(entry: dict, context) -> str:
    data = entry.get("data") or {}
    kind = entry.get("type")

    if kind == "callback":
        parts = [text.label("Outcome", data.get("outcome"))]
        if data.get("duration_s"):
            parts.append(QCoreApplication.translate("Text", "%n minute(s)", None, max(1, int(data["duration_s"]) // 60)))
        if data.get("satisfaction"):
            parts.append(text.label("Satisfaction", data.get("satisfaction")))
        return " · ".join(p for p in parts if p)
    if kind == "status":
        target = data.get("to")
        return QCoreApplication.translate("Text", "Now: %1").replace("%1", text.label("Status", target)) if target else ""
    if kind == "transfer":
        return QCoreApplication.translate("Text", "To: %1").replace("%1", context.unit_name(data.get("to_unit_id")))
    if kind == "reassign":
        return QCoreApplication.translate("Text", "To: %1").replace("%1", context.officer_name(data.get("to_officer_id")))
    if kind == "reveal":
        return text.label("Field", data.get("field"))
    if kind == "rating":
        return QCoreApplication.translate("Text", "Score: %1 / 5").replace("%1", str(data.get("score", "")))
    if kind == "reply" and data.get("notify_sms"):
        return QCoreApplication.translate("Text", "SMS notice sent")
    return ""


class CasePane(QWidget):
    # (op type, case id): the pane asks the window to run an action (dialogs live there).
    sig_action_requested = Signal(str, str)
    # (mode, case id, body, notify_sms, attached file paths): the composer asks to send.
    sig_send_requested = Signal(str, str, str, bool, list)
    # (case id, attachment id or sha256, destination): save a copy out of the cache.
    sig_save_attachment_requested = Signal(str, str, str)
    sig_reveal_requested = Signal(str, str)
    # (entry, global position): a timeline entry's context menu (ui/menus.py builds it).
    sig_entry_menu_requested = Signal(object, QPoint)

    def __init__(self, context, drafts, parent=None):
        super().__init__(parent)
        self.context = context
        self.drafts = drafts
        self.case: dict | None = None
        self.case_id: str | None = None
        self._revealed: set[str] = set()
        # Fields asked for with Show and not yet recorded; once all are, text is shown.
        self._reveal_pending: set[str] = set()
        self._text_revealed = False
        self._mode_case_id: str | None = None
        self._draft_key: tuple[str, str] | None = None
        # Files attached in the composer, per (case, mode) like the drafts: a file chosen
        # for one case never goes out with another's reply.
        self._attached: dict[tuple[str, str], list] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.empty_label = QLabel(self.tr("Select a case in the list."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.empty_label)

        self.content = QWidget()
        outer.addWidget(self.content, 1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)

        # Header
        self.number_label = plain_label(object_name="caseNumber", wrap=False)
        self.title_label = plain_label()
        self.title_label.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.number_label)
        layout.addWidget(self.title_label)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.kind_value = plain_label(wrap=False)
        self.service_value = plain_label()
        self.status_value = plain_label(wrap=False)
        self.unit_value = plain_label()
        self.assignee_value = plain_label(wrap=False)
        self.channel_value = plain_label(wrap=False)
        for row, (caption, widget) in enumerate((
            (self.tr("Kind"), self.kind_value), (self.tr("Service"), self.service_value),
            (self.tr("Status"), self.status_value), (self.tr("Unit"), self.unit_value),
            (self.tr("Assignee"), self.assignee_value), (self.tr("Channel"), self.channel_value),
        )):
            grid.addWidget(QLabel(caption + ":"), row // 2, (row % 2) * 2)
            grid.addWidget(widget, row // 2, (row % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        self.accountability = plain_label(object_name="accountability")
        layout.addWidget(self.accountability)

        # Clocks
        self.clocks_box = QVBoxLayout()
        self._clock_labels: list[QLabel] = []
        layout.addLayout(self.clocks_box)

        # Citizen contact, masked unless shown
        citizen_row = QHBoxLayout()
        citizen_row.addWidget(QLabel(self.tr("Citizen:")))
        self.citizen_label = plain_label(wrap=False)
        citizen_row.addWidget(self.citizen_label, 1)
        self.show_button = QPushButton(icon("reveal"), self.tr("S&how"))
        self.show_button.setToolTip(self.tr("Show the citizen's full contact details (recorded)"))
        self.show_button.clicked.connect(self._reveal_clicked)
        citizen_row.addWidget(self.show_button)
        layout.addLayout(citizen_row)

        # Actions, four to a row: one row of seven clips its captions at large font sizes.
        bar = QGridLayout()
        bar.setHorizontalSpacing(4)
        bar.setVerticalSpacing(4)
        self.action_buttons: dict[str, QToolButton] = {}
        for position, (op_type, icon_name, shortcut) in enumerate(ACTION_BUTTONS):
            button = QToolButton()
            button.setIcon(icon(icon_name))
            button.setText(text.label("Op", op_type))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            # Never narrower than its caption: the pane grows instead.
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{text.label('Op', op_type)} ({shortcut})")
            button.clicked.connect(lambda _=False, t=op_type: self._request(t))
            sc = QShortcut(QKeySequence(shortcut), self)
            sc.activated.connect(lambda t=op_type: self._shortcut(t))
            bar.addWidget(button, position // 4, position % 4)
            self.action_buttons[op_type] = button
        bar.setColumnStretch(4, 1)
        layout.addLayout(bar)
        # Other cases of the same citizen or about the same matter (issue 14).
        self.related = RelatedCases(context, self)
        layout.addWidget(self.related)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("caseSplitter")
        self.splitter = split
        layout.addWidget(split, 1)

        # Body and timeline, scrollable
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        self.timeline = QVBoxLayout(inner)
        self.timeline.setContentsMargins(0, 0, 4, 0)
        # One list of files for the pane's life: a viewer opened from it saves through it
        # after the timeline was redrawn by a sync.
        self.files_panel = FilesPanel(self.context, inner)
        self.files_panel.sig_save_requested.connect(self.sig_save_attachment_requested)
        # The body, the files and the entries are made once and refilled per case.
        body = QPlainTextEdit()
        body.setReadOnly(True)
        body.setTabChangesFocus(True)
        body.setObjectName("caseBody")
        body.setMinimumHeight(80)
        body.setMaximumHeight(160)
        body.setAccessibleName(self.tr("Citizen's request"))
        self.body_view = body
        self.timeline.addWidget(body)
        self.timeline.addWidget(self.files_panel)
        self.entry_widgets: list[EntryWidget] = []
        self.timeline.addStretch(1)
        scroll.setWidget(inner)
        self.scroll = scroll
        split.addWidget(scroll)

        # Composer
        composer = QWidget()
        cl = QVBoxLayout(composer)
        cl.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        self.mode_combo = QComboBox()
        self.mode_combo.setAccessibleName(self.tr("What to write"))
        top.addWidget(self.mode_combo)
        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName(self.tr("Reply template"))
        self.template_combo.activated.connect(self._template_chosen)
        top.addWidget(self.template_combo, 1)
        self.sms_check = QCheckBox(self.tr("SMS &notice"))
        top.addWidget(self.sms_check)
        cl.addLayout(top)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName(self.tr("Text to send"))
        # Replies are plain text without tab stops: Tab moves on, as everywhere else.
        self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText(self.tr("Write here. Ctrl+Enter sends."))
        self.editor.textChanged.connect(self._draft_changed)
        cl.addWidget(self.editor, 1)
        self.attach_list = AttachList(self._check_attachment)
        self.attach_list.accept_drops_on(self.editor)
        self.attach_list.accept_drops_on(self.editor.viewport())
        self.attach_list.sig_changed.connect(self._attachments_changed)
        cl.addWidget(self.attach_list)
        send_row = QHBoxLayout()
        self.refused_label = plain_label(object_name="warning")
        send_row.addWidget(self.refused_label, 1)
        self.send_button = QPushButton(icon("reply"), self.tr("&Send"))
        self.send_button.setToolTip(self.tr("Send (Ctrl+Enter)"))
        self.send_button.clicked.connect(self.send)
        send_row.addWidget(self.send_button)
        cl.addLayout(send_row)
        split.addWidget(composer)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        # Proportions until the officer drags it (the window restores that): the timeline
        # is what is read most, and a scroll area's size hint alone would leave it a sliver.
        split.setSizes([640, 240])
        self.editor.installEventFilter(self)
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)

        self.content.hide()
        self._fill_templates()

    def eventFilter(self, watched, event) -> bool:
        # Ctrl+Enter sends from the editor (a plain Enter is a new line).
        if (watched is self.editor and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.send()
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ showing a case

    def show_case(self, case_id: str | None) -> None:
        if case_id != self.case_id:
            self._revealed = set()
            self._reveal_pending = set()
            self._text_revealed = False
            self.refused_label.clear()
        self.case_id = case_id
        self.case = self.context.store.case(case_id) if case_id else None
        if self.case is None:
            self.case_id = None
            self.content.hide()
            self.empty_label.show()
            self._draft_key = None
            self.related.show_for(None)
            return
        self.empty_label.hide()
        self.content.show()
        self._render()
        self.related.show_for(self.case_id)

    def refresh(self) -> None:
        if self.case_id:
            self.show_case(self.case_id)

    def _render(self) -> None:
        case, ctx = self.case, self.context
        zone = ctx.formatter.zone
        self.number_label.setText(case.get("number", ""))
        self.title_label.setText(self.masked(case.get("title") or ""))
        self.kind_value.setText(text.kind_label(case.get("kind"), ctx.reference))
        service = ctx.service_names.get(case.get("service_item_id") or "", "")
        self.service_value.setText(" / ".join(p for p in (case.get("category"), service) if p))
        status = text.label("Status", case.get("status"))
        if case.get("status") not in KNOWN_STATUSES:
            # A status a newer platform added: no transition is offered on it here.
            status += " " + self.tr("(not known to this desk: read-only, notes and callbacks still work)")
        if case.get("pending_ops"):
            status += " " + self.tr("(%n change(s) not sent)", "", int(case["pending_ops"]))
        if case.get("conflicts"):
            status += " " + self.tr("(%n conflict(s))", "", int(case["conflicts"]))
        self.status_value.setText(status)
        self.unit_value.setText(ctx.unit_name(case.get("unit_id")))
        self.assignee_value.setText(ctx.officer_name(case.get("assignee_id"))
                                    if case.get("assignee_id") else self.tr("Unclaimed"))
        self.channel_value.setText(case.get("channel") or "")
        if case.get("accepted_at"):
            self.accountability.setText(
                self.tr("Accepted by %1 (%2) at %3")
                .replace("%1", ctx.officer_name(case.get("accepted_by")) or "-")
                .replace("%2", ctx.unit_name(case.get("unit_id")))
                .replace("%3", text.format_local(case.get("accepted_at"), zone)))
        else:
            self.accountability.setText(
                self.tr("Not accepted yet. Responsible unit: %1; received %2")
                .replace("%1", ctx.unit_name(case.get("unit_id")))
                .replace("%2", text.format_local(case.get("received_at"), zone)))
        self._render_clocks()
        self._render_citizen()
        self._render_timeline()
        self._update_actions()
        self._load_draft()

    def _render_clocks(self) -> None:
        case, ctx = self.case, self.context
        now = utcnow()
        lines: list[tuple[str, str]] = []
        for clock in case.get("clocks", []):
            clock_text, state = ctx.formatter.case_clock(clock, case.get("kind", ""), now)
            head = (text.label("Clock", clock.get("clock")) + " "
                    + text.format_local(clock.get("due_at"), ctx.formatter.zone)
                    + " — " + clock_text)
            if clock.get("provisional"):
                head += " " + self.tr("(provisional)")
            if clock.get("pending"):
                head += " " + self.tr("(stopped by work not sent yet)")
            lines.append((head, CLOCK_OBJECT_NAMES.get(state, "")))
            explanation = self._explain(clock)
            if explanation:
                lines.append(("  " + " ".join(explanation), "entryMeta"))
        # The labels are kept and refilled (each selection and each minute's tick
        # redraws the clocks); only a case with more lines than before makes new ones.
        labels = self._clock_labels
        for label, (value, look) in zip(labels, lines, strict=False):
            label.setText(value)
            _set_look(label, look)
        for label in labels[len(lines):]:
            self.clocks_box.removeWidget(label)
            label.setParent(None)
            label.deleteLater()
        del labels[len(lines):]
        for value, look in lines[len(labels):]:
            label = plain_label(value, object_name=look or None)
            labels.append(label)
            self.clocks_box.addWidget(label)

    def _explain(self, clock: dict) -> list[str]:
        policies = self.context.reference.policy if self.context.reference is not None else ()
        steps = explain_shown_clock(self.case, clock, self.context.calendar, policies)
        return text.explain_steps(steps, self.context.formatter.zone) if steps else []

    def _render_citizen(self) -> None:
        citizen = self.case.get("citizen") or {}
        shown = mask_citizen(citizen, revealed=frozenset(self._revealed))
        parts = [shown.get("name", ""), shown.get("phone", ""), shown.get("id_number", "")]
        self.citizen_label.setText("  ".join(p for p in parts if p) or self.tr("(none given)"))
        self.show_button.setEnabled(bool(self._fields_to_reveal()) and not self._reveal_pending)

    def _citizen_names(self) -> list[str]:
        return [str(((self.case or {}).get("citizen") or {}).get("name") or "")]

    def masked(self, value: str) -> str:
        """Citizen text as shown: ID and mobile numbers and the citizen's own name
        masked as in the CLI, until the officer pressed Show (and it was recorded)."""
        if self._text_revealed:
            return value
        return mask_text(value, self._citizen_names())

    def _case_texts(self) -> list[str]:
        case = self.case or {}
        return [case.get("title") or "", case.get("body") or "",
                *((e.get("body") or "") for e in case.get("entries", []))]

    def _fields_to_reveal(self) -> set[str]:
        citizen = (self.case or {}).get("citizen") or {}
        fields = {f for f in ("name", "phone", "id_number") if citizen.get(f)}
        if not self._text_revealed:
            # Numbers written into the text count even when the contact fields lack them.
            names = self._citizen_names()
            for value in self._case_texts():
                fields |= fields_in_text(value, names)
        return fields - self._revealed

    def _render_timeline(self) -> None:
        self.body_view.setPlainText(self.masked(self.case.get("body") or ""))
        self.files_panel.set_case(self.case)
        entries = self.case.get("entries", [])
        kept = self.entry_widgets
        for widget, entry in zip(kept, entries, strict=False):
            widget.set_entry(entry, mask=self.masked)
        for widget in kept[len(entries):]:
            # Off the pane at once (not only at deleteLater), so nothing finds it.
            self.timeline.removeWidget(widget)
            widget.setParent(None)
            widget.deleteLater()
        del kept[len(entries):]
        stretch = self.timeline.count() - 1
        for entry in entries[len(kept):]:
            widget = EntryWidget(entry, self.context, mask=self.masked)
            self._offer_menu(widget)
            kept.append(widget)
            self.timeline.insertWidget(stretch, widget)
            stretch += 1

    def _offer_menu(self, widget: EntryWidget) -> None:
        """Right-click anywhere on an entry (its labels too, instead of their own copy
        menu) asks for the entry's menu; a click focuses the entry so the Menu key and
        Shift+F10 open it as well. The entry is read at the click: the widget is reused
        for another case's entries."""
        widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        for target in [widget, *widget.findChildren(QLabel)]:
            target.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            target.customContextMenuRequested.connect(
                lambda pos, t=target, w=widget: self.sig_entry_menu_requested.emit(w.entry, t.mapToGlobal(pos)))

    def _update_actions(self) -> None:
        case, actor = self.case, self.context.actor
        allowed = allowed_on(case, actor)
        self.allowed = allowed
        for op_type, button in self.action_buttons.items():
            button.setEnabled(op_type in allowed)
            button.setVisible(op_type != "reassign" or actor.is_supervisor)
        # A new case starts in the mode its status suggests (a reply where one can be
        # written), never in the last case's: a reply must not go out as a note.
        current = self.mode_combo.currentData() if self._mode_case_id == case.get("id") else None
        if current is None or current not in allowed:
            current = next((m for m in COMPOSE_MODES if m in allowed), None)
        if self._mode_case_id != case.get("id"):
            self.sms_check.setChecked(False)
        self._mode_case_id = case.get("id")
        self.mode_combo.blockSignals(True)
        self.mode_combo.clear()
        for mode in COMPOSE_MODES:
            if mode in allowed:
                self.mode_combo.addItem(text.label("Op", mode), mode)
        index = self.mode_combo.findData(current)
        self.mode_combo.setCurrentIndex(max(0, index))
        self.mode_combo.blockSignals(False)
        writable = self.mode_combo.count() > 0
        self.editor.setReadOnly(not writable)
        self.send_button.setEnabled(writable)
        self._mode_changed()

    def _fill_templates(self) -> None:
        self.template_combo.clear()
        self.template_combo.addItem(self.tr("Insert a template…"), None)
        ref = self.context.reference
        if ref is not None:
            for template in ref.templates:
                self.template_combo.addItem(template.title, template.body)

    def reference_changed(self) -> None:
        self._fill_templates()
        self.refresh()

    # ------------------------------------------------------------ drafts

    def _mode(self) -> str | None:
        return self.mode_combo.currentData()

    def _mode_changed(self) -> None:
        mode = self._mode()
        self.template_combo.setVisible(mode == "reply")
        self.sms_check.setVisible(mode == "reply")
        # The contract carries files on replies, notes and callbacks; an urge has none.
        self.attach_list.setVisible(mode in ("reply", "note"))
        self.attach_list.setEnabled(mode in ("reply", "note"))
        self._load_draft()

    def _load_draft(self) -> None:
        mode = self._mode()
        if not self.case_id or not mode:
            self._draft_key = None
            self.editor.blockSignals(True)
            self.editor.clear()
            self.editor.blockSignals(False)
            self.attach_list.set_paths([])
            return
        key = (self.case_id, mode)
        if key == self._draft_key:
            return
        self._draft_key = None  # no saving while the editor is refilled
        self.editor.setPlainText(self.drafts.get(*key))
        self.attach_list.set_paths(self._attached.get(key, []))
        self._draft_key = key

    def _draft_changed(self) -> None:
        if self._draft_key is not None:
            self.drafts.put(*self._draft_key, self.editor.toPlainText())

    def _check_attachment(self, path, name):
        return self.context.actions.check_attachment(path, name)

    def _attachments_changed(self) -> None:
        if self._draft_key is not None:
            self._attached[self._draft_key] = list(self.attach_list.paths)

    def clear_draft(self, case_id: str, mode: str) -> None:
        """After sending: the text, the SMS tick and the attached files are spent."""
        self.drafts.put(case_id, mode, "")
        self._attached.pop((case_id, mode), None)
        if self._draft_key == (case_id, mode):
            self.attach_list.clear()
        if case_id == self.case_id:
            self.sms_check.setChecked(False)
        if self._draft_key == (case_id, mode):
            self._draft_key = None
            self.editor.clear()
            self._draft_key = (case_id, mode)

    def _template_chosen(self, index: int) -> None:
        body = self.template_combo.itemData(index)
        if body:
            self.editor.insertPlainText(body)
        self.template_combo.setCurrentIndex(0)

    # ------------------------------------------------------------ requests

    def send(self) -> None:
        mode = self._mode()
        body = self.editor.toPlainText()
        if not self.case_id or not mode:
            return
        if not body.strip():
            self.refused_label.setText(self.tr("Write something first."))
            return
        self.refused_label.clear()
        files = list(self.attach_list.paths) if mode in ("reply", "note") else []
        self.sig_send_requested.emit(mode, self.case_id, body,
                                     mode == "reply" and self.sms_check.isChecked(), files)

    def show_refusal(self, message: str) -> None:
        self.refused_label.setText(message)

    def _request(self, op_type: str) -> None:
        if self.case_id:
            self.sig_action_requested.emit(op_type, self.case_id)

    def _shortcut(self, op_type: str) -> None:
        if self.case_id and self.action_buttons[op_type].isEnabled():
            self._request(op_type)

    def _reveal_clicked(self) -> None:
        fields = self._fields_to_reveal()
        if not fields:
            return
        self._reveal_pending = set(fields)
        self.show_button.setEnabled(False)
        for field in ("name", "phone", "id_number"):
            if field in fields:
                self.sig_reveal_requested.emit(self.case_id, field)

    def mark_revealed(self, case_id: str, field: str) -> None:
        if case_id == self.case_id:
            self._revealed.add(field)
            self._reveal_pending.discard(field)
            if not self._reveal_pending and not self._text_revealed:
                # Every field asked for is recorded: the text is shown in full too.
                self._text_revealed = True
                self.title_label.setText(self.case.get("title") or "")
                self._render_timeline()
            self._render_citizen()

    def revealed_state(self, case_id: str) -> tuple[frozenset[str], bool]:
        """What the officer has revealed (and the cache recorded) on `case_id` while it
        is shown here: its fields, and whether the text is shown in full. Nothing for
        any other case: a printed sheet is masked as its case would be on screen."""
        if case_id != self.case_id:
            return frozenset(), False
        return frozenset(self._revealed), self._text_revealed

    def tick(self) -> None:
        if self.case is not None:
            self._render_clocks()


def _set_look(widget: QWidget, object_name: str) -> None:
    """The style sheet picks a look by object name: a reused widget is styled again."""
    if widget.objectName() != object_name:
        widget.setObjectName(object_name)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

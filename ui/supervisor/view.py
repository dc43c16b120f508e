"""The supervisor view (所长): overdue and due soon by officer, workload, compliance and
ratings, with urge and reassign on one case or many, and exports.

All figures come from desk.supervision over the local cache, read on the runner's pool
thread; this widget only shows them, so it works offline and never blocks the window.
"""

from __future__ import annotations

import functools
import logging
import operator
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk import export, supervision
from desk.actions import ActionRefused
from desk.masking import mask_text
from ui import text
from ui.actions.controller import changes_of
from ui.actions.dialogs import ReasonDialog, ReassignDialog
from ui.clockfmt import utcnow
from ui.errors import log_failure
from ui.refusals import refusal_text
from ui.resources import icon
from ui.supervisor.charts import WARN_COLOR, Bar, BarChart
from ui.supervisor.export_pdf import write_pdf
from ui.supervisor.model import RowsModel

log = logging.getLogger(__name__)

LEVEL = {
    "due_soon": QT_TRANSLATE_NOOP("Supervision", "Due soon"),
    "overdue": QT_TRANSLATE_NOOP("Supervision", "Overdue"),
}
OUTCOME = {
    "met": QT_TRANSLATE_NOOP("Supervision", "Met"),
    "met_offline_on_time": QT_TRANSLATE_NOOP("Supervision", "Late, done offline on time"),
    "missed": QT_TRANSLATE_NOOP("Supervision", "Missed"),
}
CaseIdRole = Qt.ItemDataRole.UserRole + 1



def _percent(share: float | None) -> str:
    return f"{share * 100:.1f}%" if share is not None else "—"


def _average(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


class _Table(QTableView):
    def __init__(self, headers, parent=None):
        super().__init__(parent)
        self.rows = RowsModel(headers, self)
        self.setModel(self.rows)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)


class _ChartBox(QStackedWidget):
    """A chart, or the same figures as a table (the plain fallback)."""

    def __init__(self, chart: BarChart, parent=None):
        super().__init__(parent)
        self.chart = chart
        self.table = _Table([QCoreApplication.translate("Supervision", "Item"), QCoreApplication.translate("Supervision", "Value")])
        self.addWidget(chart)
        self.addWidget(self.table)

    def set_bars(self, bars: list[Bar], title: str | None = None) -> None:
        self.chart.set_bars(bars, title)
        self.table.rows.set_rows([[b.label, b.text] for b in bars])

    def show_as_table(self, as_table: bool) -> None:
        self.setCurrentWidget(self.table if as_table else self.chart)


class SupervisorView(QWidget):
    sig_refreshed = Signal()
    sig_acted = Signal(object)  # what a batch action changed in the cache (None: unknown)
    sig_open_case = Signal(str)
    sig_exported = Signal(str)

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.store = context.store
        self.actor = context.actor
        self.runner = context.runner
        self.board: supervision.Dashboard | None = None
        self._after_refresh = ""
        self.exec_dialog = lambda dialog: bool(dialog.exec())
        # Tests replace these two with answers of their own.
        self.ask_save_path = lambda name, pattern: QFileDialog.getSaveFileName(
            self, QCoreApplication.translate("Supervision", "Export"), name, pattern)[0]
        self.setObjectName("supervisorView")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        self.period = QComboBox()
        for days in supervision.PERIODS:
            self.period.addItem(QCoreApplication.translate("Supervision", "Last %n day(s)", None, days), days)
        self.period.setCurrentIndex(supervision.PERIODS.index(30))
        self.period.setAccessibleName(QCoreApplication.translate("Supervision", "Period"))
        self.period.currentIndexChanged.connect(self.refresh)
        self.due_soon = QSpinBox()
        self.due_soon.setRange(1, 72)
        self.due_soon.setValue(supervision.DEFAULT_DUE_SOON_HOURS)
        self.due_soon.setSuffix(QCoreApplication.translate("Supervision", " working h"))
        self.due_soon.setAccessibleName(QCoreApplication.translate("Supervision", "Due soon within (working hours)"))
        self.due_soon.valueChanged.connect(self.refresh)
        self.as_tables = QCheckBox(QCoreApplication.translate("Supervision", "Charts as tables"))
        self.as_tables.toggled.connect(self._charts_as_tables)
        self.reveal_check = QCheckBox(QCoreApplication.translate("Supervision", "Show personal data in exports"))
        self.refresh_button = QPushButton(icon("sync"), QCoreApplication.translate("Supervision", "Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        controls.addWidget(QLabel(QCoreApplication.translate("Supervision", "Period:")))
        controls.addWidget(self.period)
        controls.addWidget(QLabel(QCoreApplication.translate("Supervision", "Due soon within:")))
        controls.addWidget(self.due_soon)
        controls.addWidget(self.as_tables)
        controls.addStretch(1)
        controls.addWidget(self.refresh_button)
        layout.addLayout(controls)

        exports = QHBoxLayout()
        # Short captions under one "Export:" label keep the view narrow enough to sit
        # beside the case pane without widening the window.
        exports.addWidget(QLabel(QCoreApplication.translate("Supervision", "Export:")))
        self.export_buttons: dict[tuple[str, str], QPushButton] = {}
        for kind, caption in (("overdue", QCoreApplication.translate("Supervision", "Overdue list")), ("compliance", QCoreApplication.translate("Supervision", "Compliance"))):
            for fmt in ("csv", "pdf"):
                button = QPushButton(f"{caption} {fmt.upper()}")
                button.setAccessibleName(QCoreApplication.translate("Supervision", "Export %1 (%2)")
                                         .replace("%1", caption).replace("%2", fmt.upper()))
                button.clicked.connect(lambda _=False, k=kind, f=fmt: self._ask_export(k, f))
                exports.addWidget(button)
                self.export_buttons[(kind, fmt)] = button
        exports.addWidget(self.reveal_check)
        exports.addStretch(1)
        layout.addLayout(exports)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self._build_at_risk()
        self._build_workload()
        self._build_compliance()
        self._build_ratings()
        self.status = QLabel()
        # Error words and file paths: plain text.
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)

    # ------------------------------------------------------------ building

    def _build_at_risk(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.tree = QTreeWidget()
        self.tree.setObjectName("atRiskTree")
        self.tree.setHeaderLabels([QCoreApplication.translate("Supervision", "Case"), QCoreApplication.translate("Supervision", "Title"), QCoreApplication.translate("Supervision", "Clock"), QCoreApplication.translate("Supervision", "Due"), QCoreApplication.translate("Supervision", "State")])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAccessibleName(QCoreApplication.translate("Supervision", "Overdue and due soon, by officer"))
        self.tree.currentItemChanged.connect(self._explain_current)
        header = self.tree.header()
        header.setStretchLastSection(False)
        # The title takes what room is left; number, clock, due time and state stay whole.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.tree.itemDoubleClicked.connect(self._open_item)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        self.urge_button = QPushButton(icon("urge"), QCoreApplication.translate("Supervision", "Urge selected…"))
        self.urge_button.clicked.connect(self._ask_urge)
        self.reassign_button = QPushButton(icon("reassign"), QCoreApplication.translate("Supervision", "Reassign selected…"))
        self.reassign_button.clicked.connect(self._ask_reassign)
        buttons.addWidget(self.urge_button)
        buttons.addWidget(self.reassign_button)
        buttons.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.explanation)
        v.addLayout(buttons)
        v.addWidget(splitter)
        self.tabs.addTab(page, icon("overdue"), QCoreApplication.translate("Supervision", "Overdue and due soon"))

    def _build_workload(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.workload_table = _Table([QCoreApplication.translate("Supervision", "Officer"), QCoreApplication.translate("Supervision", "Open"), QCoreApplication.translate("Supervision", "Due soon"), QCoreApplication.translate("Supervision", "Overdue"),
                                      QCoreApplication.translate("Supervision", "Oldest open case"), QCoreApplication.translate("Supervision", "Received")])
        self.workload_table.doubleClicked.connect(lambda i: self._open_row(self.workload_table, i))
        self.overdue_chart = _ChartBox(BarChart(QCoreApplication.translate("Supervision", "Overdue per officer"), color=WARN_COLOR))
        v.addWidget(self.workload_table, 2)
        v.addWidget(self.overdue_chart, 1)
        self.tabs.addTab(page, QCoreApplication.translate("Supervision", "Workload"))

    def _build_compliance(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.compliance_table = _Table(self._compliance_columns())
        self.weekly_chart = _ChartBox(BarChart(QCoreApplication.translate("Supervision", "Clocks met per week"), maximum=100))
        v.addWidget(self.compliance_table, 2)
        v.addWidget(self.weekly_chart, 1)
        self.tabs.addTab(page, QCoreApplication.translate("Supervision", "Compliance"))

    def _build_ratings(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.ratings_table = _Table([QCoreApplication.translate("Supervision", "Officer"), QCoreApplication.translate("Supervision", "Ratings"), QCoreApplication.translate("Supervision", "Average"),
                                     QCoreApplication.translate("Supervision", "Callbacks satisfied"), QCoreApplication.translate("Supervision", "Neutral"), QCoreApplication.translate("Supervision", "Dissatisfied")])
        self.low_table = _Table([QCoreApplication.translate("Supervision", "Case"), QCoreApplication.translate("Supervision", "Officer"), QCoreApplication.translate("Supervision", "Score"), QCoreApplication.translate("Supervision", "Rated"), QCoreApplication.translate("Supervision", "Comment")])
        self.low_table.doubleClicked.connect(lambda i: self._open_row(self.low_table, i))
        self.ratings_chart = _ChartBox(BarChart(QCoreApplication.translate("Supervision", "Ratings distribution")))
        v.addWidget(self.ratings_table, 2)
        v.addWidget(QLabel(QCoreApplication.translate("Supervision", "Low ratings")))
        v.addWidget(self.low_table, 2)
        v.addWidget(self.ratings_chart, 1)
        self.tabs.addTab(page, QCoreApplication.translate("Supervision", "Ratings"))

    def _compliance_columns(self) -> list[str]:
        return [QCoreApplication.translate("Supervision", "Group"), QCoreApplication.translate("Supervision", "Name"), QCoreApplication.translate("Supervision", "Clocks"), QCoreApplication.translate("Supervision", "Met"), QCoreApplication.translate("Supervision", "Late, done offline on time"),
                QCoreApplication.translate("Supervision", "Missed"), QCoreApplication.translate("Supervision", "Met share")]

    # ------------------------------------------------------------ data

    @property
    def days(self) -> int:
        return int(self.period.currentData())

    def officer_name(self, officer_id: str | None) -> str:
        return self.context.officer_name(officer_id) if officer_id else QCoreApplication.translate("Supervision", "Unclaimed")

    def label(self, context: str, word: str) -> str:
        if context == "Level":
            return QCoreApplication.translate("Supervision", LEVEL[word]) if word in LEVEL else word
        return text.label(context, word)

    def _zone(self):
        cal = self.store.calendar_or_default()
        return cal.zone

    def refresh(self) -> None:
        # Asked again while one runs (a period change, a sync): one re-run after (key).
        store, actor, days, hours = self.store, self.actor, self.days, self.due_soon.value()
        now = utcnow()
        self.runner.run(lambda: supervision.dashboard(store, actor, now, days=days, due_soon_hours=hours),
                        self._show, self._failed, key=(self, "refresh"))

    def _failed(self, error: BaseException) -> None:
        log_failure(log, "supervisor view", error)
        self.status.setText(QCoreApplication.translate("Supervision", "Cannot read the local cache: %1").replace("%1", type(error).__name__))

    def _show(self, board: supervision.Dashboard) -> None:
        self.board = board
        self._show_at_risk(board)
        self._show_workload(board)
        self._show_compliance(board)
        self._show_ratings(board)
        overdue = sum(1 for i in board.at_risk if i.level == supervision.OVERDUE)
        self.status.setText(QCoreApplication.translate("Supervision", "%n overdue", None, overdue) + " · " +
                            QCoreApplication.translate("Supervision", "%n due soon", None, len(board.at_risk) - overdue) + " · " +
                            QCoreApplication.translate("Supervision", "Computed from the local cache at %1")
                            .replace("%1", text.format_local(board.now, self._zone())))
        if self._after_refresh:
            self.status.setText(self.status.text() + " · " + self._after_refresh)
            self._after_refresh = ""
        self.sig_refreshed.emit()

    def _show_at_risk(self, board) -> None:
        zone = self._zone()
        # A refresh after a sync must not drop the cases the chief has picked out.
        selected = {i.data(0, CaseIdRole) for i in self.tree.selectedItems()} - {None}
        current = self.tree.currentItem()
        current_id = current.data(0, CaseIdRole) if current is not None else None
        self.tree.blockSignals(True)
        self.tree.clear()
        for officer_id, items in supervision.group_by_officer(board.at_risk).items():
            overdue = sum(1 for i in items if i.level == supervision.OVERDUE)
            top = QTreeWidgetItem([self.officer_name(officer_id), QCoreApplication.translate("Supervision", "%n case(s)", None, len(items)),
                                   "", "", QCoreApplication.translate("Supervision", "%n overdue", None, overdue)])
            top.setData(0, CaseIdRole, None)
            self.tree.addTopLevelItem(top)
            for item in items:
                # The title masked as everywhere else (numbers, the citizen's name).
                child = QTreeWidgetItem([item.number, mask_text(item.title, [item.citizen_name]),
                                         text.label("Clock", item.clock),
                                         text.format_local(item.due_at, zone), self.label("Level", item.level)])
                child.setData(0, CaseIdRole, item.case_id)
                child.setIcon(4, icon("overdue" if item.level == supervision.OVERDUE else "due-soon"))
                top.addChild(child)
                if item.case_id == current_id:
                    # NoUpdate: restoring the cursor must not select the case as well.
                    self.tree.setCurrentItem(child, 0, QItemSelectionModel.SelectionFlag.NoUpdate)
                if item.case_id in selected:
                    child.setSelected(True)
            top.setExpanded(True)
        self.tree.blockSignals(False)
        if self.tree.currentItem() is None:
            self.explanation.clear()
        for column in (0, 2, 3, 4):
            self.tree.resizeColumnToContents(column)

    def _show_workload(self, board) -> None:
        zone = self._zone()
        rows, ids = [], []
        for w in board.workload:
            rows.append([self.officer_name(w.officer_id), str(w.open), str(w.due_soon), str(w.overdue),
                         w.oldest_number or "", text.format_local(w.oldest_received_at, zone)])
            ids.append(w.oldest_case_id)
        self.workload_table.rows.set_rows(rows, ids)
        per = supervision.overdue_per_officer(board.at_risk)
        self.overdue_chart.set_bars([Bar(self.officer_name(k), v, str(v)) for k, v in per.items()])

    def compliance_rows(self, report) -> list[list[str]]:
        return export.compliance_table(
            report, officer_name=self.officer_name, label=self.label,
            groups={"station": QCoreApplication.translate("Supervision", "Station"), "clock": QCoreApplication.translate("Supervision", "Clock"), "kind": QCoreApplication.translate("Supervision", "Kind"),
                    "officer": QCoreApplication.translate("Supervision", "Officer")})

    def _show_compliance(self, board) -> None:
        self.compliance_table.rows.set_rows(self.compliance_rows(board.compliance))
        bars = [Bar(week.strftime("%m-%d"), (t.rate or 0) * 100, _percent(t.rate))
                for week, t in board.compliance.weekly]
        self.weekly_chart.set_bars(bars)

    def _show_ratings(self, board) -> None:
        r = board.ratings
        zone = self._zone()
        rows = []
        tallies = [(QCoreApplication.translate("Supervision", "Station"), r.station)] + [
            (self.officer_name(k), v)
            for k, v in sorted(r.by_officer.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))]
        for name, tally in tallies:
            rows.append([name, str(tally.count), _average(tally.average),
                         str(tally.satisfaction.get("satisfied", 0)),
                         str(tally.satisfaction.get("neutral", 0)),
                         str(tally.satisfaction.get("dissatisfied", 0))])
        self.ratings_table.rows.set_rows(rows)
        self.low_table.rows.set_rows(
            [[low.number, self.officer_name(low.assignee_id), str(low.score),
              text.format_local(low.rated_at, zone), low.comment] for low in r.low],
            [low.case_id for low in r.low])
        self.ratings_chart.set_bars(
            [Bar(QCoreApplication.translate("Supervision", "%n star(s)", None, s), r.station.distribution.get(s, 0),
                 str(r.station.distribution.get(s, 0))) for s in range(1, 6)])

    def _charts_as_tables(self, on: bool) -> None:
        for box in (self.overdue_chart, self.weekly_chart, self.ratings_chart):
            box.show_as_table(on)

    # ------------------------------------------------------------ the case under the cursor

    def _explain_current(self, current, _previous=None) -> None:
        case_id = current.data(0, CaseIdRole) if current is not None else None
        if not case_id:
            self.explanation.clear()
            return
        # The case pane beside the view shows the case, so the chief can act on it there.
        self.sig_open_case.emit(case_id)
        zone = self._zone()
        store = self.store
        self.runner.run(lambda: supervision.explain(store, case_id),
                        lambda steps: self.explanation.setText("\n".join(text.explain_steps(steps, zone))))

    def _open_item(self, item, _column) -> None:
        case_id = item.data(0, CaseIdRole)
        if case_id:
            self.sig_open_case.emit(case_id)

    def _open_row(self, table: _Table, index) -> None:
        case_id = table.rows.case_id(index.row())
        if case_id:
            self.sig_open_case.emit(case_id)

    def selected_case_ids(self) -> list[str]:
        ids = []
        for item in self.tree.selectedItems():
            case_id = item.data(0, CaseIdRole)
            if case_id:
                ids.append(case_id)
            else:  # an officer's row stands for all of that officer's cases
                ids.extend(item.child(i).data(0, CaseIdRole) for i in range(item.childCount()))
        return list(dict.fromkeys(ids))

    # ------------------------------------------------------------ acting

    def _nothing_selected(self) -> None:
        self.status.setText(QCoreApplication.translate(
            "Supervision", "Select one or more cases (or an officer's row) in the list first."))

    def _ask_urge(self) -> None:
        ids = self.selected_case_ids()
        if not ids:
            self._nothing_selected()
            return
        dialog = ReasonDialog(QCoreApplication.translate("Supervision", "Urge %n case(s)", None, len(ids)),
                              QCoreApplication.translate("Supervision", "%n case(s) selected. Message to the officers:", None, len(ids)), self)
        if self.exec_dialog(dialog):
            self.urge(ids, dialog.values()["reason"])

    def _ask_reassign(self) -> None:
        ids = self.selected_case_ids()
        if not ids:
            self._nothing_selected()
            return
        ref = self.context.reference
        officers = [o for o in (ref.officers if ref else []) if o.unit_id == self.actor.unit_id]
        loads = {w.officer_id: w.open for w in (self.board.workload if self.board else []) if w.officer_id}
        dialog = ReassignDialog(officers, None, self, workload=loads)
        if self.exec_dialog(dialog):
            v = dialog.values()
            self.reassign(ids, v["to_officer_id"], v["reason"])

    def _act_on_many(self, ids: list[str], act, done_text: str) -> None:
        actions = self.context.actions

        def work():
            refused = []
            changed: list = []
            for case_id in ids:
                try:
                    changed.append(changes_of(act(actions, case_id)))
                except ActionRefused as exc:  # one refusal must not stop the others
                    refused.append((case_id, refusal_text(exc)))
                # Anything else (the cache unreadable, a bug) stops the batch and reaches
                # acting_failed, logged with where it happened; it used to read as a
                # per-case "refusal" showing only its class name, and was never logged.
            # What the batch changed, when every action said (None: unknown).
            changes = None if not changed or None in changed else functools.reduce(operator.or_, changed)
            return refused, changes

        def done(outcome):
            refused, changes = outcome
            self.sig_acted.emit(changes)
            saved = len(ids) - len(refused)
            message = done_text.replace("%1", str(saved)) if saved else ""
            if refused:
                message = " ".join(filter(None, [message, QCoreApplication.translate(
                    "Supervision", "%n case(s) could not be changed: ", None, len(refused))
                    + "; ".join(msg for _, msg in refused[:3])]))
            # Shown after the refresh, which rewrites the status line.
            self._after_refresh = message
            self.refresh()

        def acting_failed(error: BaseException) -> None:
            self._failed(error)
            self.sig_acted.emit(None)
            # The cases acted on before the failure are saved: the list shows them.
            self.refresh()

        self.runner.run(work, done, acting_failed)

    def urge(self, ids: list[str], body: str) -> None:
        self._act_on_many(ids, lambda actions, case_id: actions.urge(case_id, body),
                          QCoreApplication.translate(
                              "Supervision", "Urged %1 case(s); sent with the next sync."))

    def reassign(self, ids: list[str], to_officer_id: str, reason: str) -> None:
        self._act_on_many(ids, lambda actions, case_id: actions.reassign(case_id, to_officer_id, reason),
                          QCoreApplication.translate(
                              "Supervision", "Reassigned %1 case(s); sent with the next sync."))

    # ------------------------------------------------------------ exports

    def _ask_export(self, kind: str, fmt: str) -> None:
        suffix = "*.csv" if fmt == "csv" else "*.pdf"
        path = self.ask_save_path(f"{kind}.{fmt}", suffix)
        if not path:
            return
        try:
            written = self.export_to(kind, fmt, Path(path))
        except (OSError, RuntimeError, ValueError) as exc:
            log.error("export failed: %s", type(exc).__name__)
            self.status.setText(QCoreApplication.translate("Supervision", "The export failed: %1")
                                .replace("%1", str(exc) or type(exc).__name__))
            return
        self.status.setText(QCoreApplication.translate("Supervision", "Exported to %1").replace("%1", str(written)))

    def export_info(self) -> export.ExportInfo:
        board = self.board
        zone = self._zone()
        station = self.context.unit_name(self.actor.unit_id)
        if board is None:
            return export.ExportInfo(station=station, period="", exported_at="")
        since = board.compliance.since
        period = QCoreApplication.translate("Supervision", "%1 to %2 (%n day(s))", None, board.days).replace(
            "%1", text.format_local(since, zone)).replace("%2", text.format_local(board.now, zone))
        return export.ExportInfo(station=station, period=period,
                                 exported_at=text.format_local(datetime.now(zone), zone, seconds=True),
                                 reveal=self.reveal_check.isChecked())

    def _heading_words(self) -> dict[str, str]:
        return {"station": QCoreApplication.translate("Supervision", "Station"), "period": QCoreApplication.translate("Supervision", "Period"), "exported_at": QCoreApplication.translate("Supervision", "Exported at"),
                "personal_data": QCoreApplication.translate("Supervision", "Personal data"), "masked": QCoreApplication.translate("Supervision", "masked"), "shown": QCoreApplication.translate("Supervision", "shown")}

    def export_to(self, kind: str, fmt: str, path: Path) -> Path:
        """Write the overdue list or the compliance report as shown now. Unmasked
        personal data is recorded as a reveal per case and field first."""
        if self.board is None:
            raise RuntimeError("nothing to export before the view has been computed")
        info = self.export_info()
        zone = self._zone()
        words = self._heading_words()
        if kind == "overdue":
            items = self.board.at_risk
            if info.reveal:
                export.record_reveals(self.context.actions.reveal, [i.case_id for i in items])
            columns = {"number": QCoreApplication.translate("Supervision", "Case number"), "title": QCoreApplication.translate("Supervision", "Title"), "kind": QCoreApplication.translate("Supervision", "Kind"),
                       "status": QCoreApplication.translate("Supervision", "Status"), "assignee": QCoreApplication.translate("Supervision", "Officer"), "clock": QCoreApplication.translate("Supervision", "Clock"),
                       "due_at": QCoreApplication.translate("Supervision", "Due"), "level": QCoreApplication.translate("Supervision", "Deadline state"), "citizen_name": QCoreApplication.translate("Supervision", "Citizen"),
                       "citizen_phone": QCoreApplication.translate("Supervision", "Phone")}
            kwargs = dict(officer_name=self.officer_name, label=self.label,
                          format_time=lambda t: text.format_local(t, zone))
            title = QCoreApplication.translate("Supervision", "Overdue and due soon")
            if fmt == "csv":
                export.export_overdue_csv(path, items, info, columns=columns, heading_words=words, **kwargs)
            else:
                rows = export.overdue_table(items, reveal=info.reveal, **kwargs)
                write_pdf(path, title, self._pdf_heading(info, words),
                          [columns[k] for k in export.OVERDUE_COLUMNS], rows)
        else:
            report = self.board.compliance
            columns = dict(zip(export.COMPLIANCE_COLUMNS, self._compliance_columns(), strict=False))
            if fmt == "csv":
                export.write_csv(path, info, list(columns.values()), self.compliance_rows(report), words)
            else:
                write_pdf(path, QCoreApplication.translate("Supervision", "Compliance"), self._pdf_heading(info, words),
                          list(columns.values()), self.compliance_rows(report))
        self.sig_exported.emit(str(path))
        return path

    @staticmethod
    def _pdf_heading(info: export.ExportInfo, words: dict[str, str]) -> list[tuple[str, str]]:
        return [(words["station"], info.station), (words["period"], info.period),
                (words["exported_at"], info.exported_at),
                (words["personal_data"], words["shown"] if info.reveal else words["masked"])]

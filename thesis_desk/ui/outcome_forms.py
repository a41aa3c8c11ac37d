"""Forms that close the loop on a thesis: close it with its outcome, reopen it, review
it, and write its pre-mortem. Each hands a record to ``submit`` (a service call); a
refusal shows beside its field and the form stays open with what was typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from thesis_desk.core.enums import (
    CONVICTION_RANGE,
    OUTCOMES,
    PILLAR_STATES,
    REVIEW_DAYS,
    pillar_state_label,
)
from thesis_desk.core.errors import ValidationError, raise_if
from thesis_desk.core.records import (
    CloseInput,
    EvidenceInfo,
    PillarInput,
    ReviewInput,
    ThesisDetail,
)
from thesis_desk.ui.forms import FormDialog, _select
from thesis_desk.ui.widgets import (
    FieldError,
    clear_on_edit,
    muted,
    plain_label,
    plain_tip,
    shorten,
    with_error,
)

OUTCOME_LABELS = {"right": "&Right", "wrong": "&Wrong", "mixed": "&Mixed"}
OUTCOME_TIPS = {
    "right": "The claim held: scored as a forecast that came true",
    "wrong": "The claim failed: scored as a forecast that did not",
    "mixed": "Partly right: listed in calibration but not scored",
}


def _notes(placeholder: str, height: int = 70) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(height)
    return edit


def _save_as(dlg: FormDialog, text: str) -> None:
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).setText(text)


class CloseThesisDialog(FormDialog):
    """Close a thesis: how it turned out, when, and what we learnt."""

    def __init__(self, submit: Callable[[CloseInput], None], thesis: ThesisDetail,
                 parent: QWidget | None = None):
        super().__init__("Close Thesis", parent)
        self.submit, self.thesis = submit, thesis
        self.resize(600, 0)  # as tall as its fields
        intro = muted(plain_label(
            f"“{thesis.title}”, conviction {thesis.conviction}/100. Its positions' return on "
            "the closing day is recorded as realised; calibration scores the conviction "
            "against the outcome.", wrap=True))
        self.form.insertRow(0, intro)
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.outcome_group = QButtonGroup(self)
        self.outcomes: dict[str, QRadioButton] = {}
        for name in OUTCOMES:
            b = QRadioButton(OUTCOME_LABELS[name])
            b.setToolTip(OUTCOME_TIPS[name])
            self.outcome_group.addButton(b)
            self.outcomes[name] = b
            lay.addWidget(b)
        lay.addStretch(1)
        self.add_field("outcome", "Outcome", row)
        self.on = self.add_field("on", "Closed &on", QDateEdit())
        self.on.setCalendarPopup(True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.on.setDate(QDate.currentDate())
        self.happened = self.add_field("happened", "What &happened", _notes(
            "What happened, and why the thesis played out as it did", 90))
        self.missed = self.add_field("missed", "What we mi&ssed", _notes(
            "What we did not see, or weighed wrongly"))
        self.again = self.add_field("again", "Would do a&gain", _notes(
            "What worked in the process and should be kept"))
        _save_as(self, "Close Thesis")

    def value(self) -> CloseInput:
        chosen = next((k for k, b in self.outcomes.items() if b.isChecked()), "")
        q = self.on.date()
        return CloseInput(chosen, dt.date(q.year(), q.month(), q.day()),
                          happened=self.happened.toPlainText(),
                          missed=self.missed.toPlainText(), again=self.again.toPlainText())

    def save(self) -> None:
        data = self.value()
        raise_if(data.validate(self.thesis.created_at.date()))
        self.submit(data)


class ReopenThesisDialog(FormDialog):
    """Reopen a closed thesis: its outcome is cleared, the journal keeps what it was."""

    def __init__(self, submit: Callable[[str, str], None], thesis: ThesisDetail,
                 parent: QWidget | None = None):
        super().__init__("Reopen Thesis", parent)
        self.submit = submit
        self.resize(520, 220)
        outcome = f" as {thesis.outcome}" if thesis.outcome else ""
        when = f" on {thesis.closed_on:%Y-%m-%d}" if thesis.closed_on else ""
        self.form.insertRow(0, muted(plain_label(
            f"“{thesis.title}” was closed{when}{outcome}. Reopening clears the outcome and "
            "its post-mortem (the journal keeps both).", wrap=True)))
        self.status = self.add_field("status", "&Status", QComboBox())
        for st in REVIEW_DAYS:
            self.status.addItem(st.capitalize(), st)
        _select(self.status, "active")
        self.reason = self.add_field("reason", "&Reason", QLineEdit())
        self.reason.setPlaceholderText("Why is the thesis open again? (one line)")
        _save_as(self, "Reopen")

    def save(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            raise ValidationError({"reason": "Say in one line why the thesis is reopened."})
        self.submit(reason, self.status.currentData())


class ReviewDialog(FormDialog):
    """A review: conviction reaffirmed or changed, each pillar's state, a note."""

    def __init__(self, submit: Callable[[ReviewInput], None], thesis: ThesisDetail,
                 parent: QWidget | None = None):
        super().__init__("Review Thesis", parent)
        self.submit, self.thesis = submit, thesis
        self.resize(700, 300 + 30 * min(len(thesis.pillars), 12))
        last = (f"last reviewed {thesis.reviewed_at:%Y-%m-%d}" if thesis.reviewed_at
                else "not reviewed before")
        every = thesis.review_interval
        self.form.insertRow(0, muted(plain_label(
            f"“{thesis.title}”: {last}" + (f"; reviewed every {every} days." if every else "."),
            wrap=True)))
        self.conviction = self.add_field("conviction", "C&onviction", QSpinBox())
        self.conviction.setRange(*CONVICTION_RANGE)
        self.conviction.setSuffix(" / 100")
        self.conviction.setValue(thesis.conviction)
        self.conviction.setToolTip(f"Was {thesis.conviction}: leave it to reaffirm it")
        # the pillars in a box of their own: their long statements would narrow the form
        self.pillar_states: dict[int, QComboBox] = {}
        if thesis.pillars:
            group = QGroupBox("Pillars, kill criteria, catalysts and risks")
            grid = QGridLayout(group)
            grid.setColumnStretch(0, 1)
            for row, p in enumerate(thesis.pillars):
                box = QComboBox()
                for st in PILLAR_STATES:
                    box.addItem(pillar_state_label(p.kind, st), st)
                _select(box, p.state)
                label = QLabel(f"{p.kind_label}: {shorten(p.text, 90)}")
                label.setToolTip(plain_tip(p.text))
                label.setBuddy(box)
                grid.addWidget(label, row, 0)
                grid.addWidget(box, row, 1)
                self.pillar_states[p.id] = box
            self.layout().insertWidget(1, group)
        self.note = _notes("What the review found: what changed, what did not (goes in the "
                           "journal)", 110)
        self.errors["note"] = err = FieldError()
        notes = QFormLayout()
        notes.addRow("&Note", with_error(self.note, err))
        notes.labelForField(notes.itemAt(0, QFormLayout.ItemRole.FieldRole).widget()).setBuddy(
            self.note)
        clear_on_edit(self.note, err)
        self.layout().insertLayout(2 if thesis.pillars else 1, notes)
        _save_as(self, "Record Review")

    def value(self) -> ReviewInput:
        was = {p.id: p.state for p in self.thesis.pillars}
        states = tuple((pid, box.currentData()) for pid, box in self.pillar_states.items()
                       if box.currentData() != was[pid])
        return ReviewInput(self.conviction.value(), self.note.toPlainText(), states)


class PreMortemDialog(FormDialog):
    """“A year from now this thesis failed: why?” Each answer becomes a risk."""

    def __init__(self, submit: Callable[[list[PillarInput]], None], thesis: ThesisDetail,
                 parent: QWidget | None = None):
        super().__init__("Pre-mortem", parent)
        self.submit = submit
        self.resize(600, 380)
        self.form.insertRow(0, plain_label(
            f"Imagine it is a year from now and “{thesis.title}” has failed. Why did it "
            "fail? Write one reason per line: each is kept as a risk of the thesis, to be "
            "watched like its pillars.", wrap=True))
        self.reasons = self.add_field("reasons", "&Reasons", QPlainTextEdit())
        self.reasons.setPlaceholderText("Capex went to low-return projects\n"
                                        "Regulators capped platform fees")
        _save_as(self, "Add Risks")

    def value(self) -> list[PillarInput]:
        return [PillarInput("risk", line.strip())
                for line in self.reasons.toPlainText().splitlines() if line.strip()]

    def save(self) -> None:
        risks = self.value()
        if not risks:
            raise ValidationError({"reasons": "Write at least one reason, one per line."})
        self.submit(risks)


class CommentDialog(FormDialog):
    """A comment on one evidence item: "challenge this pillar", "check this source"."""

    def __init__(self, submit: Callable[[str], None], evidence: EvidenceInfo,
                 parent: QWidget | None = None):
        super().__init__("Comment on Evidence", parent)
        self.submit = submit
        self.resize(560, 300)
        self.form.insertRow(0, muted(plain_label(
            f"On “{shorten(evidence.quote, 200)}” ({evidence.source})", wrap=True)))
        self.body = self.add_field("body", "&Comment", _notes(
            "What should the team look at here?", 120))
        _save_as(self, "Post Comment")

    def save(self) -> None:
        self.submit(self.body.toPlainText())

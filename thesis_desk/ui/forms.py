"""Forms for theses and pillars.

A form hands its input to a ``submit`` callback (which calls a service); when the
service refuses it, the messages appear beside the fields they concern and the form
stays open, so nothing is saved half-way and nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.enums import (
    CONVICTION_RANGE,
    DIRECTIONS,
    PILLAR_KIND_LABELS,
    PILLAR_KINDS,
    PILLAR_STATES,
    REVIEW_DAYS,
    REVIEW_DAYS_RANGE,
    STANCES,
    STATUSES,
    pillar_state_label,
)
from thesis_desk.core.errors import EditConflict, UserError, ValidationError, raise_if
from thesis_desk.core.records import (
    WEIGHT_RANGE,
    DocumentInfo,
    DocumentMeta,
    EvidenceInfo,
    EvidenceInput,
    MetricInfo,
    MetricInput,
    PillarChoice,
    PillarInfo,
    PillarInput,
    PositionInfo,
    PositionInput,
    RuleInfo,
    RuleInput,
    ThesisDetail,
    ThesisInput,
    split_list,
)
from thesis_desk.ui.widgets import (
    FieldError,
    OptionalDateEdit,
    SafeTextBrowser,
    clear_on_edit,
    plain_tip,
    shorten,
    with_error,
)


class FormDialog(QDialog):
    """A dialog of fields, each with an error label, and OK/Cancel."""

    submit: Callable[[Any], None]  # set by each form: where its valid input goes

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.errors: dict[str, FieldError] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = FieldError()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(self.general_error)
        lay.addWidget(self.buttons)

    def add_field(self, name: str, label: str, widget: QWidget) -> QWidget:
        err = FieldError()
        self.errors[name] = err
        box = with_error(widget, err)
        self.form.addRow(label, box)
        # the label's mnemonic (Alt+L for "&Level") focuses the field, not its frame
        self.form.labelForField(box).setBuddy(widget)
        clear_on_edit(widget, err)
        return widget

    def show_errors(self, errors: dict[str, str]) -> None:
        unplaced = []
        for name, err in self.errors.items():
            err.show_error(errors.get(name, ""))
        for name, msg in errors.items():
            if name not in self.errors:
                unplaced.append(msg)
        self.general_error.show_error("\n".join(unplaced))

    def _on_save(self) -> None:
        try:
            self.save()
        except ValidationError as exc:
            self.show_errors(exc.errors)
            return
        except EditConflict as exc:  # saved over a newer version: start from it, keep ours
            self.rebase(exc.current)
            self.show_errors({"": str(exc)})
            return
        except UserError as exc:
            self.show_errors({"": str(exc)})
            return
        self.accept()

    # the fields a person edits, as (record attribute, input attribute) pairs: a form that
    # edits a stored row names them so a conflict can carry the person's edit over
    REBASED: tuple[str, ...] = ()

    def rebase(self, current: Any) -> None:  # noqa: ANN401 - the form's own record
        """Another writer saved a newer version: the form now stands on ``current``, each
        field the person changed kept as they typed it, every other one the newer value."""
        import dataclasses

        mine, base = self.value(), getattr(self, "existing", None)
        if base is None:
            return
        was = base.to_input() if hasattr(base, "to_input") else base
        kept = {f: getattr(mine, f) for f in self.REBASED
                if getattr(mine, f) != getattr(was, f)}
        self.existing = current
        self._load(dataclasses.replace(current, **kept))

    def value(self) -> Any:  # noqa: ANN401 - each form's own input record
        raise NotImplementedError

    def save(self) -> None:
        """The common form: check ``value()`` and hand it to ``submit``; forms with more
        to check (a reason, a thesis) override this."""
        data = self.value()
        raise_if(data.validate())
        self.submit(data)


def _combo(values: tuple[str, ...], labels: dict[str, str] | None = None) -> QComboBox:
    box = QComboBox()
    for v in values:
        box.addItem((labels or {}).get(v, v.replace("_", " ").capitalize()), v)
    return box


def _select(box: QComboBox, value: object) -> None:
    box.setCurrentIndex(max(0, box.findData(value)))


class ListCompleter(QCompleter):
    """Completes the last item of a comma-separated list."""

    def pathFromIndex(self, index):  # noqa: N802, ANN001, ANN201
        done = self.widget().text().rsplit(",", 1)[0] if "," in self.widget().text() else ""
        item = super().pathFromIndex(index)
        return f"{done}, {item}" if done else item

    def splitPath(self, path: str) -> list[str]:  # noqa: N802
        return [path.rsplit(",", 1)[-1].strip()]


def _list_edit(choices: list[str], placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    comp = ListCompleter(choices, edit)
    comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    edit.setCompleter(comp)
    return edit


SubmitThesis = Callable[[ThesisInput, str], None]


class ThesisDialog(FormDialog):
    """Create or edit a thesis. Changing conviction or status asks for a reason."""

    REBASED = ("title", "claim", "narrative", "direction", "status", "conviction", "horizon",
               "instruments", "tags", "review_days", "visibility")

    def __init__(self, submit: SubmitThesis, *, existing: ThesisDetail | None = None,
                 symbols: list[str] | None = None, tags: list[str] | None = None,
                 team: bool = False, parent: QWidget | None = None):
        super().__init__("Edit Thesis" if existing else "New Thesis", parent)
        self.submit = submit
        self.existing = existing
        self.resize(640, 600)
        self.title = self.add_field("title", "&Title", QLineEdit())
        self.title.setPlaceholderText("e.g. Alibaba revaluation hinges on capex allocation")
        self.title.setMaxLength(400)  # longer than allowed, so the message can say so
        self.claim = self.add_field("claim", "&Claim", QLineEdit())
        self.claim.setPlaceholderText("The thesis in one sentence")
        self.instruments = self.add_field(
            "instruments", "&Instruments", _list_edit(symbols or [], "BABA, 9988.HK")
        )
        self.direction = self.add_field("direction", "&Direction", _combo(DIRECTIONS))
        closed = existing is not None and existing.status == "closed"
        self.status = self.add_field("status", "&Status", _combo(
            STATUSES if closed else tuple(s for s in STATUSES if s != "closed")))
        if closed:  # closed and reopened through their own forms, which ask for more
            self.status.setEnabled(False)
            self.status.setToolTip("Reopen it with Thesis > Reopen Thesis…")
        else:
            self.status.setToolTip("Close a thesis with Thesis > Close Thesis…: it records "
                                   "the outcome")
        self.conviction = self.add_field("conviction", "C&onviction", QSpinBox())
        self.conviction.setRange(*CONVICTION_RANGE)
        self.conviction.setSuffix(" / 100")
        self.conviction.setValue(50)
        self.horizon = self.add_field("horizon", "&Horizon", OptionalDateEdit("Set a date"))
        self.tags = self.add_field("tags", "T&ags", _list_edit(tags or [], "china, ai, capex"))
        self.review_days = self.add_field("review_days", "Re&view every", QSpinBox())
        self.review_days.setRange(0, REVIEW_DAYS_RANGE[1])
        self.review_days.setSuffix(" days")
        self.review_days.setToolTip("How often the thesis comes up in Reviews; 0 keeps the "
                                    "default of its status")
        self.private = QCheckBox("&Private: only you see it (the team does not)")
        self.private.setToolTip("On a team workspace the server hides a private thesis, and "
                                "everything of it, from every other analyst and reader")
        if team:  # a local workspace has one person: nothing to hide from
            self.form.addRow("", self.private)
        else:
            self.private.hide()

        self.narrative = QPlainTextEdit()
        self.narrative.setPlaceholderText("The argument, in Markdown: # headings, - lists, *emphasis*")
        self.preview = SafeTextBrowser()
        tabs = QTabWidget()
        tabs.addTab(self.narrative, "Write")
        tabs.addTab(self.preview, "Preview")
        tabs.currentChanged.connect(
            lambda i: i == 1 and self.preview.set_markdown(self.narrative.toPlainText())
        )
        self.narrative_tabs = tabs
        self.add_field("narrative", "&Narrative", tabs)

        self.reason = self.add_field("reason", "&Reason", QLineEdit())
        self.reason.setPlaceholderText("Why did the conviction or status change? (one line)")
        self.premortem_next = None
        if existing is None:  # the pre-mortem, one click away when the thesis is new
            self.premortem_next = QCheckBox("Then write a &pre-mortem: why might it fail?")
            self.form.addRow("", self.premortem_next)
        if existing is not None:
            self._load(existing)
        self.conviction.valueChanged.connect(self._update_reason)
        self.status.currentIndexChanged.connect(self._update_reason)
        self.status.currentIndexChanged.connect(self._review_default)
        self._update_reason()
        self._review_default()

    def _review_default(self) -> None:
        days = REVIEW_DAYS.get(self.status.currentData())
        self.review_days.setSpecialValueText(
            f"Status default ({days} days)" if days else "No reviews once closed")

    def _load(self, t: ThesisDetail) -> None:
        self.title.setText(t.title)
        self.claim.setText(t.claim)
        self.instruments.setText(", ".join(t.instruments))
        _select(self.direction, t.direction)
        _select(self.status, t.status)
        self.conviction.setValue(t.conviction)
        self.horizon.set_value(t.horizon)
        self.tags.setText(", ".join(t.tags))
        self.narrative.setPlainText(t.narrative)
        self.review_days.setValue(t.review_days or 0)
        self.private.setChecked(t.visibility == "private")

    def _needs_reason(self) -> bool:
        t = self.existing
        return t is not None and (
            self.conviction.value() != t.conviction or self.status.currentData() != t.status
        )

    def _update_reason(self) -> None:
        self.reason.setEnabled(self._needs_reason())

    def value(self) -> ThesisInput:
        return ThesisInput(
            title=self.title.text(),
            claim=self.claim.text(),
            narrative=self.narrative.toPlainText(),
            direction=self.direction.currentData(),
            status=self.status.currentData(),
            conviction=self.conviction.value(),
            horizon=self.horizon.value(),
            instruments=split_list(self.instruments.text()),
            tags=split_list(self.tags.text()),
            review_days=self.review_days.value() or None,
            visibility="private" if self.private.isChecked() else "team",
        )

    def save(self) -> None:
        data = self.value().normalized()
        errors = data.validate()
        reason = self.reason.text().strip() if self._needs_reason() else ""
        if self._needs_reason() and not reason:
            errors["reason"] = "Say in one line why the conviction or status changed."
        if errors:
            raise ValidationError(errors)
        self.submit(data, reason)


SubmitPillar = Callable[[PillarInput, str], None]


class PillarDialog(FormDialog):
    """Add or edit a pillar, kill criterion, catalyst or risk."""

    def __init__(self, submit: SubmitPillar, *, existing: PillarInfo | None = None,
                 kind: str = "pillar", parent: QWidget | None = None):
        super().__init__("Edit Pillar" if existing else "Add Pillar", parent)
        self.submit = submit
        self.existing = existing
        self.resize(520, 320)
        self.kind = self.add_field("kind", "&Kind", _combo(PILLAR_KINDS, PILLAR_KIND_LABELS))
        self.text = self.add_field("text", "&Statement", QPlainTextEdit())
        self.text.setPlaceholderText("What must be true - or, for a kill criterion, what would "
                                     "prove the thesis wrong")
        self.text.setTabChangesFocus(True)
        self.state = self.add_field("state", "S&tate", _combo(PILLAR_STATES))
        self.due = self.add_field("due_date", "&Due date", OptionalDateEdit("Has a due date"))
        self.reason = self.add_field("reason", "&Reason", QLineEdit())
        self.reason.setPlaceholderText("Why did the state change? (one line)")
        _select(self.kind, existing.kind if existing else kind)
        if existing is not None:
            self._load(existing)
        self.state.currentIndexChanged.connect(self._update_reason)
        self.kind.currentIndexChanged.connect(self._relabel_states)
        self._relabel_states()
        self._update_reason()

    REBASED = ("kind", "text", "state", "due_date")

    def _load(self, p: PillarInfo) -> None:
        _select(self.kind, p.kind)
        self.text.setPlainText(p.text)
        _select(self.state, p.state)
        self.due.set_value(p.due_date)

    def _relabel_states(self) -> None:
        """A catalyst's states read Pending / Slipping / Missed / Happened, a risk's
        Dormant / Emerging / Materialised / Ruled out."""
        for i, state in enumerate(PILLAR_STATES):
            self.state.setItemText(i, pillar_state_label(self.kind.currentData(), state))

    def _needs_reason(self) -> bool:
        return self.existing is not None and self.state.currentData() != self.existing.state

    def _update_reason(self) -> None:
        self.reason.setEnabled(self._needs_reason())

    def value(self) -> PillarInput:
        return PillarInput(kind=self.kind.currentData(), text=self.text.toPlainText().strip(),
                           state=self.state.currentData(), due_date=self.due.value())

    def save(self) -> None:
        data = self.value()
        errors = data.validate()
        reason = self.reason.text().strip()
        if self._needs_reason() and not reason:
            errors["reason"] = "Say in one line why the state changed."
        if errors:
            raise ValidationError(errors)
        self.submit(data, reason if self._needs_reason() else "")


SubmitEvidence = Callable[[EvidenceInput], None]


class EvidenceDialog(FormDialog):
    """File a passage as evidence for or against a thesis (and one of its pillars).

    From the reader the quote, its offsets and the document are fixed; without a
    document the person types the quote and where it comes from.
    """

    def __init__(self, submit: SubmitEvidence, *, theses: list[tuple[int, str]],
                 pillars_of: Callable[[int], list[PillarInfo]], thesis_id: int | None = None,
                 document: DocumentInfo | None = None, quote: str = "",
                 start: int | None = None, end: int | None = None,
                 existing: EvidenceInfo | None = None, pillar_id: int | None = None,
                 parent: QWidget | None = None):
        super().__init__("Edit Evidence" if existing else "Add Evidence", parent)
        self.submit, self.pillars_of = submit, pillars_of
        self.existing = existing
        if existing is not None:
            document, quote = existing.document, existing.quote
            start, end, thesis_id = existing.start_offset, existing.end_offset, existing.thesis_id
        self.document, self.start, self.end = document, start, end
        self.resize(620, 520)

        self.quote = QPlainTextEdit()
        self.quote.setPlainText(quote)
        self.quote.setTabChangesFocus(True)
        if document is not None:
            self.quote.setReadOnly(True)  # it must stay equal to the document text
        self.add_field("quote", "&Quote", self.quote)
        if document is not None:
            src = QLineEdit(document.citation())
            src.setReadOnly(True)
            self.add_field("document_id", "Document", src)
            self.source = None
        else:
            self.source = self.add_field("source_text", "&Source", QLineEdit())
            self.source.setPlaceholderText("Where the quote comes from, e.g. 'Investor day, "
                                           "2025-03-01'")
        self.thesis = self.add_field("thesis_id", "&Thesis", QComboBox())
        for tid, title in theses:
            self.thesis.addItem(title, tid)
        if thesis_id is not None:
            _select(self.thesis, thesis_id)
        self.pillar = self.add_field("pillar_id", "&Pillar", QComboBox())
        self.stance = self.add_field("stance", "St&ance", _combo(STANCES))
        self.weight = self.add_field("weight", "&Weight", QSpinBox())
        self.weight.setRange(*WEIGHT_RANGE)
        self.weight.setValue(2)
        self.weight.setToolTip("1 = slight, 2 = material, 3 = strong")
        self.note = self.add_field("note", "&Note", QPlainTextEdit())
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(90)
        self.date = self.add_field("observed_on", "&Date", OptionalDateEdit("Dated"))
        self.date.set_value(document.published_on if document else None)
        self.thesis.currentIndexChanged.connect(self._fill_pillars)
        self._fill_pillars()
        if pillar_id is not None:  # a suggested passage: the pillar it was suggested for
            _select(self.pillar, pillar_id)
        if existing is not None:
            self._load(existing)

    REBASED = ("pillar_id", "stance", "weight", "note", "observed_on", "source_text")

    def _load(self, e: EvidenceInfo) -> None:
        _select(self.pillar, e.pillar_id)
        _select(self.stance, e.stance)
        self.weight.setValue(e.weight)
        self.note.setPlainText(e.note)
        self.date.set_value(e.observed_on)
        if self.source is not None:
            self.source.setText(e.source_text)

    def _fill_pillars(self) -> None:
        self.pillar.clear()
        self.pillar.addItem("(the thesis as a whole)", None)
        tid = self.thesis.currentData()
        if tid is not None:
            for p in self.pillars_of(tid):
                self.pillar.addItem(f"{p.kind_label}: {shorten(p.text, 80)}", p.id)
                self.pillar.setItemData(self.pillar.count() - 1,
                                        plain_tip(f"{p.kind_label}: {p.text}"),
                                        Qt.ItemDataRole.ToolTipRole)

    def value(self) -> EvidenceInput:
        return EvidenceInput(
            thesis_id=self.thesis.currentData(), quote=self.quote.toPlainText(),
            stance=self.stance.currentData(), weight=self.weight.value(),
            note=self.note.toPlainText(), pillar_id=self.pillar.currentData(),
            document_id=self.document.id if self.document else None,
            start_offset=self.start, end_offset=self.end,
            source_text=self.source.text() if self.source is not None else "",
            observed_on=self.date.value(),
        )

    def save(self) -> None:
        data = self.value()
        errors = data.validate()
        if data.thesis_id is None:
            errors["thesis_id"] = "Create a thesis first: evidence is always for a thesis."
        if errors:
            raise ValidationError(errors)
        self.submit(data)


class DocumentDialog(FormDialog):
    """Edit what the library knows about a document."""

    def __init__(self, submit: Callable[[DocumentMeta], None], doc: DocumentInfo,
                 parent: QWidget | None = None):
        super().__init__("Document Details", parent)
        self.submit = submit
        self.resize(560, 0)  # as tall as its fields
        self.title = self.add_field("title", "&Title", QLineEdit(doc.title))
        self.publisher = self.add_field("publisher", "&Publisher / source",
                                        QLineEdit(doc.publisher))
        self.author = self.add_field("author", "&Author", QLineEdit(doc.author))
        self.date = self.add_field("published_on", "&Published", OptionalDateEdit("Dated"))
        self.date.set_value(doc.published_on)
        self.url = self.add_field("url", "&URL", QLineEdit(doc.url))

    def save(self) -> None:
        meta = DocumentMeta(title=self.title.text().strip(), publisher=self.publisher.text(),
                            author=self.author.text(), published_on=self.date.value(),
                            url=self.url.text().strip())
        errors = meta.validate()
        if errors:
            raise ValidationError(errors)
        self.submit(meta)


class MetricDialog(FormDialog):
    """Create or edit a tracked metric."""

    def __init__(self, submit: Callable[[MetricInput], None], *,
                 existing: MetricInfo | None = None, parent: QWidget | None = None):
        from thesis_desk.core.enums import FREQUENCIES

        super().__init__("Edit Metric" if existing else "New Metric", parent)
        self.submit = submit
        self.resize(520, 0)  # as tall as its fields
        self.name = self.add_field("name", "&Name", QLineEdit())
        self.name.setPlaceholderText("e.g. China cloud capex / cloud revenue")
        self.unit = self.add_field("unit", "&Unit", QLineEdit())
        self.unit.setPlaceholderText("%, US$ bn, x …")
        self.frequency = self.add_field("frequency", "&Frequency", _combo(FREQUENCIES))
        self.instrument = self.add_field("instrument", "&Instrument", QLineEdit())
        self.instrument.setPlaceholderText("ticker symbol, optional")
        self.description = self.add_field("description", "&Description", QPlainTextEdit())
        self.description.setMaximumHeight(80)
        self.description.setTabChangesFocus(True)
        self.source = self.add_field("source", "&Source", QLineEdit())
        self.source.setPlaceholderText("where the figures come from, e.g. company filings")
        if existing is not None:
            self.name.setText(existing.name)
            self.unit.setText(existing.unit)
            _select(self.frequency, existing.frequency)
            self.instrument.setText(existing.instrument)
            self.description.setPlainText(existing.description)
            self.source.setText(existing.source)

    def value(self) -> MetricInput:
        return MetricInput(name=self.name.text().strip(), unit=self.unit.text(),
                           frequency=self.frequency.currentData(),
                           instrument=self.instrument.text(),
                           description=self.description.toPlainText(), source=self.source.text())


def number_field(errors: dict[str, str], name: str, box: QLineEdit, *,
                 required: str = "") -> float | None:
    """The number typed in ``box``, or None: empty (``required`` then says what to give),
    or refused, the reason put in ``errors[name]`` for the form to show beside the field."""
    from thesis_desk.core.tabular import parse_number

    if not box.text().strip():
        if required:
            errors[name] = required
        return None
    try:
        return parse_number(box.text())
    except ValueError as exc:
        errors[name] = number_error(exc, box.text())
        return None


def number_error(exc: ValueError, text: str) -> str:
    """A refused number in the person's own spelling (not lower-cased), with a hint when
    it holds a currency code: that has a field of its own."""
    msg = str(exc)
    msg = msg[:1].upper() + msg[1:] + "."
    if any(c.isalpha() for c in text):
        msg += " Type the number alone (e.g. 85.20); a currency goes in the Currency field."
    return msg


class PositionDialog(FormDialog):
    """Add or edit a position behind a thesis."""

    def __init__(self, submit: Callable[[PositionInput], None],
                 theses: list[tuple[int, str]], *,
                 thesis_id: int | None = None, existing: PositionInfo | None = None,
                 parent: QWidget | None = None):
        super().__init__("Edit Position" if existing else "New Position", parent)
        self.submit = submit
        self.resize(520, 0)  # as tall as its fields
        self.thesis = self.add_field("thesis_id", "&Thesis", QComboBox())
        for tid, title in theses:
            self.thesis.addItem(title, tid)
        _select(self.thesis, thesis_id)
        self.symbol = self.add_field("symbol", "&Symbol", QLineEdit())
        self.symbol.setPlaceholderText("e.g. BABA or 9988.HK")
        self.side = self.add_field("side", "S&ide", _combo(("long", "short")))
        self.quantity = self.add_field("quantity", "&Quantity", QLineEdit())
        self.quantity.setPlaceholderText("shares or units (or leave empty and give a weight)")
        self.weight = self.add_field("weight", "&Weight %", QLineEdit())
        self.weight.setPlaceholderText("share of the portfolio, e.g. 5")
        self.entry_date = self.add_field("entry_date", "&Entry date", OptionalDateEdit(""))
        self.entry_date.set_value(dt.date.today())
        self.entry_price = self.add_field("entry_price", "Entry &price", QLineEdit())
        self.entry_price.setPlaceholderText("price paid per unit, e.g. 92.50")
        self.currency = self.add_field("currency", "&Currency", QLineEdit())
        self.currency.setPlaceholderText("optional, e.g. USD or HKD")
        self.exit_date = self.add_field("exit_date", "E&xit date", OptionalDateEdit("open"))
        self.exit_price = self.add_field("exit_price", "Exit p&rice", QLineEdit())
        self.exit_price.setPlaceholderText("once closed: price received per unit")
        self.note = self.add_field("note", "&Note", QLineEdit())
        self.note.setPlaceholderText("optional")
        if existing is not None:
            e = existing
            _select(self.thesis, e.thesis_id)
            self.symbol.setText(e.symbol)
            _select(self.side, e.side)
            self.quantity.setText("" if e.quantity is None else f"{e.quantity:g}")
            self.weight.setText("" if e.weight is None else f"{e.weight * 100:g}")
            self.entry_date.set_value(e.entry_date)
            self.entry_price.setText(f"{e.entry_price:g}")
            self.currency.setText(e.currency)
            self.exit_date.set_value(e.exit_date)
            self.exit_price.setText("" if e.exit_price is None else f"{e.exit_price:g}")
            self.note.setText(e.note)

    def value(self) -> PositionInput:
        errors: dict[str, str] = {}
        qty = number_field(errors, "quantity", self.quantity)
        weight = number_field(errors, "weight", self.weight)
        entry_price = number_field(errors, "entry_price", self.entry_price, required="Required.")
        exit_price = number_field(errors, "exit_price", self.exit_price)
        entry_date = self.entry_date.value()
        if entry_date is None:
            errors["entry_date"] = "Give the entry date."
        data = PositionInput(
            self.thesis.currentData(), self.symbol.text().strip(), entry_date or dt.date.today(),
            entry_price or 0.0, self.side.currentData(), qty,
            None if weight is None else weight / 100, self.currency.text(),
            self.exit_date.value(), exit_price, self.note.text())
        # every field's problem at once, not the unreadable numbers' first and the rest
        # after they are fixed (a field's own parse error said first)
        if errors:
            raise ValidationError({**data.validate(), **errors})
        return data



RULE_KINDS = (  # kind, what the person picks, what the level means
    ("above", "Above a level", "Level"),
    ("below", "Below a level", "Level"),
    ("crosses", "Crosses a level (each crossing)", "Level"),
    ("change_pct", "Changes by P % or more over N", "Change %"),
    ("zscore", "Moves K standard deviations from the last N", "Standard deviations"),
    ("stale", "Goes stale: no new observation for N days", ""),
)
_WINDOW_LABELS = {"change_pct": "Over N", "zscore": "Last N observations",
                  "stale": "Days without one"}


def pillar_choice_label(kind: str, text: str, thesis_title: str) -> str:
    """How a rule's pillar is named where a person picks or reads it: its kind and
    statement, then its thesis."""
    return f"{PILLAR_KIND_LABELS.get(kind, kind)}: {text} — {thesis_title}"


class RuleDialog(FormDialog):
    """Add or edit an alert rule on a metric; tied to a pillar it is a kill criterion.

    Only the fields the chosen kind takes are shown: a level for above/below/crosses,
    a window for changes, z-scores and staleness, a re-arm band where one applies."""

    def __init__(self, submit: Callable[[RuleInput], None], *, metric_id: int,
                 metric_name: str, choices: list[PillarChoice],
                 existing: RuleInfo | None = None,
                 parent: QWidget | None = None):
        super().__init__("Edit Rule" if existing else "Add Rule", parent)
        self.submit, self.metric_id = submit, metric_id
        self.resize(640, 0)  # as tall as its fields: rows come and go with the kind
        self.form.addRow("Metric", QLineEdit(metric_name, readOnly=True))
        self.kind = self.add_field("kind", "&Fires when", QComboBox())
        for k, label, _level in RULE_KINDS:
            self.kind.addItem(label, k)
        self.level = self.add_field("threshold", "&Level", QLineEdit())
        self.level.setPlaceholderText("a number, e.g. 100 or 1,234.5")
        self.window = self.add_field("window", "&N", QSpinBox())
        self.window.setRange(1, 100_000)
        self.window.setValue(4)
        self.unit = self.add_field("window_unit", "N &counts",
                                   _combo(("observations", "days")))
        self.hysteresis = self.add_field("hysteresis", "&Re-arm band", QLineEdit())
        self.hysteresis.setPlaceholderText("0: re-arms as soon as the condition clears")
        self.pillar = self.add_field("pillar_id", "&Kill criterion", QComboBox())
        self.pillar.addItem("(none: an alert only)", None)
        for c in choices:
            label = pillar_choice_label(c.kind, c.text, c.thesis_title)
            self.pillar.addItem(label, c.id)
            self.pillar.setItemData(self.pillar.count() - 1, plain_tip(label),
                                    Qt.ItemDataRole.ToolTipRole)
        # a long statement is cut in the closed combo (its tooltip has it whole), never
        # widening the dialog past the screen
        self.pillar.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pillar.setMinimumContentsLength(40)
        self.pillar.setToolTip("Tie the rule to a pillar or kill criterion: when it fires, "
                               "the pillar changes state, the thesis is flagged (⚑) and the "
                               "journal says why.")
        self.on_fire = self.add_field("pillar_state_on_fire", "&When it fires",
                                      _combo(("broken", "at_risk"),
                                             {"broken": "Break the pillar",
                                              "at_risk": "Put the pillar at risk"}))
        self.note = self.add_field("note", "N&ote", QLineEdit())
        # a new rule judges what arrives from now on, unless the person asks otherwise
        self.judge_history = QCheckBox("Judge the observations already there too")
        self.judge_history.setToolTip(
            "Off: the rule judges what arrives from now on (and backfills). On: it also "
            "judges the metric's history now, raising the alerts it holds; a kill "
            "criterion then breaks its pillar at once.")
        self.add_field("judge_history", "&History", self.judge_history)
        self.judge_history.setVisible(existing is None)
        if existing is not None:
            self._row(self.judge_history, False)
            e = existing
            _select(self.kind, e.kind)
            if e.threshold is not None:
                self.level.setText(f"{e.threshold:g}")
            if e.window:
                self.window.setValue(e.window)
            _select(self.unit, e.window_unit)
            if e.hysteresis:
                self.hysteresis.setText(f"{e.hysteresis:g}")
            _select(self.pillar, e.pillar_id)
            _select(self.on_fire, e.pillar_state_on_fire)
            self.note.setText(e.note)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.pillar.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _row(self, field: QWidget, visible: bool, label: str | None = None) -> None:
        box = field.parentWidget()  # the field with its error line (add_field)
        if label is not None:
            self.form.labelForField(box).setText(label)
        self.form.setRowVisible(box, visible)

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        level = dict((k, lv) for k, _l, lv in RULE_KINDS)[kind]
        self._row(self.level, bool(level), f"&{level}" if level else None)
        self._row(self.window, kind in _WINDOW_LABELS, f"&{_WINDOW_LABELS.get(kind, 'N')}")
        self._row(self.unit, kind == "change_pct")
        self._row(self.hysteresis, kind in ("above", "below", "crosses"))
        self._row(self.on_fire, self.pillar.currentData() is not None)

    def value(self) -> RuleInput:
        kind = self.kind.currentData()
        errors: dict[str, str] = {}
        level = (number_field(errors, "threshold", self.level, required="Give the level.")
                 if kind != "stale" else None)
        hysteresis = (number_field(errors, "hysteresis", self.hysteresis)
                      if kind in ("above", "below", "crosses") else None)
        if errors:
            raise ValidationError(errors)
        return RuleInput(metric_id=self.metric_id, kind=kind, threshold=level,
                         window=self.window.value() if kind in _WINDOW_LABELS else None,
                         window_unit=self.unit.currentData() if kind == "change_pct"
                         else "observations",
                         hysteresis=hysteresis or 0.0, pillar_id=self.pillar.currentData(),
                         pillar_state_on_fire=self.on_fire.currentData(),
                         note=self.note.text())

"""Markup is never interpreted: typed and imported text with <b>, <a href> and
<img src="file:///..."> shows as those characters in every label, tooltip, table cell
and the reader, and no file is read while showing it."""

from __future__ import annotations

import datetime as dt

from PySide6 import QtGui
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeWidget

from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput
from thesis_desk.ui.ops import wait_idle

HOSTILE = '<b>Bold</b> <a href="http://evil">link</a> <img src="file:///etc/passwd">'


def _shown_as(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """What a person sees for ``text`` shown with ``fmt`` (Qt's own rich-text guess)."""
    rich = fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText
                                             and QtGui.Qt.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _model_texts(model: QAbstractItemModel, parent: QModelIndex = QModelIndex()):
    try:
        columns = model.columnCount(parent)
    except TypeError:  # list models keep columnCount private: one column
        columns = 1
    for r in range(model.rowCount(parent)):
        for c in range(columns):
            idx = model.index(r, c, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = idx.data(role)
                if isinstance(value, str):
                    yield role, value
        first = model.index(r, 0, parent)
        if columns > 1 and model.rowCount(first):
            yield from _model_texts(model, first)


def _check_window(win) -> int:
    checked = 0
    for label in win.findChildren(QLabel):
        text = label.text()
        if "Bold" in text and label.isVisibleTo(win):
            seen = _shown_as(text, label.textFormat())
            assert "<b>Bold</b>" in seen or "<b>" not in text, (label.objectName(), text)
            assert "<img" in seen or "<img" not in text
            checked += 1
        tip = label.toolTip()
        if "Bold" in tip:
            assert "<b>Bold</b>" in _shown_as(tip)
    for view in win.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        for role, text in _model_texts(model):
            if "Bold" not in text:
                continue
            if role == Qt.ItemDataRole.ToolTipRole:
                assert "<b>Bold</b>" in _shown_as(text), text  # tooltips guess rich text
            else:
                assert "<b>Bold</b>" in text  # item views paint display text as plain
            checked += 1
    for tree in win.findChildren(QTreeWidget):
        for item in _tree_items(tree):
            for c in range(tree.columnCount()):
                tip = item.toolTip(c)
                if "Bold" in tip:
                    assert "<b>Bold</b>" in _shown_as(tip), tip
                    checked += 1
    return checked


def _tree_items(tree: QTreeWidget):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        yield item
        stack += [item.child(i) for i in range(item.childCount())]


def test_hostile_text_shows_literally_everywhere(qtbot, window, workspace, tmp_path):
    doc_file = tmp_path / "hostile.txt"
    doc_file.write_text(f"{HOSTILE} headline\n\nPublished 01/09/2025\n\nThe passage {HOSTILE} "
                        "matters for capex.\n")
    doc = workspace.library.import_file(doc_file).document
    t = workspace.theses.create(ThesisInput(title=f"Thesis {HOSTILE}", claim=HOSTILE,
                                            narrative=HOSTILE, instruments=("BABA",),
                                            tags=("tag",)))
    workspace.theses.add_pillar(t.id, PillarInput(kind="pillar", text=f"Pillar {HOSTILE}"))
    text = workspace.library.get(doc.id).text
    start = text.index("The passage")
    end = start + len(f"The passage {HOSTILE}")
    workspace.evidence.add(EvidenceInput(thesis_id=t.id, quote=text[start:end], note=HOSTILE,
                                         document_id=doc.id, start_offset=start,
                                         end_offset=end))
    workspace.evidence.add(EvidenceInput(thesis_id=t.id, quote=f"Free {HOSTILE}",
                                         source_text=HOSTILE, note=HOSTILE))
    m = workspace.metrics.create(MetricInput(name=f"Metric {HOSTILE}", description=HOSTILE))
    workspace.metrics.link(t.id, m.id, "up")
    workspace.metrics.observe(m.id, dt.date(2025, 9, 1), 1.0, note=HOSTILE)
    window.refresh_views()

    checked = 0
    window.open_thesis(t.id)
    for i in range(window.theses_view.detail.tabs.count()):
        window.theses_view.detail.tabs.setCurrentIndex(i)
        checked += _check_window(window)
    window.library().open_document(doc.id, start, end)
    reader = window.library_view.reader
    assert HOSTILE in reader.reader.toPlainText()
    checked += _check_window(window)
    window.sidebar.setCurrentRow(2)
    wait_idle()
    window._open_metric(m.id)
    checked += _check_window(window)
    window.sidebar.setCurrentRow(4)
    wait_idle()
    checked += _check_window(window)
    assert checked >= 10  # the hostile text was really on screen in many places

"""The inbox folder as a person sets it up: chosen in Preferences (a wrong one refused
with a reason), then a broker note and an e-mail saved there arrive in the Library."""

from __future__ import annotations

import os
import time
from email.message import EmailMessage

from tests.helpers import minimal_pdf
from tests.ui.person import Person, field
from thesis_desk.core.records import PillarInput, ThesisInput


def _saved(path, data: bytes) -> None:  # noqa: ANN001
    path.write_bytes(data)
    t = time.time() - 10  # it has stopped changing
    os.utime(path, (t, t))


def test_files_saved_into_the_inbox_arrive_in_the_library(qtbot, window, when_modal, tmp_path):
    person = Person(qtbot)
    box = tmp_path / "Research inbox"
    box.mkdir()
    t = window.workspace.theses.create(ThesisInput("BABA cloud", status="active"))
    window.workspace.theses.add_pillar(t.id, PillarInput("pillar", "Cloud margins widen"))

    def wrong_then_right(dlg) -> None:  # noqa: ANN001
        inbox = field(dlg, "Inbox folder")
        person.type(inbox, str(tmp_path / "no such folder"))
        person.click("Save", within=dlg)
        assert dlg.isVisible() and "does not exist" in dlg.inbox_error.text()
        person.type(inbox, str(box))
        person.click("Save", within=dlg)

    when_modal(wrong_then_right)
    person.menu(window, "Edit", "Preferences…")
    person.row(window.sidebar, "Library")
    lv = window.library_view
    assert lv.inbox_box.isVisible() and "nothing yet" in lv.inbox_title.text()
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    _saved(box / "q3-note.pdf", minimal_pdf(["Alibaba Q3: cloud margins widen."]))
    mail = EmailMessage()
    mail["Subject"] = "Capex preview"
    mail["From"] = "Mei Lin Chow <mei@asiamarkets.example>"
    mail["Date"] = "Mon, 30 Nov 2026 08:15:00 +0800"
    mail.set_content("Capex guidance is the swing factor.")
    _saved(box / "preview.eml", bytes(mail))
    _saved(box / "chart.png", b"\x89PNG....")
    person.wait_for(lambda: lv.inbox_list.count() == 3, 15000)
    titles = sorted(d.title for d in lv.model.docs)
    assert titles == ["Alibaba Q3: cloud margins widen.", "Capex preview"]
    shown = [lv.inbox_list.item(n).text() for n in range(3)]
    assert any("chart.png — refused" in t for t in shown)
    assert "3 files" in lv.inbox_title.text()
    # what arrived is weighed against the theses, and the window says where it bears
    assert any("New research bears on “BABA cloud” (1 passage)" in m for m in said), said
    person.row(lv.inbox_list, "preview.eml")
    assert lv.reader.doc.title == "Capex preview" and lv.reader.doc.publisher == "asiamarkets.example"
    # each once: the next looks bring nothing more
    window._look_in_inbox()
    person.settle()
    assert window.workspace.library.count() == 2 and lv.inbox_list.count() == 3

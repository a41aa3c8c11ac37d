"""The Portfolio area as a person sees it: table, scatter, return chart, forms, imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from thesis_desk.core.portfolio import PositionInput
from thesis_desk.core.records import ThesisInput
from thesis_desk.ui.ops import wait_idle

PRICES = Path(__file__).parents[1] / "fixtures" / "prices_small.csv"


def fill_position(person, dlg, symbol: str, quantity: str, price: str) -> None:  # noqa: ANN001
    """Type a position into its form, as a person does, and save it."""
    from tests.ui.person import field

    person.type(field(dlg, "Symbol"), symbol)
    person.type(field(dlg, "Quantity"), quantity)
    person.type(field(dlg, "Entry price"), price)
    person.click("Save", within=dlg)


def test_demo_portfolio_explains_how_to_start(qtbot, window):
    window.build_demo()
    wait_idle()
    window.sidebar.setCurrentRow(4)
    wait_idle()
    view = window.portfolio_view
    assert view is not None and not view.help.isHidden()
    assert "demo workspace has no holdings" in view.help.text()
    assert view.scatter.data.size == 0
    # empty charts say so, on the scales a point would land on
    assert view.scatter_plot.getPlotItem().titleLabel.text.endswith(": no position yet")
    assert view.returns_plot.getPlotItem().titleLabel.text.endswith(": no position yet")
    assert view.scatter_plot.getPlotItem().vb.viewRange() == [[0, 100], [0, 100]]
    # no curves: the date axis shows the year to the as-of date, not fractions of 1970
    lo, hi = view.returns_plot.getPlotItem().vb.viewRange()[0]
    assert 360 * 86400 < hi - lo < 370 * 86400 and hi > 1.7e9
    assert view.returns_plot.getPlotItem().vb.viewRange()[1] == [-20, 20]  # %, not 0 to 1


def test_prices_positions_table_scatter_and_returns(qtbot, window, when_modal, tmp_path):
    ws = window.workspace
    t = ws.theses.create(ThesisInput("Long AAA", conviction=80, status="active"))
    window.sidebar.setCurrentRow(4)
    wait_idle()
    view = window.portfolio_view

    def import_all(dlg):
        dlg.metric_col.setCurrentIndex(dlg.metric_col.findData("Symbol"))
        dlg.value_col.setCurrentText("Close")
        dlg.check()
        assert dlg.plan is not None and len(dlg.plan.lines) == 7
        dlg.do_import()

    when_modal(import_all)
    view.import_prices(str(PRICES))
    wait_idle()
    assert ws.portfolio.price_symbols() == ["AAA", "BBB", "IDX"]

    def fill(dlg):
        dlg.symbol.setText("AAA")
        dlg.quantity.setText("10")
        dlg.entry_date.set_value(dt.date(2025, 1, 2))
        dlg.entry_price.setText("100")
        dlg._on_save()

    when_modal(fill)
    view.add_position(t.id)
    wait_idle()
    view.as_of.set_value(dt.date(2025, 1, 6))
    wait_idle()
    view.benchmark.setCurrentIndex(view.benchmark.findData("IDX"))
    wait_idle()
    row = view.tree.topLevelItem(0)
    assert row.text(0) == "Long AAA" and row.text(3) == "100.0%"
    # vs benchmark: the position made 10%, IDX 2% over the same days
    assert row.text(4) == "+10.0%" and row.text(5) == "+8.0%"
    assert view.help.isHidden()
    xs, ys = view.scatter.getData()
    assert list(xs) == [100.0] and list(ys) == [80.0]
    _, rets = view.return_curves[t.id].getData()
    assert [round(r, 6) for r in rets] == [0.0, 4.0, 10.0]

    view.scatter.sigClicked.emit(view.scatter, view.scatter.points()[:1], None)

    wait_idle()
    assert window.stack.currentWidget() is window.theses_view
    assert window.theses_view.current_id() == t.id


def test_holdings_dialog_blocks_a_file_with_a_bad_row(qtbot, window, tmp_path):
    ws = window.workspace
    ws.theses.create(ThesisInput("Book"))
    bad = tmp_path / "holdings.csv"
    bad.write_text("Ticker,Qty,Cost,Date\nAAA,10,100,2025-01-02\nBBB,lots,50,2025-01-02\n")
    window.sidebar.setCurrentRow(4)
    wait_idle()
    from thesis_desk.ui.holdings_dialog import HoldingsImportDialog

    dlg = HoldingsImportDialog(ws.portfolio, bad, [(t.id, t.title) for t in ws.theses.list()])
    qtbot.addWidget(dlg)
    assert dlg.rejected.topLevelItemCount() == 1
    assert dlg.rejected.topLevelItem(0).text(0) == "3"
    assert not dlg.import_btn.isEnabled()
    stored = dlg.preview.columnCount() - 1  # each line as it would be stored
    assert dlg.preview.horizontalHeaderItem(stored).text() == "→ Stored position"
    assert [dlg.preview.item(r, stored).text() for r in range(2)] == [
        "long 10 AAA at 100 on 2025-01-02", "not imported"]
    assert ws.portfolio.list() == []
    ws.portfolio.add(PositionInput(ws.theses.list()[0].id, "AAA", dt.date(2025, 1, 2), 100.0,
                                   quantity=1))
    window.portfolio_view.refresh()
    wait_idle()
    child = window.portfolio_view.tree.topLevelItem(0).child(0)
    assert "no price on or before this date" in child.text(0) and child.text(4) == "no price"


def test_position_through_the_form_benchmark_remembered_chart_from_entry(
        qtbot, window, when_modal, workspace):
    """As a person: the Portfolio opened empty, a position added through its form, the
    benchmark chosen from its list; the return chart starts at the entry, not at the
    empty chart's year, and a new window comes back with the same benchmark."""
    from tests.ui.person import Person, field
    from thesis_desk.ui.main_window import MainWindow

    ws = window.workspace
    from thesis_desk.core.tabular import read_table

    ws.portfolio.import_prices(ws.portfolio.plan_prices(
        read_table(PRICES), date_col="Date", price_col="Close", symbol_col="Symbol"))
    ws.theses.create(ThesisInput("Long AAA", conviction=80, status="active"))
    person = Person(qtbot)
    person.row(window.sidebar, "Portfolio")
    view = window.portfolio_view

    def fill(dlg) -> None:  # noqa: ANN001
        person.choose(field(dlg, "Thesis"), "Long AAA")
        person.date(field(dlg, "Entry date"), "2025-01-02")
        fill_position(person, dlg, "AAA", "10", "100")

    when_modal(fill)
    person.click("Add Position…")
    qtbot.waitUntil(lambda: len(ws.portfolio.list()) == 1)
    entry = dt.datetime(2025, 1, 2, tzinfo=dt.UTC).timestamp()
    last = dt.datetime(2025, 1, 6, tzinfo=dt.UTC).timestamp()

    def spans_the_holding() -> bool:  # the range is applied when the chart paints
        lo, hi = view.returns_plot.getPlotItem().vb.viewRange()[0]
        return entry - 3 * 86400 < lo <= entry and last <= hi < last + 3 * 86400

    qtbot.waitUntil(spans_the_holding, timeout=3000)

    person.choose(view.benchmark, "IDX")
    row = view.tree.topLevelItem(0)
    assert (row.text(4), row.text(5)) == ("+10.0%", "+8.0%")
    assert "Total weight 100.0%" in view.total.text()
    window.close()

    again = MainWindow(workspace.paths)
    qtbot.addWidget(again)
    again.set_workspace(workspace)
    again.show()
    Person(qtbot).row(again.sidebar, "Portfolio")
    assert again.portfolio_view.benchmark.currentText() == "IDX"
    again.close()


def test_a_header_click_sorts_the_book_by_that_column(qtbot, window):
    """Largest weight first; a click on Conviction sorts by it, a second click turns the
    order round; a position's lines stay under their thesis."""
    from PySide6.QtCore import QPoint, Qt

    ws = window.workspace
    day = dt.date(2025, 1, 2)
    for title, conviction, weight in (("Low conviction", 30, 0.05), ("High conviction", 90, 0.02),
                                      ("Mid conviction", 60, 0.10)):
        t = ws.theses.create(ThesisInput(title, conviction=conviction, status="active"))
        ws.portfolio.add(PositionInput(t.id, "AAA", day, 10.0, weight=weight))
    window.sidebar.setCurrentRow(4)
    wait_idle()
    tree = window.portfolio_view.tree

    def titles() -> list[str]:
        return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]

    assert titles() == ["Mid conviction", "Low conviction", "High conviction"]  # by weight
    header = tree.header()
    conviction = QPoint(header.sectionViewportPosition(1) + header.sectionSize(1) // 2,
                        header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=conviction)
    wait_idle()
    first = titles()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=conviction)
    wait_idle()
    assert sorted([first, titles()]) == [
        ["High conviction", "Mid conviction", "Low conviction"],
        ["Low conviction", "Mid conviction", "High conviction"]]
    assert all(tree.topLevelItem(i).childCount() == 1 for i in range(3))
    assert tree.topLevelItem(0).child(0).text(0).startswith("long AAA")


def test_position_buttons_follow_the_selection(qtbot, window, when_modal):
    """Edit, Remove and Target/Stop act on one position: off until a person selects a
    position's line, off again on its thesis's row; Remove asks, then removes it."""
    from PySide6.QtWidgets import QPushButton

    from tests.ui.person import Person

    ws = window.workspace
    t = ws.theses.create(ThesisInput("Long AAA", conviction=80, status="active"))
    ws.portfolio.add(PositionInput(t.id, "AAA", dt.date(2025, 1, 2), 100.0, quantity=10))
    person = Person(qtbot)
    person.row(window.sidebar, "Portfolio")
    view = window.portfolio_view
    acts = [person.find(QPushButton, text, within=view, enabled=False)
            for text in ("Edit…", "Remove…", "Target/Stop…")]
    assert not any(b.isEnabled() for b in acts)
    assert "Select a position first" in acts[0].toolTip()
    # no prices: the charts say why they are empty
    assert view.returns_plot.getPlotItem().titleLabel.text.endswith(
        ": no prices for the positions yet")
    person.row(view.tree, "long AAA 10 @ 100")
    assert all(b.isEnabled() for b in acts) and acts[0].toolTip() == ""
    person.row(view.tree, "Long AAA", column=0)
    assert not any(b.isEnabled() for b in acts)
    person.row(view.tree, "long AAA 10 @ 100")
    when_modal(lambda box: person.click("Remove", within=box))
    person.click("Remove…", within=view)
    person.wait_for(lambda: ws.portfolio.list() == [])


def test_the_position_form_says_every_problem_at_once(qtbot, window, when_modal):
    """Saved empty, the form names each missing field together (not the price first and
    the symbol once the price is fixed), and nothing is stored until they are fixed."""
    from tests.ui.person import Person

    ws = window.workspace
    ws.theses.create(ThesisInput("Long AAA", conviction=80, status="active"))
    person = Person(qtbot)
    person.row(window.sidebar, "Portfolio")
    seen: dict[str, str] = {}

    def fill(dlg) -> None:  # noqa: ANN001
        person.click("Save", within=dlg)
        seen.update({k: e.text() for k, e in dlg.errors.items() if e.isVisible()})
        fill_position(person, dlg, "AAA", "10", "100")

    when_modal(fill)
    person.click("Add Position…")
    person.wait_for(lambda: len(ws.portfolio.list()) == 1)
    assert seen == {"symbol": "Give the instrument's symbol.",
                    "quantity": "Give a quantity or a portfolio weight (one of them).",
                    "entry_price": "Required."}


def test_the_book_has_a_context_menu_for_theses_and_positions(qtbot, window, when_modal):
    """Right-click a thesis's row: a position added to that thesis; right-click the
    position's line: edited through the same form."""
    from tests.ui.person import Person, field

    ws = window.workspace
    ws.theses.create(ThesisInput("Short BBB", conviction=40, status="active"))
    t = ws.theses.create(ThesisInput("Long AAA", conviction=80, status="active"))
    ws.portfolio.add(PositionInput(t.id, "AAA", dt.date(2025, 1, 2), 100.0, quantity=10))
    person = Person(qtbot)
    person.row(window.sidebar, "Portfolio")
    view = window.portfolio_view

    def add(dlg) -> None:  # noqa: ANN001
        assert field(dlg, "Thesis").currentText() == "Long AAA"  # the row right-clicked
        fill_position(person, dlg, "CCC", "5", "20")

    when_modal(add)
    person.context_menu(view.tree, "Long AAA", "Add Position…")
    person.wait_for(lambda: len(ws.portfolio.list()) == 2)

    def edit(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Quantity"), "12")
        person.click("Save", within=dlg)

    when_modal(edit)
    person.context_menu(view.tree, "long AAA 10 @ 100", "Edit Position…")
    person.wait_for(lambda: sorted(p.quantity for p in ws.portfolio.list()) == [5, 12])

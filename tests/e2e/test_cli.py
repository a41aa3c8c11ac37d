"""The command line as a script would use it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from thesis_desk import __version__
from thesis_desk.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_show_round_trip(capsys, data_dir):
    code, out, _ = run(capsys, "theses", "add", "--title", "China AI valuation gap narrows",
                       "--claim", "Earnings catch up.", "--conviction", "65", "--status",
                       "active", "--instruments", "baba,tcehy", "--json")
    assert code == 0
    added = json.loads(out)
    assert added["conviction"] == 65 and added["instruments"] == ["BABA", "TCEHY"]

    code, out, _ = run(capsys, "theses", "list", "--json")
    assert [t["title"] for t in json.loads(out)] == ["China AI valuation gap narrows"]

    code, out, _ = run(capsys, "theses", "list")
    assert "China AI valuation gap narrows" in out and "BABA, TCEHY" in out

    code, out, _ = run(capsys, "theses", "show", "China AI valuation gap narrows", "--json")
    shown = json.loads(out)
    assert shown["thesis"]["id"] == added["id"]
    assert shown["journal"][0]["kind"] == "created"

    code, out, _ = run(capsys, "theses", "show", str(added["id"]))
    assert "Claim: Earnings catch up." in out and "Created" in out


def test_data_dir_flag_beats_environment(capsys, data_dir, tmp_path):
    other = tmp_path / "elsewhere"
    assert run(capsys, "theses", "add", "--title", "Here", "--data-dir", str(other))[0] == 0
    assert (other / "thesis-desk.sqlite3").exists()
    assert not (data_dir / "thesis-desk.sqlite3").exists()
    assert (other / "logs" / "thesis-desk.log").exists()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["theses", "show", "no such thesis"], "No thesis has the id or exact title"),
        (["theses", "add", "--title", "x", "--conviction", "150"], "0 to 100"),
        (["theses", "add", "--title", "   "], "needs a title"),
    ],
)
def test_user_mistakes_exit_1_with_one_line_and_no_traceback(capsys, data_dir, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert needle in err and "Traceback" not in err
    assert err.startswith("thesis-desk: ")


def test_bad_date_is_a_usage_error(capsys, data_dir):
    with pytest.raises(SystemExit) as exc:
        main(["theses", "add", "--title", "x", "--horizon", "31/12/2026"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_newer_database_is_refused_from_the_cli(capsys, data_dir):
    import sqlite3

    assert run(capsys, "theses", "add", "--title", "x")[0] == 0
    conn = sqlite3.connect(data_dir / "thesis-desk.sqlite3")
    conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "theses", "list")
    assert code == 1 and "newer version of Thesis Desk" in err


@pytest.mark.slow
def test_entry_point_runs_as_a_module(data_dir):
    version = subprocess.run([sys.executable, "-m", "thesis_desk", "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and __version__ in version.stdout
    listing = subprocess.run([sys.executable, "-m", "thesis_desk", "theses", "list", "--json",
                              "--data-dir", str(data_dir)], capture_output=True, text=True,
                             timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert json.loads(listing.stdout) == []


def test_demo_search_and_evidence_from_the_cli(capsys, data_dir):
    code, out, _ = run(capsys, "demo", "--json")
    assert code == 0 and json.loads(out)["theses"] == 3
    code, out, _ = run(capsys, "search", "maintenance capex", "--json")
    hits = json.loads(out)
    assert hits[0]["document"]["author"] == "Kenji Flores"
    assert "maintenance Capex" in hits[0]["snippet"]
    code, out, _ = run(capsys, "evidence", "list", "Alibaba revaluation hinges on capex allocation",
                       "--json")
    items = json.loads(out)
    assert len(items) == 10 and {i["stance"] for i in items} >= {"supports", "contradicts"}
    code, out, _ = run(capsys, "documents", "list")
    assert "China catching up with US in AI spending" in out and "2025-09-01" in out
    code, _, err = run(capsys, "demo")
    assert code == 1 and "empty one" in err


def test_import_reports_each_file(capsys, data_dir, tmp_path):
    good = tmp_path / "good.md"
    good.write_text("# A note\nbody")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(bytes(range(256)) * 4)
    code, out, err = run(capsys, "import", str(good), str(bad))
    assert code == 1
    assert "imported" in out and "good.md" in out
    assert "refused" in err and "bad.txt" in err and "binary" in err
    code, out, _ = run(capsys, "import", str(good), "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "duplicate"


def test_metrics_from_the_cli(capsys, data_dir):
    assert run(capsys, "metrics", "add", "Alibaba P/E", "--unit", "x")[0] == 0
    assert run(capsys, "metrics", "observe", "Alibaba P/E", "2025-02-01", "10")[0] == 0
    code, _, err = run(capsys, "metrics", "observe", "Alibaba P/E", "2025-02-01", "12")
    assert code == 1 and "already a value" in err
    assert run(capsys, "metrics", "observe", "Alibaba P/E", "2025-02-01", "12", "--replace")[0] == 0
    code, _, err = run(capsys, "metrics", "observe", "Alibaba P/E", "2025-02-02", "ten")
    assert code == 1 and "not a number" in err
    code, out, _ = run(capsys, "metrics", "show", "Alibaba P/E", "--json")
    shown = json.loads(out)
    assert [(o["date"], o["value"]) for o in shown["observations"]] == [("2025-02-01", 12.0)]
    code, out, _ = run(capsys, "metrics", "list")
    assert "Alibaba P/E" in out and "12" in out


def test_rules_and_alerts_from_the_cli(capsys, data_dir):
    run(capsys, "metrics", "add", "Capex ratio")
    code, out, _ = run(capsys, "rules", "add", "Capex ratio", "--above", "100")
    assert code == 0 and "above 100" in out
    code, out, _ = run(capsys, "metrics", "observe", "Capex ratio", "2025-06-30", "121")
    assert "ALERT: Capex ratio above 100: 121 on 2025-06-30" in out
    code, out, _ = run(capsys, "alerts", "check")
    assert code == 0 and "No new alerts" in out  # already fired when observed
    code, out, _ = run(capsys, "alerts", "list", "--json")
    assert [a["value"] for a in json.loads(out)] == [121.0]
    code, out, _ = run(capsys, "rules", "list")
    assert "triggered" in out
    code, _, err = run(capsys, "rules", "add", "Capex ratio", "--zscore", "2", "--window", "2")
    assert code == 1 and "window" in err


def test_metrics_import_from_the_cli(capsys, data_dir, tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("Date,Close\n2025-01-02,100\n2025-01-03,oops\nTotal,100\n")
    code, out, err = run(capsys, "metrics", "import", str(f), "--metric", "BABA", "--date-col",
                         "Date", "--value-col", "Close", "--dry-run")
    assert code == 1 and "Would import 1" in out and "line 3" in err and "line 4" in err
    code, out, _ = run(capsys, "metrics", "list", "--json")
    assert json.loads(out) == []  # a dry run writes nothing
    # strict by default: a file with a rejected row writes nothing and exits 1
    code, out, err = run(capsys, "metrics", "import", str(f), "--metric", "BABA",
                         "--date-col", "Date", "--value-col", "Close")
    assert code == 1 and "2 rows cannot be imported" in err and "--skip-invalid" in err
    assert "line 3" in err
    code, out, _ = run(capsys, "metrics", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "metrics", "import", str(f), "--metric", "BABA", "--date-col",
                       "Date", "--value-col", "Close", "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["imported"] == 1
    code, _, err = run(capsys, "metrics", "import", str(f), "--metric", "BABA", "--date-col",
                       "Day", "--value-col", "Close")
    assert code == 1 and "no column 'Day'" in err


def test_export_memo_needs_no_display(data_dir, tmp_path):
    """A scheduled job on a headless machine: demo, then a PDF and a Markdown memo."""
    import os

    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    subprocess.run([sys.executable, "-m", "thesis_desk", "demo"], env=env, check=True,
                   capture_output=True, timeout=120)
    out = tmp_path / "memo.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "thesis_desk", "export-memo",
         "Alibaba revaluation hinges on capex allocation", "-o", str(out), "--json"],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no Qt chatter on a headless run
    report = json.loads(done.stdout)
    assert report["pages"] >= 2 and report["evidence"] == 10
    assert out.read_bytes().startswith(b"%PDF-")
    md = tmp_path / "memo.md"
    done = subprocess.run([sys.executable, "-m", "thesis_desk", "export-memo", "1", "-o", str(md),
                           "--as-of", "2020-01-01"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "there is no memo as of 2020-01-01" in done.stderr
    assert not md.exists()


def test_prices_positions_and_portfolio_from_the_cli(capsys, data_dir):
    from pathlib import Path

    prices = Path(__file__).parents[1] / "fixtures" / "prices_small.csv"
    run(capsys, "theses", "add", "--title", "Long AAA", "--conviction", "80")
    code, out, _ = run(capsys, "prices", "import", str(prices), "--symbol-col", "Symbol",
                       "--date-col", "Date", "--price-col", "Close", "--json")
    assert code == 0 and json.loads(out)["imported"] == 7
    code, out, _ = run(capsys, "positions", "add", "Long AAA", "AAA", "--quantity", "10",
                       "--entry-date", "2025-01-02", "--entry-price", "100")
    assert code == 0
    code, out, _ = run(capsys, "portfolio", "show", "--as-of", "2025-01-03", "--json")
    shown = json.loads(out)
    assert shown[0]["ret"] == pytest.approx(0.04) and shown[0]["conviction"] == 80
    code, out, _ = run(capsys, "positions", "list", "--json")
    assert json.loads(out)[0]["symbol"] == "AAA"
    code, _, err = run(capsys, "positions", "add", "Long AAA", "AAA", "--quantity", "1",
                       "--entry-date", "2025-01-02", "--entry-price", "-3")
    assert code == 1 and "Entry price is a positive number" in err


def test_backup_list_restore_and_check_from_the_cli(capsys, data_dir):
    assert run(capsys, "demo")[0] == 0
    code, out, _ = run(capsys, "backup", "--json")
    taken = json.loads(out)
    assert code == 0 and (taken["theses"], taken["documents"]) == (3, 5)
    run(capsys, "theses", "add", "--title", "Added after the backup")
    code, out, _ = run(capsys, "backups", "list")
    assert taken["name"] in out and "manual" in out

    code, out, _ = run(capsys, "restore", taken["name"])
    assert code == 0 and "before-restore" in out
    code, out, _ = run(capsys, "theses", "list", "--json")
    assert "Added after the backup" not in [t["title"] for t in json.loads(out)]
    code, out, _ = run(capsys, "check")
    assert code == 0 and "All good." in out and "30 checked, 0 differ" in out

    # A damaged file: check says so (exit 1), the workspace is not opened or replaced.
    db = data_dir / "thesis-desk.sqlite3"
    import sqlite3

    conn = sqlite3.connect(db)  # the pages are in the file now, not only in the WAL
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(db.read_bytes())
    raw[8192:24576] = b"\x07" * 16384
    db.write_bytes(bytes(raw))
    code, out, _ = run(capsys, "check", "--json")
    assert code == 1 and json.loads(out)["database"]
    code, _, err = run(capsys, "theses", "list")
    assert code == 1 and "damaged" in err and "restore" in err
    code, out, _ = run(capsys, "restore", taken["name"])
    assert code == 0 and "damaged database was set aside" in out
    assert run(capsys, "check")[0] == 0


def test_restore_refuses_while_the_gui_holds_the_workspace(capsys, data_dir):
    from thesis_desk.core.instance import WorkspaceLock

    run(capsys, "backup")
    name = json.loads(run(capsys, "backups", "list", "--json")[1])[0]["name"]
    with WorkspaceLock(data_dir) as lock:
        assert lock.acquire()
        code, _, err = run(capsys, "restore", name)
    assert code == 1 and "open on this workspace" in err


def test_exports_from_the_cli_are_formula_safe(capsys, data_dir, tmp_path):
    import pandas as pd

    run(capsys, "demo")
    code, out, _ = run(capsys, "evidence", "export", "1", "-o", str(tmp_path / "ev.xlsx"),
                       "--json")
    assert code == 0 and json.loads(out)["rows"] > 0
    run(capsys, "metrics", "add", "=Danger", "--unit", "%")
    run(capsys, "metrics", "observe", "=Danger", "2026-01-05", "-1.5")
    code, out, _ = run(capsys, "metrics", "export", "=Danger", "-o", str(tmp_path / "m.csv"))
    assert code == 0 and "Wrote 1 observations" in out
    back = pd.read_csv(tmp_path / "m.csv", encoding="utf-8-sig")
    assert back.loc[0, "metric"] == "'=Danger" and back.loc[0, "value"] == -1.5


def test_a_thesis_scripted_to_its_end(capsys, data_dir):
    """Evidence added from a document (located there) and typed, deleted; the thesis
    archived, restored, then deleted for good with a backup that still holds it."""
    assert run(capsys, "demo")[0] == 0
    code, out, _ = run(capsys, "documents", "list", "--json")
    doc = next(d for d in json.loads(out) if d["title"].startswith("China catching up"))
    thesis = "Alibaba revaluation hinges on capex allocation"
    quote = "closing the gap with their US counterparts in artificial intelligence"
    code, out, _ = run(capsys, "evidence", "add", thesis, "--quote", quote, "--document",
                       str(doc["id"]), "--stance", "supports", "--weight", "3", "--json")
    assert code == 0
    added = json.loads(out)
    assert (added["quote"], added["weight"], added["document_id"]) == (quote, 3, doc["id"])
    assert added["end_offset"] - added["start_offset"] == len(quote)
    code, _, err = run(capsys, "evidence", "add", thesis, "--quote", "words not in it",
                       "--document", str(doc["id"]), "--stance", "supports")
    assert code == 1 and "not in the document" in err
    code, out, _ = run(capsys, "evidence", "add", thesis, "--quote", "Guidance raised",
                       "--source", "Earnings call", "--stance", "context", "--json")
    typed = json.loads(out)
    assert code == 0 and typed["source_text"] == "Earnings call"
    assert run(capsys, "evidence", "delete", str(typed["id"]))[0] == 1  # no --yes
    assert run(capsys, "evidence", "delete", str(typed["id"]), "--yes")[0] == 0
    code, out, _ = run(capsys, "evidence", "list", thesis, "--json")
    assert typed["id"] not in [e["id"] for e in json.loads(out)]

    assert run(capsys, "theses", "archive", thesis)[0] == 0
    code, out, _ = run(capsys, "theses", "list", "--json")
    assert thesis not in [t["title"] for t in json.loads(out)]
    assert run(capsys, "theses", "archive", thesis, "--restore")[0] == 0
    code, _, err = run(capsys, "theses", "delete", thesis, "--yes")
    assert code == 1 and "--permanently" in err
    code, out, _ = run(capsys, "theses", "delete", thesis, "--permanently", "--yes", "--json")
    assert code == 0
    backup = json.loads(out)["backup"]
    assert backup["reason"] == "before-delete"
    code, out, _ = run(capsys, "theses", "list", "--all", "--json")
    assert thesis not in [t["title"] for t in json.loads(out)]
    code, out, _ = run(capsys, "backups", "list", "--json")
    assert backup["name"] in [b["name"] for b in json.loads(out)]
    assert run(capsys, "backups", "delete", backup["name"])[0] == 1  # no --yes
    assert run(capsys, "backups", "delete", backup["name"], "--yes")[0] == 0
    code, out, _ = run(capsys, "backups", "list", "--json")
    assert backup["name"] not in [b["name"] for b in json.loads(out)]


def test_prices_import_is_strict_unless_told_to_skip(capsys, data_dir, tmp_path):
    f = tmp_path / "prices.csv"
    f.write_text("Date,Symbol,Close\n2025-01-02,AAA,100\n2025-01-03,AAA,n/a\n")
    code, _, err = run(capsys, "prices", "import", str(f), "--symbol-col", "Symbol",
                       "--date-col", "Date", "--price-col", "Close")
    assert code == 1 and "line 3" in err and "nothing was written" in err
    code, out, _ = run(capsys, "metrics", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "prices", "import", str(f), "--symbol-col", "Symbol",
                       "--date-col", "Date", "--price-col", "Close", "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["imported"] == 1


def test_european_and_monthly_files_import_with_nothing_typed(capsys, data_dir, tmp_path):
    """A semicolon export with decimal commas and a monthly file dated "Jan 1 2000":
    read as they are, no format named."""
    eu = tmp_path / "eu.csv"
    eu.write_text("Datum;Schluss\n30/09/2025;1.234,5\n01/10/2025;13,5\nSumme;1248\n")
    code, out, err = run(capsys, "metrics", "import", str(eu), "--metric", "EU", "--date-col",
                         "Datum", "--value-col", "Schluss", "--skip-invalid", "--json")
    assert code == 0, err
    code, out, _ = run(capsys, "metrics", "show", "EU", "--json")
    assert [(o["date"], o["value"]) for o in json.loads(out)["observations"]] == [
        ("2025-09-30", 1234.5), ("2025-10-01", 13.5)]
    monthly = tmp_path / "monthly.csv"
    monthly.write_text("Date,Close\nJan 1 2000,10\nFeb 1 2000,11\nMar 1 2000,12\n")
    code, out, err = run(capsys, "prices", "import", str(monthly), "--symbol", "MON",
                         "--date-col", "Date", "--price-col", "Close", "--json")
    assert code == 0 and json.loads(out)["imported"] == 3, err
    # forced: the same semicolon file split at its commas does not fit its header
    code, _, err = run(capsys, "metrics", "import", str(eu), "--metric", "EU2", "--date-col",
                       "Datum", "--value-col", "Schluss", "--delimiter", ",")
    assert code == 1 and "more fields than the header" in err
    # forced decimal point: "13,5" is no number then, and nothing is written
    code, _, err = run(capsys, "metrics", "import", str(eu), "--metric", "EU3", "--date-col",
                       "Datum", "--value-col", "Schluss", "--decimal", ".")
    assert code == 1 and "'13,5' is not a number" in err and "nothing was written" in err


def test_ambiguous_dates_exit_1_naming_the_formats(capsys, data_dir, tmp_path):
    f = tmp_path / "amb.csv"
    f.write_text("Date,Close\n01/02/2025,1\n03/04/2025,2\n")
    code, _, err = run(capsys, "metrics", "import", str(f), "--metric", "A", "--date-col",
                       "Date", "--value-col", "Close")
    assert code == 1 and "read two ways" in err and "--date-format %d/%m/%Y or %m/%d/%Y" in err
    code, _, err = run(capsys, "metrics", "import", str(f), "--metric", "A", "--date-col",
                       "Date", "--value-col", "Close", "--date-format", "%m/%d/%Y", "--json")
    assert code == 0, err
    code, out, _ = run(capsys, "metrics", "show", "A", "--json")
    assert [o["date"] for o in json.loads(out)["observations"]] == ["2025-01-02", "2025-03-04"]


def test_positions_import_is_strict_unless_told(capsys, data_dir, tmp_path):
    run(capsys, "theses", "add", "--title", "Book", "--claim", "c")
    f = tmp_path / "holdings.csv"
    f.write_text("Symbol;Qty;Cost;Bought\nBABA;100;85,5;2025-01-02\nTCEHY;x;40;2025-01-02\n")
    args = ("positions", "import", str(f), "--thesis", "Book", "--symbol-col", "Symbol",
            "--quantity-col", "Qty", "--price-col", "Cost", "--date-col", "Bought")
    code, _, err = run(capsys, *args)
    assert code == 1 and "line 3: 'x' is not a number" in err and "nothing was written" in err
    code, out, _ = run(capsys, "positions", "list", "--json")
    assert json.loads(out) == []
    code, out, err = run(capsys, *args, "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["imported"] == 1, err
    code, out, _ = run(capsys, "positions", "list", "--json")
    assert [(p["symbol"], p["entry_price"]) for p in json.loads(out)] == [("BABA", 85.5)]


def test_a_workbook_with_date_cells_and_a_total_imports_prices(capsys, data_dir, tmp_path):
    import datetime as dt

    import openpyxl

    f = tmp_path / "broker.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Trade date", "Last"])
    for i in range(5):
        ws.append([dt.date(2025, 6, 2) + dt.timedelta(days=i), 80.5 + i])
    ws.append(["Total", 412.5])
    wb.save(f)
    code, out, err = run(capsys, "prices", "import", str(f), "--symbol", "BABA", "--date-col",
                         "Trade date", "--price-col", "Last", "--json")
    assert code == 1 and "line 7: a total row" in err and "nothing was written" in err
    code, out, err = run(capsys, "prices", "import", str(f), "--symbol", "BABA", "--date-col",
                         "Trade date", "--price-col", "Last", "--skip-invalid", "--json")
    assert code == 0 and json.loads(out)["imported"] == 5, err
    code, out, _ = run(capsys, "metrics", "show", "BABA price", "--json")
    assert [(o["date"], o["value"]) for o in json.loads(out)["observations"]][-1] == (
        "2025-06-06", 84.5)


def test_holdings_dated_with_month_names_and_decimal_commas(capsys, data_dir, tmp_path):
    run(capsys, "theses", "add", "--title", "Book", "--claim", "c")
    f = tmp_path / "holdings.csv"
    f.write_text("Ticker;Shares;Cost\tbasis;Opened\n".replace("\t", " ")
                 + "BABA;1.000;85,25;Jan 2 2025\nTCEHY;-50;40,5;Feb 14 2025\n")
    code, out, err = run(capsys, "positions", "import", str(f), "--thesis", "Book",
                         "--symbol-col", "Ticker", "--quantity-col", "Shares", "--price-col",
                         "Cost basis", "--date-col", "Opened", "--json")
    assert code == 0, err
    code, out, _ = run(capsys, "positions", "list", "--json")
    got = [(p["symbol"], p["side"], p["quantity"], p["entry_price"], p["entry_date"])
           for p in json.loads(out)]
    assert got == [("BABA", "long", 1000.0, 85.25, "2025-01-02"),
                   ("TCEHY", "short", 50.0, 40.5, "2025-02-14")]


def test_every_row_rejected_prints_the_reasons_even_with_skip_invalid(capsys, data_dir, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("Date,Close\n2025-01-02,x\n2025-01-03,y\n")
    code, _, err = run(capsys, "metrics", "import", str(f), "--metric", "M", "--date-col",
                       "Date", "--value-col", "Close", "--skip-invalid")
    assert code == 1 and "line 2: 'x' is not a number" in err and "line 3: 'y'" in err
    assert "nothing was written" in err


@pytest.mark.parametrize("argv", [
    [], ["--demo"], ["gui"], ["gui", "--demo"], ["--data-dir", "/tmp/w"], ["--data-dir=/tmp/w"],
    ["--data-dir", ""], ["--database", "postgresql+psycopg://a@h/db", "--demo"],
    ["--data-dir", "a", "--data-dir", "b"], ["gui", "--database=sqlite:///x", "--data-dir", "d"],
])
def test_a_window_launch_is_read_as_the_full_parser_reads_it(monkeypatch, argv):
    """The window opens without the CLI's parser (80-90 ms of its first paint); the
    options it takes mean what the full parser makes of them."""
    from thesis_desk import cli
    from thesis_desk.launch import window_arguments

    opened = []
    monkeypatch.setattr("thesis_desk.ui.main.run_gui", lambda **kw: opened.append(kw) or 0)
    assert cli.main(argv) == 0
    assert window_arguments(argv) == opened[0]


@pytest.mark.parametrize("argv", [
    ["--help"], ["--version"], ["--data"], ["--data-dir"], ["--data-dir", "--demo"],
    ["--dem"], ["theses", "list"], ["--demo", "gui"], ["gui", "gui"], ["-h"], ["extra"],
])
def test_anything_else_goes_to_the_full_parser(argv):
    from thesis_desk.launch import window_arguments

    assert window_arguments(argv) is None


def test_the_command_still_answers_help_and_mistakes(capsys):
    from thesis_desk.launch import main as launch

    with pytest.raises(SystemExit) as done:
        launch(["--help"])
    assert done.value.code == 0 and "commands" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        launch(["--data-dir"])
    assert done.value.code == 2 and "expected one argument" in capsys.readouterr().err

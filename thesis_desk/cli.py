"""Command line: ``thesis-desk`` opens the GUI; subcommands script the workspace.

A person's mistake (unknown thesis, bad date, newer database) prints one line to
stderr and exits non-zero; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Any

from thesis_desk import __version__
from thesis_desk.launch import EXIT_ERROR, EXIT_OK, reported

log = logging.getLogger("thesis_desk.cli")



# ---------------------------------------------------------------- output helpers


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    return obj


def print_json(obj: Any) -> None:
    json.dump(_jsonable(obj), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def emit(args: argparse.Namespace, obj: Any, text: str) -> int:
    """The one output rule: JSON with --json, else a line for a person."""
    if getattr(args, "json", False):
        print_json(obj)
    else:
        print(text)
    return EXIT_OK


def emit_rows(args: argparse.Namespace, items: Sequence[Any], headers: Sequence[str],
              row: Callable[[Any], Sequence[Any]]) -> int:
    """The listing rule: the records as JSON with --json, else a table of ``row(item)``."""
    if getattr(args, "json", False):
        print_json(items)
    else:
        print_table(headers, [row(x) for x in items])
    return EXIT_OK


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, r in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


# ---------------------------------------------------------------- commands


def _date_arg(text: str) -> dt.date:
    from thesis_desk.core.timeutil import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_gui(args: argparse.Namespace) -> int:
    from thesis_desk.ui.main import run_gui

    return run_gui(data_dir=args.data_dir, demo=getattr(args, "demo", False),
                   database=getattr(args, "database", None))


def cmd_theses_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    return emit_rows(
        args, ws.theses.list(include_archived=args.all),
        ["id", "status", "conv", "dir", "title", "instruments"],
        lambda t: (t.id, t.status + (" (archived)" if t.archived else ""), t.conviction,
                   t.direction, t.title, ", ".join(t.instruments)))


def cmd_theses_add(args: argparse.Namespace) -> int:
    from thesis_desk.core.theses import ThesisInput, split_list

    ws = _workspace(args)
    detail = ws.theses.create(ThesisInput(
        title=args.title, claim=args.claim or "", narrative=args.narrative or "",
        direction=args.direction, status=args.status, conviction=args.conviction,
        horizon=args.horizon, instruments=split_list(args.instruments or ""),
        tags=split_list(args.tags or ""), review_days=args.review_days,
        visibility="private" if args.private else "team",
    ))
    return emit(args, detail, f"Added thesis {detail.id}: {detail.title}")


def cmd_theses_show(args: argparse.Namespace) -> int:
    from thesis_desk.core.theses import describe

    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    detail = ws.theses.get(tid)
    journal = ws.theses.journal(tid)
    if args.json:
        print_json({"thesis": detail, "journal": journal})
        return EXIT_OK
    print(f"#{detail.id}  {detail.title}")
    print(f"  {detail.direction} · {detail.status} · conviction {detail.conviction}"
          + (f" · horizon {detail.horizon}" if detail.horizon else "")
          + (" · ARCHIVED" if detail.archived else ""))
    if detail.status == "closed":
        print(f"  closed {detail.closed_on or ''} as {detail.outcome or 'no outcome recorded'}"
              + (f" · realised return {_pct(detail.realised_return)}"
                 if detail.realised_return is not None else ""))
        for label, text in (("what happened", detail.postmortem_happened),
                            ("what we missed", detail.postmortem_missed),
                            ("would do again", detail.postmortem_again)):
            if text:
                print(f"  {label}: {text}")
    elif detail.review_interval:
        last = detail.reviewed_at or detail.created_at
        print(f"  reviewed every {detail.review_interval} days; next review "
              f"{last.date() + dt.timedelta(days=detail.review_interval)}")
    if detail.instruments:
        print(f"  instruments: {', '.join(detail.instruments)}")
    if detail.tags:
        print(f"  tags: {', '.join(detail.tags)}")
    if detail.claim:
        print(f"\n  Claim: {detail.claim}")
    if detail.pillars:
        print("\n  Pillars:")
        for p in detail.pillars:
            due = f" (due {p.due_date})" if p.due_date else ""
            print(f"   - [{p.kind_label} · {p.state_label}] {p.text}{due}")
    if journal:
        print("\n  Journal:")
        for e in journal:
            what, change = describe(e)
            reason = f"  ({e.reason})" if e.reason else ""
            print(f"   {e.at:%Y-%m-%d %H:%M}  {what:<14} {change}{reason}".rstrip())
    return EXIT_OK


def _confirmed(args: argparse.Namespace, what: str) -> None:
    """A command that cannot be undone runs only with --yes (a script says so outright)."""
    from thesis_desk.core.errors import UserError

    if not args.yes:
        raise UserError(f"{what} cannot be undone: add --yes to go ahead.")


def cmd_theses_archive(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    detail = ws.theses.set_archived(ws.theses.resolve(args.thesis), not args.restore)
    verb = "Restored" if args.restore else "Archived"
    return emit(args, detail, f"{verb} thesis {detail.id}: {detail.title}")


def cmd_theses_delete(args: argparse.Namespace) -> int:
    from thesis_desk.core.errors import UserError

    if not args.permanently:
        raise UserError("Deleting a thesis removes it with its pillars, evidence and journal: "
                        "add --permanently --yes, or archive it instead (theses archive).")
    _confirmed(args, "Deleting a thesis permanently")
    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    title, safety = ws.delete_thesis_permanently(tid)
    if safety is None:
        return emit(args, {"deleted": tid, "title": title, "backup": None},
                    f"Deleted thesis {tid}: {title} (the team server's backups still hold it).")
    return emit(args, {"deleted": tid, "title": title, "backup": safety},
                f"Deleted thesis {tid}: {title}. It is still in the backup {safety.name} "
                "(thesis-desk restore brings it back).")


def cmd_theses_close(args: argparse.Namespace) -> int:
    from thesis_desk.core.records import CloseInput

    ws = _workspace(args)
    detail = ws.outcomes.close(ws.theses.resolve(args.thesis), CloseInput(
        args.outcome, args.on or dt.date.today(), happened=args.note or "",
        missed=args.missed or "", again=args.again or ""))
    ret = (f", realised return {_pct(detail.realised_return)}"
           if detail.realised_return is not None else ", no positions to realise")
    return emit(args, detail, f"Closed thesis {detail.id}: {detail.title} ({detail.outcome}, "
                f"{detail.closed_on:%Y-%m-%d}{ret})")


def cmd_theses_reopen(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    detail = ws.outcomes.reopen(ws.theses.resolve(args.thesis), reason=args.reason,
                                status=args.status)
    return emit(args, detail, f"Reopened thesis {detail.id}: {detail.title} ({detail.status})")


def cmd_theses_premortem(args: argparse.Namespace) -> int:
    from thesis_desk.core.enums import PREMORTEM_REASON
    from thesis_desk.core.errors import ValidationError
    from thesis_desk.core.records import PillarInput

    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    risks = [PillarInput("risk", r.strip()) for r in args.reasons if r.strip()]
    if not risks:
        raise ValidationError({"reasons": "Give at least one reason the thesis could fail."})
    made = [ws.theses.add_pillar(tid, r, reason=PREMORTEM_REASON) for r in risks]
    return emit(args, made, f"Added {len(made)} risk{'s' if len(made) != 1 else ''} "
                f"from the pre-mortem to thesis {tid}.")



def cmd_calibration(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    cal = ws.outcomes.calibration()
    if args.json:
        print_json(cal)
        return EXIT_OK
    if not cal.theses:
        print("No closed theses yet: close one with its outcome (thesis-desk theses close).")
        return EXIT_OK

    def score(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    print(f"{cal.scored} of {len(cal.theses)} closed theses scored (mixed outcomes are not).")
    print(f"Brier score, conviction at opening: {score(cal.brier_open)}; last before "
          f"closing: {score(cal.brier_last)} (0 is perfect, 0.25 is always saying 50).")
    print(f"Hit rate {_pct(cal.hit_rate, sign=False, none='n/a')}, average return "
          f"{_pct(cal.avg_return, none='n/a')}"
          + (f", median time held {cal.median_days_held:.0f} days"
             if cal.median_days_held is not None else "") + ".\n")
    print_table(["conviction", "theses", "right", "hit rate", "avg return", ""],
                [(f"{b.low}-{b.high}", b.count, b.right,
                  _pct(b.hit_rate, sign=False, none=""), _pct(b.avg_return, none=""),
                  "few: read with care" if b.count and b.few else "")
                 for b in cal.bands])
    print()
    print_table(["id", "outcome", "opened", "closed", "conv. open", "conv. last", "return",
                 "title"],
                [(c.thesis_id, c.outcome or "not recorded", c.opened_on, c.closed_on or "",
                  c.conviction_open, c.conviction_last, _pct(c.realised_return, none=""),
                  c.title)
                 for c in cal.theses])
    return EXIT_OK


def cmd_reviews_due(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    today = args.on or dt.date.today()
    due, catalysts = ws.outcomes.reviews_due(today), ws.outcomes.catalysts_due(today)
    if args.json:
        print_json({"reviews": due, "catalysts": catalysts})
    else:
        if due:
            print_table(["id", "title", "status", "due", "overdue", "last reviewed"],
                        [(r.thesis_id, r.title, r.status, r.due_on, f"{r.overdue_days} d",
                          r.last_reviewed or "never") for r in due])
        if catalysts:
            print() if due else None
            print_table(["thesis", "catalyst", "due", "overdue", "state"],
                        [(c.thesis_id, c.text[:60], c.due_date, f"{c.overdue_days} d",
                          c.state_label) for c in catalysts])
        if not due and not catalysts:
            print("No reviews due and no catalyst past its date.")
    return EXIT_ERROR if due or catalysts else EXIT_OK  # a scheduled job can act on exit 1


def cmd_reviews_record(args: argparse.Namespace) -> int:
    from thesis_desk.core.enums import PILLAR_STATES
    from thesis_desk.core.errors import UserError
    from thesis_desk.core.records import ReviewInput

    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    current = ws.theses.get(tid)
    states = []
    for item in args.pillar or []:
        pid, _, state = item.partition("=")
        if not pid.strip().isdigit() or state.strip() not in PILLAR_STATES:
            raise UserError(f"--pillar takes ID=STATE, e.g. 12=at_risk (states: "
                            f"{', '.join(PILLAR_STATES)}); got '{item}'.")
        states.append((int(pid), state.strip()))
    conviction = args.conviction if args.conviction is not None else current.conviction
    detail = ws.outcomes.review(tid, ReviewInput(conviction, args.note, tuple(states)))
    return emit(args, detail, f"Reviewed thesis {detail.id}: {detail.title} (conviction "
                f"{detail.conviction}); next review in {detail.review_interval} days.")


def cmd_team_init(args: argparse.Namespace) -> int:
    from thesis_desk.core import team

    ws = _workspace(args)  # the schema first: created or upgraded
    done = team.init(ws.db)
    return emit(args, {"database": ws.db.where, "done": done},
                f"Team workspace ready at {ws.db.where}: " + "; ".join(done) + ".")


def cmd_team_add_user(args: argparse.Namespace) -> int:
    from thesis_desk.core import team

    ws = _workspace(args)
    user = team.add_user(ws.db, args.name, args.role, args.password)
    return emit(args, user, f"{user.name} is an {user.role}" if user.role == "analyst"
                else f"{user.name} is a {user.role} (reads everything, writes nothing)")


def cmd_team_users(args: argparse.Namespace) -> int:
    from thesis_desk.core import team

    ws = _workspace(args)
    return emit_rows(args, team.users(ws.db), ["user", "role", "can log in"],
                     lambda u: (u.name, u.role, "yes" if u.can_login else "no"))


def cmd_team_push(args: argparse.Namespace) -> int:
    from thesis_desk.app import open_workspace
    from thesis_desk.core import team
    from thesis_desk.core.errors import UserError

    server = _workspace(args)
    if not server.db.is_server:
        raise UserError("team push needs the team database: --database URL.")
    local = open_workspace(args.data_dir, database="")  # the folder's own SQLite file
    _OPENED.append(local)
    copied = team.push(local.db, server.db, local_originals=local.paths.originals_dir)
    return emit(args, {"database": server.db.where, "copied": copied},
                f"Copied {copied.get('thesis', 0)} theses, {copied.get('evidence', 0)} evidence "
                f"items, {copied.get('document', 0)} documents, {copied.get('observation', 0)} "
                f"observations, {copied.get('journal_entry', 0)} journal entries and "
                f"{copied.get('original_file', 0)} original files from "
                f"{local.paths.database} into {server.db.where}.")


def cmd_comments_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    return emit_rows(args, ws.comments.for_thesis(ws.theses.resolve(args.thesis)),
                     ["id", "when", "by", "on", "comment"],
                     lambda c: (c.id, f"{c.created_at:%Y-%m-%d %H:%M}", c.author,
                                f"evidence {c.evidence_id}" if c.evidence_id else "thesis",
                                " ".join(c.body.split())[:80]))


def cmd_comments_add(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    c = ws.comments.add(ws.theses.resolve(args.thesis), args.text, evidence_id=args.evidence)
    return emit(args, c, f"Comment {c.id} posted on thesis {c.thesis_id}"
                + (f" (evidence {c.evidence_id})." if c.evidence_id else "."))


def cmd_evidence_add(args: argparse.Namespace) -> int:
    from thesis_desk.core.errors import UserError
    from thesis_desk.core.records import EvidenceInput

    if (args.source is None) == (args.document is None):
        raise UserError("Say where the quote comes from: --source TEXT, or --document DOC "
                        "(a library document's id or exact title).")
    if (args.start is None) != (args.end is None):
        raise UserError("Give both --start and --end (the quote's character offsets in the "
                        "document), or neither to have the quote found in the document.")
    if args.document is None and args.start is not None:
        raise UserError("--start and --end locate a quote in a --document.")
    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    doc = ws.library.resolve(args.document) if args.document is not None else None
    info = ws.evidence.add(EvidenceInput(
        thesis_id=tid, quote=args.quote, stance=args.stance, weight=args.weight,
        note=args.note or "", pillar_id=args.pillar, document_id=doc,
        start_offset=args.start, end_offset=args.end, source_text=args.source or ""))
    where = (f"characters {info.start_offset}-{info.end_offset} of document {doc}"
             if doc is not None else info.source)
    return emit(args, info, f"Added evidence {info.id} ({info.stance}) to thesis {tid}, "
                            f"quoted from {where}.")


def cmd_evidence_delete(args: argparse.Namespace) -> int:
    _confirmed(args, "Deleting evidence from the command line")
    ws = _workspace(args)
    info = ws.evidence.delete(args.id)
    return emit(args, info, f"Deleted evidence {info.id} of thesis {info.thesis_id}.")


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    ws = _workspace(args)
    results = ws.library.import_files([Path(p) for p in args.paths])
    if args.json:
        print_json(results)
    else:
        for r in results:
            stream = sys.stderr if r.status == "refused" else sys.stdout
            print(f"{r.status:<9} {r.message}", file=stream)
    return EXIT_ERROR if any(r.status == "refused" for r in results) else EXIT_OK


def cmd_inbox(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from thesis_desk import preferences
    from thesis_desk.core.errors import UserError

    ws = _workspace(args)
    folder = args.folder or preferences.load(ws.paths.config_dir).inbox_folder
    if not folder:
        raise UserError("Name the inbox folder (thesis-desk inbox FOLDER), or set one in "
                        "the window's Preferences.")
    path = ws.inbox.check_folder(Path(folder))
    refused = False
    if not args.once and not args.json:
        print(f"Watching {path} (Ctrl+C to stop); files are imported once they stop changing.")
    try:
        while True:
            results = ws.inbox.take(path)
            refused |= any(r.status == "refused" for r in results)
            if args.json:
                print_json(results)
            else:
                for r in results:
                    stream = sys.stderr if r.status == "refused" else sys.stdout
                    print(f"{r.status:<9} {r.message}", file=stream, flush=True)
            if args.once:
                break
            time.sleep(args.interval)
    except KeyboardInterrupt:
        pass
    return EXIT_ERROR if refused else EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from thesis_desk.core.records import HIT_END, HIT_START

    ws = _workspace(args)
    hits = ws.library.search(args.query, publisher=args.publisher or "",
                             date_from=args.date_from, date_to=args.date_to, limit=args.limit)
    if args.json:
        print_json([{"document": h.document, "rank": h.rank,
                     "snippet": h.snippet.replace(HIT_START, "").replace(HIT_END, "")}
                    for h in hits])
        return EXIT_OK
    if not hits:
        print(f"No document matches '{args.query}'.")
    for h in hits:
        print(f"[{h.document.id}] {h.document.citation()}")
        print("    " + h.snippet.replace(HIT_START, "*").replace(HIT_END, "*").replace("\n", " "))
    return EXIT_OK


def cmd_documents_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    return emit_rows(args, ws.library.list(), ["id", "date", "kind", "publisher", "title"],
                     lambda d: (d.id, d.published_on or "", d.kind, d.publisher, d.title[:70]))


def cmd_documents_show(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    doc = ws.library.get(ws.library.resolve(args.document))
    info = doc.info
    evidence = ws.evidence.for_document(info.id)
    if args.json:
        print_json({"document": info, "text": doc.text, "page_offsets": doc.page_offsets,
                    "extraction_note": doc.extraction_note, "attached_to": doc.parent,
                    "attachments": doc.attachments, "evidence": evidence})
        return EXIT_OK
    print(f"[{info.id}] {info.title}")
    for label, value in (("Publisher", info.publisher), ("Author", info.author),
                         ("Date", info.published_on or ""), ("Kind", info.kind),
                         ("Pages", info.pages or ""), ("URL", info.url),
                         ("File", info.original_name), ("Note", doc.extraction_note)):
        if value:
            print(f"  {label + ':':<11}{value}")
    if doc.parent is not None:
        print(f"  Attached to the e-mail [{doc.parent.id}] {doc.parent.citation()}")
    for a in doc.attachments:
        print(f"  Attachment [{a.id}] {a.citation()}")
    print(f"\n{len(evidence)} evidence item{'' if len(evidence) == 1 else 's'} on it")
    for e in evidence:
        where = f" p. {e.page}" if e.page else ""
        print(f"  #{e.id} {e.stance} (thesis {e.thesis_id}{where}): “{e.quote[:100]}”")
    print("\n" + doc.text)
    return EXIT_OK


def cmd_pillars_add(args: argparse.Namespace) -> int:
    from thesis_desk.core.records import PillarInput

    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    info = ws.theses.add_pillar(tid, PillarInput(kind=args.kind, text=args.text,
                                                 due_date=args.due))
    return emit(args, info, f"Added {args.kind} {info.id} to thesis {tid}: {info.text}")


def cmd_suggest(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    doc = ws.library.resolve(args.document) if args.document else None
    got = ws.suggestions.for_thesis(tid, document_id=doc, limit=args.limit)
    if args.json:
        print_json(got)
        return EXIT_OK
    if not got:
        print("No passage of the library bears on this thesis's pillars yet."
              if doc is None else "No passage of this document bears on its pillars.")
    pillar = None
    for g in got:
        if g.pillar_id != pillar:
            pillar = g.pillar_id
            print(f"\n{g.pillar_kind} {g.pillar_id}: {g.pillar_text}")
        page = f", p. {g.page}" if g.page else ""
        print(f"  [{g.document.id}:{g.start}-{g.end}{page}] “{' '.join(g.passage.split())[:200]}”")
        print(f"      {g.document.citation()} (score {g.score:g})")
    return EXIT_OK


def cmd_evidence_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    items = ws.evidence.for_thesis(tid)
    if args.json:
        print_json(items)
        return EXIT_OK
    bal = ws.evidence.balance(tid)
    print(f"{len(items)} evidence items · weighted for {bal.supports} / against "
          f"{bal.contradicts} / context {bal.context}")
    for e in items:
        pillar = f" [{e.pillar_text[:40]}]" if e.pillar_text else ""
        print(f"\n#{e.id} {e.stance.upper()} (weight {e.weight}){pillar}")
        print(f"  “{e.quote}”")
        print(f"  — {e.source}")
        if e.note:
            print(f"  note: {e.note}")
    return EXIT_OK


def cmd_metrics_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    return emit_rows(args, ws.metrics.list(),
                     ["id", "name", "unit", "obs", "last date", "last value"],
                     lambda m: (m.id, m.name, m.unit, m.observations, m.last or "",
                                "" if m.last_value is None else f"{m.last_value:g}"))


def cmd_metrics_show(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    mid = ws.metrics.resolve(args.metric)
    info, obs = ws.metrics.get(mid), ws.metrics.observations(mid)
    if args.json:
        print_json({"metric": info, "observations": obs})
        return EXIT_OK
    print(f"#{info.id}  {info.name}" + (f"  ({info.unit})" if info.unit else ""))
    for line in (info.description, f"source: {info.source}" if info.source else "",
                 f"instrument: {info.instrument}" if info.instrument else ""):
        if line:
            print(f"  {line}")
    print_table(["date", "value", "note"], [(o.date, f"{o.value:g}", o.note) for o in obs])
    return EXIT_OK


def cmd_metrics_add(args: argparse.Namespace) -> int:
    from thesis_desk.core.metrics import MetricInput

    ws = _workspace(args)
    info = ws.metrics.create(MetricInput(name=args.name, unit=args.unit or "",
                                         frequency=args.frequency, instrument=args.instrument or "",
                                         description=args.description or "",
                                         source=args.source or ""))
    return emit(args, info, f"Added metric {info.id}: {info.name}")


def cmd_metrics_observe(args: argparse.Namespace) -> int:
    from thesis_desk.core.errors import UserError

    ws = _workspace(args)
    mid = ws.metrics.resolve(args.metric)
    try:
        value = float(args.value.replace(",", ""))
    except ValueError:
        raise UserError(f"'{args.value}' is not a number.") from None
    obs = ws.metrics.observe(mid, args.date, value, note=args.note or "", replace=args.replace)
    if args.json:
        print_json(obs)
    else:
        print(f"Recorded {obs.value:g} on {obs.date:%Y-%m-%d}.")
        for message in obs.fired:
            print(f"ALERT: {message}")
    return EXIT_OK


def _strict(args: argparse.Namespace, rejected: list, valid: int, count: int | None = None) -> None:
    """A table with a rejected row is written only with --skip-invalid: a scheduled job
    must be able to tell a partial import from a whole one (exit 1, nothing written)."""
    from thesis_desk.core.errors import UserError

    count = len(rejected) if count is None else count
    for line, why in rejected[:20]:
        print(f"  line {line}: {why}", file=sys.stderr)
    if count and not args.skip_invalid:
        more = f" (the first 20 of {count:,} above)" if count > 20 else " (above)"
        raise UserError(
            f"{count:,} rows cannot be imported{more}; nothing was written. Fix them, "
            f"or add --skip-invalid to import the {valid:,} valid rows without them.")


def _table_import(args: argparse.Namespace, plans, run) -> dict:  # noqa: ANN001
    """Judge and write a table's plans (``run`` is the service's streamed import): strict
    unless --skip-invalid, a dry run judging only; the reasons printed either way."""
    from thesis_desk.core.metrics import RejectedRows

    try:
        result = run(plans, replace=args.replace, strict=not args.skip_invalid,
                     dry_run=getattr(args, "dry_run", False))
    except RejectedRows as exc:
        _strict(args, exc.result["rejected_rows"], exc.result["imported"],  # type: ignore[arg-type]
                exc.result["rejected"])  # type: ignore[arg-type]
        raise
    if not getattr(args, "dry_run", False):
        for line, why in result["rejected_rows"][:20]:
            print(f"  line {line}: {why}", file=sys.stderr)
    result.pop("first_rows", None)  # the window's preview, not the script's business
    return result


def _plans(args: argparse.Namespace, stream, plan_whole, value_col: str):  # noqa: ANN001, ANN202
    """A CSV is judged in chunks as it is read (any length); a workbook whole (Excel
    holds a million rows at most)."""
    from pathlib import Path

    from thesis_desk.core.tabular import read_table

    path = Path(args.file)
    options = {"date_format": args.date_format, "decimal": args.decimal,
               "replace": args.replace}
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return [plan_whole(read_table(path, numbers=[value_col]), **options)]
    return stream(path, delimiter=args.delimiter, **options)


def cmd_metrics_import(args: argparse.Namespace) -> int:
    from thesis_desk.core.tabular import stream_plans

    ws = _workspace(args)
    mapping = {"date_col": args.date_col, "value_col": args.value_col, "metric": args.metric,
               "metric_col": args.metric_col}
    plans = _plans(args, lambda path, **o: stream_plans(
                       path, existing=ws.metrics.existing_dates, **mapping, **o),
                   lambda df, **o: ws.metrics.plan_import(df, **mapping, **o), args.value_col)
    result = _table_import(args, plans, ws.metrics.import_stream)
    if args.json:
        print_json(result)
    else:
        verb = "Would import" if args.dry_run else "Imported"
        print(f"{verb} {result['imported']:,} observations; rejected {result['rejected']:,} "
              f"rows; skipped {result['blank_lines']:,} blank lines.")
        for message in result.get("alerts", []):
            print(f"ALERT: {message}")
    if args.dry_run:  # a dry run says what it would do first, then exits as the import would
        _strict(args, result["rejected_rows"], result["imported"], result["rejected"])
    return EXIT_OK


def _export(args: argparse.Namespace, df, what: str) -> int:  # noqa: ANN001
    from pathlib import Path

    from thesis_desk.core.exports import write_table

    path = write_table(df, Path(args.output))
    return emit(args, {"path": str(path), "rows": len(df)},
                f"Wrote {len(df)} {what} to {path}.")


def cmd_metrics_export(args: argparse.Namespace) -> int:
    from thesis_desk.core.exports import observations_frame

    ws = _workspace(args)
    return _export(args, observations_frame(ws.metrics, ws.metrics.resolve(args.metric)),
                   "observations")


def cmd_evidence_export(args: argparse.Namespace) -> int:
    from thesis_desk.core.exports import evidence_frame

    ws = _workspace(args)
    return _export(args, evidence_frame(ws.evidence, ws.theses.resolve(args.thesis)),
                   "evidence items")


def cmd_rules_add(args: argparse.Namespace) -> int:
    from thesis_desk.core.alerts import RuleInput

    ws = _workspace(args)
    mid = ws.metrics.resolve(args.metric)
    kinds = [(k, v) for k, v in (("above", args.above), ("below", args.below),
                                 ("crosses", args.crosses), ("change_pct", args.change_pct),
                                 ("zscore", args.zscore), ("stale", args.stale_days))
             if v is not None]
    kind, value = kinds[0]
    rule = ws.alerts.add_rule(RuleInput(
        metric_id=mid, kind=kind, threshold=None if kind == "stale" else value,
        window=int(value) if kind == "stale" else args.window,
        window_unit="days" if args.days else "observations", hysteresis=args.hysteresis,
        pillar_id=args.pillar, pillar_state_on_fire=args.pillar_state),
        judge_history=args.judge_history)
    text = f"Added rule {rule.id}: {rule.metric_name} {rule.description}"
    if args.judge_history:
        n = len(rule.history_alerts)
        text += (f"\nIts history judged: {n} alert{'s' if n != 1 else ''} raised"
                 + "".join(f"\n  {m}" for m in rule.history_alerts[:20])
                 + (f"\n  … and {n - 20} more" if n > 20 else ""))
    return emit(args, rule, text)


def cmd_rules_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    return emit_rows(args, ws.alerts.rules(), ["id", "metric", "rule", "pillar", "state"],
                     lambda r: (r.id, r.metric_name, r.description, r.pillar_id or "",
                                "triggered" if r.triggered else "armed"))


def cmd_alerts_check(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    fired = ws.alerts.check_all()
    if args.json:
        print_json(fired)
    else:
        for a in fired:
            print(f"ALERT #{a.id}: {a.message}")
        if not fired:
            print("No new alerts.")
    return EXIT_ERROR if fired else EXIT_OK  # a scheduled job can act on exit 1


def cmd_alerts_list(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    return emit_rows(args, ws.alerts.alerts(state=args.state), ["id", "fired", "state", "message"],
                     lambda a: (a.id, f"{a.fired_at:%Y-%m-%d %H:%M}", a.state, a.message))


def cmd_demo(args: argparse.Namespace) -> int:
    from thesis_desk.core.demo import build_demo
    from thesis_desk.resources import seeds_dir

    ws = _workspace(args)
    counts = build_demo(ws, seeds_dir())
    if args.json:
        print_json(counts)
    else:
        where = ws.db.where if ws.db.is_server else ws.paths.data_dir
        print(f"Demo workspace built in {where}: {counts['documents']} seed "
              f"documents, {counts['theses']} theses, {counts['evidence']} evidence items.")
    return EXIT_OK


def _pct(x: float | None, *, sign: bool = True, none: str = "no price") -> str:
    return none if x is None else f"{x * 100:{'+' if sign else ''}.1f}%"


def cmd_prices_import(args: argparse.Namespace) -> int:
    from thesis_desk.core.portfolio import positive_prices

    ws = _workspace(args)
    pf = ws.portfolio
    mapping = {"date_col": args.date_col, "price_col": args.price_col, "symbol": args.symbol,
               "symbol_col": args.symbol_col}
    plans = _plans(args, lambda path, **o: pf.stream_prices(path, **mapping, **o),
                   lambda df, **o: positive_prices(pf.plan_prices(df, **mapping, **o)),
                   args.price_col)
    result = _table_import(args, plans, pf.import_price_stream)
    symbols = ", ".join(n[: -len(" price")] for n in result["metrics"])
    return emit(args, result, f"Imported {result['imported']:,} prices for {symbols}; "
                f"rejected {result['rejected']:,} rows.")


def _position_input(ws, args: argparse.Namespace):  # noqa: ANN001, ANN202
    from thesis_desk.core.portfolio import PositionInput

    return PositionInput(ws.theses.resolve(args.thesis), args.symbol, args.entry_date,
                         args.entry_price, args.side, args.quantity,
                         None if args.weight is None else args.weight / 100,
                         args.currency or "", args.exit_date, args.exit_price, args.note or "")


def cmd_positions_add(args: argparse.Namespace) -> int:
    from thesis_desk.core.errors import ValidationError

    ws = _workspace(args)
    try:
        info = ws.portfolio.add(_position_input(ws, args))
    except ValidationError as exc:
        from thesis_desk.core.errors import UserError

        raise UserError(" ".join(exc.errors.values())) from None
    return emit(args, info, f"Added position {info.id}: {info.side} {info.symbol} "
                f"for '{info.thesis_title}'.")


def cmd_positions_list(args: argparse.Namespace) -> int:
    return emit_rows(
        args, _workspace(args).portfolio.list(),
        ["id", "thesis", "symbol", "side", "size", "entry", "exit"],
        lambda p: (p.id, p.thesis_title[:40], p.symbol, p.side,
                   f"{p.quantity:g}" if p.quantity is not None else f"{p.weight * 100:g}%",
                   f"{p.entry_price:g} {p.entry_date:%Y-%m-%d}",
                   f"{p.exit_price:g} {p.exit_date:%Y-%m-%d}" if p.exit_date else ""))


def cmd_positions_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from thesis_desk.core.tabular import read_table

    ws = _workspace(args)
    plan = ws.portfolio.plan_holdings(
        read_table(Path(args.file), delimiter=args.delimiter),
        thesis_id=ws.theses.resolve(args.thesis), symbol_col=args.symbol_col,
        quantity_col=args.quantity_col, price_col=args.price_col, date_col=args.date_col,
        date_format=args.date_format, decimal=args.decimal)
    _strict(args, plan.rejected, len(plan.rows))
    n = ws.portfolio.import_holdings(plan, skip_invalid=True)
    return emit(args, {"imported": n}, f"Imported {n} positions.")


def cmd_positions_target(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    made = ws.portfolio.set_targets(ws.theses.resolve(args.thesis), args.symbol,
                                    target=args.target, stop=args.stop)
    return emit(args, made, "Added rules: " + "; ".join(made))


def cmd_portfolio_show(args: argparse.Namespace) -> int:
    holdings = _workspace(args).portfolio.holdings(args.as_of, benchmark=args.benchmark)
    if args.json:
        print_json(holdings)
        return EXIT_OK
    rows = []
    for h in holdings:
        rows.append((h.title[:44], h.conviction, h.status,
                     "" if h.weight is None else f"{h.weight * 100:.1f}%",
                     _pct(h.ret) if h.positions else "",
                     _pct(h.excess_ret) if h.positions and args.benchmark else "",
                     h.open_alerts))
        for v in h.positions:
            p = v.position
            rows.append((f"  {p.side} {p.symbol}" + (" (closed)" if v.closed else ""), "", "",
                         "" if v.weight is None else f"{v.weight * 100:.1f}%", _pct(v.ret),
                         _pct(v.excess_ret) if args.benchmark else "", ""))
    total = sum(h.weight or 0.0 for h in holdings)
    rows.append(("total", "", "", f"{total * 100:.1f}%", "", "", ""))
    print_table(["thesis / position", "conviction", "status", "weight", "return",
                 "vs benchmark", "alerts"], rows)
    return EXIT_OK


def cmd_export_memo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from thesis_desk import preferences
    from thesis_desk.render.memo_pdf import export_memo

    ws = _workspace(args)
    tid = ws.theses.resolve(args.thesis)
    prefs = preferences.load(ws.paths.config_dir)
    result = export_memo(ws, tid, Path(args.output).expanduser().resolve(), as_of=args.as_of,
                         since=args.since, comments=args.comments,
                         author=args.author if args.author is not None else prefs.author,
                         page_size=args.page_size or prefs.page_size, fmt=args.format)
    memo = result.pop("memo")
    result.update(thesis=memo.title, as_of=memo.as_of, evidence=memo.evidence_count,
                  metrics=len(memo.metrics))
    pages = f", {result['pages']} pages" if result["pages"] else ""
    return emit(args, result, f"Wrote {result['path']}{pages} (as of {memo.as_of:%Y-%m-%d}).")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def _backup_line(b) -> str:  # noqa: ANN001
    counts = ("unreadable" if b.theses is None else
              f"{b.theses} theses, {b.documents} documents, {b.evidence} evidence")
    return f"{b.name} ({b.reason}; {counts}; {_size(b.size_bytes)})"


def cmd_backup(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    b = ws.backups.backup("manual")
    return emit(args, b, f"Backed up to {b.path}\n  {_backup_line(b)}")


def _backups(args: argparse.Namespace):  # -> BackupService
    """The workspace's backups without opening it: they matter most when it cannot open."""
    from thesis_desk.core.backups import BackupService
    from thesis_desk.paths import resolve_paths

    return BackupService.for_paths(resolve_paths(args.data_dir).ensure())


def cmd_backups_list(args: argparse.Namespace) -> int:
    return emit_rows(args, _backups(args).list(), ["backup", "taken (UTC)", "reason", "theses",
                                            "documents", "evidence", "size"],
                     lambda b: (b.name, f"{b.created:%Y-%m-%d %H:%M}", b.reason, b.theses,
                                b.documents, b.evidence, _size(b.size_bytes)))


def cmd_backups_delete(args: argparse.Namespace) -> int:
    _confirmed(args, "Deleting a backup")
    gone = _backups(args).delete(args.backup)
    return emit(args, gone, f"Deleted backup {gone.name}.")


def cmd_restore(args: argparse.Namespace) -> int:
    from thesis_desk.core.errors import UserError
    from thesis_desk.core.instance import is_locked

    service = _backups(args)
    if is_locked(service.db_path.parent):
        raise UserError("Thesis Desk is open on this workspace; restore from its File > "
                        "Backups… window, or close it and run this again.")
    restored, safety = service.restore(args.backup)
    kept = ("the damaged database was set aside as" if safety.reason == "damaged"
            else "the state before it is kept as")
    return emit(args, {"restored": restored, "previous": safety},
                f"Restored {restored.name}; {kept} {safety.name}.")


def cmd_check(args: argparse.Namespace) -> int:
    from thesis_desk.core.db import check_integrity
    from thesis_desk.core.errors import DamagedDatabaseError
    from thesis_desk.core.integrity import CheckReport, check_workspace

    try:
        ws = _workspace(args)
    except DamagedDatabaseError as exc:
        report = CheckReport(database=check_integrity(exc.path, quick=False) or exc.problems)
    else:
        report = check_workspace(ws, hashes=not args.no_hashes)
    if args.json:
        print_json({"ok": report.ok, **dataclasses.asdict(report)})
    else:
        print("\n".join(report.lines()))
        print("All good." if report.ok else
              "Problems found: see above. `thesis-desk backups list` shows the backups.")
    return EXIT_OK if report.ok else EXIT_ERROR


# ---------------------------------------------------------------- parser


_OPENED: list = []  # the workspaces a command opened: closed when it ends


def _workspace(args: argparse.Namespace):  # -> Workspace
    from thesis_desk.app import open_workspace, settle_program

    ws = open_workspace(args.data_dir, database=getattr(args, "database", None))
    _OPENED.append(ws)
    settle_program()
    return ws


def build_parser() -> argparse.ArgumentParser:
    from thesis_desk.core.enums import DIRECTIONS, OUTCOMES, STATUSES

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", default=argparse.SUPPRESS, metavar="DIR",
        help="workspace folder (default: the per-user data dir, or $THESIS_DESK_DATA_DIR)",
    )
    common.add_argument(
        "--database", default=argparse.SUPPRESS, metavar="URL",
        help="a team workspace on a PostgreSQL server, e.g. "
             "postgresql+psycopg://analyst@db.example.com/research "
             "(default: $THESIS_DESK_DATABASE, else the folder's own SQLite file)",
    )
    table = argparse.ArgumentParser(add_help=False)  # how a table file is read
    table.add_argument("--date-format", metavar="FMT",
                       help="strptime format, e.g. %%d/%%m/%%Y (default: read off the dates)")
    table.add_argument("--decimal", choices=(".", ","),
                       help="decimal separator (default: a comma when the numbers prove it)")
    table.add_argument("--delimiter", choices=(",", ";", "tab", "|"),
                       help="CSV field separator (default: sniffed from the first lines)")
    table.add_argument("--skip-invalid", action="store_true",
                       help="import the valid rows when some are rejected (default: none, exit 1)")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")

    parser = argparse.ArgumentParser(
        prog="thesis-desk", parents=[common],
        description="Investment theses with their evidence, metrics, alerts and memos.",
    )
    parser.add_argument("--version", action="version", version=f"Thesis Desk {__version__}")
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    parser.add_argument("--demo", action="store_true",
                        help="with the GUI: build the demo workspace if the workspace is empty")
    p = sub.add_parser("gui", parents=[common], help="open the desktop window (the default)")
    p.add_argument("--demo", action="store_true",
                   help="build the demo workspace first if the workspace is empty")
    p.set_defaults(func=cmd_gui)

    theses = sub.add_parser("theses", parents=[common], help="list, add and show theses")
    tsub = theses.add_subparsers(title="theses commands", metavar="ACTION", required=True)
    p = tsub.add_parser("list", parents=[common, as_json], help="list theses")
    p.add_argument("--all", action="store_true", help="include archived theses")
    p.set_defaults(func=cmd_theses_list)
    p = tsub.add_parser("add", parents=[common, as_json], help="add a thesis")
    p.add_argument("--title", required=True)
    p.add_argument("--claim")
    p.add_argument("--narrative", help="Markdown")
    p.add_argument("--conviction", type=int, default=50, help="0-100 (default 50)")
    p.add_argument("--status", choices=[s for s in STATUSES if s != "closed"], default="draft")
    p.add_argument("--direction", choices=DIRECTIONS, default="long")
    p.add_argument("--review-days", type=int, metavar="N",
                   help="days between reviews (default: by status, e.g. 30 when active)")
    p.add_argument("--private", action="store_true",
                   help="on a team workspace: only you see it (default: the team does)")
    p.add_argument("--horizon", type=_date_arg, help="YYYY-MM-DD")
    p.add_argument("--instruments", help="comma-separated symbols, e.g. 'BABA, 9988.HK'")
    p.add_argument("--tags", help="comma-separated tags")
    p.set_defaults(func=cmd_theses_add)
    p = tsub.add_parser("show", parents=[common, as_json], help="show one thesis and its journal")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.set_defaults(func=cmd_theses_show)
    p = tsub.add_parser("archive", parents=[common, as_json],
                        help="archive a thesis (kept, hidden from lists); --restore undoes")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--restore", action="store_true", help="bring an archived thesis back")
    p.set_defaults(func=cmd_theses_archive)
    p = tsub.add_parser("delete", parents=[common, as_json],
                        help="delete a thesis for good (a before-delete backup is taken first)")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--permanently", action="store_true", help="required: it cannot be undone")
    p.add_argument("--yes", action="store_true", help="required: no question is asked")
    p.set_defaults(func=cmd_theses_delete)
    p = tsub.add_parser("close", parents=[common, as_json],
                        help="close a thesis with its outcome and a post-mortem")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--outcome", required=True, choices=OUTCOMES,
                   help="how it turned out (mixed is listed in calibration, not scored)")
    p.add_argument("--note", metavar="TEXT", help="post-mortem: what happened")
    p.add_argument("--missed", metavar="TEXT", help="post-mortem: what we missed")
    p.add_argument("--again", metavar="TEXT", help="post-mortem: what we would do again")
    p.add_argument("--on", type=_date_arg, metavar="DATE",
                   help="the day it closed, YYYY-MM-DD (default today)")
    p.set_defaults(func=cmd_theses_close)
    p = tsub.add_parser("reopen", parents=[common, as_json],
                        help="reopen a closed thesis (its outcome is cleared, journaled)")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--reason", required=True, help="why, in one line (journaled)")
    p.add_argument("--status", choices=[s for s in STATUSES if s != "closed"], default="active")
    p.set_defaults(func=cmd_theses_reopen)
    p = tsub.add_parser("premortem", parents=[common, as_json],
                        help="a year from now this thesis failed: why? each reason a risk")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("reasons", nargs="+", metavar="REASON", help="one failure reason each")
    p.set_defaults(func=cmd_theses_premortem)

    cm = sub.add_parser("comments", parents=[common], help="a thesis's discussion")
    cmsub = cm.add_subparsers(title="comments commands", metavar="ACTION", required=True)
    p = cmsub.add_parser("list", parents=[common, as_json], help="the thread, oldest first")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.set_defaults(func=cmd_comments_list)
    p = cmsub.add_parser("add", parents=[common, as_json], help="post a comment")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--text", required=True)
    p.add_argument("--evidence", type=int, metavar="ID", help="on this evidence item")
    p.set_defaults(func=cmd_comments_add)

    p = sub.add_parser("calibration", parents=[common, as_json],
                       help="conviction against outcome over closed theses (Brier score)")
    p.set_defaults(func=cmd_calibration)
    rv = sub.add_parser("reviews", parents=[common], help="theses due a review")
    rvsub = rv.add_subparsers(title="reviews commands", metavar="ACTION", required=True)
    p = rvsub.add_parser("due", parents=[common, as_json],
                         help="reviews due and catalysts past their date (exit 1 when any)")
    p.add_argument("--on", type=_date_arg, metavar="DATE", help="as of this day (default today)")
    p.set_defaults(func=cmd_reviews_due)
    p = rvsub.add_parser("record", parents=[common, as_json],
                         help="review a thesis: conviction reaffirmed or changed, a note")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--note", required=True, help="what the review found (journaled)")
    p.add_argument("--conviction", type=int, help="0-100 (default: reaffirm the current one)")
    p.add_argument("--pillar", action="append", metavar="ID=STATE",
                   help="a pillar's new state, e.g. 12=at_risk (repeatable)")
    p.set_defaults(func=cmd_reviews_record)

    tm = sub.add_parser("team", parents=[common],
                        help="a team workspace on a PostgreSQL server: roles and users")
    tmsub = tm.add_subparsers(title="team commands", metavar="ACTION", required=True)
    p = tmsub.add_parser("init", parents=[common, as_json],
                         help="schema and the analyst/reader roles (run as the server's "
                              "admin; safe to run again)")
    p.set_defaults(func=cmd_team_init)
    p = tmsub.add_parser("add-user", parents=[common, as_json],
                         help="a login for one person, as an analyst or a reader")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=("analyst", "reader"))
    p.add_argument("--password", help="else the server's own authentication (e.g. peer)")
    p.set_defaults(func=cmd_team_add_user)
    p = tmsub.add_parser("users", parents=[common, as_json], help="the team's users")
    p.set_defaults(func=cmd_team_users)
    p = tmsub.add_parser("push", parents=[common, as_json],
                         help="copy a local workspace (--data-dir) into an empty team "
                              "database (--database), all or nothing")
    p.set_defaults(func=cmd_team_push)

    p = sub.add_parser("import", parents=[common, as_json],
                       help="import documents (.txt, .md, .html, .pdf) into the library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("search", parents=[common, as_json], help="full-text search the library")
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--publisher")
    p.add_argument("--from", dest="date_from", type=_date_arg, metavar="DATE")
    p.add_argument("--to", dest="date_to", type=_date_arg, metavar="DATE")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_search)

    docs = sub.add_parser("documents", parents=[common], help="list the library")
    dsub = docs.add_subparsers(title="documents commands", metavar="ACTION", required=True)
    p = dsub.add_parser("list", parents=[common, as_json], help="list documents")
    p.set_defaults(func=cmd_documents_list)
    p = dsub.add_parser("show", parents=[common, as_json],
                        help="a document's details, the evidence on it, and its text")
    p.add_argument("document", metavar="DOC", help="id or exact title")
    p.set_defaults(func=cmd_documents_show)

    p = sub.add_parser("inbox", parents=[common, as_json],
                       help="import the files that appear in a folder, each once")
    p.add_argument("folder", metavar="FOLDER", nargs="?",
                   help="the folder to watch (default: the one set in Preferences)")
    p.add_argument("--once", action="store_true",
                   help="take what is there now and stop (exit 1 if any was refused)")
    p.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                   help="how often to look (default 2)")
    p.set_defaults(func=cmd_inbox)

    p = sub.add_parser("suggest", parents=[common, as_json],
                       help="passages of the library that likely bear on a thesis's pillars")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--document", metavar="DOC", help="only this document's passages")
    p.add_argument("--limit", type=int, default=10, help="per pillar (default 10)")
    p.set_defaults(func=cmd_suggest)

    pil = sub.add_parser("pillars", parents=[common], help="a thesis's pillars")
    psub = pil.add_subparsers(title="pillars commands", metavar="ACTION", required=True)
    p = psub.add_parser("add", parents=[common, as_json],
                        help="add a pillar, kill criterion, catalyst or risk to a thesis")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--text", required=True, help="what must be true (or would prove it wrong)")
    p.add_argument("--kind", required=True, choices=("pillar", "kill", "catalyst", "risk"))
    p.add_argument("--due", type=_date_arg, metavar="DATE", help="a catalyst's date")
    p.set_defaults(func=cmd_pillars_add)

    ev = sub.add_parser("evidence", parents=[common], help="evidence of a thesis")
    esub = ev.add_subparsers(title="evidence commands", metavar="ACTION", required=True)
    p = esub.add_parser("list", parents=[common, as_json], help="list a thesis's evidence")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.set_defaults(func=cmd_evidence_list)
    p = esub.add_parser("add", parents=[common, as_json],
                        help="file a quote as evidence for a thesis")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("--quote", required=True)
    p.add_argument("--source", help="where a typed quote comes from (free text)")
    p.add_argument("--document", metavar="DOC",
                   help="a library document's id or exact title; the quote is found in it")
    p.add_argument("--start", type=int, help="the quote's first character in the document")
    p.add_argument("--end", type=int, help="the character after the quote's last")
    p.add_argument("--stance", required=True, choices=("supports", "contradicts", "context"))
    p.add_argument("--weight", type=int, default=2, choices=(1, 2, 3),
                   help="1 slight, 2 material (default), 3 strong")
    p.add_argument("--pillar", type=int, metavar="ID", help="one of the thesis's pillars")
    p.add_argument("--note")
    p.set_defaults(func=cmd_evidence_add)
    p = esub.add_parser("delete", parents=[common, as_json], help="delete one evidence item")
    p.add_argument("id", type=int, metavar="ID", help="the evidence id (evidence list shows it)")
    p.add_argument("--yes", action="store_true", help="required: no question is asked")
    p.set_defaults(func=cmd_evidence_delete)
    p = esub.add_parser("export", parents=[common, as_json],
                        help="a thesis's evidence to CSV or Excel (formula-safe)")
    p.add_argument("thesis", metavar="THESIS", help="id or exact title")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.csv or FILE.xlsx")
    p.set_defaults(func=cmd_evidence_export)

    from thesis_desk.core.enums import FREQUENCIES  # not core.metrics: SQLAlchemy, 0.5 s

    met = sub.add_parser("metrics", parents=[common], help="tracked metrics and observations")
    msub = met.add_subparsers(title="metrics commands", metavar="ACTION", required=True)
    p = msub.add_parser("list", parents=[common, as_json], help="list metrics")
    p.set_defaults(func=cmd_metrics_list)
    p = msub.add_parser("show", parents=[common, as_json], help="a metric and its observations")
    p.add_argument("metric", metavar="METRIC", help="id or exact name")
    p.set_defaults(func=cmd_metrics_show)
    p = msub.add_parser("export", parents=[common, as_json],
                        help="a metric's observations to CSV or Excel (formula-safe)")
    p.add_argument("metric", metavar="METRIC", help="id or exact name")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.csv or FILE.xlsx")
    p.set_defaults(func=cmd_metrics_export)
    p = msub.add_parser("add", parents=[common, as_json], help="add a metric")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--unit")
    p.add_argument("--frequency", choices=FREQUENCIES, default="irregular")
    p.add_argument("--instrument", help="ticker symbol the metric belongs to")
    p.add_argument("--description")
    p.add_argument("--source")
    p.set_defaults(func=cmd_metrics_add)
    p = msub.add_parser("observe", parents=[common, as_json], help="record a dated value")
    p.add_argument("metric", metavar="METRIC", help="id or exact name")
    p.add_argument("date", metavar="DATE", type=_date_arg, help="YYYY-MM-DD")
    p.add_argument("value", metavar="VALUE")
    p.add_argument("--note")
    p.add_argument("--replace", action="store_true", help="replace a value already on that date")
    p.set_defaults(func=cmd_metrics_observe)

    p = msub.add_parser("import", parents=[common, as_json, table],
                        help="import observations from CSV or Excel (all valid rows or nothing)")
    p.add_argument("file", metavar="FILE")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--metric", metavar="NAME", help="every row is this metric")
    which.add_argument("--metric-col", metavar="C", help="a column naming each row's metric")
    p.add_argument("--date-col", required=True, metavar="C")
    p.add_argument("--value-col", required=True, metavar="C")
    p.add_argument("--replace", action="store_true", help="overwrite values on dates already stored")
    p.add_argument("--dry-run", action="store_true", help="judge the rows, write nothing")
    p.set_defaults(func=cmd_metrics_import)

    rules = sub.add_parser("rules", parents=[common], help="alert rules on metrics")
    rsub = rules.add_subparsers(title="rules commands", metavar="ACTION", required=True)
    p = rsub.add_parser("add", parents=[common, as_json], help="add an alert rule to a metric")
    p.add_argument("metric", metavar="METRIC", help="id or exact name")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--above", type=float, metavar="X")
    kind.add_argument("--below", type=float, metavar="X")
    kind.add_argument("--crosses", type=float, metavar="X")
    kind.add_argument("--change-pct", type=float, metavar="P")
    kind.add_argument("--zscore", type=float, metavar="K")
    kind.add_argument("--stale-days", type=int, metavar="N")
    p.add_argument("--window", type=int, metavar="N", help="for --change-pct and --zscore")
    p.add_argument("--days", action="store_true", help="--window counts days, not observations")
    p.add_argument("--hysteresis", type=float, default=0.0, metavar="H",
                   help="re-arm only once the value is H back across the level")
    p.add_argument("--pillar", type=int, metavar="ID", help="a kill criterion this rule breaks")
    p.add_argument("--pillar-state", choices=("at_risk", "broken"), default="broken")
    p.add_argument("--judge-history", action="store_true",
                   help="judge the observations already there too, raising the alerts "
                        "they hold (by default a rule judges what arrives from now on)")
    p.set_defaults(func=cmd_rules_add)
    p = rsub.add_parser("list", parents=[common, as_json], help="list alert rules")
    p.set_defaults(func=cmd_rules_list)

    al = sub.add_parser("alerts", parents=[common], help="check and list alerts")
    asub = al.add_subparsers(title="alerts commands", metavar="ACTION", required=True)
    p = asub.add_parser("check", parents=[common, as_json],
                        help="evaluate every rule; exit 1 when new alerts fired")
    p.set_defaults(func=cmd_alerts_check)
    p = asub.add_parser("list", parents=[common, as_json], help="list alerts")
    p.add_argument("--state", choices=("new", "acknowledged", "snoozed"))
    p.set_defaults(func=cmd_alerts_list)

    pr = sub.add_parser("prices", parents=[common], help="price series of instruments")
    prsub = pr.add_subparsers(title="prices commands", metavar="ACTION", required=True)
    p = prsub.add_parser("import", parents=[common, as_json, table],
                         help="import prices from CSV/Excel (creates instruments and series)")
    p.add_argument("file")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--symbol", help="the file holds one instrument's prices")
    who.add_argument("--symbol-col", metavar="C", help="column naming the instrument (long file)")
    p.add_argument("--date-col", required=True, metavar="C")
    p.add_argument("--price-col", required=True, metavar="C")
    p.add_argument("--replace", action="store_true", help="replace prices on dates already stored")
    p.set_defaults(func=cmd_prices_import)

    pos = sub.add_parser("positions", parents=[common], help="positions behind theses")
    psub = pos.add_subparsers(title="positions commands", metavar="ACTION", required=True)
    p = psub.add_parser("add", parents=[common, as_json], help="add a position to a thesis")
    p.add_argument("thesis", help="thesis id or exact title")
    p.add_argument("symbol")
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--quantity", type=float)
    size.add_argument("--weight", type=float, help="percent of the portfolio, e.g. 5")
    p.add_argument("--entry-date", type=_date_arg, required=True, metavar="DATE")
    p.add_argument("--entry-price", type=float, required=True)
    p.add_argument("--side", choices=("long", "short"), default="long")
    p.add_argument("--currency")
    p.add_argument("--exit-date", type=_date_arg, metavar="DATE")
    p.add_argument("--exit-price", type=float)
    p.add_argument("--note")
    p.set_defaults(func=cmd_positions_add)
    p = psub.add_parser("list", parents=[common, as_json], help="list positions")
    p.set_defaults(func=cmd_positions_list)
    p = psub.add_parser("import", parents=[common, as_json, table],
                        help="import holdings (all rows or none) into a thesis")
    p.add_argument("file")
    p.add_argument("--thesis", required=True, help="thesis id or exact title")
    p.add_argument("--symbol-col", required=True, metavar="C")
    p.add_argument("--quantity-col", required=True, metavar="C",
                   help="negative quantities are short positions")
    p.add_argument("--price-col", required=True, metavar="C", help="cost or entry price")
    p.add_argument("--date-col", required=True, metavar="C")
    p.set_defaults(func=cmd_positions_import)
    p = psub.add_parser("target", parents=[common, as_json],
                        help="target/stop prices of a thesis as alert rules on the price")
    p.add_argument("thesis")
    p.add_argument("symbol")
    p.add_argument("--target", type=float)
    p.add_argument("--stop", type=float)
    p.set_defaults(func=cmd_positions_target)

    pf = sub.add_parser("portfolio", parents=[common], help="theses valued through positions")
    pfsub = pf.add_subparsers(title="portfolio commands", metavar="ACTION", required=True)
    p = pfsub.add_parser("show", parents=[common, as_json],
                         help="weight, return since entry and conviction per thesis and position")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE")
    p.add_argument("--benchmark", metavar="SYMBOL", help="return of this instrument alongside")
    p.set_defaults(func=cmd_portfolio_show)

    p = sub.add_parser("export-memo", parents=[common, as_json],
                       help="write a thesis memo as PDF (or Markdown); needs no display")
    p.add_argument("thesis", help="thesis id or exact title")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="FILE.pdf, or FILE.md for Markdown")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE",
                   help="the thesis as it stood on DATE (YYYY-MM-DD); default today")
    p.add_argument("--since", type=_date_arg, metavar="DATE",
                   help="'what changed since' DATE (default: the last review, else 30 days)")
    p.add_argument("--comments", action="store_true", help="add the discussion thread")
    p.add_argument("--format", choices=("pdf", "md"), help="default: from the file's suffix")
    p.add_argument("--page-size", choices=("A4", "Letter"), help="default: the preference")
    p.add_argument("--author", help="author named in the memo (default: the preference)")
    p.set_defaults(func=cmd_export_memo)

    p = sub.add_parser("backup", parents=[common, as_json],
                       help="back up the workspace now (database and originals)")
    p.set_defaults(func=cmd_backup)
    bk = sub.add_parser("backups", parents=[common], help="the workspace's backups")
    bsub = bk.add_subparsers(title="backups commands", metavar="ACTION", required=True)
    p = bsub.add_parser("list", parents=[common, as_json], help="list backups, newest first")
    p.set_defaults(func=cmd_backups_list)
    p = bsub.add_parser("delete", parents=[common, as_json],
                        help="delete one backup (manual and before-* ones are never thinned)")
    p.add_argument("backup", metavar="BACKUP", help="a file name from backups list")
    p.add_argument("--yes", action="store_true", help="required: no question is asked")
    p.set_defaults(func=cmd_backups_delete)
    p = sub.add_parser("restore", parents=[common, as_json],
                       help="restore a backup (the current state is backed up first)")
    p.add_argument("backup", metavar="BACKUP", help="a file name from `backups list`")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("check", parents=[common, as_json],
                       help="full check: database integrity, original files, evidence quotes; "
                            "exit 1 on problems")
    p.add_argument("--no-hashes", action="store_true",
                   help="only check that originals exist, not their SHA-256")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("demo", parents=[common, as_json],
                       help="build the demo workspace (seed articles and three theses)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "data_dir"):
        args.data_dir = None
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return reported(lambda: func(args))
    finally:
        while _OPENED:  # a server's connections closed, not left to the collector
            _OPENED.pop().close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

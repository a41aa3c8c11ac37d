"""The file side of importing documents: read, hash, extract, keep the original.

Kept free of SQLAlchemy and Qt so that a helper process can import it in a fraction
of a second: a large import runs this part in one (true parallelism on a second core;
threads lost their gain to the interpreter lock) while the importing process inserts.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from thesis_desk.core.extract import MAX_FILE_BYTES, Extracted, ImportRefused, extract, kind_for


@dataclass(frozen=True)
class Prepared:
    """A file ready to be recorded: its text and metadata, its original already kept."""

    path: Path
    digest: str
    size: int
    rel: str  # the kept original, relative to the originals folder
    doc: Extracted
    wrote: bool  # the original was written now (it was not there before)
    # an e-mail's attachments of a supported kind, each prepared as a document of its own
    attachments: tuple[Prepared | Refused, ...] = ()


@dataclass(frozen=True)
class Refused:
    path: Path
    message: str


def read_file(path: Path) -> bytes:
    """The file's bytes, or ImportRefused / OSError saying why not."""
    kind_for(path)  # refuse unsupported types before reading anything
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImportRefused(f"{path.name}: no such file.") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImportRefused(f"{path.name}: this is a folder, not a file; import the "
                            "documents inside it.")
    if not stat.S_ISREG(st.st_mode):
        what = ("a pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "not an ordinary file")
        raise ImportRefused(f"{path.name}: this is {what}, not a document file; save the "
                            "document to a file and import that.")
    if st.st_size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"{path.name}: {st.st_size / 1e6:.0f} MB is larger than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB a document may be; split it or "
            "import the part you need.")
    with open(path, "rb") as fh:
        return fh.read()


def keep_original(originals: str, rel: str, data: bytes) -> bool:
    """Keep the file as imported, by hash. Written to a temporary name and renamed, so
    a crash never leaves half a file under a hash name. Not fsynced one by one (that
    cost 2 ms a file): the database holds the extracted text, which is what evidence
    quotes; `thesis-desk check` reports an original that is missing or damaged.
    Returns whether it wrote the file (False: it was there already)."""
    target = os.path.join(originals, rel)  # strings: pathlib cost more than the write
    try:
        if os.stat(target).st_size == len(data):
            return False
    except FileNotFoundError:
        pass
    tmp = f"{target}.part-{os.getpid()}-{threading.get_ident()}"
    try:
        fh = open(tmp, "wb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:  # its hash folder does not exist yet (or was removed)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fh = open(tmp, "wb")  # noqa: SIM115
    with fh:
        fh.write(data)
    os.replace(tmp, target)
    return True


def prepare(path: Path, originals: str) -> Prepared | Refused:
    """One file read, hashed, extracted and its original kept; or why it is refused.
    Nothing is written for a refused file."""
    try:
        data = read_file(path)
    except ImportRefused as exc:
        return Refused(path, str(exc))
    except OSError as exc:
        return Refused(path, f"{path.name}: cannot be read ({exc.strerror or exc}).")
    return prepare_bytes(path, data, originals)


def prepare_bytes(path: Path, data: bytes, originals: str, depth: int = 0) -> Prepared | Refused:
    """``prepare`` for bytes in hand (a file's, or an e-mail attachment's)."""
    name = path.name
    digest = hashlib.sha256(data).hexdigest()
    try:
        doc = extract(path, data)
    except ImportRefused as exc:
        return Refused(path, str(exc))
    attachments: list[Prepared | Refused] = []
    skipped: list[str] = []
    for att_name, att_data in doc.attachments:
        att_path = path.parent / Path(att_name).name
        try:
            kind_for(att_path)
        except ImportRefused:
            skipped.append(Path(att_name).name)
            continue
        if depth >= 2 or len(att_data) > MAX_FILE_BYTES:
            skipped.append(Path(att_name).name)
            continue
        attachments.append(prepare_bytes(att_path, att_data, originals, depth + 1))
    if skipped:
        doc.notes.append("Attachments of a kind Thesis Desk does not read were left out: "
                         + ", ".join(skipped[:10]) + ".")
    doc.attachments = []  # their bytes are in the prepared attachments now
    rel = f"{digest[:2]}/{digest}{path.suffix.lower()}"
    try:
        wrote = keep_original(originals, rel, data)
    except OSError as exc:
        return Refused(path, f"{name}: a copy of the original could not be kept "
                             f"({exc.strerror or exc}); nothing was imported. Free some "
                             "disk space and try again.")
    return Prepared(path, digest, len(data), rel, doc, wrote, tuple(attachments))


def watch_parent() -> None:
    """A helper process's initializer: leave as soon as the importing process is gone.

    Pool workers wait on a queue whose ends they hold themselves, so a parent killed
    mid-import (SIGKILL, a crash) would leave them waiting for ever."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def wait_then_leave() -> None:
        parent.join()  # returns when the parent process has ended
        os._exit(0)

    threading.Thread(target=wait_then_leave, name="watch-parent", daemon=True).start()


def prepare_all(paths: list[Path], originals: str) -> list[Prepared | Refused]:
    """A chunk of files, for a helper process."""
    return [prepare(p, originals) for p in paths]

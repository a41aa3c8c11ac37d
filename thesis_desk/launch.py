"""The ``thesis-desk`` command's first step: a launch of the window goes straight to it.

Opening the window is what the command does most, and it takes at most ``--data-dir``,
``--database`` and ``--demo``. Reading those needs none of the command line's forty
sub-commands: importing the CLI and building its parser was 80-90 ms of the window's
first paint. Anything else (a command, ``--help``, ``--version``, an abbreviated option,
a mistake) goes to the full parser, which reads and reports it as it always did.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

EXIT_OK, EXIT_ERROR = 0, 1  # and 2: a usage mistake, which argparse reports
_VALUED = ("--data-dir", "--database")


def window_arguments(argv: Sequence[str]) -> dict[str, object] | None:
    """``run_gui``'s keywords when ``argv`` only opens the window, read as the full
    parser reads it; None for anything the full parser must see."""
    args = list(argv)
    if args[:1] == ["gui"]:
        args = args[1:]
    found: dict[str, object] = {"data_dir": None, "database": None, "demo": False}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        if args[i] == "--demo":
            found["demo"] = True
        elif name in _VALUED:
            if not eq:
                if i + 1 >= len(args) or args[i + 1].startswith("-"):
                    return None  # the parser says what is missing
                i += 1
                value = args[i]
            found[name[2:].replace("-", "_")] = value
        else:
            return None
        i += 1
    return found


def reported(call: Callable[[], int]) -> int:
    """Run a command; a mistake is one line on stderr and exit 1, as every command ends."""
    from thesis_desk.core.errors import UserError

    try:
        return call()
    except UserError as exc:
        print(f"thesis-desk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("thesis-desk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    window = window_arguments(args)
    if window is None:
        from thesis_desk.cli import main as command

        return command(args)
    from thesis_desk.ui.main import run_gui

    return reported(lambda: run_gui(**window))  # type: ignore[arg-type]

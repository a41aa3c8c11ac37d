"""PyInstaller's entry point for the bundle: the same CLI as the `thesis-desk` command
(no arguments opens the window)."""

from thesis_desk.cli import main

raise SystemExit(main())

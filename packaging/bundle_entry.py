"""PyInstaller's entry point for the bundle: the same CLI as the `thesis-desk` command
(no arguments opens the window)."""

import multiprocessing

if __name__ == "__main__":
    # A large document import starts a helper process; in a bundle that process is this
    # executable again, and freeze_support() turns it into the helper instead of an app.
    multiprocessing.freeze_support()
    from thesis_desk.launch import main

    raise SystemExit(main())

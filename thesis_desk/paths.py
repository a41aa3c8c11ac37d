"""Where a workspace lives on disk.

By default the per-user directories of the platform (through platformdirs, the
maintained successor of appdirs). ``--data-dir`` or ``THESIS_DESK_DATA_DIR``
moves *everything* (database, originals, logs, backups, settings) under one folder,
which is what tests and portable installs want: nothing then touches ``$HOME``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "THESIS_DESK_DATA_DIR"
ENV_DATABASE = "THESIS_DESK_DATABASE"  # a team server's URL, for every command and the window
_APP = "thesis-desk"
DB_FILENAME = "thesis-desk.sqlite3"


@dataclass(frozen=True)
class WorkspacePaths:
    data_dir: Path
    log_dir: Path
    backup_dir: Path
    config_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def originals_dir(self) -> Path:
        """Imported documents, kept by SHA-256."""
        return self.data_dir / "originals"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.ini"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "thesis-desk.log"

    def ensure(self) -> "WorkspacePaths":
        for d in (self.data_dir, self.log_dir, self.backup_dir, self.config_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> WorkspacePaths:
    """Pick the workspace: explicit argument, then the environment, then the platform."""
    chosen = data_dir if data_dir is not None else os.environ.get(ENV_DATA_DIR) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        return WorkspacePaths(
            data_dir=root,
            log_dir=root / "logs",
            backup_dir=root / "backups",
            config_dir=root,
        )
    import platformdirs

    data = Path(platformdirs.user_data_dir(_APP, appauthor=False))
    return WorkspacePaths(
        data_dir=data,
        log_dir=Path(platformdirs.user_log_dir(_APP, appauthor=False)),
        backup_dir=data / "backups",
        config_dir=Path(platformdirs.user_config_dir(_APP, appauthor=False)),
    )

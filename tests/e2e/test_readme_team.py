"""The README's team set-up, run as written against the suite's throwaway server: only
the server's address, its admin's name and the program's path are put in (the test
server trusts loopback, so the passwords are taken and not asked for)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _team_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A team workspace on PostgreSQL"):]
    section = section[:section.index("\n## ", 5)]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = "\n".join(blocks).replace("\\\n", " ")
    return [" ".join(ln.split()) for ln in lines.splitlines() if ln.strip()]


def test_the_readme_team_set_up_runs_as_written(pg_server, tmp_path):
    commands = _team_commands()
    assert any(c.startswith("thesis-desk team init") for c in commands)
    assert any("team add-user pm --role reader" in c for c in commands)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path / "home"),
           "THESIS_DESK_STARTUP_PROBE": "1"}  # a window launched says it is ready, and goes
    env.pop("THESIS_DESK_DATABASE", None)
    env.pop("THESIS_DESK_DATA_DIR", None)
    (tmp_path / "home").mkdir()
    server = f"127.0.0.1:{pg_server.port}"
    for cmd in commands:
        cmd = (cmd.replace("-h db.example.com -U postgres",
                           f"-h 127.0.0.1 -p {pg_server.port} -U td_admin")
               .replace("postgres@db.example.com", f"td_admin@{server}")
               .replace("@db.example.com", f"@{server}"))
        argv = shlex.split(cmd)
        if argv[0] == "createdb":
            argv[0] = str(pg_server.bins / "createdb")
        elif argv[0] in ("thesis-desk", ".venv/bin/thesis-desk"):
            argv[0] = str(bin_dir / "thesis-desk")
        argv = [os.path.expanduser(a) if a.startswith("~") else a for a in argv]
        argv = [a.replace("~", str(tmp_path / "home")) for a in argv]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
        if "team users" in cmd:
            assert re.search(r"alice\s+analyst", done.stdout), done.stdout
            assert re.search(r"pm\s+reader", done.stdout), done.stdout
        if argv[1:2] == ["--database"]:  # the analyst's window: it opened on the server
            assert "ready" in done.stdout, done.stdout + done.stderr

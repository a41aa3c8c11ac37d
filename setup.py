"""Build hook: the wheel carries the project's top-level ``seeds/`` and ``resources/``
inside the package as ``thesis_desk/_data/`` (where ``thesis_desk.resources`` looks
first). Everything else about the build is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("seeds", "resources")
SKIP = shutil.ignore_patterns("screenshots", "*.pyc", "__pycache__")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # a checkout finds seeds/ and resources/ where they are
            return
        target = Path(self.build_lib) / "thesis_desk" / "_data"
        for name in SHIPPED:
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / name, dest, ignore=SKIP)


setup(cmdclass={"build_py": BuildWithData})

"""Finding the files that ship with the program (seeds, icons), wherever it runs from."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _candidates(name: str) -> list[Path]:
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle
    out = [_PACKAGE / "_data" / name, _PACKAGE.parent / name]
    if bundle:
        out.insert(0, Path(bundle) / name)
    return out


def data_path(name: str) -> Path:
    """The folder ``name`` (``seeds``, ``resources``): in a checkout, a wheel or a bundle."""
    for c in _candidates(name):
        if c.is_dir():
            return c
    raise FileNotFoundError(f"'{name}' is missing from this installation of Thesis Desk "
                            f"(looked in {', '.join(map(str, _candidates(name)))}).")


def seeds_dir() -> Path:
    return data_path("seeds")


def resource_path(*parts: str) -> Path:
    """A file under ``resources/`` (icons): the one way the program finds its resources."""
    return data_path("resources").joinpath(*parts)


def app_icon_files() -> list[Path]:
    """The application icon: the SVG and every rendered PNG size, largest last."""
    from thesis_desk import APP_ID

    icons = resource_path("icons")
    pngs = sorted(icons.glob(f"hicolor/*/apps/{APP_ID}.png"),
                  key=lambda p: int(p.parent.parent.name.split("x")[0]))
    return [icons / "thesis-desk.svg", *pngs]

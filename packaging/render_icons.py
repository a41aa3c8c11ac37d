"""Render the application icon's PNG sizes from resources/icons/thesis-desk.svg.

    .venv/bin/python packaging/render_icons.py

The PNGs are committed (a wheel or bundle build needs no renderer); run this again after
changing the SVG. They go to resources/icons/hicolor/NxN/apps/<APP_ID>.png, the layout
of the freedesktop hicolor theme, so installing them is a copy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from thesis_desk import APP_ID

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    svg = ROOT / "resources" / "icons" / "thesis-desk.svg"
    renderer = QSvgRenderer(str(svg))
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p)
        p.end()
        out = ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        img.save(str(out))
        print(out.relative_to(ROOT), out.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

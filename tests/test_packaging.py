"""Desktop integration files agree with the program and validate where validators exist;
the icon is found through the one resource function."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from thesis_desk import APP_ID, APP_NAME, __version__
from thesis_desk.resources import app_icon_files, resource_path

LINUX = Path(__file__).resolve().parents[1] / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"


def test_desktop_entry_names_the_program_and_its_icon():
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read(DESKTOP)
    entry = cp["Desktop Entry"]
    assert entry["Name"] == APP_NAME and entry["Exec"] == "thesis-desk"
    assert entry["Icon"] == APP_ID and entry["Type"] == "Application"


def test_metainfo_matches_the_desktop_entry_and_version():
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name
    assert root.find("releases/release").get("version") == __version__
    assert root.findtext("provides/binary") == "thesis-desk"


def test_icon_has_svg_and_every_hicolor_size():
    files = app_icon_files()
    assert files[0].suffix == ".svg" and files[0].is_file()
    sizes = [int(f.parent.parent.name.split("x")[0]) for f in files[1:]]
    assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]
    assert resource_path("icons", "thesis-desk.svg") == files[0]


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils absent")
def test_desktop_file_validates():
    out = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream absent")
def test_metainfo_validates():
    out = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_install_script_puts_icons_under_hicolor_names(tmp_path):
    subprocess.run([str(LINUX / "install-desktop.sh"), str(tmp_path)], check=True,
                   capture_output=True)
    share = tmp_path / "share"
    assert (share / "applications" / DESKTOP.name).is_file()
    assert (share / "metainfo" / METAINFO.name).is_file()
    assert (share / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    for size in (16, 48, 256, 512):
        assert (share / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()

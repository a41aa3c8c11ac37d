#!/usr/bin/env bash
# Set up a working checkout: the system libraries Qt needs (Debian/Ubuntu), a
# virtual environment in .venv, and Thesis Desk installed into it (editable, with
# the test extra). Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's xcb platform plugin (a real window) and the offscreen one (tests) need these.
QT_LIBS=(libegl1 libgl1 libopengl0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
         libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
         libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
         libxcb-xkb1 fonts-dejavu-core)
if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for p in "${QT_LIBS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system libraries for Qt: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# The tests run the storage and service tests against a throwaway PostgreSQL server too
# (tests/pg.py starts one from these binaries; nothing is started here).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "Installing PostgreSQL (Debian's postgresql package) for the team-workspace tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # the binaries only: no "main" cluster made and started by the package (a machine
  # without an init system cannot start it, and the tests make their own)
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null || true
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || {
    echo "PostgreSQL could not be installed (apt-get install postgresql)" >&2; exit 1; }
fi

PY=${PYTHON:-python3}
# A .venv left half-made (an interrupted first run: no pip in it) is made again.
if ! .venv/bin/python -c "import pip" >/dev/null 2>&1; then
  rm -rf .venv
  "$PY" -m venv .venv
fi
stamp=.venv/.thesis-desk-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
  echo "$want" > "$stamp"
fi

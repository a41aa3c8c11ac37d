#!/usr/bin/env bash
# Build the one-folder bundle with PyInstaller, then check it from a folder outside the
# checkout: --version, the demo, a memo export read back as a document, suggestions, and
# a headless GUI start.
#   packaging/build_bundle.sh        -> build/bundle/dist/thesis-desk/
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/dev-env.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check "pyinstaller>=6.10"
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath build/bundle/dist --workpath build/bundle/work packaging/thesis-desk.spec

bundle="$PWD/build/bundle/dist/thesis-desk"
check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
cp -r "$bundle" "$check/"
cd "$check"
exe="$check/thesis-desk/thesis-desk"
export QT_QPA_PLATFORM=offscreen
"$exe" --version
"$exe" demo --data-dir "$check/ws"
"$exe" export-memo 1 -o "$check/memo.pdf" --data-dir "$check/ws"
# the memo read back through the bundle's PDFium, and its first passages suggested
"$exe" import "$check/memo.pdf" --data-dir "$check/ws"
"$exe" documents show 6 --data-dir "$check/ws" | grep -q "thesis memo as of"
"$exe" suggest 1 --limit 1 --data-dir "$check/ws" | grep -q "pillar"
THESIS_DESK_STARTUP_PROBE=1 timeout 60 "$exe" --data-dir "$check/ws" | grep -q '^ready'
echo "GUI started headless and opened the workspace."
echo "Bundle: $bundle ($(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) files)"

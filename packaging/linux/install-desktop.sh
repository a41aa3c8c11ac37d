#!/usr/bin/env bash
# Install the desktop entry, AppStream metadata and icons under a prefix
# (default ~/.local, i.e. for this user; /usr/local or /usr for everyone).
#   packaging/linux/install-desktop.sh [PREFIX]
# The `thesis-desk` command itself comes from `pip install` (or the bundle on PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${1:-$HOME/.local}"
id=io.github.thesisdesk.ThesisDesk
install -Dm644 "$here/$id.desktop" "$prefix/share/applications/$id.desktop"
install -Dm644 "$here/$id.metainfo.xml" "$prefix/share/metainfo/$id.metainfo.xml"
install -Dm644 "$root/resources/icons/thesis-desk.svg" \
  "$prefix/share/icons/hicolor/scalable/apps/$id.svg"
for png in "$root"/resources/icons/hicolor/*/apps/$id.png; do
  size="$(basename "$(dirname "$(dirname "$png")")")"
  install -Dm644 "$png" "$prefix/share/icons/hicolor/$size/apps/$id.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$prefix/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -qtf "$prefix/share/icons/hicolor" || true
echo "Installed $id under $prefix/share"

#!/usr/bin/env bash
# Add ConvNet Studio to this user's application menu and make it open .cnsproj files.
# Nothing is installed system-wide; run again after upgrading, or with --uninstall to undo.
#
#   packaging/install_desktop_entry.sh              # for `pip install` (convnet-studio-gui on PATH)
#   packaging/install_desktop_entry.sh dist/convnet-studio/convnet-studio   # for the folder build
#
# Needs xdg-utils (xdg-desktop-menu, xdg-icon-resource, xdg-mime) and shared-mime-info.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RES="$HERE/../resources"
MIME_TYPE="application/x-convnet-studio-project"

if [ "${1:-}" = "--uninstall" ]; then
    xdg-desktop-menu uninstall --mode user convnet-studio.desktop
    xdg-mime uninstall --mode user "$RES/convnet-studio-mime.xml"
    for size in 16 24 32 48 64 128 256 512; do
        xdg-icon-resource uninstall --mode user --noupdate --context apps --size "$size" convnet-studio
        xdg-icon-resource uninstall --mode user --noupdate --context mimetypes --size "$size" \
            application-x-convnet-studio-project
    done
    xdg-icon-resource forceupdate --mode user
    echo "removed ConvNet Studio from the menu and the .cnsproj file association"
    exit 0
fi

for tool in xdg-desktop-menu xdg-icon-resource xdg-mime; do
    command -v "$tool" >/dev/null || { echo "$tool not found: install xdg-utils" >&2; exit 1; }
done

# The program the menu entry starts: an argument, else the GUI script pip installed.
if [ $# -ge 1 ]; then
    EXEC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
    EXEC="$(command -v convnet-studio-gui || true)"
fi
[ -n "$EXEC" ] && [ -x "$EXEC" ] || { echo "convnet-studio-gui not found: pip install convnet-studio, or pass the built program" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# xdg-desktop-menu names the installed file after the one it is given: keep "convnet-studio.desktop".
sed -e "s|^Exec=.*|Exec=\"$EXEC\" %f|" -e "s|^TryExec=.*|TryExec=$EXEC|" \
    "$RES/convnet-studio.desktop" > "$TMP/convnet-studio.desktop"

for size in 16 24 32 48 64 128 256 512; do
    xdg-icon-resource install --mode user --noupdate --context apps --size "$size" \
        "$RES/icons/convnet-studio-$size.png" convnet-studio
    xdg-icon-resource install --mode user --noupdate --context mimetypes --size "$size" \
        "$RES/icons/convnet-studio-$size.png" application-x-convnet-studio-project
done
xdg-icon-resource forceupdate --mode user
xdg-mime install --mode user "$RES/convnet-studio-mime.xml"
xdg-desktop-menu install --mode user "$TMP/convnet-studio.desktop"
xdg-mime default convnet-studio.desktop "$MIME_TYPE"
echo "installed: menu entry starting $EXEC, icon, and .cnsproj -> $MIME_TYPE"

#!/usr/bin/env bash
# Build the folder application dist/convnet-studio/ with PyInstaller. Not part of CI.
#
#   packaging/build_app.sh            # CPU build: torch and torchvision from PyTorch's CPU index
#   CNS_TORCH_INDEX=https://download.pytorch.org/whl/cu128 packaging/build_app.sh   # CUDA build
#   CNS_TORCH_INDEX= CNS_TORCH="torch==2.13.0" packaging/build_app.sh
#                                     # take torch from pip's own configuration (an offline mirror)
#
# The build has its own virtual environment (build/app-venv, or $CNS_BUILD_VENV) so the CPU
# torch it bundles never replaces the torch of your development environment. Then run
# `python packaging/smoke_test.py` to check the result.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CNS_BUILD_VENV:-$ROOT/build/app-venv}"
PYTHON="${PYTHON:-python3}"
TORCH="${CNS_TORCH:-torch torchvision}"
INDEX="${CNS_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }

echo "== torch ($TORCH) from ${INDEX:-the indexes pip is configured with}"
# shellcheck disable=SC2086 # $TORCH is a list of requirements
if [ -n "$INDEX" ]; then pip_install --index-url "$INDEX" $TORCH; else pip_install $TORCH; fi

echo "== convnet-studio and its other dependencies, and PyInstaller"
# --no-deps: resolving "torch>=2.4" again could swap the CPU build for pip's default CUDA one.
pip_install --no-deps --force-reinstall "$ROOT"
mapfile -t DEPS < <("$PY" -c 'import sys, tomllib
deps = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
print("\n".join(d for d in deps if not d.startswith("torch")))' "$ROOT/pyproject.toml")
pip_install "${DEPS[@]}" "pyinstaller>=6.10"

echo "== PyInstaller"
# Not from the checkout: there, ./convnet_studio would shadow the installed package, which is
# the one that has convnet_studio/resources in it.
mkdir -p "$ROOT/build"
cd "$ROOT/build"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/convnet-studio.spec"
echo "built dist/convnet-studio in $(( $(date +%s) - start )) s: $(du -sh "$ROOT/dist/convnet-studio" | cut -f1)"
echo "check it with: $PY packaging/smoke_test.py"

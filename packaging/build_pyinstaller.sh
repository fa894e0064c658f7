#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle (dist/dialer/), smoke-test it and print its size.
# Uses its own virtualenv (never the development .venv), so the bundle holds only runtime dependencies.
#   packaging/build_pyinstaller.sh              # venv in ${TMPDIR:-/tmp}/dialer-pyinstaller-venv
#   DIALER_BUILD_VENV=/path/to/venv PYTHON=python3.11 packaging/build_pyinstaller.sh
# Not part of CI (it downloads PyInstaller and takes minutes).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${DIALER_BUILD_VENV:-${TMPDIR:-/tmp}/dialer-pyinstaller-venv}
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -d "$VENV" ]; then
  "$PY" -m venv "$VENV"
fi
BIN="$VENV/bin"; EXE_SUFFIX=""
if [ -d "$VENV/Scripts" ]; then BIN="$VENV/Scripts"; EXE_SUFFIX=".exe"; fi

echo "== installing the pinned, hashed dependencies (packaging/requirements.lock) and dialer into $VENV"
"$BIN/python$EXE_SUFFIX" -m pip install -q --upgrade pip
"$BIN/python$EXE_SUFFIX" -m pip install -q --require-hashes -r "$ROOT/packaging/requirements.lock"
"$BIN/python$EXE_SUFFIX" -m pip install -q --no-deps "$ROOT"

echo "== third-party notices (from what is installed in the bundle venv)"
"$BIN/python$EXE_SUFFIX" "$ROOT/packaging/notices.py" "$ROOT/packaging/build/THIRD-PARTY-NOTICES.txt"

echo "== building"
cd "$ROOT"
"$BIN/pyinstaller$EXE_SUFFIX" --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/packaging/build" packaging/pyinstaller/dialer.spec

APP="$ROOT/dist/dialer/dialer$EXE_SUFFIX"
echo "== smoke test: $APP"
"$APP" --version

SMOKE_HOME=$(mktemp -d)
trap 'rm -rf "$SMOKE_HOME"' EXIT
export DIALER_HOME="$SMOKE_HOME" QT_QPA_PLATFORM=offscreen

# The window: it must open and paint offscreen. DIALER_EXIT_AFTER_PAINT=1 makes the app exit after
# the first paint; an older app without it is stopped by timeout (exit 124) instead.
set +e
DIALER_EXIT_AFTER_PAINT=1 timeout 60 "$APP" --demo >"$SMOKE_HOME/window.log" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] && grep -q "first paint after" "$SMOKE_HOME/window.log"; then
  echo "window: $(grep "first paint after" "$SMOKE_HOME/window.log")"
elif [ "$code" -eq 124 ]; then
  echo "window: started and ran offscreen until stopped (no first-paint report)"
elif grep -q "not built yet" "$SMOKE_HOME/window.log"; then
  echo "window: skipped (the app window is not built yet)"
else
  echo "window: FAILED to start (exit $code):" >&2
  cat "$SMOKE_HOME/window.log" >&2
  exit 1
fi

# The hand-off client inside the bundle: with nothing listening it must fall through to the app, and
# a malformed --untrusted-args must be refused (exit 2) without starting anything.
set +e
"$APP" --untrusted-args tel:+1 --yes >/dev/null 2>&1
code=$?
set -e
if [ "$code" -ne 2 ]; then echo "hand-off: --untrusted-args with two arguments was not refused ($code)" >&2; exit 1; fi
echo "hand-off: malformed --untrusted-args refused"

echo "== bundle size"
du -sh "$ROOT/dist/dialer"
if [ -d "$ROOT/dist/Dialer.app" ]; then du -sh "$ROOT/dist/Dialer.app"; fi

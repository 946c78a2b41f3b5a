#!/usr/bin/env bash
# Install what the project needs on a fresh Debian/Ubuntu machine: fonts and a word list for the
# generator (apt), and the Python packages in a virtualenv at .venv (pip). Safe to run again.
#   --fonts NAME[,NAME...]  also the fonts of other scripts named in scripts/script-fonts.txt (cjk, korean, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_FONTS=""
if [ $# -gt 0 ]; then
  [ "$1" = "--fonts" ] && [ $# -eq 2 ] || { echo "usage: bash scripts/install.sh [--fonts NAME[,NAME...]]" >&2; exit 1; }
  SCRIPT_FONTS=$2
fi

# Fonts and the word list for the generator; the Dockerfile installs the same list.
FONT_PACKAGES=$(grep -v '^#' scripts/debian-packages.txt)
for name in ${SCRIPT_FONTS//,/ }; do
  packages=$(awk -v n="$name" '$1 == n { $1 = ""; print }' scripts/script-fonts.txt)
  if [ -z "$packages" ]; then
    echo "install.sh: no fonts named '$name' in scripts/script-fonts.txt (names: $(grep -v '^#' scripts/script-fonts.txt | cut -d' ' -f1 | tr '\n' ' '))" >&2
    exit 1
  fi
  FONT_PACKAGES="$FONT_PACKAGES $packages"
done
# g++ compiles the MindSpore-free part of ascend310_infer/ in the tests.
FONT_PACKAGES="$FONT_PACKAGES g++"
missing=""
for pkg in $FONT_PACKAGES; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "install.sh: installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "install.sh: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
# The native CPU convolution (src/native); where it cannot be built the project uses MindSpore's.
PYTHON=.venv/bin/python bash scripts/build_native.sh || echo "install.sh: native convolution not built: MindSpore's convolution will be used"
.venv/bin/python -c "import mindspore, cv2, onnxruntime, lmdb, yaml; print('install.sh: mindspore', mindspore.__version__, '| opencv', cv2.__version__, '| onnxruntime', onnxruntime.__version__)"

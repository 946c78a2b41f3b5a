#!/usr/bin/env bash
# Build the native CPU convolution (src/native/crnn_conv.cc) against the oneDNN 3.2 that
# requirements.txt installs into the virtualenv (onednn-cpu-gomp, headers from onednn-devel-cpu-gomp).
# Output: src/native/build/libcrnn_conv.so. Exits non-zero with one line when it cannot build; the
# project then runs on MindSpore's own convolution.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
PREFIX=$("$PY" -c "import sys; print(sys.prefix)")
OUT=src/native/build/libcrnn_conv.so
if [ ! -f "$PREFIX/include/oneapi/dnnl/dnnl.hpp" ] || [ ! -e "$PREFIX/lib/libdnnl.so.3" ]; then
  echo "build_native.sh: oneDNN 3 not found under $PREFIX (pip install onednn-cpu-gomp onednn-devel-cpu-gomp)" >&2
  exit 1
fi
command -v "${CXX:-g++}" >/dev/null || { echo "build_native.sh: no C++ compiler (${CXX:-g++})" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
TMP="$OUT.tmp.$$"
trap 'rm -f "$TMP"' EXIT
# The source's sha256 goes into the library (CrnnConvSourceSha256): src/native_conv.py refuses a build of
# an older source. --disable-new-dtags writes DT_RPATH, which the loader searches before LD_LIBRARY_PATH
# (DT_RUNPATH comes after it), so the pinned oneDNN wins over another libdnnl.so.3 on that path.
SOURCE_SHA256=$(sha256sum src/native/crnn_conv.cc | cut -d' ' -f1)
"${CXX:-g++}" -O2 -std=c++17 -shared -fPIC -fvisibility=hidden -Wall -I"$PREFIX/include" \
  -DCRNN_CONV_SOURCE_SHA256="\"$SOURCE_SHA256\"" \
  src/native/crnn_conv.cc -o "$TMP" -L"$PREFIX/lib" -l:libdnnl.so.3 -Wl,--disable-new-dtags -Wl,-rpath,"$PREFIX/lib"
mv -f "$TMP" "$OUT"
echo "build_native.sh: built $OUT (oneDNN from $PREFIX/lib)"

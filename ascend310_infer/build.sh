#!/usr/bin/env bash
# Builds out/main against the installed MindSpore (Ascend build). BUILD_MAIN=OFF builds only the
# MindSpore-free utils_check, which runs anywhere.
set -euo pipefail
cd "$(dirname "$0")"
BUILD_MAIN=${BUILD_MAIN:-ON}
MINDSPORE_PATH=""
if [ "$BUILD_MAIN" = "ON" ]; then
  location=$(pip3 show mindspore-ascend 2>/dev/null | awk '/^Location:/ {print $2}')
  [ -n "$location" ] || location=$(pip3 show mindspore 2>/dev/null | awk '/^Location:/ {print $2}')
  [ -n "$location" ] || { echo "error: no mindspore(-ascend) package found by pip3" >&2; exit 1; }
  MINDSPORE_PATH="$location/mindspore"
  [ -f "$MINDSPORE_PATH/include/api/model.h" ] || {
    echo "error: $MINDSPORE_PATH has no include/api/model.h: the C++ inference API ships with MindSpore's Ascend packages" >&2; exit 1; }
fi
rm -rf out && mkdir out && cd out
cmake .. -DMINDSPORE_PATH="$MINDSPORE_PATH" -DBUILD_MAIN="$BUILD_MAIN"
make -j"$(nproc)"

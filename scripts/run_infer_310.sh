#!/usr/bin/env bash
# Usage: bash scripts/run_infer_310.sh [MINDIR_PATH] [DATA_PATH] [ANN_FILE_PATH] [DATASET] [DEVICE_ID](optional)
# Ascend 310: builds ascend310_infer/, runs it on every image under DATA_PATH (recursively), then
# postprocess.py. Works from any directory; outputs in ./result_Files, ./time_Result, infer.log, acc.log.
set -euo pipefail
usage() { echo "Usage: bash $0 [MINDIR_PATH] [DATA_PATH] [ANN_FILE_PATH] [DATASET] [DEVICE_ID](optional)" >&2; exit 1; }
[ $# -eq 4 ] || [ $# -eq 5 ] || usage
source "$(dirname "$0")/common.sh"
MINDIR_PATH=$(abspath "$1")
DATA_PATH=$(abspath "$2")
ANN_FILE_PATH=$(abspath "$3")
DATASET=$4
DEVICE_ID=${5:-${device_id:-0}}
case "$DATASET" in synth|ic03|ic13|svt|iiit5k) ;; *) echo "error: DATASET must be synth, ic03, ic13, svt or iiit5k, got '$DATASET'" >&2; exit 1 ;; esac
require_file MINDIR_PATH "$MINDIR_PATH"
require_dir DATA_PATH "$DATA_PATH"
[ -e "$ANN_FILE_PATH" ] || { echo "error: ANN_FILE_PATH $ANN_FILE_PATH does not exist" >&2; exit 1; }

for toolkit in /usr/local/Ascend/ascend-toolkit/latest /usr/local/Ascend/latest; do
  if [ -d "$toolkit" ]; then
    export ASCEND_HOME=$toolkit
    export PATH=$toolkit/compiler/ccec_compiler/bin:$toolkit/atc/bin:$PATH
    export LD_LIBRARY_PATH=$toolkit/lib64:$toolkit/runtime/lib64:/usr/local/Ascend/driver/lib64:${LD_LIBRARY_PATH:-}
    export PYTHONPATH=$toolkit/python/site-packages:${PYTHONPATH:-}
    export ASCEND_OPP_PATH=$toolkit/opp
    break
  fi
done

echo "building $ROOT/ascend310_infer (log: $PWD/build.log)"
bash "$ROOT/ascend310_infer/build.sh" > build.log 2>&1 || { echo "error: build failed, see $PWD/build.log" >&2; exit 1; }
rm -rf result_Files time_Result && mkdir result_Files time_Result
"$ROOT/ascend310_infer/out/main" --mindir_path="$MINDIR_PATH" --dataset_path="$DATA_PATH" --device_id="$DEVICE_ID" \
  --result_path=result_Files --time_path=time_Result > infer.log 2>&1 || { echo "error: inference failed, see $PWD/infer.log" >&2; exit 1; }
"$PY" "$ROOT/postprocess.py" --ann_file="$ANN_FILE_PATH" --result_path=result_Files --dataset="$DATASET" > acc.log 2>&1 \
  || { echo "error: postprocess failed, see $PWD/acc.log" >&2; exit 1; }
cat acc.log time_Result/test_perform_static.txt

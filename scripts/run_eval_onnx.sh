#!/usr/bin/env bash
# Usage: bash scripts/run_eval_onnx.sh [DATASET_NAME] [DATASET_PATH] [ONNX_MODEL] [DEVICE_TARGET] [--key value ...]
# Evaluates an exported ONNX model with onnxruntime (CUDA provider for GPU, CPU otherwise); output in ./log.txt.
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [ONNX_MODEL] [DEVICE_TARGET] [--key value ...](optional)" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -eq 4 ] || usage
DATASET_NAME=${POS[0]}
DATASET_PATH=$(abspath "${POS[1]}")
ONNX_MODEL=$(abspath "${POS[2]}")
DEVICE_TARGET=${POS[3]}
check_platform "$DEVICE_TARGET"
require_dataset DATASET_PATH "$DATASET_PATH"
require_file ONNX_MODEL "$ONNX_MODEL"
echo "evaluating $ONNX_MODEL with onnxruntime ($DEVICE_TARGET): result in $PWD/log.txt"
CRNN_FOREGROUND=1 run_job "$PY" "$ROOT/eval_onnx.py" --eval_dataset="$DATASET_NAME" --eval_dataset_path="$DATASET_PATH" \
  --file_name="$ONNX_MODEL" --device_target="$DEVICE_TARGET" --model_version=V2 "${EXTRA[@]}"
cat log.txt

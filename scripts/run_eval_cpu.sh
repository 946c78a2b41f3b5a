#!/usr/bin/env bash
# Usage: bash scripts/run_eval_cpu.sh [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH] [--key value ...]
# Evaluates a V2 checkpoint on the CPU in ./eval (result in ./eval/log.txt).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH] [--key value ...](optional)" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -eq 3 ] || usage
DATASET_NAME=${POS[0]}
DATASET_PATH=$(abspath "${POS[1]}")
CHECKPOINT_PATH=$(abspath "${POS[2]}")
require_dataset DATASET_PATH "$DATASET_PATH"
require_file CHECKPOINT_PATH "$CHECKPOINT_PATH"
enter_workdir eval
echo "evaluating on CPU in $PWD"
run_job "$PY" eval.py --eval_dataset="$DATASET_NAME" --eval_dataset_path="$DATASET_PATH" \
  --checkpoint_path="$CHECKPOINT_PATH" --device_target=CPU --model_version=V2 "${EXTRA[@]}"

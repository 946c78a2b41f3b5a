#!/usr/bin/env bash
# Usage: bash scripts/run_eval_cpu.sh [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH]
# Evaluates a V2 checkpoint on the CPU in ./eval (result in ./eval/log.txt).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH]" >&2; exit 1; }
[ $# -eq 3 ] || usage
source "$(dirname "$0")/common.sh"
DATASET_NAME=$1
DATASET_PATH=$(abspath "$2")
CHECKPOINT_PATH=$(abspath "$3")
require_dir DATASET_PATH "$DATASET_PATH"
require_file CHECKPOINT_PATH "$CHECKPOINT_PATH"
enter_workdir eval
echo "start evaluation on CPU: result in $PWD/log.txt"
"$PY" eval.py --eval_dataset="$DATASET_NAME" --eval_dataset_path="$DATASET_PATH" \
  --checkpoint_path="$CHECKPOINT_PATH" --device_target=CPU --model_version=V2 > log.txt 2>&1 &

#!/usr/bin/env bash
# Usage: bash scripts/run_standalone_train_cpu.sh [DATASET_NAME] [DATASET_PATH] [RESUME_CKPT](optional)
# Trains V2 on the CPU in ./train_cpu (log in ./train_cpu/log.txt, checkpoints in ./output/ckpt).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [RESUME_CKPT](optional)" >&2; exit 1; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
source "$(dirname "$0")/common.sh"
DATASET_NAME=$1
DATASET_PATH=$(abspath "$2")
RESUME_CKPT=""
[ $# -eq 3 ] && RESUME_CKPT=$(abspath "$3")
require_dir DATASET_PATH "$DATASET_PATH"
enter_workdir train_cpu
echo "start training on CPU: log in $PWD/log.txt"
"$PY" train.py --train_dataset="$DATASET_NAME" --train_dataset_path="$DATASET_PATH" --device_target=CPU \
  --model_version=V2 --resume_ckpt="$RESUME_CKPT" > log.txt 2>&1 &

#!/usr/bin/env bash
# Usage: bash scripts/run_standalone_train_cpu.sh [DATASET_NAME] [DATASET_PATH] [RESUME_CKPT](optional) [--key value ...]
# DATASET_NAME and DATASET_PATH may list several sets separated by commas (a mix; add --train_batch_ratio).
# Trains V2 on the CPU in ./train_cpu (log in ./train_cpu/log.txt, checkpoints in <output_dir>/ckpt).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [RESUME_CKPT](optional) [--key value ...](optional)" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -eq 2 ] || [ ${#POS[@]} -eq 3 ] || usage
DATASET_NAME=${POS[0]}
DATASET_PATH=$(abspath_list "${POS[1]}")
RESUME_CKPT=""
[ ${#POS[@]} -eq 3 ] && RESUME_CKPT=$(abspath "${POS[2]}") && require_file RESUME_CKPT "$RESUME_CKPT"
require_dirs DATASET_PATH "$DATASET_PATH"
enter_workdir train_cpu
echo "training on CPU in $PWD"
run_job "$PY" train.py --train_dataset="$DATASET_NAME" --train_dataset_path="$DATASET_PATH" --device_target=CPU \
  --model_version=V2 --resume_ckpt="$RESUME_CKPT" "${EXTRA[@]}"

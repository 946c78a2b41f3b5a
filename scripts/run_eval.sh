#!/usr/bin/env bash
# Usage: bash scripts/run_eval.sh [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH] [DEVICE_ID](optional) [PLATFORM](optional) [--key value ...]
#        or  bash scripts/run_eval.sh [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH] [PLATFORM]
# Evaluates a checkpoint in ./eval (result in ./eval/log.txt). Ascend evaluates V1, GPU and CPU V2
# (MODEL_VERSION=... overrides).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH] [DEVICE_ID](optional) [PLATFORM](optional: Ascend|GPU|CPU) [--key value ...](optional)" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -ge 3 ] && [ ${#POS[@]} -le 5 ] || usage
DATASET_NAME=${POS[0]}
DATASET_PATH=$(abspath "${POS[1]}")
CHECKPOINT_PATH=$(abspath "${POS[2]}")
rest=("${POS[@]:3}")
DEVICE_ID=${DEVICE_ID:-0}
if [ ${#rest[@]} -gt 0 ] && is_number "${rest[0]}"; then DEVICE_ID=${rest[0]}; rest=("${rest[@]:1}"); fi
[ ${#rest[@]} -le 1 ] || usage
PLATFORM=${rest[0]:-Ascend}
check_platform "$PLATFORM"
require_dataset DATASET_PATH "$DATASET_PATH"
require_file CHECKPOINT_PATH "$CHECKPOINT_PATH"
export DEVICE_ID RANK_ID=0 RANK_SIZE=1
enter_workdir eval
echo "evaluating on $PLATFORM device $DEVICE_ID in $PWD"
run_job "$PY" eval.py --eval_dataset="$DATASET_NAME" --eval_dataset_path="$DATASET_PATH" \
  --checkpoint_path="$CHECKPOINT_PATH" --device_target="$PLATFORM" --model_version="$(model_version_for "$PLATFORM")" "${EXTRA[@]}"

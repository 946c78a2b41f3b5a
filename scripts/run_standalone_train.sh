#!/usr/bin/env bash
# Usage: bash scripts/run_standalone_train.sh [DATASET_NAME] [DATASET_PATH] [PLATFORM](optional) [RESUME_CKPT](optional) [--key value ...]
#        (the zoo's older form [DATASET_NAME] [DATASET_PATH] [DEVICE_ID] [PLATFORM] [RESUME_CKPT] also works)
# One device: Ascend (V1, the default platform), GPU or CPU (V2). Work directory ./train, log ./train/log.txt.
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [PLATFORM](optional: Ascend|GPU|CPU) [RESUME_CKPT](optional) [--key value ...](optional)" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -ge 2 ] && [ ${#POS[@]} -le 5 ] || usage
DATASET_NAME=${POS[0]}
DATASET_PATH=$(abspath_list "${POS[1]}")
rest=("${POS[@]:2}")
DEVICE_ID=${DEVICE_ID:-0}
if [ ${#rest[@]} -gt 0 ] && is_number "${rest[0]}"; then DEVICE_ID=${rest[0]}; rest=("${rest[@]:1}"); fi
[ ${#rest[@]} -le 2 ] || usage
PLATFORM=${rest[0]:-Ascend}
check_platform "$PLATFORM"
RESUME_CKPT=""
[ ${#rest[@]} -eq 2 ] && RESUME_CKPT=$(abspath "${rest[1]}") && require_file RESUME_CKPT "$RESUME_CKPT"
require_dirs DATASET_PATH "$DATASET_PATH"
export DEVICE_ID RANK_ID=0 RANK_SIZE=1 DEVICE_NUM=1
[ "$PLATFORM" = "Ascend" ] && ulimit -u unlimited
enter_workdir train
echo "training on $PLATFORM device $DEVICE_ID in $PWD"
run_job "$PY" train.py --train_dataset="$DATASET_NAME" --train_dataset_path="$DATASET_PATH" \
  --device_target="$PLATFORM" --model_version="$(model_version_for "$PLATFORM")" --resume_ckpt="$RESUME_CKPT" "${EXTRA[@]}"

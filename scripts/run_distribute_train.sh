#!/usr/bin/env bash
# Usage: bash scripts/run_distribute_train.sh [DATASET_NAME] [DATASET_PATH] [PLATFORM] [RANK_TABLE_FILE](Ascend only) [RESUME_CKPT](optional) [--key value ...]
# Data-parallel training:
#   Ascend: 8 devices (RANK_SIZE), HCCL with a rank table; work directories ./train_parallel<i>.
#   GPU:    RANK_SIZE (default 8) processes by msrun (LAUNCHER=mpirun for mpirun), NCCL; ./train_parallel.
#   CPU:    RANK_SIZE (default 2) processes by msrun, MindSpore's mccl; ./train_parallel.
# Every rank uses the same seed (identical initial weights) and a disjoint shard of the data; gradients
# are averaged; rank 0 writes the checkpoints. If a worker dies, msrun stops the job with an error.
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [PLATFORM] [RANK_TABLE_FILE](Ascend only) [RESUME_CKPT](optional) [--key value ...](optional)" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -ge 3 ] || usage
DATASET_NAME=${POS[0]}
DATASET_PATH=$(abspath_list "${POS[1]}")
PLATFORM=${POS[2]}
check_platform "$PLATFORM"
RESUME_CKPT=""
if [ "$PLATFORM" = "Ascend" ]; then
  [ ${#POS[@]} -eq 4 ] || [ ${#POS[@]} -eq 5 ] || usage
  RANK_TABLE_FILE=$(abspath "${POS[3]}")
  require_file RANK_TABLE_FILE "$RANK_TABLE_FILE"
  [ ${#POS[@]} -eq 5 ] && RESUME_CKPT=$(abspath "${POS[4]}")
else
  [ ${#POS[@]} -eq 3 ] || [ ${#POS[@]} -eq 4 ] || usage
  [ ${#POS[@]} -eq 4 ] && RESUME_CKPT=$(abspath "${POS[3]}")
fi
[ -z "$RESUME_CKPT" ] || require_file RESUME_CKPT "$RESUME_CKPT"
require_dirs DATASET_PATH "$DATASET_PATH"
MODEL_VERSION=$(model_version_for "$PLATFORM")
ARGS=(--train_dataset="$DATASET_NAME" --train_dataset_path="$DATASET_PATH" --device_target="$PLATFORM"
      --model_version="$MODEL_VERSION" --run_distribute=True --resume_ckpt="$RESUME_CKPT" "${EXTRA[@]}")

if [ "$PLATFORM" = "Ascend" ]; then
  ulimit -u unlimited
  export RANK_SIZE=${RANK_SIZE:-8} DEVICE_NUM=${RANK_SIZE:-8} RANK_TABLE_FILE
  base=$PWD
  for ((i = 0; i < RANK_SIZE; i++)); do
    cd "$base"
    export DEVICE_ID=$i RANK_ID=$i
    (enter_workdir "train_parallel$i" && echo "rank $i: $PWD" && CRNN_FOREGROUND=0 run_job "$PY" train.py "${ARGS[@]}")
  done
  exit 0
fi

if [ "$PLATFORM" = "GPU" ]; then RANK_SIZE=${RANK_SIZE:-8}; else RANK_SIZE=${RANK_SIZE:-2}; fi
is_number "$RANK_SIZE" && [ "$RANK_SIZE" -ge 1 ] || { echo "error: RANK_SIZE must be a positive number, got '$RANK_SIZE'" >&2; exit 1; }
MASTER_PORT=${MASTER_PORT:-8118}
enter_workdir train_parallel
echo "training on $RANK_SIZE $PLATFORM workers in $PWD (worker logs in msrun_log/, rank logs in <output_dir>/log/rank_<i>/)"
if [ "${LAUNCHER:-msrun}" = "mpirun" ]; then
  run_job mpirun --allow-run-as-root -n "$RANK_SIZE" --output-filename log_output --merge-stderr-to-stdout \
    "$PY" train.py "${ARGS[@]}"
else
  command -v msrun >/dev/null || { echo "error: msrun not found next to $PY (it ships with MindSpore >= 2.3)" >&2; exit 1; }
  run_job msrun --worker_num="$RANK_SIZE" --local_worker_num="$RANK_SIZE" --master_port="$MASTER_PORT" \
    --join=True --log_dir=msrun_log train.py "${ARGS[@]}"
fi

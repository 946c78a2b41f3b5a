#!/usr/bin/env bash
# Usage: bash scripts/run_standalone_train_cpu.sh [DATASET_NAME] [DATASET_PATH] [RESUME_CKPT](optional)
# Trains V2 on the CPU in ./train_cpu (log in ./train_cpu/log.txt, checkpoints in ./output/ckpt).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [RESUME_CKPT](optional)" >&2; exit 1; }
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATASET_NAME=$1
DATASET_PATH=$(abspath "$2")
RESUME_CKPT=""
[ $# -eq 3 ] && RESUME_CKPT=$(abspath "$3")
[ -d "$DATASET_PATH" ] || { echo "error: DATASET_PATH $DATASET_PATH is not a directory" >&2; exit 1; }
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
rm -rf ./train_cpu && mkdir ./train_cpu
cp "$ROOT"/*.py "$ROOT"/*.yaml ./train_cpu && cp -r "$ROOT/src" ./train_cpu
cd ./train_cpu
env > env.log
echo "start training on CPU: log in $PWD/log.txt"
"$PY" train.py --train_dataset="$DATASET_NAME" --train_dataset_path="$DATASET_PATH" --device_target=CPU \
  --model_version=V2 --resume_ckpt="$RESUME_CKPT" > log.txt 2>&1 &

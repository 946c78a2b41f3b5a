#!/usr/bin/env bash
# Usage: bash scripts/run_eval_cpu.sh [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH]
# Evaluates a V2 checkpoint on the CPU in ./eval (result in ./eval/log.txt).
set -euo pipefail
usage() { echo "Usage: bash $0 [DATASET_NAME] [DATASET_PATH] [CHECKPOINT_PATH]" >&2; exit 1; }
[ $# -eq 3 ] || usage
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATASET_NAME=$1
DATASET_PATH=$(abspath "$2")
CHECKPOINT_PATH=$(abspath "$3")
[ -d "$DATASET_PATH" ] || { echo "error: DATASET_PATH $DATASET_PATH is not a directory" >&2; exit 1; }
[ -f "$CHECKPOINT_PATH" ] || { echo "error: CHECKPOINT_PATH $CHECKPOINT_PATH is not a file" >&2; exit 1; }
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
rm -rf ./eval && mkdir ./eval
cp "$ROOT"/*.py "$ROOT"/*.yaml ./eval && cp -r "$ROOT/src" ./eval
cd ./eval
env > env.log
echo "start evaluation on CPU: result in $PWD/log.txt"
"$PY" eval.py --eval_dataset="$DATASET_NAME" --eval_dataset_path="$DATASET_PATH" \
  --checkpoint_path="$CHECKPOINT_PATH" --device_target=CPU --model_version=V2 > log.txt 2>&1 &

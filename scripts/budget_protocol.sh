#!/usr/bin/env bash
# Fixed-budget accuracy protocol: train V2 from scratch on the CPU for a fixed number of samples, then
# measure IIIT5K (3000) and IC13 (857) with eval.py, so that every renderer or data-mix change is measured.
#
# Usage: bash scripts/budget_protocol.sh RUN_DIR [MIX] [--key value ...]
#   MIX: synth (default: rendered words only) or mix (75% rendered words, 22% IIIT5K train, 3% SVT train
#        of every batch). Trailing --key value pairs go to generate_dataset.py when they start with
#        --synth_ (renderer ablations), else to train.py.
# Env: SAMPLES (150000), SEED (1), CRNN_REALDATA (../shared/realdata).
# The budget is SAMPLES/3 rendered words for 3 epochs at batch 64, Adam 0.001 on the per-epoch cosine
# (the first stage of the README's longer run). Run it again after an interruption: data already made is
# kept and training resumes from the newest checkpoint. The result is RUN_DIR/result.txt.
set -euo pipefail
usage() { echo "Usage: bash $0 RUN_DIR [synth|mix] [--key value ...]" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -ge 1 ] && [ ${#POS[@]} -le 2 ] || usage
RUN=$(abspath "${POS[0]}")
MIX=${POS[1]:-synth}
case "$MIX" in synth|mix) ;; *) usage ;; esac
GEN_ARGS=(); TRAIN_ARGS=()
set -- "${EXTRA[@]+"${EXTRA[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in --synth_*) GEN_ARGS+=("$1" "$2") ;; *) TRAIN_ARGS+=("$1" "$2") ;; esac
  shift 2 || usage
done
SAMPLES=${SAMPLES:-150000}
SEED=${SEED:-1}
REAL=$(abspath "${CRNN_REALDATA:-$ROOT/../shared/realdata}")
require_dir CRNN_REALDATA "$REAL"
DATA="$RUN/data"
mkdir -p "$DATA"
lock_run_dir "$RUN"
cd "$ROOT"

generate_words "$DATA/synth" $((SAMPLES / 3)) 2000 "$SEED" "${GEN_ARGS[@]+"${GEN_ARGS[@]}"}"
prepare_real_data "$DATA" "$REAL"

if [ "$MIX" = mix ]; then
  SETS=(--train_dataset synth,iiit5k,svt --train_dataset_path "$DATA/synth,$DATA/iiit5k_train,$DATA/svt_train"
        --train_batch_ratio 0.75,0.22,0.03)
else
  SETS=(--train_dataset synth --train_dataset_path "$DATA/synth")
fi
RESUME=()
last=$(newest_checkpoint "$RUN/train")
[ -n "$last" ] && RESUME=(--resume_ckpt "$last")
if [ ! -f "$RUN/train/done" ]; then
  "$PY" train.py --device_target CPU --model_version V2 "${SETS[@]}" --output_dir "$RUN/train" \
    --epoch_size 3 --batch_size 64 --optimizer adam --learning_rate 0.001 --seed "$SEED" \
    --save_checkpoint_steps 250 --per_print_time 50 "${RESUME[@]+"${RESUME[@]}"}" \
    "${TRAIN_ARGS[@]+"${TRAIN_ARGS[@]}"}"
  touch "$RUN/train/done"
fi
final=$(ls -t "$RUN"/train/ckpt/crnn-3_*.ckpt | head -n 1)
accuracy() {  # dataset kind, path -> the zoo's result line's number
  "$PY" eval.py --device_target CPU --model_version V2 --eval_dataset "$1" --eval_dataset_path "$2" \
    --checkpoint_path "$final" | tee "$RUN/eval_$1.txt" | sed -n "s/^result: {'CRNNAccuracy': \(.*\)}$/\1/p"
}
iiit=$(accuracy iiit5k "$DATA/iiit5k_test")
ic13=$(accuracy ic13 "$REAL/IC13")
echo "budget_protocol: $MIX, $SAMPLES samples, checkpoint $final: IIIT5K $iiit, IC13 $ic13" | tee "$RUN/result.txt"

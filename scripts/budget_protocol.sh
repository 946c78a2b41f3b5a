#!/usr/bin/env bash
# Fixed-budget accuracy protocol: train V2 from scratch on the CPU for a fixed number of samples, then
# measure the validation parts of IIIT5K train and IC15 train (for choosing) and IIIT5K test (3000) and
# IC13 (857) (for reporting) with eval.py, so that every renderer or data-mix change is measured.
#
# Usage: bash scripts/budget_protocol.sh RUN_DIR [MIX] [--key value ...]
#   MIX: synth (default: rendered words only), mix (75% rendered words, 22% IIIT5K train, 3% SVT train
#        of every batch), mix15 (60% rendered, 17% IIIT5K train, 20% IC15 train, 3% SVT train), or the
#        shares spelt out as in the release recipe, e.g. "synth:0.5 iiit5k:0.2 ic15:0.27 svt:0.03".
#        IIIT5K train and IC15 train are trained on without their validation parts.
#        Trailing --key value pairs go to generate_dataset.py when they start with
#        --synth_ (renderer ablations), else to train.py.
# Env: SAMPLES (150000), SEED (1), CRNN_REALDATA (../shared/realdata).
# The budget is SAMPLES/3 rendered words for 3 epochs at batch 64, Adam 0.001 on the per-epoch cosine
# (the first stage of the README's longer run). Run it again after an interruption: data already made is
# kept and training resumes from the newest checkpoint. The result is RUN_DIR/result.txt.
set -euo pipefail
usage() { echo "Usage: bash $0 RUN_DIR [synth|mix|mix15|'kind:share ...'] [--key value ...]" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -ge 1 ] && [ ${#POS[@]} -le 2 ] || usage
RUN=$(abspath "${POS[0]}")
MIX=${POS[1]:-synth}
case "$MIX" in
  synth) MIX="synth:1" ;;
  mix) MIX="synth:0.75 iiit5k:0.22 svt:0.03" ;;
  mix15) MIX="synth:0.6 iiit5k:0.17 ic15:0.2 svt:0.03" ;;
  *:*) ;;
  *) usage ;;
esac
GEN_ARGS=(); TRAIN_ARGS=()
set -- "${EXTRA[@]+"${EXTRA[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in --synth_*) GEN_ARGS+=("$1" "$2") ;; *) TRAIN_ARGS+=("$1" "$2") ;; esac
  shift 2 || usage
done
SAMPLES=${SAMPLES:-150000}
SEED=${SEED:-1}
open_run "$RUN"

generate_words "$DATA/synth" $((SAMPLES / 3)) 2000 "$SEED" "${GEN_ARGS[@]+"${GEN_ARGS[@]}"}"
prepare_real_data "$DATA" "$REAL"

KINDS=""; PATHS=""; SHARES=""
for part in $MIX; do
  kind=${part%%:*}
  KINDS+="$kind,"; SHARES+="${part#*:},"; PATHS+="$(train_set_path "$kind" "$DATA" "$REAL" ""),"
done
SETS=(--train_dataset "${KINDS%,}" --train_dataset_path "${PATHS%,}" --train_batch_ratio "${SHARES%,}")
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
final=$(final_checkpoint "$RUN/train")
accuracy() {  # dataset kind, path, log name -> the zoo's result line's number
  "$PY" eval.py --device_target CPU --model_version V2 --eval_dataset "$1" --eval_dataset_path "$2" \
    --checkpoint_path "$final" | tee "$RUN/eval_$3.txt" | sed -n "s/^result: {'CRNNAccuracy': \(.*\)}$/\1/p"
}
val_iiit=$(accuracy iiit5k "$DATA/iiit5k_train@val" val_iiit5k)
val_ic15=$(accuracy ic15 "$REAL/IC15_train@val" val_ic15)
iiit=$(accuracy iiit5k "$DATA/iiit5k_test" iiit5k)
ic13=$(accuracy ic13 "$REAL/IC13" ic13)
echo "budget_protocol: $MIX, $SAMPLES samples, checkpoint $final: validation IIIT5K $val_iiit, IC15 $val_ic15;" \
     "test IIIT5K $iiit, IC13 $ic13" | tee "$RUN/result.txt"

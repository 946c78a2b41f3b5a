#!/usr/bin/env bash
# The release recipe: trains the V2 model that ships in models/, on a 2-core CPU, in stages that each
# resume exactly. Run it again after an interruption (or in the next sitting): finished stages are
# skipped, the running one continues from its newest checkpoint.
#
# Usage: bash scripts/train_release.sh [RUN_DIR] [--key value ...]
#   RUN_DIR: default ${CRNN_RUNS:-$HOME/crnn_runs}/release (outside the repository).
#   Trailing --key value pairs go to every train.py call.
# Env: STAGES   "words[xepochs]:learning_rate[:knob=value,...]" per stage, space-separated; the knobs
#               are the generator's synth_* keys, without the prefix, for that stage's words (default below;
#               "50000x1:0.0001:tilt=0.15,tight_crop=0.1,relief=0.05" appended would add a fifth stage);
#      FIRST_STAGE skip the stages before it (1); with INIT, continues a model those stages made;
#      EPOCHS   epochs of a stage that names none (3);
#      MIX      "kind:share ..." of every batch: synth (the stage's rendered words) and the real train sets
#               iiit5k, svt, ic15 (default "synth:0.75 iiit5k:0.22 svt:0.03");
#      CRNN_REALDATA (../shared/realdata); INIT a checkpoint the first stage starts from (e.g. models/...);
#      EVAL_SETS "kind:path ..." evaluated after every epoch and at the end (default: the validation
#               parts of IIIT5K train and IC15 train, then IIIT5K test and IC13 for reporting);
#      AVERAGE_WITH "file ..." release files of the same network (e.g. the shipped one, or sibling stages'):
#               the last stage's file is also averaged with them (src/checkpoint_average.py), and the mean
#               replaces it when it reads more words of the validation parts.
# IIIT5K train and IC15 train are trained on without their validation parts (path@train; a fixed tenth,
# see src/readers/parts.py), which the evaluation scores (path@val). Each stage renders its own words
# (seed = stage number), mixes the real crops into every batch, trains its epochs with Adam on the
# per-epoch cosine, starting from the previous stage's weights, and evaluates after every epoch
# (reported, never used to pick a checkpoint). At the end the final weights go to
# RUN_DIR/crnn_v2_release.ckpt (weights only, stored as float16; with --ema_decay, the stage's weight
# average instead when it reads more words of the validation parts), eval.py scores them, and
# scripts/compare_release.sh applies the release rule against models/crnn_v2_release.ckpt.
set -euo pipefail
usage() { echo "Usage: bash $0 [RUN_DIR] [--key value ...]" >&2; exit 1; }
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -le 1 ] || usage
RUN=$(abspath "${POS[0]:-${CRNN_RUNS:-$HOME/crnn_runs}/release}")
STAGES=${STAGES:-"50000:0.001 100000:0.0005 100000:0.0002 50000:0.0001"}
FIRST_STAGE=${FIRST_STAGE:-1}
EPOCHS=${EPOCHS:-3}
MIX=${MIX:-"synth:0.75 iiit5k:0.22 svt:0.03"}
AVERAGE_FILES=()
for f in ${AVERAGE_WITH:-}; do require_file AVERAGE_WITH "$f"; AVERAGE_FILES+=("$(abspath "$f")"); done
open_run "$RUN"
prepare_real_data "$DATA" "$REAL"
COMMON=(--device_target CPU --model_version V2)
EVAL_SETS=${EVAL_SETS:-"iiit5k:$DATA/iiit5k_train@val ic15:$REAL/IC15_train@val iiit5k:$DATA/iiit5k_test ic13:$REAL/IC13"}
EVAL_KINDS=$(for s in $EVAL_SETS; do printf '%s,' "${s%%:*}"; done); EVAL_KINDS=${EVAL_KINDS%,}
EVAL_PATHS=$(for s in $EVAL_SETS; do printf '%s,' "${s#*:}"; done); EVAL_PATHS=${EVAL_PATHS%,}
start=$(date +%s)

previous="${INIT:-}"
stage=0
for spec in $STAGES; do
  stage=$((stage + 1))
  [ "$stage" -ge "$FIRST_STAGE" ] || continue
  IFS=: read -r words lr knobs <<< "$spec"
  epochs=$EPOCHS
  if [[ $words == *x* ]]; then epochs=${words#*x}; words=${words%x*}; fi
  SYNTH_ARGS=()
  for knob in ${knobs//,/ }; do SYNTH_ARGS+=("--synth_${knob%%=*}" "${knob#*=}"); done
  MIX_KINDS=""; MIX_PATHS=""; MIX_RATIO=""
  for part in $MIX; do
    kind=${part%%:*}
    MIX_KINDS+="$kind,"; MIX_RATIO+="${part#*:},"; MIX_PATHS+="$(train_set_path "$kind" "$DATA" "$REAL" "_s$stage"),"
  done
  dir="$RUN/stage$stage"
  if [ ! -f "$dir/done" ]; then
    echo "train_release: stage $stage: $words words${knobs:+ ($knobs)} x $epochs epoch(s), mix $MIX, Adam $lr$([ -n "$previous" ] && echo ", from $previous")"
    generate_words "$DATA/synth_s$stage" "$words" 0 "$stage" "${SYNTH_ARGS[@]+"${SYNTH_ARGS[@]}"}"
    INIT_ARGS=()
    last=$(newest_checkpoint "$dir")
    if [ -n "$last" ]; then
      INIT_ARGS=(--resume_ckpt "$last")
    elif [ -n "$previous" ]; then
      INIT_ARGS=(--pre_trained "$previous")
    fi
    "$PY" train.py "${COMMON[@]}" --train_dataset "${MIX_KINDS%,}" --train_batch_ratio "${MIX_RATIO%,}" \
      --train_dataset_path "${MIX_PATHS%,}" --output_dir "$dir" \
      --epoch_size "$epochs" --batch_size 64 --optimizer adam --learning_rate "$lr" --seed "$stage" \
      --save_checkpoint_steps 250 --keep_checkpoint_max 3 --per_print_time 50 \
      --run_eval True --train_eval_dataset "$EVAL_KINDS" --train_eval_dataset_path "$EVAL_PATHS" \
      --eval_start_epoch 1 --eval_interval 1 --save_best_ckpt False \
      "${INIT_ARGS[@]+"${INIT_ARGS[@]}"}" "${EXTRA[@]+"${EXTRA[@]}"}"
    touch "$dir/done"
  fi
  previous=$(final_checkpoint "$dir")
done

"$PY" export.py "${COMMON[@]}" --ckpt_file "$previous" --file_name "$RUN/crnn_v2_release" --file_format CKPT \
  --ckpt_dtype float16
# Whether checkpoint $1 reads more words of the validation parts (the @val sets of EVAL_SETS) than $2:
# status 0 yes, 1 no (also when EVAL_SETS has no @val set); the table goes to $3.
reads_more_validation() {
  local sets=() spec status=0
  for spec in $EVAL_SETS; do [[ $spec == *@val ]] && sets+=("$spec"); done
  if [ ${#sets[@]} -eq 0 ]; then
    echo "train_release: no @val set in EVAL_SETS to choose by: $(basename "$2") stays"
    return 1
  fi
  "$PY" -m src.release_gate "$1" --shipped "$2" --validation "${sets[@]}" | tee "$3" || status=$?
  case $status in
    0|1) return $status ;;
    *) echo "train_release: scoring $1 failed (status $status)" >&2; exit "$status" ;;
  esac
}

# A stage that kept a weight average (--ema_decay) ships whichever of its two sets of weights reads more
# words of the validation parts.
if "$PY" -c 'import sys, yaml; sys.exit(0 if yaml.safe_load(open(sys.argv[1])).get("ema_decay", 0) > 0 else 1)' \
    "$dir/config.yaml"; then
  mv "$RUN/crnn_v2_release.ckpt" "$RUN/crnn_v2_release_trained.ckpt"
  "$PY" export.py "${COMMON[@]}" --ckpt_file "$previous" --file_name "$RUN/crnn_v2_release_average" \
    --file_format CKPT --ckpt_dtype float16 --ckpt_weights average
  chosen=trained
  if reads_more_validation "$RUN/crnn_v2_release_average.ckpt" "$RUN/crnn_v2_release_trained.ckpt" \
      "$RUN/compare_average.txt"; then
    chosen=average
  fi
  echo "train_release: the stage's $chosen weights (candidate: the average; shipped: the trained weights)"
  cp "$RUN/crnn_v2_release_$chosen.ckpt" "$RUN/crnn_v2_release.ckpt"
fi
# Files of stages that started from the same weights average well (models/README.md); with AVERAGE_WITH the
# mean of this stage's file and those is the candidate when it reads more words of the validation parts.
if [ ${#AVERAGE_FILES[@]} -gt 0 ]; then
  cp "$RUN/crnn_v2_release.ckpt" "$RUN/crnn_v2_release_stage.ckpt"
  "$PY" -m src.checkpoint_average "$RUN/crnn_v2_release_mean.ckpt" "$RUN/crnn_v2_release_stage.ckpt" "${AVERAGE_FILES[@]}"
  chosen=stage
  if reads_more_validation "$RUN/crnn_v2_release_mean.ckpt" "$RUN/crnn_v2_release_stage.ckpt" \
      "$RUN/compare_mean.txt"; then
    chosen=mean
  fi
  echo "train_release: the $chosen weights (candidate: the mean with AVERAGE_WITH; shipped: the stage's file)"
  cp "$RUN/crnn_v2_release_$chosen.ckpt" "$RUN/crnn_v2_release.ckpt"
fi
for set in $EVAL_SETS; do
  kind=${set%%:*}; path=${set#*:}
  name=$kind; [[ $path == *@* ]] && name="${kind}_${path##*@}"  # iiit5k_val beside iiit5k (the test split)
  "$PY" eval.py "${COMMON[@]}" --eval_dataset "$kind" --eval_dataset_path "$path" \
    --checkpoint_path "$RUN/crnn_v2_release.ckpt" | tee "$RUN/eval_$name.txt" | grep CRNNAccuracy
done
echo "train_release: $RUN/crnn_v2_release.ckpt after $stage stage(s) ($(( $(date +%s) - start )) s in this sitting)"
# The release rule (scripts/compare_release.sh) decides whether it replaces models/crnn_v2_release.ckpt;
# the shipped file is never overwritten here.
status=0
DATA="$DATA" bash "$ROOT/scripts/compare_release.sh" "$RUN/crnn_v2_release.ckpt" | tee "$RUN/compare.txt" || status=$?
case $status in
  0) echo "train_release: it wins: cp $RUN/crnn_v2_release.ckpt models/ and commit it with its model-card row" ;;
  1) echo "train_release: the shipped model stays (scores in $RUN/compare.txt)" ;;
  *) echo "train_release: the comparison failed (status $status)" >&2; exit "$status" ;;
esac

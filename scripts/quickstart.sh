#!/usr/bin/env bash
# The main job on an embedded default: install; read the example crops in demo/words with the shipped
# model; render synthetic words; fine-tune the shipped V2 model on them on the CPU; evaluate it before and
# after on the rendered test words; export ONNX and MINDIR; plot; print the accuracies.
# Env: NUM_TRAIN (8000), NUM_TEST (1000), EPOCHS (1), BATCH (32), LR (0.0001), DATA, RUN,
#      INIT (models/crnn_v2_release.ckpt; empty: train from scratch, e.g.
#      INIT= NUM_TRAIN=24000 LR=0.001 bash scripts/quickstart.sh, which takes many more steps to read).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY=.venv/bin/python
DATA="${DATA:-data/quickstart}"
RUN="${RUN:-runs/quickstart}"
NUM_TRAIN="${NUM_TRAIN:-8000}"
NUM_TEST="${NUM_TEST:-1000}"
EPOCHS="${EPOCHS:-1}"
BATCH="${BATCH:-32}"
LR="${LR:-0.0001}"
INIT="${INIT-models/crnn_v2_release.ckpt}"
COMMON=(--device_target CPU --model_version V2)
accuracy() { sed -n "s/^result: {'CRNNAccuracy': \(.*\)}$/\1/p" "$1"; }

start=$(date +%s)
rm -rf "$RUN" && mkdir -p "$RUN"
echo "quickstart: the shipped model reads the example crops in demo/words:"
$PY predict.py "${COMMON[@]}" demo/words
$PY eval.py "${COMMON[@]}" --eval_dataset iiit5k --eval_dataset_path demo/words > "$RUN/eval_demo.txt"

$PY generate_dataset.py --output_dir "$DATA" --num_train "$NUM_TRAIN" --num_test "$NUM_TEST" --seed 1
INIT_ARGS=()
before="(trained from scratch)"
if [ -n "$INIT" ]; then
  INIT_ARGS=(--pre_trained "$INIT")
  $PY eval.py "${COMMON[@]}" --eval_dataset synth --eval_dataset_path "$DATA" --checkpoint_path "$INIT" \
    | tee "$RUN/eval_before.txt"
  before=$(accuracy "$RUN/eval_before.txt")
fi
$PY train.py "${COMMON[@]}" --train_dataset synth --train_dataset_path "$DATA" --output_dir "$RUN" \
  --optimizer adam --learning_rate "$LR" --epoch_size "$EPOCHS" --batch_size "$BATCH" --per_print_time 50 \
  "${INIT_ARGS[@]+"${INIT_ARGS[@]}"}"
CKPT=$($PY -m src.checkpoint_files --require "$RUN/ckpt")
$PY eval.py "${COMMON[@]}" --eval_dataset synth --eval_dataset_path "$DATA" --checkpoint_path "$CKPT" \
  | tee "$RUN/eval.txt"
$PY export.py "${COMMON[@]}" --ckpt_file "$CKPT" --file_name "$RUN/crnn" --file_format ONNX
$PY export.py "${COMMON[@]}" --ckpt_file "$CKPT" --file_name "$RUN/crnn" --file_format MINDIR
$PY plot.py "$RUN" --checkpoint "$CKPT" --num 12
echo "quickstart: shipped model on demo/words: $(accuracy "$RUN/eval_demo.txt") ($(grep -o 'correct num: *[0-9]*' "$RUN/eval_demo.txt" | grep -o '[0-9]*$') of $(ls demo/words/*.png | wc -l) real crops)"
echo "quickstart: on $NUM_TEST generated test words: before $before, after $(accuracy "$RUN/eval.txt") ($(grep CRNNAccuracy "$RUN/eval.txt"))"
echo "quickstart: checkpoint $CKPT; models $RUN/crnn.onnx, $RUN/crnn.mindir; plots $RUN/curves.png," \
     "$RUN/predictions.png; $(( $(date +%s) - start )) s after install"

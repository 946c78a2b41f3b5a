#!/usr/bin/env bash
# The main job on an embedded default: install, generate a synthetic word dataset, train CRNN V2 on
# the CPU, evaluate it on the generated test split, export ONNX and MINDIR, print the accuracy.
# Override sizes with env vars, e.g. NUM_TRAIN=50000 EPOCHS=3 bash scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY=.venv/bin/python
DATA="${DATA:-data/quickstart}"
RUN="${RUN:-runs/quickstart}"
NUM_TRAIN="${NUM_TRAIN:-24000}"
NUM_TEST="${NUM_TEST:-1000}"
EPOCHS="${EPOCHS:-1}"
BATCH="${BATCH:-32}"
COMMON=(--device_target CPU --model_version V2)

start=$(date +%s)
$PY generate_dataset.py --output_dir "$DATA" --num_train "$NUM_TRAIN" --num_test "$NUM_TEST" --seed 1
rm -rf "$RUN"
$PY train.py "${COMMON[@]}" --train_dataset synth --train_dataset_path "$DATA" --output_dir "$RUN" \
  --optimizer adam --learning_rate 0.001 --epoch_size "$EPOCHS" --batch_size "$BATCH" --per_print_time 50
CKPT=$(ls -t "$RUN"/ckpt/crnn-*.ckpt | head -n 1)
$PY eval.py "${COMMON[@]}" --eval_dataset synth --eval_dataset_path "$DATA" --checkpoint_path "$CKPT" \
  | tee "$RUN/eval.txt"
$PY export.py "${COMMON[@]}" --ckpt_file "$CKPT" --file_name "$RUN/crnn" --file_format ONNX
$PY export.py "${COMMON[@]}" --ckpt_file "$CKPT" --file_name "$RUN/crnn" --file_format MINDIR
$PY plot.py "$RUN" --checkpoint "$CKPT" --num 12
echo "quickstart: $(grep CRNNAccuracy "$RUN/eval.txt") on $NUM_TEST generated test images;" \
     "checkpoint $CKPT; models $RUN/crnn.onnx, $RUN/crnn.mindir; plots $RUN/curves.png, $RUN/predictions.png; $(( $(date +%s) - start )) s after install"

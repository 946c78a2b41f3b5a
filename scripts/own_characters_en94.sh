#!/usr/bin/env bash
# Worked example: the shipped model fine-tuned to case-sensitive English with punctuation (clovaai's 94
# characters: digits, both cases, ASCII punctuation), on rendered words in those characters and the real
# train crops with their labels as written, then scored case-sensitive and by the zoo's rule.
#
# Usage: bash scripts/own_characters_en94.sh RUN_DIR [--key value ...]   (trailing pairs go to train.py)
# Env: WORDS rendered training words (100000), EPOCHS (1), LR Adam's peak (0.0003),
#      MIX "kind:share ..." (synth:0.6 iiit5k:0.17 ic15:0.2 svt:0.03), CRNN_REALDATA (../shared/realdata).
# The classifier starts afresh except the rows of the characters both alphabets share (capitals from
# their lower-case letter's row); everything else is the shipped model. Run it again after an
# interruption: finished parts are kept and training resumes. The scores are RUN_DIR/result.txt.
set -euo pipefail
source "$(dirname "$0")/common.sh"
run_dir_and_train_args "$@"
WORDS=${WORDS:-100000}
EPOCHS=${EPOCHS:-1}
LR=${LR:-0.0003}
MIX=${MIX:-"synth:0.6 iiit5k:0.17 ic15:0.2 svt:0.03"}
open_run "$RUN"
start=$(date +%s)

DICT="$RUN/en94.txt"
"$PY" -c "import string, sys; sys.stdout.write(''.join(c + '\n' for c in string.digits + string.ascii_letters + string.punctuation))" > "$DICT"
ALPHABET=(--character_dict_path "$DICT")
generate_words "$DATA/synth_en94" "$WORDS" 2000 1 "${ALPHABET[@]}"
prepare_real_data "$DATA" "$REAL"

KINDS=""; PATHS=""; SHARES=""
for part in $MIX; do
  kind=${part%%:*}
  KINDS+="$kind,"; SHARES+="${part#*:},"; PATHS+="$(train_set_path "$kind" "$DATA" "$REAL" "_en94"),"
done
EVAL=(--train_eval_dataset ic15,iiit5k --train_eval_dataset_path "$REAL/IC15_train@val,$DATA/iiit5k_train@val")
fine_tune_shipped_once "$RUN" "${ALPHABET[@]}" \
  --train_dataset "${KINDS%,}" --train_dataset_path "${PATHS%,}" --train_batch_ratio "${SHARES%,}" \
  --epoch_size "$EPOCHS" --batch_size 64 --optimizer adam --learning_rate "$LR" \
  --metric_mode case_sensitive_alphanumeric --run_eval True "${EVAL[@]}" \
  --save_checkpoint_steps 250 --keep_checkpoint_max 3 --per_print_time 50 "${EXTRA[@]+"${EXTRA[@]}"}"
final=$(final_checkpoint "$RUN/train")

# The zoo's word sets, made once with the default alphabet (lower-cased, alphanumeric): IC13 857 and the IC15
# validation part, where both models are scored the zoo's way (IIIT5K test is all alphanumeric as it is).
for set in ic13:IC13 ic15:IC15_train@val; do
  kind=${set%%:*}; name=${set#*:}; name=${name%@*}
  [ -f "$DATA/zoo_$kind/data.mdb" ] || "$PY" create_lmdb.py --dataset_name "$kind" --dataset_path "$REAL/${set#*:}" \
    --output_path "$DATA/zoo_$kind" 2> "$DATA/zoo_$kind.log"
done
score() {  # $1 model, $2 set name, $3 kind, $4 path, $5 metric mode, then eval.py arguments
  local model=$1 name=$2 kind=$3 path=$4 mode=$5; shift 5
  local out="$RUN/eval_$(basename "$model" .ckpt)_${name}_$mode.txt"
  "$PY" eval.py --device_target CPU --eval_dataset "$kind" --eval_dataset_path "$path" --checkpoint_path "$model" \
    --metric_mode "$mode" "$@" > "$out" 2>&1
  printf '%-24s %-16s %-28s %s\n' "$(basename "$model")" "$name" "$mode" \
    "$(sed -n 's/^correct num:  \([0-9]*\) , total num:  \([0-9]*\)$/\1 of \2/p' "$out")"
}
SHIPPED="$ROOT/models/crnn_v2_release.ckpt"
{
  echo "en94 model: $final"
  for mode in case_sensitive_alphanumeric all_characters; do  # every word the 94 characters spell
    score "$final" ic13_1095 ic13 "$REAL/IC13" "$mode" --word_filter alnum
    score "$final" ic15_val ic15 "$REAL/IC15_train@val" "$mode"
    score "$final" iiit5k_test iiit5k "$DATA/iiit5k_test" "$mode"
  done
  for model in "$SHIPPED" "$final"; do  # the zoo's rule, on the same words for both models
    score "$model" ic13_857 lmdb "$DATA/zoo_ic13" lowercase_alphanumeric
    score "$model" ic15_val_zoo lmdb "$DATA/zoo_ic15" lowercase_alphanumeric
    score "$model" iiit5k_test iiit5k "$DATA/iiit5k_test" lowercase_alphanumeric
  done
  echo "seconds: $(( $(date +%s) - start ))"
} | tee "$RUN/result.txt"

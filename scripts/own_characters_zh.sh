#!/usr/bin/env bash
# Worked example: the shipped model fine-tuned to Chinese: the most frequent Chinese characters (by their
# frequency in wordfreq's Chinese word list), digits, both cases of the Latin letters and a little punctuation.
# It renders Chinese words (wordfreq's frequent words) and random strings over the alphabet with the
# installed CJK faces, fine-tunes, scores on rendered test words and, given CROPS, reads real word crops.
#
# Usage: bash scripts/own_characters_zh.sh RUN_DIR [--key value ...]   (trailing pairs go to train.py)
# Needs: bash scripts/install.sh --fonts cjk (Debian's wqy and arphic faces).
# Env: CHARS Chinese characters in the alphabet (3500, as many as the common-character list holds),
#      WORDS rendered training words (200000), TEST_WORDS rendered test words (2000), EPOCHS (1), LR Adam's
#      peak (0.0005),
#      CROPS a folder of real word crops for predict.py (optional).
# The classifier starts afresh except the rows of the digits, the letters (capitals from their lower-case
# row) and the blank; everything else is the shipped model. Run it again after an interruption: finished
# parts are kept and training resumes. The scores are RUN_DIR/result.txt.
set -euo pipefail
source "$(dirname "$0")/common.sh"
run_dir_and_train_args "$@"
CHARS=${CHARS:-3500}
WORDS=${WORDS:-200000}
TEST_WORDS=${TEST_WORDS:-2000}
EPOCHS=${EPOCHS:-1}
LR=${LR:-0.0005}
CROPS=${CROPS:-}
[ -z "$CROPS" ] || require_dir CROPS "$CROPS"
open_run "$RUN"
start=$(date +%s)

DICT="$RUN/zh.txt"
[ -f "$DICT" ] || "$PY" - "$CHARS" > "$DICT" <<'EOF'
import string, sys
from collections import Counter
from wordfreq import get_frequency_dict

use = Counter()  # a character's frequency in running text: the summed frequencies of the words holding it
for word, frequency in get_frequency_dict("zh").items():
    for char in word:
        if "\u4e00" <= char <= "\u9fff":  # CJK unified ideographs
            use[char] += frequency
chars = [char for char, _ in use.most_common(int(sys.argv[1]))]
chars += list(string.digits + string.ascii_letters + "-.:：")
sys.stdout.write("".join(char + "\n" for char in chars))
EOF
ALPHABET=(--character_dict_path "$DICT")
generate_words "$DATA/synth_zh" "$WORDS" "$TEST_WORDS" 1 "${ALPHABET[@]}" --synth_other_words 1.0 --synth_other_languages zh

fine_tune_shipped_once "$RUN" "${ALPHABET[@]}" --train_dataset synth --train_dataset_path "$DATA/synth_zh" \
  --epoch_size "$EPOCHS" --batch_size 64 --optimizer adam --learning_rate "$LR" --metric_mode all_characters \
  --save_checkpoint_steps 250 --keep_checkpoint_max 3 --per_print_time 50 "${EXTRA[@]+"${EXTRA[@]}"}"
final=$(final_checkpoint "$RUN/train")

{
  echo "zh model: $final ($(wc -l < "$DICT") characters)"
  for mode in all_characters case_sensitive_alphanumeric; do  # the model's alphabet comes with its checkpoint
    out="$RUN/eval_synth_test_$mode.txt"
    "$PY" eval.py --device_target CPU --eval_dataset synth --eval_dataset_path "$DATA/synth_zh" \
      --checkpoint_path "$final" --metric_mode "$mode" --print_flag True > "$out" 2>&1
    printf '%-28s %-28s %s\n' "rendered test words" "$mode" \
      "$(sed -n 's/^correct num:  \([0-9]*\) , total num:  \([0-9]*\)$/\1 of \2/p' "$out")"
  done
  if [ -n "$CROPS" ]; then  # each crop read at the training width and at its own aspect ratio
    echo "real crops ($CROPS): file, reading (confidence) at 100 pixels wide, and at the crop's aspect ratio"
    for crop in "$CROPS"/*; do
      width=$("$PY" -c "import sys; from PIL import Image; w, h = Image.open(sys.argv[1]).size; print(max(100, 4 * round(8 * w / h)))" "$crop")
      read_at() { "$PY" predict.py --device_target CPU --checkpoint_path "$final" --image_width "$1" "$crop" \
        2>> "$RUN/predict.log" | awk -F'\t' '{ printf "%s (%s)", $2, $3 }'; }
      printf '%-12s %s | width %s: %s\n' "$(basename "$crop")" "$(read_at 100)" "$width" "$(read_at "$width")"
    done
  fi
  echo "seconds: $(( $(date +%s) - start ))"
} | tee "$RUN/result.txt"

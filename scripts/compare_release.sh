#!/usr/bin/env bash
# The release rule, applied the same way every time: scores CANDIDATE and the shipped model with eval.py's
# path on the validation parts (IIIT5K train and IC15 train, @val) and on IIIT5K test + IC13 (857), prints
# both models' counts and one verdict line. Exit status 0: the candidate ships (copy it to
# models/crnn_v2_release.ckpt and commit it with its model-card row); 1: the shipped model stays; 2: error.
#
# Usage: bash scripts/compare_release.sh CANDIDATE [SHIPPED] [--key value ...]
#   SHIPPED: default models/crnn_v2_release.ckpt. Trailing --key value pairs go to every evaluation.
# Env: CRNN_REALDATA (../shared/realdata); DATA where IIIT5K's annotations are converted once
#      (${CRNN_RUNS:-$HOME/crnn_runs}/compare_data, outside the repository).
set -euo pipefail
source "$(dirname "$0")/common.sh"
split_args "$@"
[ ${#POS[@]} -ge 1 ] && [ ${#POS[@]} -le 2 ] || { echo "Usage: bash $0 CANDIDATE [SHIPPED] [--key value ...]" >&2; exit 2; }
CANDIDATE=$(abspath "${POS[0]}")
SHIPPED=$(abspath "${POS[1]:-$ROOT/models/crnn_v2_release.ckpt}")
fail() { echo "error: $*" >&2; exit 2; }  # status 1 is the verdict 'keep', so every error is 2
[ -f "$CANDIDATE" ] || fail "CANDIDATE $CANDIDATE is not a file"
[ -f "$SHIPPED" ] || fail "SHIPPED $SHIPPED is not a file"
REAL=$(abspath "${CRNN_REALDATA:-$ROOT/../shared/realdata}")
[ -d "$REAL" ] || fail "CRNN_REALDATA $REAL is not a directory"
DATA=$(abspath "${DATA:-${CRNN_RUNS:-$HOME/crnn_runs}/compare_data}")
mkdir -p "$DATA"
prepare_real_data "$DATA" "$REAL" > "$DATA/prepare.log" 2>&1 || true
for f in iiit5k_train iiit5k_test; do
  [ -f "$DATA/$f/annotation.txt" ] || fail "could not convert IIIT5K into $DATA/$f; see $DATA/prepare.log"
done
cd "$ROOT"
"$PY" -m src.release_gate "$CANDIDATE" --shipped "$SHIPPED" \
  --validation "iiit5k:$DATA/iiit5k_train@val" "ic15:$REAL/IC15_train@val" \
  --test "iiit5k:$DATA/iiit5k_test" "ic13:$REAL/IC13" "${EXTRA[@]+"${EXTRA[@]}"}"

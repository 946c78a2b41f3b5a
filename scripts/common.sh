# Helpers sourced by the launchers: absolute paths, the project's Python, the zoo's work directory,
# and how a job runs (in the background like the zoo, or in the foreground with CRNN_FOREGROUND=1).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# The project's virtualenv if scripts/install.sh made one, else $PYTHON or python3. Its bin/ goes
# first on PATH so that msrun and the workers it starts use the same interpreter.
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
export PATH="$(dirname "$(command -v "$PY")"):$PATH"

# A training mix names several dataset roots separated by commas: each one made absolute, each checked.
abspath_list() { local IFS=, p out=(); for p in $1; do out+=("$(abspath "$p")"); done; echo "${out[*]}"; }
require_dirs() { local IFS=, p; for p in $2; do require_dataset "$1" "$p"; done; }
# A dataset path: a folder, or a folder with a part suffix (ROOT@train, ROOT@val; src/readers/parts.py).
require_dataset() {
  local root=$2
  case "$2" in *@train|*@val) [ -d "$2" ] || root=${2%@*} ;; esac
  require_dir "$1" "$root"
}

require_dir() { [ -d "$2" ] || { echo "error: $1 $2 is not a directory" >&2; exit 1; }; }
require_file() { [ -f "$2" ] || { echo "error: $1 $2 is not a file" >&2; exit 1; }; }
is_number() { case "$1" in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# Split the arguments into positional ones (POS) and trailing config overrides (EXTRA: --key value ...).
split_args() {
  POS=(); EXTRA=()
  while [ $# -gt 0 ]; do
    case "$1" in --*) EXTRA=("$@"); break ;; *) POS+=("$1"); shift ;; esac
  done
}

# A recipe's arguments RUN_DIR [--key value ...]: RUN the run folder (absolute), EXTRA the pairs for train.py.
run_dir_and_train_args() {
  split_args "$@"
  [ ${#POS[@]} -eq 1 ] || { echo "Usage: bash $0 RUN_DIR [--key value ...]" >&2; exit 1; }
  RUN=$(abspath "${POS[0]}")
}

check_platform() {
  case "$1" in Ascend|GPU|CPU) ;; *) echo "error: PLATFORM must be Ascend, GPU or CPU, got '$1'" >&2; exit 1 ;; esac
}

# The zoo runs only V1's DynamicRNN on Ascend; everywhere else V2 is the network.
model_version_for() { [ "$1" = "Ascend" ] && echo "${MODEL_VERSION:-V1}" || echo "${MODEL_VERSION:-V2}"; }

# Recreate ./$1 with a copy of the code (as the zoo does), cd into it and record the environment.
enter_workdir() {
  rm -rf "./$1" && mkdir "./$1"
  cp "$ROOT"/*.py "$ROOT"/*.yaml "./$1" && cp -r "$ROOT/src" "./$1"
  cd "./$1" && env > env.log
}

# Run "$@" with its output in log.txt: in the background (the zoo's way), or, with CRNN_FOREGROUND=1,
# in the foreground, returning the job's exit status.
run_job() {
  if [ "${CRNN_FOREGROUND:-0}" = "1" ]; then
    "$@" > log.txt 2>&1 || { status=$?; echo "error: job failed with exit status $status; see $PWD/log.txt" >&2; tail -n 5 log.txt >&2; exit $status; }
  else
    "$@" > log.txt 2>&1 &
    echo "started (pid $!): log in $PWD/log.txt"
  fi
}

# The real crops the recipes use, converted once into $1 from the read-only benchmark copy in $2:
# IIIT5K train and test, SVT train.
prepare_real_data() {
  local data=$1 real=$2
  [ -f "$data/iiit5k_train/annotation.txt" ] || "$PY" "$ROOT/convert_iiit5k.py" -m "$real/IIIT5K/trainCharBound.mat" \
    -a "$data/iiit5k_train/annotation.txt" --image_root "$real/IIIT5K"
  [ -f "$data/iiit5k_test/annotation.txt" ] || "$PY" "$ROOT/convert_iiit5k.py" -m "$real/IIIT5K/testCharBound.mat" \
    -a "$data/iiit5k_test/annotation.txt" --image_root "$real/IIIT5K"
  [ -f "$data/svt_train/annotation.txt" ] || "$PY" "$ROOT/convert_svt.py" -d "$real/svt1" -x "$real/svt1/train.xml" \
    -o "$data/svt_train"
}

# Where a recipe's training set of kind $1 lies: $2 the run's data folder, $3 the benchmark copy, $4 what
# ends the rendered words' folder name. IIIT5K train and IC15 train without their validation parts (@train).
train_set_path() {
  case "$1" in
    synth) echo "$2/synth$4" ;;
    iiit5k) echo "$2/iiit5k_train@train" ;;
    svt) echo "$2/svt_train" ;;
    ic15) echo "$3/IC15_train@train" ;;
    *) echo "error: a recipe mixes synth, iiit5k, svt and ic15, not '$1'" >&2; exit 1 ;;
  esac
}

# Render $2 training words (and $3 test words) with seed $4 into $1 unless a finished copy is there.
generate_words() {
  local out=$1 num_train=$2 num_test=$3 seed=$4; shift 4
  [ -f "$out/annotation_test.txt" ] || "$PY" "$ROOT/generate_dataset.py" --output_dir "$out" --num_train "$num_train" \
    --num_test "$num_test" --seed "$seed" "$@" 2>&1 | tail -n 1
}

# Hold $1/.lock until the calling script and everything it started have ended, so that a second
# launch on the same run folder stops instead of rendering and training beside the first. It waits
# up to CRNN_LOCK_WAIT (10) s: after a kill -9, the killed run's processes release the lock only as they
# finish exiting.
lock_run_dir() {
  exec 9> "$1/.lock"
  flock -w "${CRNN_LOCK_WAIT:-10}" 9 || { echo "error: another recipe is already running in $1 (it holds $1/.lock)" >&2; exit 1; }
}

# Start a recipe in run folder $1: REAL, the real benchmark copy (CRNN_REALDATA, default ../shared/realdata),
# and DATA, the run's data folder, set and checked; the folder held (lock_run_dir); the repository the
# working directory.
open_run() {
  REAL=$(abspath "${CRNN_REALDATA:-$ROOT/../shared/realdata}")
  require_dir CRNN_REALDATA "$REAL"
  DATA="$1/data"
  mkdir -p "$DATA"
  lock_run_dir "$1"
  cd "$ROOT"
}

# Fine-tune the shipped model into $1/train with train.py and the remaining arguments, once: a run that was
# interrupted resumes from its newest checkpoint, a finished one ($1/train/done) is left as it is.
fine_tune_shipped_once() {
  local out="$1/train" last
  shift
  [ -f "$out/done" ] && return 0
  local init=(--pre_trained "$ROOT/models/crnn_v2_release.ckpt")
  last=$(newest_checkpoint "$out")
  [ -n "$last" ] && init=(--resume_ckpt "$last")
  "$PY" train.py --device_target CPU --model_version V2 "${init[@]}" --output_dir "$out" "$@"
  touch "$out/done"
}

# The newest step checkpoint under $1/ckpt, or nothing.
newest_checkpoint() { (cd "$ROOT" && "$PY" -m src.checkpoint_files "$1/ckpt"); }
# The newest step checkpoint under $1/ckpt; when the run left none, one error line and status 1
# (as `x=$(final_checkpoint D)`, this stops a `set -e` script).
final_checkpoint() { (cd "$ROOT" && "$PY" -m src.checkpoint_files --require "$1/ckpt"); }

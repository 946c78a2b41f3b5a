#!/usr/bin/env bash
# Usage: bash scripts/docker_test.sh [BASE_IMAGE]
# Builds the CPU image from BASE_IMAGE (default debian:bookworm-slim; any Debian/Ubuntu base) and checks it:
#   1. the image holds no file, variable or layer command carrying the CA bundle given at build time;
#   2. through scripts/docker_start.sh (code in /opt/crnn, a host data folder at /data, a host model folder
#      at /model): the native convolution loads (on x86_64); generate 320 + 64 words, fine-tune the shipped
#      model 30 steps, eval.py (the zoo's result line, at least 0.5), export ONNX, eval_onnx.py, predict.py
#      with the shipped model; the outputs must appear in the host folders;
#   3. the unit tests that need neither ../shared nor a compiler, inside the image;
#   4. with GPU=1, also the GPU variant (DEVICE=gpu) from the same base: it must build, and every CUDA 11 /
#      cuDNN 8 library MindSpore's GPU plugin loads must resolve in it except the driver's libcuda.so.1.
# Exit status 0 when all of it worked. Env: IMAGE (tag, default crnn:docker-test); CA_BUNDLE (a CA file
# for apt and pip during the build, passed as a BuildKit secret; default the host's
# /etc/ssl/certs/ca-certificates.crt when present, "none" for no bundle); DOCKER (client); KEEP=1 keeps
# the work folder.
set -euo pipefail
usage() { echo "Usage: bash $0 [BASE_IMAGE]" >&2; exit 1; }
[ $# -le 1 ] || usage
source "$(dirname "$0")/common.sh"
BASE=${1:-debian:bookworm-slim}
IMAGE=${IMAGE:-crnn:docker-test}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$CA_BUNDLE" ] || CA_BUNDLE=none
fail() { echo "docker_test: FAILED: $*" >&2; exit 1; }
step() { echo "docker_test: $* ($(( $(date +%s) - start )) s)"; }
start=$(date +%s)

# A client that can build with BuildKit: one with the buildx plugin, or a pre-23 client (BuildKit built in).
pick_docker() {
  local client
  for client in ${DOCKER:-} docker /usr/bin/docker; do
    command -v "$client" >/dev/null || continue
    if "$client" buildx version >/dev/null 2>&1; then echo "$client"; return; fi
    local major
    major=$("$client" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1) || true
    if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt 23 ]; then echo "$client"; return; fi
  done
}
DOCKER=$(pick_docker)
[ -n "$DOCKER" ] || fail "no docker client that builds with BuildKit (install the buildx plugin, or Debian's docker.io)"
export DOCKER
"$DOCKER" info >/dev/null 2>&1 || fail "no Docker daemon reachable through '$DOCKER' (start one: dockerd &)"

BUILD_LOG=$(mktemp -t crnn_docker_build.XXXXXX)
SECRET_ARGS=()
[ "$CA_BUNDLE" = none ] || SECRET_ARGS=(--secret "id=ca,src=$CA_BUNDLE")
# build TAG [--build-arg ...]: the image of this checkout from BASE; the log's tail on failure.
build() {
  local tag=$1; shift
  DOCKER_BUILDKIT=1 "$DOCKER" build --progress=plain -t "$tag" --build-arg FROM_IMAGE_NAME="$BASE" "$@" \
    "${SECRET_ARGS[@]+"${SECRET_ARGS[@]}"}" "$ROOT" > "$BUILD_LOG" 2>&1 \
    || { tail -n 30 "$BUILD_LOG" >&2; fail "docker build of $tag (full log: $BUILD_LOG)"; }
}
step "building $IMAGE from $BASE with $DOCKER$([ "$CA_BUNDLE" = none ] || echo ", CA bundle $CA_BUNDLE as build secret")"
build "$IMAGE"
step "built $IMAGE ($("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.2f GB", $1 / 1e9}'))"

# 1. Nothing of the build secret stays: no file with its bytes, no variable or history entry naming it.
if [ "$CA_BUNDLE" != none ]; then
  size=$(stat -c %s "$CA_BUNDLE"); digest=$(sha256sum "$CA_BUNDLE" | cut -d' ' -f1)
  found=$("$DOCKER" run --rm --entrypoint sh "$IMAGE" -c \
    "find / -xdev -type f -size ${size}c -exec sha256sum {} + 2>/dev/null | grep $digest || true")
  if [ "$(echo "$found" | awk '{print $2}')" = /etc/ssl/certs/ca-certificates.crt ]; then
    # Same bytes as the image's own system bundle: a leak only if the image's ca-certificates would not
    # make that file itself (the host's bundle may be the distribution's, unchanged).
    own=$("$DOCKER" run --rm --entrypoint sh "$IMAGE" -c \
      "update-ca-certificates --fresh >/dev/null 2>&1; sha256sum /etc/ssl/certs/ca-certificates.crt | cut -d' ' -f1")
    [ "$own" = "$digest" ] && found=""
  fi
  [ -z "$found" ] || fail "the image holds a copy of the build's CA bundle: $found"
  "$DOCKER" run --rm --entrypoint sh "$IMAGE" -c '[ ! -e /run/secrets/ca ]' || fail "/run/secrets/ca exists in the image"
  if "$DOCKER" image inspect -f '{{json .Config.Env}}' "$IMAGE" | grep -q -E 'PIP_CERT|REQUESTS_CA_BUNDLE|SSL_CERT_FILE'; then
    fail "the image's environment names a CA bundle"
  fi
  if "$DOCKER" history --no-trunc "$IMAGE" | grep -q -F "$CA_BUNDLE"; then
    fail "the image's history names $CA_BUNDLE"
  fi
  step "no copy of the CA bundle in the image (size $size, sha256 $digest), nor in its environment or history"
fi

# 2. The main job inside the container, started the way users start it; its outputs land on the host.
WORK=$(mktemp -d -t crnn_docker_test.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data" "$WORK/model"
cat > "$WORK/data/job.sh" <<'JOB'
set -euo pipefail
[ "$(pwd)" = /opt/crnn ] || { echo "working directory is $(pwd), not /opt/crnn" >&2; exit 1; }
COMMON=(--device_target CPU --model_version V2)
python generate_dataset.py --output_dir /data/synth --num_train 320 --num_test 64 --seed 3 | tail -n 1
python -c "from src.native_conv import library_path, library_problem; import sys; p = library_problem(library_path()); \
print('native convolution:', p or 'loads'); sys.exit(1 if p and '$(uname -m)' == 'x86_64' else 0)"
# Fine-tunes the shipped model, as the quickstart does, so that the image shows a model that reads.
python train.py "${COMMON[@]}" --train_dataset synth --train_dataset_path /data/synth --output_dir /model/run \
  --pre_trained models/crnn_v2_release.ckpt --optimizer adam --learning_rate 0.0001 \
  --batch_size 16 --max_steps 30 --save_checkpoint_steps 30 --per_print_time 10 | tail -n 2
CKPT=$(python -m src.checkpoint_files --require /model/run/ckpt)
python eval.py "${COMMON[@]}" --eval_dataset synth --eval_dataset_path /data/synth --checkpoint_path "$CKPT" \
  | tee /model/eval.txt
python export.py "${COMMON[@]}" --ckpt_file "$CKPT" --file_name /model/crnn --file_format ONNX
python eval_onnx.py "${COMMON[@]}" --eval_dataset synth --eval_dataset_path /data/synth --file_name /model/crnn.onnx \
  | tee /model/eval_onnx.txt
python predict.py --device_target CPU "/data/synth/$(head -n 1 /data/synth/annotation_test.txt | cut -d' ' -f1)" \
  | tee /model/predict.txt
JOB
step "running the main job through scripts/docker_start.sh"
bash "$ROOT/scripts/docker_start.sh" "$IMAGE" "$WORK/data" "$WORK/model" bash /data/job.sh < /dev/null \
  || fail "the job inside the container (see above)"
grep -q -E "^result: \{'CRNNAccuracy': [0-9.]+\}$" "$WORK/model/eval.txt" || fail "eval.py printed no zoo result line"
accuracy=$(sed -n "s/^result: {'CRNNAccuracy': \(.*\)}$/\1/p" "$WORK/model/eval.txt")
awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.5) }' || fail "the fine-tuned shipped model reads only $accuracy of the test words"
grep -q -E "^result: [0-9.]+$" "$WORK/model/eval_onnx.txt" || fail "eval_onnx.py printed no result line"
[ -s "$WORK/model/crnn.onnx" ] && ls "$WORK"/model/run/ckpt/crnn-*.ckpt >/dev/null \
  || fail "the checkpoint or the ONNX model is missing from the host's model folder"
[ -s "$WORK/model/predict.txt" ] || fail "predict.py printed nothing"
step "job done; on the host: $(grep -h result "$WORK/model/eval.txt") (eval.py), $(grep -h result "$WORK/model/eval_onnx.txt") (eval_onnx.py)"

# 3. Unit tests that need neither ../shared (not in the image) nor g++.
TESTS=(test_label test_lexicon test_metric test_config test_crnn test_checkpoint test_loss test_lr_schedule
       test_lmdb_reader test_ms1_checkpoint test_recognizer test_onnx_dynamic)
step "running ${#TESTS[@]} test modules inside the image"
TEST_FILES=()
for name in "${TESTS[@]}"; do TEST_FILES+=("tests/$name.py"); done
"$DOCKER" run --rm -w /opt/crnn "$IMAGE" python -m pytest -q -p no:cacheprovider "${TEST_FILES[@]}" 2>&1 | tail -n 5 \
  || fail "tests inside the image"

if [ "${GPU:-0}" = 1 ]; then
  step "building the GPU variant ${IMAGE}-gpu from $BASE"
  build "${IMAGE}-gpu" --build-arg DEVICE=gpu
  missing=$("$DOCKER" run --rm -w /opt/crnn "${IMAGE}-gpu" python -c \
    "from src.model_utils.device_adapter import missing_cuda_libraries; print(*missing_cuda_libraries())")
  [ "$missing" = libcuda.so.1 ] || fail "the GPU image lacks CUDA libraries: $missing"
  step "GPU variant built; its CUDA 11 / cuDNN 8 libraries resolve (libcuda.so.1 comes from the host's driver)"
fi
step "all passed"

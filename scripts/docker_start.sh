#!/usr/bin/env bash
# Usage: bash scripts/docker_start.sh [IMAGE] [DATA_DIR] [MODEL_DIR] [COMMAND ...](optional)
# Starts a container of IMAGE (built from the Dockerfile) in /opt/crnn (the code), with DATA_DIR at /data
# and MODEL_DIR at /model: write runs, checkpoints and exports under /model, they stay on the host when the
# container (removed on exit) is gone. Without COMMAND: an interactive shell. Devices: DEVICE=ascend|gpu|cpu,
# detected when unset (/dev/davinci*, nvidia-smi). DOCKER names the docker client (default: docker).
set -euo pipefail
usage() { echo "Usage: bash $0 [IMAGE] [DATA_DIR] [MODEL_DIR] [COMMAND ...](optional)" >&2; exit 1; }
[ $# -ge 3 ] || usage
source "$(dirname "$0")/common.sh"
IMAGE=$1
DATA_DIR=$(abspath "$2")
MODEL_DIR=$(abspath "$3")
shift 3
require_dir DATA_DIR "$DATA_DIR"
require_dir MODEL_DIR "$MODEL_DIR"
DOCKER=${DOCKER:-docker}
command -v "$DOCKER" >/dev/null || { echo "error: docker client '$DOCKER' is not installed" >&2; exit 1; }
if [ -z "${DEVICE:-}" ]; then
  if ls /dev/davinci[0-9]* >/dev/null 2>&1; then DEVICE=ascend
  elif command -v nvidia-smi >/dev/null; then DEVICE=gpu
  else DEVICE=cpu; fi
fi
DEVICE_ARGS=()
case "$DEVICE" in
  ascend)
    for dev in /dev/davinci[0-9]* /dev/davinci_manager /dev/devmm_svm /dev/hisi_hdc; do
      [ -e "$dev" ] && DEVICE_ARGS+=(--device="$dev")
    done
    DEVICE_ARGS+=(-v /usr/local/Ascend/driver:/usr/local/Ascend/driver:ro -v /usr/local/dcmi:/usr/local/dcmi:ro
                  -v /usr/local/bin/npu-smi:/usr/local/bin/npu-smi:ro) ;;
  gpu) DEVICE_ARGS+=(--gpus all) ;;
  cpu) ;;
  *) echo "error: DEVICE must be ascend, gpu or cpu, got '$DEVICE'" >&2; exit 1 ;;
esac
TTY_ARGS=(-i)
[ -t 0 ] && [ -t 1 ] && TTY_ARGS=(-it)
[ $# -gt 0 ] || set -- /bin/bash
exec "$DOCKER" run "${TTY_ARGS[@]}" --rm --ipc=host "${DEVICE_ARGS[@]+"${DEVICE_ARGS[@]}"}" -w /opt/crnn \
  -v "$DATA_DIR":/data -v "$MODEL_DIR":/model "$IMAGE" "$@"

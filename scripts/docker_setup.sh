#!/bin/sh
# Runs inside `docker build` (see the Dockerfile): installs what the image needs on any Debian/Ubuntu base.
#   sh scripts/docker_setup.sh system   # apt: Python, fonts, word list, photos (only what the base lacks)
#   sh scripts/docker_setup.sh python   # pip: a virtualenv at $VIRTUAL_ENV with requirements.txt (+ GPU extras)
# A CA bundle given as the BuildKit secret "ca" (/run/secrets/ca) is trusted by apt and pip for this step
# only: it is read from the secret mount, never copied into the image.
set -eu
PYTHON_VERSION=${PYTHON_VERSION:-3.11}
DEVICE=${DEVICE:-cpu}
CA=/run/secrets/ca
APT_OPTS="-y -q --no-install-recommends"
if [ -s "$CA" ]; then
  APT_OPTS="$APT_OPTS -o Acquire::https::CAInfo=$CA"
  export PIP_CERT="$CA"
  echo "docker_setup: trusting the CA bundle passed as build secret 'ca' for this step"
fi

# The packages of LIST (one per line, # comments) that this base's apt knows, so that an Ubuntu base
# missing a Debian font package still builds; the unknown ones are named in one line.
known_packages() {
  known=""; unknown=""
  for pkg in $(grep -v '^#' "$1"); do
    if apt-cache show "$pkg" >/dev/null 2>&1; then known="$known $pkg"; else unknown="$unknown $pkg"; fi
  done
  [ -z "$unknown" ] || echo "docker_setup: not in this base's apt sources, skipped:$unknown" >&2
  echo "$known"
}

python_ok() {
  command -v "python$PYTHON_VERSION" >/dev/null 2>&1 && "python$PYTHON_VERSION" -c "import ensurepip, venv" 2>/dev/null
}

system() {
  # shellcheck disable=SC2086
  apt-get $APT_OPTS update
  wanted="ca-certificates libgomp1 g++ $(known_packages scripts/debian-packages.txt)"
  python_ok || wanted="$wanted python$PYTHON_VERSION python$PYTHON_VERSION-venv"
  # shellcheck disable=SC2086
  apt-get install $APT_OPTS $wanted
  rm -rf /var/lib/apt/lists/*
  python_ok || { echo "docker_setup: python$PYTHON_VERSION with venv is not installable from this base" >&2; exit 1; }
}

python_packages() {
  "python$PYTHON_VERSION" -m venv "$VIRTUAL_ENV"
  pip="$VIRTUAL_ENV/bin/python -m pip --disable-pip-version-check"
  $pip install -q -r requirements.txt
  if [ "$DEVICE" = gpu ]; then
    # onnxruntime-gpu 1.18 is the last PyPI build for CUDA 11, the CUDA major of MindSpore 2.8.0's GPU plugins.
    $pip uninstall -q -y onnxruntime
    $pip install -q "onnxruntime-gpu==1.18.1"
    if ! ldconfig -p | grep -q "libcudnn.so.8 "; then
      # A base without CUDA 11 + cuDNN 8 gets NVIDIA's own runtime wheels (the libraries only; the driver's
      # libcuda.so.1 comes from the host at run time).
      $pip install -q nvidia-cuda-runtime-cu11 nvidia-cuda-nvrtc-cu11 nvidia-cublas-cu11 "nvidia-cudnn-cu11<9" \
        nvidia-cufft-cu11 nvidia-curand-cu11 nvidia-cusolver-cu11 nvidia-cusparse-cu11
      "$VIRTUAL_ENV/bin/python" -c "import glob, nvidia, os; print(*sorted({os.path.dirname(p) for d in nvidia.__path__ for p in glob.glob(d + '/*/lib/*.so*')}), sep=chr(10))" \
        > /etc/ld.so.conf.d/nvidia-cu11.conf
      ldconfig
    fi
  fi
  "$VIRTUAL_ENV/bin/python" -c "import mindspore, cv2, onnxruntime; print('docker_setup: mindspore', mindspore.__version__, '| onnxruntime', onnxruntime.__version__, onnxruntime.get_available_providers())"
}

case "${1:-}" in
  system) system ;;
  python) python_packages ;;
  *) echo "usage: sh $0 system|python" >&2; exit 1 ;;
esac

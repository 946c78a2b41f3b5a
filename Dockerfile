# CRNN on MindSpore, from any Debian/Ubuntu base (FROM_IMAGE_NAME, as in the zoo). Needs BuildKit
# (Docker >= 20.10: DOCKER_BUILDKIT=1, or docker buildx). No "# syntax" line on purpose: the built-in
# Dockerfile frontend handles the secret and cache mounts below without pulling a frontend image.
#
# CPU image:
#   DOCKER_BUILDKIT=1 docker build -t crnn:cpu .
#   DOCKER_BUILDKIT=1 docker build -t crnn:cpu --build-arg FROM_IMAGE_NAME=local/debian:bookworm .
# Behind a TLS-inspecting proxy, give apt and pip the host's CA bundle for the build only (a BuildKit
# secret is mounted at /run/secrets/ca during the RUN steps and is not stored in any layer):
#   DOCKER_BUILDKIT=1 docker build -t crnn:cpu --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
# GPU image: MindSpore 2.8.0's GPU plugins are built for CUDA 11 (lib/plugin/gpu11.1, gpu11.6) and cuDNN 8,
# so the base is a CUDA 11 + cuDNN 8 runtime; onnxruntime-gpu 1.18.1 (CUDA 11) replaces onnxruntime:
#   DOCKER_BUILDKIT=1 docker build -t crnn:gpu --build-arg DEVICE=gpu \
#     --build-arg FROM_IMAGE_NAME=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 .
# From a base without CUDA, DEVICE=gpu installs NVIDIA's CUDA 11 / cuDNN 8 runtime wheels instead.
# Then: bash scripts/docker_start.sh crnn:cpu DATA_DIR MODEL_DIR
ARG FROM_IMAGE_NAME=debian:bookworm-slim
FROM ${FROM_IMAGE_NAME}
ARG DEVICE=cpu
ARG PYTHON_VERSION=3.11
ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:${PATH} PYTHON=/opt/venv/bin/python
WORKDIR /opt/crnn
COPY scripts/docker_setup.sh scripts/debian-packages.txt scripts/
RUN --mount=type=secret,id=ca sh scripts/docker_setup.sh system
COPY requirements.txt .
RUN --mount=type=secret,id=ca --mount=type=cache,target=/root/.cache/pip sh scripts/docker_setup.sh python
COPY . .
# The native CPU convolution. Its oneDNN wheels exist for x86_64 only: there a failed build fails the
# image; elsewhere the image runs on MindSpore's convolution, said in the build log.
RUN bash scripts/build_native.sh || { [ "$(uname -m)" != x86_64 ] && \
      echo "native convolution not built on $(uname -m): MindSpore's convolution will be used"; }
CMD ["bash"]

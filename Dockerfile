# CRNN on MindSpore. CPU image (default):
#   docker build -t crnn:cpu .
# GPU image: the mindspore 2.8.0 wheel's GPU plugins are built for CUDA 11 (11.1/11.6) and cuDNN 8, so
# the base is a CUDA 11.8 + cuDNN 8 runtime; onnxruntime-gpu replaces onnxruntime:
#   docker build -t crnn:gpu --build-arg DEVICE=gpu \
#     --build-arg FROM_IMAGE_NAME=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 .
# Then: bash scripts/docker_start.sh crnn:cpu DATA_DIR MODEL_DIR
ARG FROM_IMAGE_NAME=python:3.11-slim-bookworm
FROM ${FROM_IMAGE_NAME}
ARG DEVICE=cpu
ARG MINDSPORE_PACKAGE=""
ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PYTHON=python3
WORKDIR /opt/crnn
COPY scripts/debian-packages.txt scripts/
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(grep -v '^#' scripts/debian-packages.txt) libgl1 libglib2.0-0 \
 && (command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 \
     || apt-get install -y --no-install-recommends python3 python3-pip python3-venv) \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN python3 -m pip install -r requirements.txt \
 && if [ -n "$MINDSPORE_PACKAGE" ]; then python3 -m pip install "$MINDSPORE_PACKAGE"; fi \
 && if [ "$DEVICE" = "gpu" ]; then python3 -m pip uninstall -y onnxruntime && python3 -m pip install onnxruntime-gpu; fi \
 && python3 -c "import mindspore, cv2, onnxruntime; print('mindspore', mindspore.__version__, onnxruntime.get_available_providers())"
COPY . .
CMD ["bash"]

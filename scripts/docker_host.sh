#!/usr/bin/env bash
# Usage: bash scripts/docker_host.sh   (as root, on Debian/Ubuntu)
# Prepares a machine without Docker for scripts/docker_test.sh: installs Debian's docker.io (its client
# builds with BuildKit, no buildx plugin needed) and debootstrap, starts dockerd when no daemon answers,
# and makes a local Debian base image, local/debian:bookworm, for networks where public images cannot be
# pulled. Each step is skipped when already done.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (apt-get, dockerd)" >&2; exit 1; }
missing=""
[ -x /usr/bin/docker ] && command -v dockerd >/dev/null || missing="$missing docker.io"
command -v debootstrap >/dev/null || missing="$missing debootstrap"
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
if ! /usr/bin/docker info >/dev/null 2>&1; then
  setsid nohup dockerd > /var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 30); do /usr/bin/docker info >/dev/null 2>&1 && break; sleep 1; done
  /usr/bin/docker info >/dev/null 2>&1 || { echo "error: dockerd did not start (see /var/log/dockerd.log)" >&2; exit 1; }
fi
if ! /usr/bin/docker image inspect local/debian:bookworm >/dev/null 2>&1; then
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$rootfs" > /var/log/debootstrap.log 2>&1 \
    || { echo "error: debootstrap failed (see /var/log/debootstrap.log)" >&2; exit 1; }
  tar -C "$rootfs" -c . | /usr/bin/docker import - local/debian:bookworm >/dev/null
  rm -rf "$rootfs"
fi
echo "docker_host: daemon $(/usr/bin/docker version --format '{{.Server.Version}}'), base image local/debian:bookworm ready"

"""scripts/docker_test.sh end to end: builds the CPU image and runs the main job and unit tests inside it (slow)."""
import os
import shutil
import subprocess

import pytest

from tests.conftest import REPO

BASE = os.environ.get("CRNN_DOCKER_BASE", "")


def _daemon_problem():
    for client in ("docker", "/usr/bin/docker"):
        if shutil.which(client):
            info = subprocess.run([client, "info"], capture_output=True, text=True, timeout=60)
            if info.returncode == 0:
                return ""
            last = (info.stderr.strip().splitlines() or ["no output"])[-1]
            return f"no Docker daemon reachable ({client} info: {last})"
    return "no docker client installed"


def _base_image():
    """CRNN_DOCKER_BASE, else the locally made Debian base when the daemon has it, else debian:bookworm-slim."""
    if BASE:
        return BASE
    local = subprocess.run(["docker", "image", "inspect", "local/debian:bookworm"], capture_output=True)
    return "local/debian:bookworm" if local.returncode == 0 else "debian:bookworm-slim"


@pytest.mark.slow
def test_docker_image_builds_trains_evaluates_and_keeps_no_ca_bundle():
    problem = _daemon_problem()
    if problem:
        pytest.skip(problem)
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "docker_test.sh"), _base_image()],
                            capture_output=True, text=True, timeout=3600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "no copy of the CA bundle in the image" in log or not os.path.isfile("/etc/ssl/certs/ca-certificates.crt")
    assert "result: {'CRNNAccuracy':" in log
    assert "docker_test: all passed" in log

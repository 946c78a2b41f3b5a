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


def _dockerfile_native_build_step():
    """The shell command of the Dockerfile's RUN step that builds the native convolution."""
    text = open(os.path.join(REPO, "Dockerfile"), encoding="utf-8").read().replace("\\\n", " ")
    steps = [line[len("RUN "):] for line in text.splitlines() if line.startswith("RUN ") and "build_native.sh" in line]
    assert len(steps) == 1, steps
    return steps[0]


@pytest.mark.parametrize("machine, fails", [("x86_64", True), ("aarch64", False)])
def test_the_image_build_fails_when_the_native_build_fails_on_x86_64(tmp_path, machine, fails):
    # The step runs with a build_native.sh that fails, and a uname that reports the machine.
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "build_native.sh").write_text("echo 'build_native.sh: no compiler' >&2; exit 1\n")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "uname").write_text(f"#!/bin/sh\necho {machine}\n")
    (tmp_path / "bin" / "uname").chmod(0o755)
    result = subprocess.run(["sh", "-c", _dockerfile_native_build_step()], cwd=tmp_path, capture_output=True,
                            text=True, env=dict(os.environ, PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}"))
    assert (result.returncode != 0) == fails, result.stdout + result.stderr
    if not fails:
        assert "native convolution not built on aarch64" in result.stdout


def _docker_job():
    """The main job docker_test.sh runs inside the container (its JOB here-document)."""
    text = open(os.path.join(REPO, "scripts", "docker_test.sh"), encoding="utf-8").read()
    return text.split("<<'JOB'\n", 1)[1].split("\nJOB\n", 1)[0]


@pytest.mark.slow
def test_the_docker_job_fine_tunes_the_shipped_model_to_a_model_that_reads(tmp_path):
    # The container's job, run here with the container's folders mapped to this checkout and tmp_path.
    import sys
    job = _docker_job().replace("/opt/crnn", REPO).replace("/data", str(tmp_path / "data"))
    job = job.replace("/model", str(tmp_path / "model"))
    (tmp_path / "model").mkdir()
    bin_dir = os.path.dirname(sys.executable)
    result = subprocess.run(["bash", "-c", job], cwd=REPO, capture_output=True, text=True, timeout=1200,
                            env=dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "native convolution: loads" in result.stdout
    line = open(tmp_path / "model" / "eval.txt", encoding="utf-8").read()
    accuracy = float(line.split("'CRNNAccuracy': ")[1].split("}")[0])
    assert accuracy >= 0.5, line

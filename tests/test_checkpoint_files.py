import os
import subprocess

from src.checkpoint_files import newest_checkpoint, step_checkpoints
from tests.conftest import REPO


def _touch(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"x")


def test_newest_is_the_furthest_step_and_other_files_never_count(tmp_path):
    ckpt = tmp_path / "ckpt"
    # Written last, the non-finite weights and best_acc.ckpt must not become what a rerun resumes from.
    _touch(ckpt, "crnn-2_10.ckpt", "crnn-10_5.ckpt", "crnn-9_500.ckpt")
    _touch(ckpt, "crnn-nonfinite-11_3.ckpt", "best_acc.ckpt", ".crnn-11_1.ckpt.tmp77.ckpt", "crnn-11_x.ckpt")
    assert newest_checkpoint(str(ckpt)) == str(ckpt / "crnn-10_5.ckpt")
    assert [os.path.basename(p) for p in step_checkpoints(str(ckpt))] == [
        "crnn-2_10.ckpt", "crnn-9_500.ckpt", "crnn-10_5.ckpt"]
    assert newest_checkpoint(str(tmp_path / "absent")) == ""


def test_the_recipes_shell_helper_follows_the_same_rule(tmp_path):
    _touch(tmp_path / "ckpt", "crnn-1_250.ckpt", "crnn-nonfinite-1_300.ckpt")
    result = subprocess.run(["bash", "-c", f'source scripts/common.sh; newest_checkpoint "{tmp_path}"'], cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == str(tmp_path / "ckpt" / "crnn-1_250.ckpt")


def test_require_names_a_run_that_saved_no_checkpoint(tmp_path):
    import subprocess
    import sys
    from tests.conftest import REPO
    (tmp_path / "crnn-1_5.ckpt.tmp").write_text("")  # not a step checkpoint
    result = subprocess.run([sys.executable, "-m", "src.checkpoint_files", "--require", str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (f"error: {tmp_path} holds no step checkpoint: the run saved none (save_checkpoint "
                                     "False?), so there is no model of it to evaluate or export")
    (tmp_path / "crnn-1_5.ckpt").write_text("")
    found = subprocess.run([sys.executable, "-m", "src.checkpoint_files", "--require", str(tmp_path)], cwd=REPO,
                           capture_output=True, text=True)
    assert found.returncode == 0 and found.stdout.strip() == str(tmp_path / "crnn-1_5.ckpt")

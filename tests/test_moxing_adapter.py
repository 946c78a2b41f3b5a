"""ModelArts options rehearsed locally: no moxing installed, local folders instead of OBS URLs."""
import importlib.util
import os

from src.model_utils.config import load_config
from src.model_utils.moxing_adapter import prepare_modelarts
from tests.conftest import run_script


def test_moxing_is_not_installed_here():
    assert importlib.util.find_spec("moxing") is None


def test_local_rehearsal_of_a_modelarts_training_job(tiny_synth, trained_run, tmp_path):
    _, _, checkpoint = trained_run
    cache, train_url = tmp_path / "cache", tmp_path / "bucket" / "output"
    result = run_script("train.py", "--enable_modelarts", "True", "--data_url", tiny_synth,
                        "--checkpoint_url", os.path.dirname(checkpoint), "--train_url", train_url,
                        "--data_path", cache / "data", "--load_path", cache / "ckpt", "--output_path",
                        cache / "train", "--train_dataset", "synth", "--train_dataset_path", "",
                        "--pre_trained", os.path.basename(checkpoint), "--device_target", "CPU",
                        "--model_version", "V2", "--batch_size", 16, "--max_steps", 2)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert (cache / "data" / "annotation_train.txt").exists()  # data_url copied to data_path
    assert (cache / "ckpt" / os.path.basename(checkpoint)).exists()  # checkpoint_url copied to load_path
    assert "network initialised from " + str(cache / "ckpt" / os.path.basename(checkpoint)) in log
    assert sorted(os.listdir(train_url / "ckpt")) == ["crnn-1_2.ckpt"]  # outputs copied to train_url
    assert (train_url / "log" / "rank_0" / "log.txt").exists() and (train_url / "config.yaml").exists()


def test_remote_url_without_moxing_is_one_clear_error(tmp_path):
    result = run_script("train.py", "--enable_modelarts", "True", "--data_url", "obs://bucket/data",
                        "--data_path", tmp_path / "data", "--output_path", tmp_path / "train",
                        "--device_target", "CPU", "--model_version", "V2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "moxing is not installed" in result.stderr and "obs://bucket/data" in result.stderr


def test_relative_paths_resolve_under_the_synced_folders(tmp_path):
    config = load_config(["--enable_modelarts", "True", "--data_path", str(tmp_path / "d"), "--load_path",
                          str(tmp_path / "c"), "--output_path", str(tmp_path / "o"), "--train_dataset_path",
                          "mj/train", "--resume_ckpt", "crnn-1_5.ckpt", "--eval_dataset_path", str(tmp_path)])
    prepare_modelarts(config)
    assert config.train_dataset_path == str(tmp_path / "d" / "mj" / "train")
    assert config.resume_ckpt == str(tmp_path / "c" / "crnn-1_5.ckpt")
    assert config.eval_dataset_path == str(tmp_path)  # absolute paths are kept
    assert config.output_dir == str(tmp_path / "o")


def test_local_rehearsal_of_modelarts_eval_and_export(tiny_synth, trained_run, tmp_path):
    _, _, checkpoint = trained_run
    cache, bucket = tmp_path / "cache", tmp_path / "bucket"
    common = ["--enable_modelarts", "True", "--data_url", tiny_synth, "--checkpoint_url", os.path.dirname(checkpoint),
              "--data_path", cache / "data", "--load_path", cache / "ckpt", "--output_path", cache / "out",
              "--device_target", "CPU", "--model_version", "V2"]
    result = run_script("eval.py", *common, "--eval_dataset", "synth", "--eval_dataset_path", "",
                        "--checkpoint_path", os.path.basename(checkpoint))
    assert result.returncode == 0, result.stderr[-2000:]
    assert ", total num:  64" in result.stdout and "result: {'CRNNAccuracy':" in result.stdout
    result = run_script("export.py", *common, "--train_url", bucket, "--ckpt_file", os.path.basename(checkpoint),
                        "--file_name", "crnn", "--file_format", "CKPT")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (cache / "out" / "crnn.ckpt").exists() and (bucket / "crnn.ckpt").exists()  # copied to train_url

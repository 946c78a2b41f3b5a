import re

import pytest

from src.model_utils.config import ConfigError, load_config


def test_defaults_are_the_zoos():
    config = load_config([])
    assert config.label_dict == "abcdefghijklmnopqrstuvwxyz0123456789"
    assert (config.class_num, config.blank, config.max_text_length, config.num_step) == (37, 36, 23, 24)
    assert (config.learning_rate, config.momentum, config.nesterov) == (0.02, 0.95, True)
    assert (config.image_height, config.image_width, config.hidden_size) == (32, 100, 256)
    assert config.model_version == "V1" and config.device_target == "Ascend"


def test_every_key_overrides_with_its_type():
    config = load_config(["--batch_size", "8", "--learning_rate", "0.5", "--nesterov", "false",
                          "--model_version", "V2", "--output_dir", "/x"])
    assert config.batch_size == 8 and isinstance(config.batch_size, int)
    assert config.learning_rate == 0.5 and config.nesterov is False
    assert config.model_version == "V2" and config.output_dir == "/x"


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="--no_such_key"):
        load_config(["--no_such_key", "1"])


@pytest.mark.parametrize("argv, named", [
    (["--batch_size", "abc"], "--batch_size"),
    (["--nesterov", "maybe"], "--nesterov"),
    (["--model_version", "V3"], "--model_version"),
    (["--batch_size", "0"], "batch_size"),
])
def test_bad_value_is_named(argv, named):
    with pytest.raises(ConfigError, match=named):
        load_config(argv)


def test_custom_label_dict_derives_class_num_and_blank():
    config = load_config(["--label_dict", "0123456789"])
    assert (config.class_num, config.blank) == (11, 10)


def test_contradicting_class_num_is_refused():
    with pytest.raises(ConfigError, match="class_num"):
        load_config(["--label_dict", "abc", "--class_num", "37"])


def test_config_path_selects_another_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("batch_size: 3\nlabel_dict: 'ab'\nclass_num: 3\nblank: 2\nmax_text_length: 5\n")
    config = load_config(["--config_path", str(path)])
    assert config.batch_size == 3 and config.blank == 2


def test_a_saved_run_config_reads_back(tmp_path):
    import yaml
    from src.model_utils.config import load_run_config
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"batch_size": 7, "label_dict": "abc",
                                                         "no_longer_a_key": 1}))
    config = load_run_config(tmp_path / "config.yaml")
    assert config.batch_size == 7 and config.label_dict == "abc" and config.epoch_size == 10
    assert config.class_num == 4 and config.blank == 3  # derived again from the saved label_dict
    assert not hasattr(config, "no_longer_a_key")


def test_network_shape_keys_follow_the_network():
    from src.model_utils.config import ConfigError
    assert load_config([]).num_step == 24 and load_config([]).input_size == 512
    assert load_config(["--image_width", "160"]).num_step == 39
    for args, message in ((["--num_step", "30"], "num_step=30 contradicts the network (must be 24"),
                          (["--input_size", "256"], "input_size=256 contradicts the network (must be 512"),
                          (["--image_height", "64"], "image_height 64 does not pool down to one row")):
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(args)
    assert load_config(["--num_step", "24"]).num_step == 24  # a consistent explicit value is fine


@pytest.mark.parametrize("argv", [["--batch", "8"], ["--model_ver", "V1"], ["--batch=8"]])
def test_abbreviated_keys_are_refused(argv):
    # An abbreviation would set the key while is_explicit(key) says it was not given.
    with pytest.raises(ConfigError, match=re.escape(argv[0].split("=")[0])):
        load_config(argv)


def test_partial_config_file_merges_over_the_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("batch_size: 5\n")
    config = load_config(["--config_path", str(path), "--model_version", "V2"])
    assert config.batch_size == 5
    assert config.epoch_size == load_config([]).epoch_size and config.label_dict.startswith("abc")
    assert config.num_step == 24 and config.blank == 36


def test_unknown_key_in_config_file_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("bach_size: 5\nepoch_size: 2\n")
    with pytest.raises(ConfigError, match=r"c.yaml: unknown key\(s\) bach_size"):
        load_config(["--config_path", str(path)])


def test_device_id_key_is_honoured(monkeypatch):
    from src.model_utils.device_adapter import get_device_id
    monkeypatch.delenv("DEVICE_ID", raising=False)
    assert get_device_id(load_config([])) == 0
    assert get_device_id(load_config(["--device_id", "3"])) == 3
    monkeypatch.setenv("DEVICE_ID", "5")  # the zoo's launchers set it per process
    assert get_device_id(load_config([])) == 5
    assert get_device_id(load_config(["--device_id", "2"])) == 2


@pytest.mark.parametrize("text, key, value", [
    ("learning_rate: 1e-3\n", "learning_rate", 0.001),  # PyYAML reads 1e-3 as a string
    ("use_dropout: \"False\"\n", "use_dropout", False),  # a quoted bool is still a bool
    ("batch_size: \"16\"\n", "batch_size", 16),
    ("momentum: 1\n", "momentum", 1.0),
])
def test_config_file_values_take_the_defaults_types(tmp_path, text, key, value):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    got = getattr(load_config(["--config_path", str(path)]), key)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text, message", [
    ("optimizer: adamw\n", r"c.yaml: optimizer: 'adamw' is not one of 'sgd', 'adam'"),
    ("use_dropout: maybe\n", r"c.yaml: use_dropout: expected True or False, got 'maybe'"),
    ("learning_rate: fast\n", r"c.yaml: learning_rate: expected float, got 'fast'"),
    ("batch_size: 2.5\n", r"c.yaml: batch_size: expected int, got '2.5'"),
    ("eval_dataset: coco\n", r"c.yaml: eval_dataset: 'coco' is not one of 'synth'"),
])
def test_a_bad_config_file_value_is_named_with_its_file(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(["--config_path", str(path)])


def test_a_bad_config_file_value_stops_train_py_with_one_line(tmp_path):
    from tests.conftest import run_script
    path = tmp_path / "c.yaml"
    path.write_text("optimizer: adamw\n")
    result = run_script("train.py", "--config_path", path, "--device_target", "CPU")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {path}: optimizer: 'adamw' is not one of 'sgd', 'adam'"]


@pytest.mark.parametrize("script", ["train.py", "eval.py", "predict.py"])
def test_help_prints_every_key_and_exits_cleanly(script):
    """--help formats each key's description: a '%' in one (e.g. '15% of the text height') must print as is."""
    from tests.conftest import run_script
    result = run_script(script, "--help")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-1500:]
    assert "--synth_tight_crop" in result.stdout and "15% of the text height" in " ".join(result.stdout.split())

"""The alphabet travels with a model's files; a configuration takes it or is refused; fine-tuning to another
alphabet starts only the classifier afresh."""
import logging
import string

import numpy as np
import pytest
import mindspore as ms

from src.checkpoint import (CLASSIFIER_PARAMETERS, load_for_fine_tuning, load_network_checkpoint, network_weights,
                            read_checkpoint, save_checkpoint_atomic)
from src.crnn import crnn
from src.errors import ConfigError, CRNNError
from src.model_alphabet import stored_alphabet, tag_onnx, use_model_alphabet, write_sidecar
from src.model_utils.config import load_config
from tests.conftest import SHIPPED

ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")

ZOO = "abcdefghijklmnopqrstuvwxyz0123456789"
# clovaai's case-sensitive alphabet: digits, both cases and ASCII punctuation
SENSITIVE_94 = string.digits + string.ascii_lowercase + string.ascii_uppercase + string.punctuation
MIXED = "aB7.,中문 "


def network(label_dict, version="V2"):
    config = load_config(["--model_version", version, "--device_target", "CPU", "--label_dict", label_dict])
    return crnn(config, full_precision=True), config


def test_a_checkpoint_keeps_the_alphabet_apart_from_its_weights(tmp_path):
    net, _ = network(MIXED)
    path = str(tmp_path / "m.ckpt")
    save_checkpoint_atomic(net, path, {"epoch_num": 1}, alphabet=MIXED)
    assert stored_alphabet(path) == MIXED
    assert set(network_weights(read_checkpoint(path))) == {p.name for p in net.get_parameters()}
    load_network_checkpoint(net, path, "V2", alphabet=MIXED)
    with pytest.raises(CRNNError, match="reads another alphabet .*8 characters"):
        load_network_checkpoint(network("abcdefgh")[0], path, "V2", alphabet="abcdefgh")


def test_a_configuration_without_an_alphabet_takes_the_models_and_another_is_refused(tmp_path):
    net, _ = network(MIXED)
    path = str(tmp_path / "m.ckpt")
    save_checkpoint_atomic(net, path, alphabet=MIXED)
    config = load_config([])
    assert use_model_alphabet(config, path) == MIXED
    assert (config.label_dict, config.class_num, config.blank) == (MIXED, 9, 8)
    with pytest.raises(ConfigError, match="trained with another alphabet"):
        use_model_alphabet(load_config(["--label_dict", "abc"]), path)
    dictionary = tmp_path / "d.txt"
    dictionary.write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="trained with another alphabet"):
        use_model_alphabet(load_config(["--character_dict_path", str(dictionary)]), path)
    # a file written without an alphabet (the zoo's, older releases): the configured one stands
    older = str(tmp_path / "older.ckpt")
    save_checkpoint_atomic(network(ZOO)[0], older)
    config = load_config(["--label_dict", "abc"])
    assert stored_alphabet(older) is None and use_model_alphabet(config, older) == "abc"
    # the shipped file carries the zoo's alphabet
    config = load_config([])
    assert stored_alphabet(SHIPPED) == ZOO and use_model_alphabet(config, SHIPPED) == ZOO


def test_exports_carry_the_alphabet_beside_or_inside(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = onnx.helper.make_model(onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["x"], ["y"])], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])]))
    path = str(tmp_path / "m.onnx")
    onnx.save(model, path)
    assert stored_alphabet(path) is None
    tag_onnx(path, MIXED)
    tag_onnx(path, MIXED)  # tagging again replaces, never duplicates
    assert stored_alphabet(path) == MIXED
    assert [p.key for p in onnx.load(path).metadata_props] == ["alphabet"]
    mindir = str(tmp_path / "m.mindir")
    assert stored_alphabet(mindir) is None
    sidecar = write_sidecar(mindir, MIXED)
    assert sidecar == mindir + ".alphabet.txt" and stored_alphabet(mindir) == MIXED
    assert load_config(["--character_dict_path", sidecar]).label_dict == MIXED  # a dictionary file


def test_fine_tuning_the_shipped_model_to_94_characters_starts_only_the_classifier_afresh(caplog):
    net, config = network(SENSITIVE_94)
    before = {p.name: p.asnumpy().copy() for p in net.get_parameters()}
    with caplog.at_level(logging.INFO, logger="crnn"):
        load_for_fine_tuning(net, SHIPPED, "V2", config.label_dict)
    shipped = {k: v.asnumpy().astype(np.float32) for k, v in network_weights(read_checkpoint(SHIPPED)).items()}
    classifier = CLASSIFIER_PARAMETERS["V2"]
    after = {p.name: p.asnumpy() for p in net.get_parameters()}
    for name, value in after.items():
        if name not in classifier:
            np.testing.assert_array_equal(value, shipped[name], err_msg=name)
    weight, bias = (after[name] for name in classifier)
    old_weight, old_bias = (shipped[name] for name in classifier)
    fresh_weight = before[classifier[0]]
    assert weight.shape == (95, 512) and old_weight.shape == (37, 512)
    for char in "a7z":  # shared characters keep their rows
        np.testing.assert_array_equal(weight[SENSITIVE_94.index(char)], old_weight[ZOO.index(char)])
    # capitals start from their lower-case letter (the shipped model folds case), the blank from the blank
    np.testing.assert_array_equal(weight[SENSITIVE_94.index("Q")], old_weight[ZOO.index("q")])
    np.testing.assert_array_equal(weight[94], old_weight[36])
    assert bias[94] == old_bias[36]
    # punctuation is new: its rows are the fresh initialisation
    np.testing.assert_array_equal(weight[SENSITIVE_94.index("!")], fresh_weight[SENSITIVE_94.index("!")])
    lines = [r.getMessage() for r in caplog.records if "fine-tuning" in r.getMessage()]
    assert len(lines) == 1 and "rnn.1.embedding.weight, rnn.1.embedding.bias start afresh" in lines[0]
    assert "63 of 95 classes copied" in lines[0]  # 10 digits + 26 lower + 26 upper + the blank


def test_fine_tuning_with_the_same_alphabet_is_the_strict_load(tmp_path):
    net, config = network(ZOO)
    load_for_fine_tuning(net, SHIPPED, "V2", config.label_dict)
    shipped = network_weights(read_checkpoint(SHIPPED))
    for p in net.get_parameters():
        np.testing.assert_array_equal(p.asnumpy(), shipped[p.name].asnumpy().astype(np.float32))


def test_loading_another_class_count_for_evaluation_names_the_alphabet(tmp_path):
    older = str(tmp_path / "older.ckpt")  # written without an alphabet: the classifier's shape tells
    save_checkpoint_atomic(network(ZOO)[0], older)
    net, _ = network(SENSITIVE_94)
    with pytest.raises(CRNNError, match="its classifier has 37 classes, an alphabet of 36 characters"):
        load_network_checkpoint(net, older, "V2", alphabet=SENSITIVE_94)
    with pytest.raises(CRNNError, match="reads another alphabet .*36 characters"):  # the shipped file says so
        load_network_checkpoint(net, SHIPPED, "V2", alphabet=SENSITIVE_94)

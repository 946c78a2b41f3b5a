"""The alphabet from label_dict or a character dictionary file; case kept when the alphabet has capitals."""
import pytest

from src.alphabet import read_character_dict
from src.errors import ConfigError
from src.label import LabelCodec
from src.model_utils.config import load_config

ZOO = "abcdefghijklmnopqrstuvwxyz0123456789"


def test_a_dictionary_file_with_capitals_punctuation_and_cjk_gives_the_alphabet(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("a\nB\n7\n.\n中\n문\r\n", encoding="utf-8")  # a CRLF line too
    config = load_config(["--character_dict_path", str(path), "--use_space_char", "True"])
    assert config.label_dict == "aB7.中문 " and config.class_num == 8 and config.blank == 7
    codec = LabelCodec(config.label_dict, 10)
    assert not codec.folds_case and codec.normalize("Ba 中") == "Ba 中"
    encoded = codec.encode("B.中 문")
    assert codec.indices_to_text(encoded) == "B.中 문"
    assert codec.unknown_chars("bA") == ["A", "b"]  # case is not folded away


BAD_DICTIONARIES = {"a\n\nb\n": ":2: empty line", "a\nb\na\n": ":3: 'a' repeats line 1",
                    "a\nab\n": ":2: 'ab' is not one character", "": " holds no characters"}


def test_a_bad_dictionary_file_is_refused_with_its_line(tmp_path):
    for number, (text, problem) in enumerate(BAD_DICTIONARIES.items()):
        path = tmp_path / f"dict{number}.txt"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as refused:
            load_config(["--character_dict_path", str(path)])
        assert str(path) + problem in str(refused.value)


def test_label_dict_and_a_dictionary_file_together_are_refused(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("x\ny\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="give label_dict or character_dict_path, not both"):
        load_config(["--character_dict_path", str(path), "--label_dict", "abc"])


def test_a_non_utf8_file_is_named(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_bytes(b"a\n\xff\n")
    with pytest.raises(ConfigError, match="is not UTF-8"):
        read_character_dict(str(path))


def test_the_zoo_alphabet_still_folds_case():
    config = load_config([])
    assert config.label_dict == ZOO and config.class_num == 37
    codec = LabelCodec(config.label_dict, 23)
    assert codec.folds_case and codec.normalize("HeLLo") == "hello" and codec.unknown_chars("HeLLo") == []
    assert load_config(["--use_space_char", "True"]).label_dict == ZOO + " "

import os

import pytest

from src.dataset import select_samples
from src.errors import CRNNError
from src.label import LabelCodec
from src.readers.ic13 import parse_ic13, parse_ic13_line
from tests.conftest import REALDATA, needs_realdata

CODEC = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)
IC13 = os.path.join(REALDATA, "IC13")


def test_line_parsing_keeps_commas_and_quotes_inside_the_label():
    assert parse_ic13_line('word_1.png, "Tiredness"', "f:1") == ("word_1.png", "Tiredness")
    assert parse_ic13_line('word_9.png, "a,b"', "f:9") == ("word_9.png", "a,b")
    assert parse_ic13_line('word_7.png, """', "f:7") == ("word_7.png", '"')


def test_malformed_line_names_file_and_line():
    with pytest.raises(CRNNError, match=r"gt.txt:3: expected"):
        parse_ic13_line("word_3.png Tiredness", "gt.txt:3")


@needs_realdata("IC13")
def test_real_ic13_counts_857_by_default_and_1015_alphanumeric():
    samples = parse_ic13(IC13)
    assert len(samples) == 1095
    assert samples[0].text == "Tiredness" and samples[0].path.endswith("Challenge2_Test_Task3_Images/word_1.png")
    assert all(os.path.isfile(s.path) for s in samples)
    zoo, dropped = select_samples(samples, CODEC, 24, False, "ic13")
    assert len(zoo) == 857 and sum(dropped.values()) == 1095 - 857
    alnum, _ = select_samples(samples, CODEC, 24, False, "ic13", word_filter="alnum")
    assert len(alnum) == 1015
    assert all(s.text == s.text.lower() for s in zoo)


IC15 = os.path.join(REALDATA, "IC15_train")


def test_backslash_escaped_quotes_are_undone():
    assert parse_ic13_line('word_1018.png, "\\"SCAN\\""', "gt.txt:1018") == ("word_1018.png", '"SCAN"')
    assert parse_ic13_line('word_1013.png, "READER\\""', "gt.txt:1013") == ("word_1013.png", 'READER"')
    assert parse_ic13_line('word_5.png, "a\\\\b"', "gt.txt:5") == ("word_5.png", "a\\b")


@needs_realdata("IC15_train")
def test_real_ic15_train_counts_and_rules():
    samples = parse_ic15_like(IC15)
    assert len(samples) == 4468
    first = samples[0]  # the file starts with a BOM, which must not reach the image name
    assert first.path.endswith("IC15_train/word_1.png") and first.text == "Genaxis Theatre"
    assert first.origin.endswith("gt.txt:1")
    by_name = {os.path.basename(s.path): s.text for s in samples}
    assert by_name["word_1018.png"] == '"SCAN"' and by_name["word_1077.png"] == 'lives."'
    assert all(os.path.isfile(s.path) for s in samples)
    scored, dropped = select_samples(samples, CODEC, 24, False, "ic15")  # scored as IC13: alphanumeric, 3+
    assert len(scored) == 4055 and dropped["characters outside label_dict"] == 413
    trained, dropped = select_samples(samples, CODEC, 24, True, "ic15")  # trained on with symbols stripped
    assert len(trained) == 4467 and dropped["empty label"] == 1
    texts = {os.path.basename(s.path): s.text for s in trained}
    assert texts["word_1.png"] == "genaxistheatre" and texts["word_1018.png"] == "scan"


def test_bad_ic15_line_names_file_and_line(tmp_path):
    (tmp_path / "gt.txt").write_bytes('\ufeffword_1.png, "ok"\r\nword_2.png "no comma"\r\n'.encode("utf-8"))
    with pytest.raises(CRNNError, match=r"gt.txt:2: expected"):
        parse_ic15_like(str(tmp_path))


def parse_ic15_like(root):
    from src.readers import get_parser
    return get_parser("ic15")(root)

import os

import pytest

from src.dataset import select_samples
from src.errors import CRNNError
from src.label import LabelCodec
from src.readers.ic13 import parse_ic13, parse_ic13_line
from tests.conftest import REALDATA

CODEC = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)
IC13 = os.path.join(REALDATA, "IC13")


def test_line_parsing_keeps_commas_and_quotes_inside_the_label():
    assert parse_ic13_line('word_1.png, "Tiredness"', "f:1") == ("word_1.png", "Tiredness")
    assert parse_ic13_line('word_9.png, "a,b"', "f:9") == ("word_9.png", "a,b")
    assert parse_ic13_line('word_7.png, """', "f:7") == ("word_7.png", '"')


def test_malformed_line_names_file_and_line():
    with pytest.raises(CRNNError, match=r"gt.txt:3: expected"):
        parse_ic13_line("word_3.png Tiredness", "gt.txt:3")


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

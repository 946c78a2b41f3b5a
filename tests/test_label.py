import numpy as np
import pytest

from src.label import LabelCodec, ctc_frames_needed

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def one_hot_path(indices, classes=37):
    """(T, 1, C) scores whose argmax is the given frame path."""
    scores = np.zeros((len(indices), 1, classes), np.float32)
    scores[np.arange(len(indices)), 0, indices] = 1.0
    return scores


def test_blank_is_last_class_and_encoding_pads_with_it():
    codec = LabelCodec(ALPHABET, 23)
    assert codec.blank == 36
    encoded = codec.encode("Ab9")
    assert encoded.dtype == np.int32 and encoded.shape == (23,)
    assert encoded[:3].tolist() == [0, 1, 35]
    assert (encoded[3:] == 36).all()


def test_encode_rejects_too_long_labels():
    with pytest.raises(ValueError, match="longer than max_text_length"):
        LabelCodec(ALPHABET, 4).encode("abcde")


def test_greedy_decode_collapses_repeats_and_drops_blanks():
    codec = LabelCodec(ALPHABET, 23)
    b = 36
    # "hello": repeated l needs a blank between the two l's; leading/trailing blanks vanish.
    path = [b, 7, 7, 4, b, 11, 11, b, 11, 14, 14, b]
    assert codec.greedy_decode(one_hot_path(path)) == ["hello"]
    # Without the blank the two l's merge into one.
    assert codec.greedy_decode(one_hot_path([7, 4, 11, 11, 14])) == ["helo"]
    assert codec.greedy_decode(one_hot_path([b] * 24)) == [""]


def test_greedy_decode_is_per_sample_on_a_batch():
    codec = LabelCodec(ALPHABET, 23)
    scores = np.concatenate([one_hot_path([0, 0, 36, 0]), one_hot_path([26, 27, 28, 28])], axis=1)
    assert codec.greedy_decode(scores) == ["aa", "012"]


def test_custom_alphabet_moves_the_blank():
    codec = LabelCodec("xyz", 5)
    assert codec.blank == 3
    assert codec.greedy_decode(one_hot_path([0, 3, 0, 2, 1], classes=4)) == ["xxzy"]


def test_unknown_chars_and_strip():
    codec = LabelCodec(ALPHABET, 23)
    assert codec.unknown_chars("Don't-Stop") == ["'", "-"]
    assert codec.strip_unknown("Don't-Stop") == "dontstop"


def test_ctc_frames_needed_counts_repeat_separators():
    assert ctc_frames_needed("abc") == 3
    assert ctc_frames_needed("hello") == 6
    assert ctc_frames_needed("aaaa") == 7

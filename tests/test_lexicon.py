import itertools

import numpy as np
import pytest

from src.errors import CRNNError
from src.label import LabelCodec
from src.lexicon import BKTree, Lexicon, LexiconDecoder, ctc_log_likelihoods, greedy_confidence, log_softmax

CODEC = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)


def brute_force_log_likelihood(log_probs, label, blank):
    """Sum over every path that collapses to label (exponential: tiny inputs only)."""
    total = -np.inf
    for path in itertools.product(range(log_probs.shape[1]), repeat=log_probs.shape[0]):
        collapsed = [p for i, p in enumerate(path) if p != blank and (i == 0 or p != path[i - 1])]
        if collapsed == list(label):
            total = np.logaddexp(total, sum(log_probs[t, p] for t, p in enumerate(path)))
    return total


def test_ctc_likelihood_equals_the_sum_over_paths():
    log_probs = log_softmax(np.random.default_rng(3).standard_normal((5, 4)))
    labels = [[0], [0, 1], [1, 1], [0, 1, 2], [], [2, 2, 2]]
    expected = [brute_force_log_likelihood(log_probs, l, 3) for l in labels]
    np.testing.assert_allclose(ctc_log_likelihoods(log_probs, labels, 3), expected, rtol=1e-10)


def _one_hot_logits(text, steps=24, strength=8.0):
    """Logits whose best path spells text (blanks between letters), as a trained model would give."""
    logits = np.zeros((steps, CODEC.blank + 1))
    logits[:, CODEC.blank] = strength
    for i, char in enumerate(text):
        logits[2 * i, CODEC.blank] = 0
        logits[2 * i, CODEC._index[char]] = strength
    return logits


def test_lexicon_decoding_returns_the_most_probable_lexicon_word():
    decoder = LexiconDecoder(CODEC)
    logits = _one_hot_logits("hcllo")  # greedy reads 'hcllo'
    assert CODEC.greedy_decode(logits[:, None, :]) == ["hcllo"]
    word, probability = decoder.decode(logits, ["world", "HELLO", "yellow", "hell"])
    assert word == "hello" and 0 < probability < 1
    assert decoder.decode(logits, ["hcllo", "hello"])[0] == "hcllo"
    assert decoder.decode(logits, ["caf\u00e9"]) == ("", 0.0)  # nothing encodable


def test_a_large_lexicon_goes_through_the_bk_tree():
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdefghij"), 7)) for _ in range(3000)] + ["lexicon"]
    decoder = LexiconDecoder(CODEC, max_distance=2)
    logits = _one_hot_logits("lexicun")
    assert decoder.candidates(words, "lexicun")[:1] == ["lexicon"]
    assert len(decoder.candidates(words, "lexicun")) < 10
    assert decoder.decode(logits, words)[0] == "lexicon"


def test_bk_tree_finds_exactly_the_words_within_the_distance():
    from rapidfuzz.distance import Levenshtein
    rng = np.random.default_rng(1)
    words = sorted({"".join(rng.choice(list("abcd"), int(rng.integers(1, 7)))) for _ in range(400)})
    tree = BKTree(words)
    for query in ("abc", "dddd", "a", "bacdab"):
        expected = sorted((Levenshtein.distance(query, w), w) for w in words if Levenshtein.distance(query, w) <= 2)
        assert tree.within(query, 2) == expected


def test_greedy_confidence():
    assert greedy_confidence(_one_hot_logits("ab", strength=30.0)) == pytest.approx(1.0)
    assert greedy_confidence(_one_hot_logits("ab", strength=1.0)) == pytest.approx(np.e / (np.e + 36))
    assert greedy_confidence(np.zeros((24, 37))) == pytest.approx(1 / 37)  # 'a' on every frame, emitted once
    blank_only = np.zeros((24, 37))
    blank_only[:, 36] = 5.0
    assert greedy_confidence(blank_only) == 1.0  # nothing emitted


def test_lexicon_files(tmp_path):
    (tmp_path / "words.txt").write_text("apple\nBanana\n")
    assert Lexicon(str(tmp_path / "words.txt")).words_for("any.png") == ["apple", "Banana"]
    (tmp_path / "lexicon_50.txt").write_text("img/a.png,SHOP,CAFE\nimg/b.png,HOTEL\n")
    lexicon = Lexicon(str(tmp_path / "lexicon_50.txt"))
    assert lexicon.words_for(str(tmp_path / "img" / "b.png")) == ["HOTEL"]
    assert lexicon.words_for("/elsewhere/img/a.png", dataset_root="/elsewhere") == ["SHOP", "CAFE"]
    with pytest.raises(CRNNError, match="no entry for"):
        lexicon.words_for(str(tmp_path / "img" / "c.png"))
    (tmp_path / "bad.txt").write_text("img/a.png,\n")
    with pytest.raises(CRNNError, match=r"bad.txt:1"):
        Lexicon(str(tmp_path / "bad.txt"))
    with pytest.raises(CRNNError, match="not found"):
        Lexicon(str(tmp_path / "none.txt"))

import os

import pytest
from PIL import Image

from src.dataset import select_samples
from src.errors import CRNNError
from src.label import LabelCodec
from src.readers.path_label import parse_ic03, parse_svt
from tests.conftest import REALDATA, needs_realdata, run_script

CODEC = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)


@needs_realdata("svt1")
def test_real_svt_train_converts_to_257_crops_inside_their_images(tmp_path):
    svt = os.path.join(REALDATA, "svt1")
    result = run_script("convert_svt.py", "-d", svt, "-x", os.path.join(svt, "train.xml"), "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "written: 257" in result.stderr
    samples = parse_svt(str(tmp_path / "out"))
    assert len(samples) == 257 and samples[0].text == "LIVING"
    for sample in samples[:40]:
        with Image.open(sample.path) as crop:
            assert crop.size[0] > 0 and crop.size[1] > 0
    kept, _ = select_samples(samples, CODEC, 24, False, "svt")
    assert len(kept) == 257 and kept[0].text == "living"
    lexicon = (tmp_path / "out" / "lexicon_50.txt").read_text().splitlines()
    assert len(lexicon) == 257 and lexicon[0].startswith("img/14_03_0_LIVING.png,LIVING,ROOM,THEATERS")
    assert not any(p.name == "annotation.txt" for p in tmp_path.iterdir())  # nothing outside -o


def test_boxes_past_the_edge_are_clipped(tmp_path):
    Image.new("RGB", (40, 20), (200, 10, 10)).save(tmp_path / "s.jpg")
    (tmp_path / "t.xml").write_text(
        '<tagset><image><imageName>s.jpg</imageName><lex>AB,CD</lex><taggedRectangles>'
        '<taggedRectangle height="30" width="30" x="20" y="-2"><tag>AB</tag></taggedRectangle>'
        '<taggedRectangle height="5" width="5" x="50" y="50"><tag>CD</tag></taggedRectangle>'
        '</taggedRectangles></image></tagset>')
    result = run_script("convert_svt.py", "-d", tmp_path, "-x", tmp_path / "t.xml", "-o", tmp_path / "o")
    assert result.returncode == 0, result.stderr
    assert "written: 1" in result.stderr and "box outside the image: 1" in result.stderr
    assert "clipped to the image: 1" in result.stderr
    with Image.open(tmp_path / "o" / "s_0_AB.png") as crop:
        assert crop.size == (20, 20)


def test_zoo_style_svt_folder_without_annotation(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "14_03_0_LIVING.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    assert [s.text for s in parse_svt(str(tmp_path))] == ["LIVING"]


@needs_realdata("IC03_sample")
def test_real_ic03_sample_converts_75_boxes_and_keeps_the_zoo_words(tmp_path):
    root = os.path.join(REALDATA, "IC03_sample", "SceneTrialTest")
    result = run_script("convert_ic03.py", "-d", root, "-x", os.path.join(root, "words.xml"), "-o", tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "written: 75" in result.stderr
    samples = parse_ic03(str(tmp_path))
    assert len(samples) == 75
    kept, _ = select_samples(samples, CODEC, 24, False, "ic03")
    expected = [s.text.lower() for s in samples if s.text.isalnum() and s.text.isascii() and len(s.text) >= 3]
    assert [s.text for s in kept] == expected and 0 < len(kept) < 75


def test_ic03_word_set_and_zoo_trailing_comma(tmp_path):
    (tmp_path / "word" / "1").mkdir(parents=True)
    Image.new("RGB", (30, 10)).save(tmp_path / "word" / "1" / "1.jpg")
    with open(tmp_path / "word" / "1" / "2.jpg", "wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0 truncated")
    (tmp_path / "word.xml").write_text('<?xml version="1.0" encoding="ISO-8859-1"?><imagelist>'
                                       '<image file="word/1/1.jpg" tag="Tiredness" />'
                                       '<image file="word/1/2.jpg" tag="Broken" /></imagelist>')
    result = run_script("convert_ic03.py", "-d", tmp_path, "-x", tmp_path / "word.xml", "-o", tmp_path / "o")
    assert result.returncode == 0, result.stderr
    assert "written: 1" in result.stderr and "image unreadable (truncated or corrupt): 1" in result.stderr
    assert [s.text for s in parse_ic03(str(tmp_path / "o"))] == ["Tiredness"]
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "annotation.txt").write_text("a_0_Ltd.,Ltd.,\n")
    assert parse_ic03(str(tmp_path / "z"))[0].text == "Ltd."


def test_malformed_xml_names_the_file(tmp_path):
    (tmp_path / "bad.xml").write_text("<tagset><image>")
    result = run_script("convert_svt.py", "-x", tmp_path / "bad.xml", "-o", tmp_path / "o")
    assert result.returncode == 2 and "bad.xml: not well-formed XML" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_scene_image_is_named_and_counted(tmp_path):
    (tmp_path / "t.xml").write_text('<tagset><image><imageName>img/gone.jpg</imageName><taggedRectangles>'
                                    '<taggedRectangle height="5" width="5" x="0" y="0"><tag>AB</tag>'
                                    '</taggedRectangle></taggedRectangles></image></tagset>')
    result = run_script("convert_svt.py", "-d", tmp_path, "-x", tmp_path / "t.xml", "-o", tmp_path / "o")
    assert result.returncode == 0
    assert "gone.jpg not found" in result.stderr and "skipped: image missing: 1" in result.stderr

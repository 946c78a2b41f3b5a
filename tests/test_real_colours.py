import os

import numpy as np
import pytest

from src.errors import CRNNError
from src.synth.options import RenderOptions
from src.synth.real_colours import TABLE_PATH, load_table, measure_datasets, measure_pair
from tests.conftest import REALDATA, needs_realdata

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _word_crop(text_rgb, background_rgb):
    image = np.empty((32, 100, 3), np.uint8)
    image[:] = background_rgb
    image[8:24, 10:20] = text_rgb  # three "letters": 15% of the crop, none on the border
    image[8:24, 40:50] = text_rgb
    image[8:24, 70:80] = text_rgb
    return image


def test_a_crop_gives_its_text_and_background_colours_in_either_polarity():
    for text, background in (((20, 30, 200), (240, 235, 220)), ((250, 250, 250), (120, 20, 20))):
        measured = measure_pair(_word_crop(text, background))
        assert measured is not None
        assert np.array_equal(measured[0], text) and np.array_equal(measured[1], background)


def test_crops_without_two_clear_classes_give_no_pair():
    assert measure_pair(np.full((32, 100, 3), 128, np.uint8)) is None
    assert measure_pair(_word_crop((130, 130, 130), (120, 120, 120))) is None  # luminance gap under 20
    mostly_ink = np.zeros((32, 100, 3), np.uint8)
    mostly_ink[1:31, 1:99] = 255
    mostly_ink[1:31, 1:5] = 0
    assert measure_pair(mostly_ink) is None  # the "text" class would cover nearly the whole crop
    assert measure_pair(np.zeros((3, 50, 3), np.uint8)) is None


def test_the_shipped_table_loads_and_a_bad_line_names_file_and_line(tmp_path):
    table = load_table()
    assert table.shape == (5804, 6) and table.min() >= 0 and table.max() <= 255
    bad = tmp_path / "colours.txt"
    bad.write_text("# header\n1 2 3 4 5 6\n1 2 3 4 5 300\n")
    with pytest.raises(CRNNError, match=f"{bad}:3: expected six values 0-255"):
        load_table(str(bad))


def test_rendered_words_take_a_measured_pair_when_switched_on():
    from src.synth.render import render_word
    plain = {k[len("synth_"):]: 0.0 for k, v in RenderOptions.config_keys().items()
             if isinstance(v, float) and not k.endswith(("_max", "_min"))}
    options = RenderOptions(**{**plain, "real_colours": 1.0}, rotation_max=0.0)
    table = load_table()
    for seed in range(6):
        image = render_word("Harbour", FONT, np.random.default_rng(seed), options)
        text, background = measure_pair(image)
        distances = np.abs(table - np.concatenate([text, background])).max(axis=1)
        assert distances.min() < 30  # the measured row, moved by the jitter and the glyph edges


@needs_realdata("IC15_train")
def test_ic15_train_crops_give_pairs_of_both_polarities_and_wide_contrast():
    pairs, skipped = measure_datasets([("ic15", os.path.join(REALDATA, "IC15_train") + "@train")])
    assert (len(pairs), skipped) == (3808, 194)  # 4,002 crops in the train part
    luma = np.array([0.299, 0.587, 0.114])
    gap = pairs[:, :3].astype(np.float32) @ luma - pairs[:, 3:].astype(np.float32) @ luma
    assert 0.4 < (gap > 0).mean() < 0.7  # light text on dark and dark on light, both common
    assert np.percentile(np.abs(gap), 25) < 60 and np.percentile(np.abs(gap), 90) > 140


def test_table_path_is_inside_the_package():
    assert os.path.dirname(TABLE_PATH).endswith(os.path.join("src", "synth"))

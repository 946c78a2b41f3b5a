import filecmp
import os
import re
from collections import Counter

import numpy as np
import pytest

from src.errors import CRNNError
from src.synth.options import DEFAULT_BACKGROUND_DIRS, RenderOptions

from src.readers.synth import parse_synth
from src.synth.fonts import find_fonts
from src.synth.writer import generate_dataset
from tests.conftest import needs_realdata


def test_enough_real_fonts_are_installed():
    fonts = find_fonts()
    assert len(fonts) >= 10, "install the font packages (scripts/install.sh)"
    assert all(f.lower().endswith((".ttf", ".otf")) for f in fonts)


def test_layout_is_mjsynth_and_reader_reads_it(tiny_synth):
    train = parse_synth(tiny_synth, is_training=True)
    test = parse_synth(tiny_synth, is_training=False)
    assert (len(train), len(test)) == (320, 64)
    lexicon = open(os.path.join(tiny_synth, "lexicon.txt")).read().split("\n")
    first = open(os.path.join(tiny_synth, "annotation_train.txt")).readline().strip()
    assert re.fullmatch(r"\./\d+/\d/\d+_[A-Za-z0-9]+_\d+\.jpg \d+", first)
    for sample in train[:50]:
        name = os.path.basename(sample.path)
        index, rendered, lex_index = re.fullmatch(r"(\d+)_(\w+)_(\d+)\.jpg", name).groups()
        assert os.path.isfile(sample.path)
        assert rendered.lower() == sample.text == lexicon[int(lex_index)]
    rendered = [os.path.basename(s.path).split("_")[1] for s in train]
    assert any(r.isupper() and len(r) > 1 for r in rendered) and any(r.islower() for r in rendered)
    assert any(any(c.isdigit() for c in r) for r in rendered)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    from src.synth.writer import make_renderer
    a, b, c = (tmp_path / n for n in "abc")
    renderer = make_renderer(5)  # fonts and photos loaded once for both runs of seed 5
    generate_dataset(str(a), 12, 4, workers=2, show_progress=False, renderer=renderer)
    generate_dataset(str(b), 12, 4, workers=1, show_progress=False, renderer=renderer)
    generate_dataset(str(c), 12, 4, seed=6, workers=2, show_progress=False)
    for name in ("annotation_train.txt", "annotation_test.txt", "lexicon.txt"):
        assert filecmp.cmp(a / name, b / name, shallow=False)
    lines = (a / "annotation_train.txt").read_text().split()[::2]
    for rel in lines:
        assert filecmp.cmp(a / rel, b / rel, shallow=False)
    assert (a / "annotation_train.txt").read_text() != (c / "annotation_train.txt").read_text()


@needs_realdata("mjsynth_samples")
def test_real_mjsynth_crops_read_through_an_mjsynth_tree(tmp_path):
    from tests.conftest import REALDATA
    source = os.path.join(REALDATA, "mjsynth_samples")
    names = sorted(os.listdir(source))
    assert len(names) == 14
    fields = [re.fullmatch(r"(\d+)_(.+)_(\d+)\.jpg", n).groups() for n in names]
    lexicon = [""] * (max(int(f[2]) for f in fields) + 1)
    lines = []
    for name, (_, word, index) in zip(names, fields):
        (tmp_path / "1" / "2").mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.join(source, name), tmp_path / "1" / "2" / name)
        lexicon[int(index)] = word.lower()
        lines.append(f"./1/2/{name} {index}\n")
    (tmp_path / "lexicon.txt").write_text("\n".join(lexicon) + "\n")
    (tmp_path / "annotation_test.txt").write_text("".join(lines))
    samples = parse_synth(str(tmp_path), is_training=False)
    assert [s.text for s in samples] == [f[1].lower() for f in fields]
    from src.dataset import decode_image
    heights = {decode_image(s.path).shape[0] for s in samples}
    assert heights <= {31, 32}


def test_font_pool_has_hundreds_of_faces_and_no_package_dominates():
    from src.synth.fonts import DECORATIVE_PACKAGES, FontPool, package_of, scan_fonts
    faces = scan_fonts()
    pool = FontPool(faces, decorative=0.05)
    assert len(pool) >= 300 and pool.num_families >= 100, (len(pool), pool.num_families)
    rng = np.random.default_rng(0)
    draws = Counter(package_of(pool.sample(rng)) for _ in range(8000))
    # Packages are drawn evenly, not by face count: the most drawn one gets about 1/len(regular).
    assert draws.most_common(1)[0][1] / 8000 < 2.0 / len(pool.regular), draws.most_common(3)
    decorative = sum(n for package, n in draws.items() if package in DECORATIVE_PACKAGES)
    assert abs(decorative / 8000 - 0.05) < 0.01, decorative


def test_a_package_counts_once_across_format_folders_and_sub_folders():
    from src.synth.fonts import package_of
    assert package_of("/usr/share/fonts/truetype/fantasque-sans/Normal/TTF/a.ttf") == "fantasque-sans"
    assert package_of("/usr/share/fonts/opentype/fantasque-sans/NoLoopK/OTF/a.otf") == "fantasque-sans"
    assert package_of("/usr/share/fonts/fonts-go/Go-Regular.ttf") == "fonts-go"
    assert package_of("/usr/local/share/fonts/mine.ttf") == "/usr/local/share/fonts"
    assert package_of("/f/big/1.ttf") == "/f/big"


def test_decorative_packages_are_drawn_at_their_own_rate():
    from src.synth.fonts import FontPool
    faces = ([(f"/usr/share/fonts/truetype/dejavu/{i}.ttf", "DejaVu") for i in range(20)]
             + [("/usr/share/fonts/truetype/kristi/Kristi.ttf", "Kristi")])
    rng = np.random.default_rng(2)
    for share in (0.0, 0.2, 1.0):
        pool = FontPool(faces, decorative=share)
        kristi = sum(pool.sample(rng).endswith("Kristi.ttf") for _ in range(5000))
        assert abs(kristi / 5000 - share) < 0.02, (share, kristi)


def test_font_pool_draws_folder_then_family_then_face():
    from src.synth.fonts import FontPool
    faces = [(f"/f/big/{i}.ttf", f"Family{i % 2}") for i in range(400)] + [("/f/small/a.ttf", "Solo")]
    pool = FontPool(faces)
    rng = np.random.default_rng(1)
    draws = Counter(pool.sample(rng) for _ in range(6000))
    assert abs(draws["/f/small/a.ttf"] / 6000 - 0.5) < 0.03
    family0 = sum(n for p, n in draws.items() if p.startswith("/f/big/") and int(p[7:-4]) % 2 == 0)
    assert abs(family0 / 6000 - 0.25) < 0.03


def test_background_photos_are_found_and_cropped():
    from src.synth.backgrounds import load_photos, photo_crop
    photos = load_photos(DEFAULT_BACKGROUND_DIRS)
    assert len(photos) >= 40, "install gnome-backgrounds, mate-backgrounds and ukui-wallpapers (scripts/install.sh)"
    assert all(p.dtype == np.uint8 and p.ndim == 3 and max(p.shape[:2]) <= 1024 for p in photos)
    crop = photo_crop(photos, 40, 120, np.random.default_rng(0))
    assert crop.shape == (40, 120, 3) and crop.std() > 0


def test_a_background_folder_without_a_readable_image_is_one_clear_error(tmp_path):
    from tests.conftest import run_script
    (tmp_path / "bg").mkdir()
    (tmp_path / "bg" / "broken.jpg").write_bytes(b"not a jpeg")
    result = run_script("generate_dataset.py", "--output_dir", tmp_path / "out", "--num_train", 4, "--num_test", 0,
                        "--synth_background_dirs", tmp_path / "bg")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: background folder(s) {tmp_path / 'bg'} hold no readable image")
    missing = run_script("generate_dataset.py", "--output_dir", tmp_path / "out", "--num_train", 4, "--num_test", 0,
                         "--synth_background_dirs", tmp_path / "nowhere")
    assert missing.returncode == 2 and "background folder" in missing.stderr and "Traceback" not in missing.stderr


def test_every_knob_is_a_config_key_and_reaches_the_renderer():
    from src.model_utils.config import load_config
    config = load_config(["--synth_photo", "0", "--synth_blur", "1.0"])
    declared = {k: v for k, v in config.to_dict().items() if k.startswith("synth_")}
    assert declared.keys() == RenderOptions.config_keys().keys()
    options = RenderOptions.from_config(config)
    assert options.photo == 0.0 and options.blur == 1.0 and options.noise == RenderOptions().noise
    with pytest.raises(CRNNError, match="synth_noise is a probability"):
        RenderOptions(noise=1.5)


def test_variations_switch_off_and_on_with_their_probability():
    from src.synth.render import render_word
    from src.synth.fonts import find_fonts
    font = find_fonts()[0]
    plain = RenderOptions(**{k[len("synth_"):]: 0.0 for k, v in RenderOptions.config_keys().items()
                             if isinstance(v, float) and not k.endswith("_max")}, rotation_max=0.0,
                          margin_x_max=0.0, margin_y_max=0.0)
    a = render_word("Hello", font, np.random.default_rng(3), plain)
    b = render_word("Hello", font, np.random.default_rng(3), plain)
    assert a.shape[0] == 32 and np.array_equal(a, b)
    inverted = render_word("Hello", font, np.random.default_rng(3), RenderOptions(**{**plain.__dict__, "invert": 1.0}))
    assert a.shape == inverted.shape and not np.array_equal(a, inverted)


def test_text_follows_the_case_and_string_probabilities():
    from src.synth.options import RenderOptions
    from src.synth.words import WordList, sample_text
    rng = np.random.default_rng(0)
    words = WordList(["apple", "Boston", "cat"])
    draws = [sample_text(words, rng, RenderOptions(scene_lengths=0.0)) for _ in range(4000)]
    assert all(label == text.lower() for label, text in draws)
    upper = sum(t.isupper() for _, t in draws) / len(draws)
    digits = sum(t.isdigit() for _, t in draws) / len(draws)
    assert 0.27 < upper < 0.36 and 0.06 < digits < 0.10  # 30% upper (+ digit strings); 20% x 40% digits
    assert any(t == "Boston" for _, t in draws) and any(t == "boston" for _, t in draws)


def test_scene_lengths_make_short_text_common():
    from src.synth.options import RenderOptions
    from src.synth.words import SCENE_LENGTH_SHARES, WordList, load_words, sample_text
    words = WordList(load_words(max_length=18))
    def length_shares(scene_lengths, n=6000):
        rng = np.random.default_rng(1)
        options = RenderOptions(scene_lengths=scene_lengths)
        lengths = np.array([len(sample_text(words, rng, options)[0]) for _ in range(n)])
        return np.bincount(lengths, minlength=19)[1:19] / n
    uniform, scene = length_shares(0.0), length_shares(1.0)
    assert uniform[:3].sum() < 0.06 and np.median(np.repeat(np.arange(1, 19), (uniform * 6000).astype(int))) >= 7
    expected = SCENE_LENGTH_SHARES / SCENE_LENGTH_SHARES.sum()
    assert abs(scene[:3].sum() - expected[:3].sum()) < 0.03 and np.abs(scene - expected).max() < 0.025


def test_a_word_list_without_usable_words_is_one_clear_error(tmp_path):
    from tests.conftest import run_script
    (tmp_path / "words.txt").write_text("it's\n---\n")
    result = run_script("generate_dataset.py", "--output_dir", tmp_path / "out", "--num_train", 4, "--num_test", 0,
                        "--word_list", tmp_path / "words.txt")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: word list {tmp_path / 'words.txt'} has no words of at most 18 characters spelt in the alphabet")


def test_knobs_that_are_off_draw_no_random_numbers():
    # The state a renderer without tilt, tight_crop and relief reaches: with those at their default (0)
    # the random stream must stay the same, so a recipe's earlier stages render the same words.
    from src.synth.render import render_word
    rng = np.random.default_rng(11)
    for i in range(40):
        render_word(f"Word{i}", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", rng, RenderOptions())
    assert rng.bit_generator.state["state"]["state"] == 124279647825908180763417279030707991819


def test_wide_spacing_sets_the_letters_apart_by_15_to_60_percent_of_the_font_size():
    from PIL import ImageFont

    from src.synth.render import _glyph_masks
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    plain = RenderOptions(spacing=0.0, curve=0.0, neighbours=0.0, underline=0.0, bold=0.0)
    wide = RenderOptions(spacing=0.0, curve=0.0, neighbours=0.0, underline=0.0, bold=0.0, wide_spacing=1.0)

    def ink_width(options, seed):
        mask, _ = _glyph_masks("word", font, np.random.default_rng(seed), options)
        columns = np.flatnonzero(mask.max(axis=0) > 0.5)
        return columns[-1] - columns[0]

    widths = [ink_width(wide, seed) - ink_width(plain, seed) for seed in range(20)]
    # three gaps between four letters, each 6..24 px wider
    assert min(widths) >= 3 * 6 - 1 and max(widths) <= 3 * 24 + 1
    assert max(widths) - min(widths) > 20  # drawn afresh for each word


def test_a_wide_tilt_stays_within_the_canvas():
    from src.synth.render import _widest_tilt
    mask = np.zeros((100, 300), np.float32)
    mask[40:60, 50:250] = 1.0  # 40 px of room above and below, ends 100 px from the centre
    assert _widest_tilt(mask) == pytest.approx(np.degrees(np.arcsin(0.9 * 40 / 100)), abs=0.1)
    mask[:] = 0.0
    mask[40:60, 140:160] = 1.0  # a short word may turn as far as tilt_max allows
    assert _widest_tilt(mask) == 90.0
    assert _widest_tilt(np.zeros((10, 10), np.float32)) == 0.0


def test_tilted_words_keep_all_their_ink_and_stand_taller():
    from src.synth.render import _warp
    mask = np.zeros((120, 220), np.float32)
    mask[50:70, 60:160] = 1.0
    image = np.repeat(mask[..., None] * 255, 3, axis=2)
    plain = RenderOptions(rotation_max=0.0, shear=0.0, perspective=0.0)
    tilted = RenderOptions(rotation_max=0.0, shear=0.0, perspective=0.0, tilt=1.0, tilt_max=15.0)
    heights = []
    for options in (plain, tilted):
        _, warped = _warp(image, mask, np.random.default_rng(2), options)
        assert warped.sum() == pytest.approx(mask.sum(), rel=0.02)
        heights.append(np.flatnonzero(warped.max(axis=1) > 0.3).size)
    assert heights[0] == 20 and heights[1] > 25


def test_a_tight_crop_cuts_into_the_glyphs_top_and_bottom():
    from src.synth.render import _crop_to_word
    mask = np.zeros((100, 200), np.float32)
    mask[30:70, 50:150] = 1.0
    image = np.zeros((100, 200, 3), np.float32)
    for seed in range(20):
        loose = _crop_to_word(image, mask, np.random.default_rng(seed), RenderOptions())
        tight = _crop_to_word(image, mask, np.random.default_rng(seed), RenderOptions(tight_crop=1.0))
        assert loose.shape[0] >= 40 and 40 * 0.7 <= tight.shape[0] <= 40
        assert tight.shape[1] == loose.shape[1]  # left and right margins unchanged


def test_relief_letters_are_the_background_colour_with_a_light_and_a_dark_edge():
    from src.synth.render import _emboss
    image = np.full((60, 60, 3), 128.0, np.float32)
    ink = np.zeros((60, 60), np.float32)
    ink[20:40, 20:40] = 1.0
    embossed = _emboss(image, ink, 40, np.random.default_rng(0))
    assert abs(embossed[27:33, 27:33].mean() - 128) <= 25  # inside the stroke: about the background
    assert embossed.max() > 128 + 40 and embossed.min() < 128 - 40  # the lit and the shaded edge
    assert np.array_equal(embossed[:5], image[:5])  # away from the letters: untouched


def test_text_knobs_that_are_off_draw_no_random_numbers():
    # other_words and word_number at 0 (their default): the same words, and the same rng state after them
    from src.synth.words import WordList, sample_text
    words, other = WordList(["apple", "Boston", "cat"]), WordList(["strasse", "zentrum"])
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    first = [sample_text(words, a, RenderOptions()) for _ in range(300)]
    second = [sample_text(words, b, RenderOptions(), other) for _ in range(300)]
    assert first == second and a.bit_generator.state == b.bit_generator.state


def test_other_words_come_from_frequent_words_of_other_languages():
    from src.synth.words import WordList, load_frequent_words, sample_text
    german = load_frequent_words("de", max_length=18)
    assert "und" in german and "forschung" in german and all(re.fullmatch(r"[a-z0-9]{1,18}", w) for w in german)
    assert "für" not in german and "über" not in german  # accented words are left out, not relabelled
    other = WordList(german)
    rng = np.random.default_rng(0)
    options = RenderOptions(random_string=0.0, other_words=0.5)
    labels = [sample_text(WordList(["apple"]), rng, options, other)[0] for _ in range(2000)]
    share = sum(label != "apple" for label in labels) / len(labels)
    assert 0.45 < share < 0.55 and set(labels) - {"apple"} <= set(german)
    with pytest.raises(CRNNError, match="synth_other_languages: xx; wordfreq has"):
        load_frequent_words("de,xx")


def test_words_joined_with_numbers():
    from src.synth.words import WordList, sample_text
    rng = np.random.default_rng(2)
    labels = [sample_text(WordList(["room"]), rng, RenderOptions(random_string=0.0, word_number=1.0))[0]
              for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9]{1,4}room|room[0-9]{1,4}", label) for label in labels)
    assert 0.4 < sum(label.startswith("room") for label in labels) / 1000 < 0.6
    assert {len(label) - 4 for label in labels} == {1, 2, 3, 4}


def test_the_generator_renders_other_words_and_numbers(tmp_path):
    from tests.conftest import run_script
    result = run_script("generate_dataset.py", "--output_dir", tmp_path, "--num_train", 40, "--num_test", 0,
                        "--synth_other_words", 1.0, "--synth_word_number", 1.0, "--synth_random_string", 0.0,
                        "--synth_other_languages", "nl")
    assert result.returncode == 0, result.stderr[-2000:]
    labels = [s.text.lower() for s in parse_synth(str(tmp_path), is_training=True)]
    assert len(labels) == 40 and all(re.search(r"[0-9]", t) for t in labels)
    assert sum(bool(re.search(r"[a-z]{3}", t)) for t in labels) >= 30  # Dutch words, with their numbers


class _HangsOnce:
    """A renderer whose image 5 hangs the first time it is asked for (a stuck worker), then renders."""

    def __init__(self, renderer, flag):
        self.renderer, self.flag = renderer, flag
        self.fonts, self.photos = renderer.fonts, renderer.photos

    def __call__(self, index):
        if index == 5 and not os.path.exists(self.flag):
            open(self.flag, "w").close()
            import time
            time.sleep(3600)
        return self.renderer(index)


def test_a_stalled_worker_pool_is_restarted_and_the_output_is_unchanged(tmp_path):
    from src.synth.writer import make_renderer
    renderer = make_renderer(4)
    generate_dataset(str(tmp_path / "clean"), 12, 0, workers=2, show_progress=False, renderer=renderer)
    generate_dataset(str(tmp_path / "stalled"), 12, 0, workers=2, show_progress=False, stall_seconds=5,
                     renderer=_HangsOnce(renderer, str(tmp_path / "hung")))
    assert os.path.exists(tmp_path / "hung")  # image 5 did hang once
    lines = (tmp_path / "clean" / "annotation_train.txt").read_text()
    assert (tmp_path / "stalled" / "annotation_train.txt").read_text() == lines
    for rel in lines.split()[::2]:
        assert filecmp.cmp(tmp_path / "clean" / rel, tmp_path / "stalled" / rel, shallow=False)


SENSITIVE_94 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def test_a_case_sensitive_alphabet_gets_labels_as_rendered_with_its_punctuation(tmp_path):
    from tests.conftest import run_script
    dictionary = tmp_path / "en94.txt"
    dictionary.write_text("".join(c + "\n" for c in SENSITIVE_94), encoding="utf-8")
    out = tmp_path / "data"
    result = run_script("generate_dataset.py", "--output_dir", out, "--num_train", 60, "--num_test", 0,
                        "--character_dict_path", dictionary, "--synth_random_string", 0.5, "--seed", 3)
    assert result.returncode == 0, result.stderr[-2000:]
    labels = [s.text for s in parse_synth(str(out), is_training=True)]
    assert len(labels) == 60 and all(set(label) <= set(SENSITIVE_94) for label in labels)
    assert any(c.isupper() for label in labels for c in label)  # case kept in the label
    assert any(c.islower() for label in labels for c in label)
    assert any(c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" for label in labels for c in label)
    for sample in parse_synth(str(out), is_training=True):  # the file name shows the text's letters and digits
        shown = os.path.basename(sample.path).split("_", 1)[1].rsplit("_", 1)[0]
        assert shown == "".join(c if c.isalnum() else "_" for c in sample.text)


def test_a_word_is_drawn_only_with_faces_that_cover_it(tmp_path):
    from src.synth.fonts import FontPool, scan_font_coverage
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    greek = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    latin_only = "/usr/share/fonts/truetype/karla/Karla-Bold.otf"
    for path in (greek, latin_only):
        if not os.path.isfile(path):
            pytest.skip(f"{path} is not installed (scripts/debian-packages.txt)")
        os.symlink(path, fonts / os.path.basename(path))
    faces = scan_font_coverage([str(fonts)], "abcαβγ")
    assert [os.path.basename(f[0]) for f in faces] == ["DejaVuSans.ttf", "Karla-Bold.otf"]
    assert set("αβγΑΒΓ") <= faces[0][2] and not set("αβγ") & faces[1][2]  # both cases are looked up
    pool = FontPool(faces)
    rng = np.random.default_rng(0)
    assert {os.path.basename(pool.sample_for("Αβ", rng)) for _ in range(50)} == {"DejaVuSans.ttf"}
    assert {os.path.basename(pool.sample_for("cab", rng)) for _ in range(50)} == {"DejaVuSans.ttf", "Karla-Bold.otf"}
    assert pool.sample_for("中", rng) is None


def test_a_font_collection_draws_for_another_alphabet_and_not_for_the_zoos(tmp_path):
    """Debian's CJK faces come only as .ttc collections: their first face counts where the alphabet is not
    the zoo's, and the zoo alphabet's faces stay those they were."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.ttCollection import TTCollection
    from PIL import ImageFont

    from src.synth.fonts import scan_font_coverage, scan_fonts
    greek = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not os.path.isfile(greek):
        pytest.skip(f"{greek} is not installed (scripts/debian-packages.txt)")
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    collection = TTCollection()
    collection.fonts = [TTFont(greek)]
    collection.save(str(fonts / "pair.ttc"))
    assert scan_fonts([str(fonts)]) == []
    faces = scan_font_coverage([str(fonts)], "abcαβγ")
    assert [os.path.basename(f[0]) for f in faces] == ["pair.ttc"] and set("αβγ") <= faces[0][2]
    assert ImageFont.truetype(faces[0][0], 30).getbbox("αβγ")[2] > 0


def test_a_script_no_installed_face_draws_is_one_clear_error(tmp_path):
    from tests.conftest import run_script
    result = run_script("generate_dataset.py", "--output_dir", tmp_path, "--num_train", 4, "--num_test", 0,
                        "--label_dict", "\u0378\u03790123456789", "--synth_random_string", 1.0, "--synth_photo", 0.0)
    lines = result.stderr.strip().splitlines()  # U+0378 and U+0379 are unassigned: no face maps them
    assert lines[-1].startswith("error: no installed font draws") and "install.sh --fonts NAME" in lines[-1], \
        result.stderr[-1500:]
    assert "Traceback" not in result.stderr


def test_the_zoo_alphabet_draws_the_same_text_as_before():
    """Drawing text for the default alphabet is unchanged by the alphabet-aware generator (pinned draws)."""
    from src.synth.words import WordList, sample_text
    rng = np.random.default_rng([11, 0])
    words = WordList(["apple", "Boston", "kiwi", "Zebra"])
    draws = [sample_text(words, rng, RenderOptions()) for _ in range(8)]
    assert all(label == text.lower() for label, text in draws)
    assert draws == PINNED_ZOO_DRAWS


# drawn by the generator before it knew alphabets: the zoo's alphabet must draw them still
PINNED_ZOO_DRAWS = [("zebra", "ZEBRA"), ("799", "799"), ("kiwi", "KIWI"), ("apple", "apple"), ("kiwi", "KIWI"),
                    ("zebra", "Zebra"), ("boston", "BOSTON"), ("kiwi", "kiwi")]

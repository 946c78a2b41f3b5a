import filecmp
import os
import re

from src.readers.synth import parse_synth
from src.synth.fonts import find_fonts
from src.synth.writer import generate_dataset


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
    a, b, c = (tmp_path / n for n in "abc")
    generate_dataset(str(a), 12, 4, seed=5, workers=2, show_progress=False)
    generate_dataset(str(b), 12, 4, seed=5, workers=1, show_progress=False)
    generate_dataset(str(c), 12, 4, seed=6, workers=2, show_progress=False)
    for name in ("annotation_train.txt", "annotation_test.txt", "lexicon.txt"):
        assert filecmp.cmp(a / name, b / name, shallow=False)
    lines = (a / "annotation_train.txt").read_text().split()[::2]
    for rel in lines:
        assert filecmp.cmp(a / rel, b / rel, shallow=False)
    assert (a / "annotation_train.txt").read_text() != (c / "annotation_train.txt").read_text()


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

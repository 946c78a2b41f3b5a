"""Write a rendered word dataset in the MJSynth 90kDICT32px layout.

    D/<i // 1000>/<i // 100 % 10>/<i>_<rendered text>_<lexicon index>.jpg
    D/annotation_train.txt, D/annotation_test.txt   lines "./<relative path> <lexicon index>"
    D/lexicon.txt                                   one lowercase word a line; index = line number

Sample i is drawn from its own generator seeded by (seed, i), so the output does not depend on
how many worker processes render it.
"""
import os
from multiprocessing import Pool

import cv2
import numpy as np
from tqdm import tqdm

from src.fileio import write_text_atomic
from src.synth.fonts import find_fonts
from src.synth.render import render_word
from src.synth.words import load_words, sample_text

MIN_FONTS = 10


class _SampleRenderer:
    """Picklable renderer of sample i: returns (relative path, label) after writing the image."""

    def __init__(self, output_dir, words, fonts, seed, jpeg_quality):
        self.output_dir = output_dir
        self.words = words
        self.fonts = fonts
        self.seed = seed
        self.jpeg_quality = jpeg_quality

    def __call__(self, index):
        rng = np.random.default_rng([self.seed, index])
        label, text = sample_text(self.words, rng)
        font = self.fonts[int(rng.integers(len(self.fonts)))]
        image = render_word(text, font, rng)
        rel_dir = os.path.join(str(index // 1000), str(index // 100 % 10))
        rel_path = os.path.join(rel_dir, f"{index}_{text}_LEX.jpg")
        full_dir = os.path.join(self.output_dir, rel_dir)
        os.makedirs(full_dir, exist_ok=True)
        quality = int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1))
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError(f"JPEG encoding failed for sample {index}")
        return rel_path, label, encoded


def generate_dataset(output_dir, num_train, num_test, seed=0, workers=None, word_list=None,
                     font_dirs=None, jpeg_quality=(75, 95), show_progress=True):
    """Render num_train + num_test word images into output_dir; return a summary dict."""
    words = load_words(word_list) if word_list else load_words()
    fonts = find_fonts(font_dirs) if font_dirs else find_fonts()
    if len(fonts) < MIN_FONTS:
        raise RuntimeError(f"found {len(fonts)} usable fonts, need at least {MIN_FONTS}: "
                           "install the Debian font packages listed in README.md")
    os.makedirs(output_dir, exist_ok=True)
    renderer = _SampleRenderer(output_dir, words, fonts, seed, jpeg_quality)
    total = num_train + num_test
    lexicon, lexicon_index, lines = [], {}, []
    workers = workers or os.cpu_count() or 1
    with Pool(workers) as pool:
        results = pool.imap(renderer, range(total), chunksize=64)
        for rel_path, label, encoded in tqdm(results, total=total, disable=not show_progress,
                                             desc="rendering", unit="img"):
            if label not in lexicon_index:
                lexicon_index[label] = len(lexicon)
                lexicon.append(label)
            index = lexicon_index[label]
            final_rel = rel_path.replace("_LEX.jpg", f"_{index}.jpg")
            with open(os.path.join(output_dir, final_rel), "wb") as handle:
                handle.write(encoded.tobytes())
            lines.append(f"./{final_rel} {index}\n")
    write_text_atomic(os.path.join(output_dir, "lexicon.txt"), "".join(w + "\n" for w in lexicon))
    write_text_atomic(os.path.join(output_dir, "annotation_train.txt"), "".join(lines[:num_train]))
    write_text_atomic(os.path.join(output_dir, "annotation_test.txt"), "".join(lines[num_train:]))
    return {"train": num_train, "test": num_test, "fonts": len(fonts), "lexicon": len(lexicon)}

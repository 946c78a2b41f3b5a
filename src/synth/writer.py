"""Write a rendered word dataset in the MJSynth 90kDICT32px layout.

    D/<i // 1000>/<i // 100 % 10>/<i>_<rendered text>_<lexicon index>.jpg
    D/annotation_train.txt, D/annotation_test.txt   lines "./<relative path> <lexicon index>"
    D/lexicon.txt                                   one lowercase word a line; index = line number

Sample i is drawn from its own generator seeded by (seed, i), so the output does not depend on
how many worker processes render it.
"""
import logging
import multiprocessing
import os
from multiprocessing import Pool

import cv2
import numpy as np
from tqdm import tqdm

from src.errors import CRNNError
from src.fileio import write_text_atomic
from src.synth.backgrounds import load_photos
from src.synth.fonts import DEFAULT_FONT_DIRS, FontPool, scan_font_coverage, scan_fonts
from src.synth.options import RenderOptions
from src.synth.render import render_word
from src.synth.words import (DEFAULT_WORD_LIST, ZOO, ZOO_ALPHABET, TextAlphabet, WordList, load_frequent_words,
                             load_words, sample_text)

MIN_FONTS = 10
MAX_TEXT_DRAWS = 10  # texts drawn for one sample before no face drawing any of them is an error
logger = logging.getLogger("crnn")


class _SampleRenderer:
    """Renderer of sample i: returns (relative path, label, JPEG bytes).

    Worker processes get it once, at start (fork), not with every task: the photos are large.
    """

    def __init__(self, words, fonts, photos, options, seed, jpeg_quality, other_words=None, alphabet=ZOO):
        self.words = words
        self.alphabet = alphabet
        self.other_words = other_words
        self.fonts = fonts
        self.photos = photos
        self.options = options
        self.seed = seed
        self.jpeg_quality = jpeg_quality

    def __call__(self, index):
        rng = np.random.default_rng([self.seed, index])
        for _ in range(MAX_TEXT_DRAWS):
            label, text = sample_text(self.words, rng, self.options, self.other_words, self.alphabet)
            face = self.fonts.sample_for(text, rng)
            if face is not None:
                break
        else:
            raise CRNNError(f"no installed font draws {text!r} (sample {index}): install fonts for the alphabet's "
                            "script (bash scripts/install.sh --fonts NAME, see scripts/script-fonts.txt)")
        image = render_word(text, face, rng, self.options, self.photos)
        # the name shows the text, its letters and digits (never '/', or '::', which marks an lmdb image);
        # the lexicon holds the label
        name = "".join(c if c.isalnum() else "_" for c in text)
        rel_path = os.path.join(str(index // 1000), str(index // 100 % 10), f"{index}_{name}_LEX.jpg")
        quality = int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1))
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise CRNNError(f"JPEG encoding failed for sample {index}")
        return rel_path, label, encoded


_worker_renderer = None


def _init_worker(renderer):
    global _worker_renderer
    _worker_renderer = renderer


def _render_in_worker(indices):
    return [_worker_renderer(index) for index in indices]


def make_renderer(seed, options=RenderOptions(), word_list=None, font_dirs=None, jpeg_quality=(75, 95),
                  alphabet=ZOO_ALPHABET):
    """A callable index -> (relative path, label, JPEG bytes) with its word list, fonts and photos loaded;
    labels are spelt in alphabet (the zoo's by default)."""
    text_alphabet = TextAlphabet(alphabet)
    other_words = None
    if options.other_words > 0:
        other_words = WordList(load_frequent_words(options.other_languages, options.max_word_length,
                                                   alphabet=text_alphabet))
    try:
        words = WordList(load_words(word_list or DEFAULT_WORD_LIST, options.max_word_length, text_alphabet))
    except CRNNError as err:
        if options.random_string >= 1.0:  # random strings only: no word is ever drawn
            words = WordList([])
        elif other_words is None or word_list:
            raise
        else:  # another script: the English list spells nothing in it, the other languages' words stand in
            logger.warning("%s; dictionary words come from synth_other_languages %s only", err,
                           options.other_languages)
            words = other_words
    dirs = font_dirs or DEFAULT_FONT_DIRS
    if set(alphabet) <= set(ZOO_ALPHABET):  # every face that draws letters and digits draws every word
        faces = scan_fonts(dirs)
        if len(faces) < MIN_FONTS:
            raise CRNNError(f"found {len(faces)} usable fonts, need at least {MIN_FONTS}: install the Debian "
                            "font packages listed in scripts/debian-packages.txt")
    else:  # faces draw parts of the alphabet: every character needs one
        faces = scan_font_coverage(dirs, alphabet)
        undrawn = [c for c in alphabet if not c.isspace() and not any(c in covered for _, _, covered in faces)]
        if undrawn:
            raise CRNNError(f"no installed font draws {len(undrawn)} of the alphabet's {len(alphabet)} characters "
                            f"(e.g. {', '.join(map(repr, undrawn[:5]))}): install fonts for its script (bash "
                            "scripts/install.sh --fonts NAME; the names are in scripts/script-fonts.txt)")
    photos = load_photos(options.background_dirs) if options.photo > 0 else []
    return _SampleRenderer(words, FontPool(faces, options.decorative_fonts), photos, options, seed, jpeg_quality,
                           other_words, text_alphabet)


# A pool that delivers no image for this long is taken to be stuck: a worker process was seen to hang
# (waiting on a lock it inherited at fork) in about 1 of 30 runs on a loaded machine.
STALL_SECONDS = 300
MAX_RESTARTS = 3
RENDER_CHUNK = 64  # images a worker renders per task


def _rendered_in_order(renderer, total, workers, stall_seconds):
    """Yield renderer(i) for i in 0..total-1 from a pool of worker processes. A pool that stalls is
    terminated and a new one carries on from the first image not yet delivered: sample i depends only
    on (seed, i), so the output is the same as without the restart."""
    done, restarts = 0, 0
    while done < total:
        with Pool(workers, initializer=_init_worker, initargs=(renderer,)) as pool:  # exit terminates it
            chunks = [range(start, min(start + RENDER_CHUNK, total)) for start in range(done, total, RENDER_CHUNK)]
            results = pool.imap(_render_in_worker, chunks)  # one chunk a task: an iterator with a timeout
            try:
                while done < total:
                    for item in results.next(timeout=stall_seconds):
                        done += 1
                        yield item
            except multiprocessing.TimeoutError:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise CRNNError(f"rendering stalled {restarts} times (no image for {stall_seconds} s); "
                                    f"{done} of {total} images were rendered") from None
                logger.warning("rendering stalled at image %d of %d (no image for %d s): restarting the "
                               "worker processes", done, total, stall_seconds)


def generate_dataset(output_dir, num_train, num_test, seed=0, workers=None, word_list=None,
                     font_dirs=None, jpeg_quality=(75, 95), show_progress=True, options=RenderOptions(),
                     renderer=None, stall_seconds=STALL_SECONDS, alphabet=ZOO_ALPHABET):
    """Render num_train + num_test word images into output_dir; return a summary dict.

    renderer: one made by make_renderer (then seed, word_list, font_dirs, jpeg_quality, options and
    alphabet are its own).
    """
    renderer = renderer or make_renderer(seed, options, word_list, font_dirs, jpeg_quality, alphabet)
    os.makedirs(output_dir, exist_ok=True)
    total = num_train + num_test
    lexicon, lexicon_index, lines = [], {}, []
    workers = workers or os.cpu_count() or 1
    results = _rendered_in_order(renderer, total, workers, stall_seconds)
    with tqdm(total=total, disable=not show_progress, desc="rendering", unit="img") as bar:
        for rel_path, label, encoded in results:
            bar.update()
            if label not in lexicon_index:
                lexicon_index[label] = len(lexicon)
                lexicon.append(label)
            index = lexicon_index[label]
            final_rel = rel_path.replace("_LEX.jpg", f"_{index}.jpg")
            full_path = os.path.join(output_dir, final_rel)
            os.makedirs(os.path.dirname(full_path), exist_ok=True)
            with open(full_path, "wb") as handle:
                handle.write(encoded.tobytes())
            lines.append(f"./{final_rel} {index}\n")
    write_text_atomic(os.path.join(output_dir, "lexicon.txt"), "".join(w + "\n" for w in lexicon))
    write_text_atomic(os.path.join(output_dir, "annotation_train.txt"), "".join(lines[:num_train]))
    write_text_atomic(os.path.join(output_dir, "annotation_test.txt"), "".join(lines[num_train:]))
    return {"train": num_train, "test": num_test, "fonts": len(renderer.fonts),
            "font_families": renderer.fonts.num_families, "photos": len(renderer.photos),
            "lexicon": len(lexicon)}

"""MJSynth 90kDICT32px layout (and generate_dataset.py's output).

Root holds annotation_train.txt / annotation_test.txt with lines '<relative image path> <lexicon index>'
and lexicon.txt; the label of a line is lexicon[index].
"""
import os

from src.errors import CRNNError
from src.readers import Sample, image_path_under


def parse_synth(root, is_training, annotation=None):
    """Samples listed in annotation_train.txt (is_training) or annotation_test.txt under root (or in annotation)."""
    annotation = annotation or os.path.join(root, "annotation_train.txt" if is_training else "annotation_test.txt")
    lexicon_path = os.path.join(root, "lexicon.txt")
    for path in (annotation, lexicon_path):
        if not os.path.isfile(path):
            raise CRNNError(f"synth dataset: {path} not found (expected the MJSynth 90kDICT32px layout)")
    with open(lexicon_path, encoding="utf-8", errors="replace") as handle:
        lexicon = [line.strip() for line in handle]
    samples = []
    with open(annotation, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            where = f"{annotation}:{number}"
            parts = line.rsplit(" ", 1)
            if len(parts) != 2 or not parts[1].isdigit():
                raise CRNNError(f"{where}: expected '<image path> <lexicon index>', got {line!r}")
            rel_path, index = parts[0], int(parts[1])
            if index >= len(lexicon):
                raise CRNNError(f"{where}: lexicon index {index} is past the end of {lexicon_path} "
                                f"({len(lexicon)} lines)")
            samples.append(Sample(image_path_under(root, rel_path, where), lexicon[index], where))
    return samples

"""IIIT5K as convert_iiit5k.py writes it: root/annotation.txt with lines '<image path>,<label>'."""
import os

from src.errors import CRNNError
from src.readers import Sample, image_path_under, read_lines


def parse_iiit5k(root, is_training=False):
    """Samples of root/annotation.txt; image paths are relative to root (e.g. test/1_1.png)."""
    annotation = os.path.join(root, "annotation.txt")
    samples = []
    for number, line in read_lines(annotation):
        where = f"{annotation}:{number}"
        rel_path, sep, text = line.partition(",")
        if not sep or not rel_path.strip():
            raise CRNNError(f"{where}: expected '<image path>,<label>', got {line!r}")
        samples.append(Sample(image_path_under(root, rel_path.strip(), where), text.strip(), where))
    return samples

"""'<image path>,<label>' annotations: IIIT5K, IC03 and SVT as our converters (and the zoo's) write them.

root/annotation.txt lists image paths relative to root. The zoo's IC03 lines end in a trailing comma,
which is dropped. An SVT folder without annotation.txt (the zoo's converter output) is read the zoo's
way: every image in the folder, label = the file name's last '_' field.
"""
import os

from src.errors import CRNNError
from src.readers import Sample, image_path_under, is_image_name, read_lines

ANNOTATION = "annotation.txt"


def parse_path_label(root, is_training=False, zoo_trailing_comma=False, annotation=None):
    """Samples of root/annotation.txt (or of annotation, image paths still relative to root)."""
    annotation = annotation or os.path.join(root, ANNOTATION)
    samples = []
    for number, line in read_lines(annotation):
        where = f"{annotation}:{number}"
        rel_path, sep, text = line.partition(",")
        if not sep or not rel_path.strip():
            raise CRNNError(f"{where}: expected '<image path>,<label>', got {line!r}")
        if zoo_trailing_comma and text.endswith(",") and len(text) > 1:
            text = text[:-1]
        samples.append(Sample(image_path_under(root, rel_path.strip(), where), text.strip(), where))
    return samples


def parse_iiit5k(root, is_training=False, annotation=None):
    return parse_path_label(root, is_training, annotation=annotation)


def parse_ic03(root, is_training=False, annotation=None):
    return parse_path_label(root, is_training, zoo_trailing_comma=True, annotation=annotation)


def parse_svt(root, is_training=False, annotation=None):
    """annotation.txt if present, else the zoo's crop folder (label from '<name>_<j>_<LABEL>.jpg')."""
    if annotation or os.path.isfile(os.path.join(root, ANNOTATION)):
        return parse_path_label(root, is_training, annotation=annotation)
    samples = []
    for name in sorted(os.listdir(root)):
        stem = os.path.splitext(name)[0]
        if is_image_name(name) and "_" in stem:
            samples.append(Sample(os.path.join(root, name), stem.rsplit("_", 1)[1], os.path.join(root, name)))
    if not samples:
        raise CRNNError(f"svt dataset: {root} has neither {ANNOTATION} nor '<name>_<j>_<LABEL>.jpg' crops")
    return samples

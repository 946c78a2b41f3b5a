"""ICDAR 2013 word recognition: root/Challenge2_Test_Task3_GT.txt (or gt.txt) with lines 'word_1.png, "Text"'."""
import os

from src.errors import CRNNError
from src.readers import Sample, image_path_under, read_lines

GT_NAMES = ("Challenge2_Test_Task3_GT.txt", "gt.txt")
IMAGE_DIRS = ("Challenge2_Test_Task3_Images", "")


def parse_ic13_line(line, where):
    """(image name, text) of one GT line; the text is everything between the first and the last quote."""
    name, sep, rest = line.partition(",")
    first, last = rest.find('"'), rest.rfind('"')
    if not sep or first < 0 or last <= first:
        raise CRNNError(f"{where}: expected 'image.png, \"text\"', got {line!r}")
    return name.strip(), rest[first + 1:last]


def parse_ic13(root, is_training=False, annotation=None):
    """Samples of the GT file in root (or annotation); images in root/Challenge2_Test_Task3_Images/ or root."""
    gt = annotation or next((os.path.join(root, n) for n in GT_NAMES if os.path.isfile(os.path.join(root, n))), None)
    if gt is None:
        raise CRNNError(f"ic13 dataset: none of {', '.join(GT_NAMES)} found in {root}")
    image_dir = next(os.path.join(root, d) for d in IMAGE_DIRS if os.path.isdir(os.path.join(root, d)))
    samples = []
    for number, line in read_lines(gt):
        where = f"{gt}:{number}"
        name, text = parse_ic13_line(line, where)
        samples.append(Sample(image_path_under(image_dir, name, where), text, where))
    return samples

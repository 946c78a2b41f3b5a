"""ICDAR word recognition (2013 and 2015): a GT file with lines 'word_1.png, "Text"' beside the crops.

IC13's test set names its files Challenge2_Test_Task3_GT.txt and Challenge2_Test_Task3_Images/; the
training sets of both years (and IC15's test set) keep gt.txt and the crops in one folder. IC15 escapes
a quote inside a label with a backslash (`"\\"SCAN\\""`), which the parser undoes for both years.
"""
import os

from src.errors import CRNNError
from src.readers import Sample, image_path_under, read_lines

GT_NAMES = ("Challenge2_Test_Task3_GT.txt", "gt.txt")
IMAGE_DIRS = ("Challenge2_Test_Task3_Images", "")


def unescape_label(text):
    """The label with ICDAR's backslash escapes (\\" and \\\\) undone."""
    out, chars = [], iter(text)
    for char in chars:
        out.append(next(chars, "\\") if char == "\\" else char)
    return "".join(out)


def parse_ic13_line(line, where):
    """(image name, text) of one GT line; the text is everything between the first and the last quote."""
    name, sep, rest = line.partition(",")
    first, last = rest.find('"'), rest.rfind('"')
    if not sep or not name.strip() or first < 0 or last <= first:
        raise CRNNError(f"{where}: expected 'image.png, \"text\"', got {line!r}")
    return name.strip(), unescape_label(rest[first + 1:last])


def parse_ic13(root, is_training=False, annotation=None):
    """Samples of the GT file in root (or annotation); images in root/Challenge2_Test_Task3_Images/ or root."""
    gt = annotation or next((os.path.join(root, n) for n in GT_NAMES if os.path.isfile(os.path.join(root, n))), None)
    if gt is None:
        raise CRNNError(f"dataset at {root}: none of {', '.join(GT_NAMES)} found")
    image_dir = next(os.path.join(root, d) for d in IMAGE_DIRS if os.path.isdir(os.path.join(root, d)))
    samples = []
    for number, line in read_lines(gt):
        where = f"{gt}:{number}"
        name, text = parse_ic13_line(line, where)
        samples.append(Sample(image_path_under(image_dir, name, where), text, where))
    return samples

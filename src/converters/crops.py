"""Cut word boxes out of scene images and write '<crop path>,<label>' annotations (SVT, IC03)."""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, namedtuple

from PIL import Image
from tqdm import tqdm

from src.errors import CRNNError
from src.fileio import write_text_atomic

SceneImage = namedtuple("SceneImage", "name words lexicon")
SceneImage.__doc__ = ("A scene image: relative name, [(x, y, width, height, label)] (x None: the whole "
                      "image is the word), lexicon words.")


def parse_xml(xml_path):
    """The XML root element, or a CRNNError naming the file and position."""
    try:
        return ET.parse(xml_path).getroot()
    except FileNotFoundError:
        raise CRNNError(f"XML file {xml_path} not found") from None
    except ET.ParseError as err:
        raise CRNNError(f"{xml_path}: not well-formed XML at line {err.position[0]}: {err}") from None


def read_box(rect, where):
    """(x, y, width, height) floats of a <taggedRectangle>."""
    try:
        return tuple(float(rect.attrib[k]) for k in ("x", "y", "width", "height"))
    except (KeyError, ValueError):
        raise CRNNError(f"{where}: taggedRectangle needs numeric x, y, width, height, got {rect.attrib}") from None


def read_scene_xml(xml_path):
    """One SceneImage per <image> of an SVT or IC03 scene XML: <imageName>, optional <lex>, and each
    <taggedRectangle x y width height> with its <tag>."""
    scenes = []
    for number, image in enumerate(parse_xml(xml_path).iter("image"), 1):
        where = f"{xml_path}: image {number}"
        name = (image.findtext("imageName") or "").strip()
        if not name:
            raise CRNNError(f"{where}: no <imageName>")
        lexicon = [w for w in (image.findtext("lex") or "").strip().split(",") if w]
        words = [(*read_box(rect, where), (rect.findtext("tag") or "").strip())
                 for rect in image.iter("taggedRectangle")]
        scenes.append(SceneImage(name, words, lexicon))
    return scenes


def clip_box(x, y, width, height, image_width, image_height):
    """Integer (left, top, right, bottom) of a float box clipped to the image; None if nothing is left."""
    left, top = max(0, int(round(x))), max(0, int(round(y)))
    right, bottom = min(image_width, int(round(x + width))), min(image_height, int(round(y + height)))
    if right <= left or bottom <= top:
        return None
    return left, top, right, bottom


def crop_name(image_name, index, label):
    """'<image path without extension>_<index>_<label letters>.png' (label reduced to safe characters)."""
    stem = os.path.splitext(image_name)[0]
    return f"{stem}_{index}_{re.sub(r'[^A-Za-z0-9]', '', label)}.png"


def write_crops(scenes, image_dir, output_dir, annotation_path=None, lexicon_name="lexicon_50.txt"):
    """Crop every word of every scene into output_dir; write the annotation (and lexicon) files.

    Crops are lossless PNGs under output_dir, mirroring the image's relative folder. Returns a Counter
    of written crops and of skips with their reason.
    """
    annotation_path = annotation_path or os.path.join(output_dir, "annotation.txt")
    counts, lines, lexicon_lines = Counter(), [], []
    for scene in tqdm(scenes, desc="cropping", unit="image"):
        source = os.path.join(image_dir, scene.name)
        try:
            with Image.open(source) as opened:
                image = opened.convert("RGB")
        except FileNotFoundError:
            counts["skipped: image missing"] += len(scene.words)
            tqdm.write(f"skipped {len(scene.words)} words: image {source} not found", file=sys.stderr)
            continue
        except (OSError, ValueError, SyntaxError) as err:
            counts["skipped: image unreadable (truncated or corrupt)"] += len(scene.words)
            tqdm.write(f"skipped {len(scene.words)} words: image {source} unreadable: {err}", file=sys.stderr)
            continue
        for index, (x, y, width, height, label) in enumerate(scene.words):
            if x is None:
                box = (0, 0, *image.size)
            else:
                box = clip_box(x, y, width, height, *image.size)
                if box is None:
                    counts["skipped: box outside the image"] += 1
                    continue
                if (box[2] - box[0], box[3] - box[1]) != (int(round(width)), int(round(height))):
                    counts["clipped to the image"] += 1
            rel = crop_name(scene.name, index, label)
            os.makedirs(os.path.dirname(os.path.join(output_dir, rel)), exist_ok=True)
            image.crop(box).save(os.path.join(output_dir, rel))
            lines.append(f"{rel},{label}\n")
            if scene.lexicon:
                lexicon_lines.append(f"{rel}," + ",".join(scene.lexicon) + "\n")
            counts["written"] += 1
    write_text_atomic(annotation_path, "".join(lines))
    if lexicon_lines:
        write_text_atomic(os.path.join(os.path.dirname(os.path.abspath(annotation_path)), lexicon_name),
                          "".join(lexicon_lines))
    return counts


def run_crop_converter(description, read_scenes, argv=None):
    """The zoo's -d/-x/-o (+ -a) command line for a scene-XML converter; prints the summary to stderr."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--dataset_dir", default="./", help="folder the XML's image paths start from")
    parser.add_argument("-x", "--xml_file", default="test.xml", help="the dataset's XML annotation")
    parser.add_argument("-o", "--output_dir", default="./processed", help="folder for crops and annotation.txt")
    parser.add_argument("-a", "--output_annotation", default="",
                        help="annotation file (default <output_dir>/annotation.txt)")
    args = parser.parse_args(argv)
    counts = write_crops(read_scenes(args.xml_file), args.dataset_dir, args.output_dir,
                         args.output_annotation or None)
    print(f"{args.output_dir}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    return counts

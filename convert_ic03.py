"""ICDAR 2003 -> word crops + annotation.txt for --eval_dataset ic03.

    python convert_ic03.py -d SceneTrialTest -x SceneTrialTest/words.xml -o ic03/converted   # scene set
    python convert_ic03.py -d word -x word/word.xml -o ic03/converted                         # word-crop set

Scene boxes (float coordinates) are clipped to their image; unreadable images are skipped and
counted. The ic03 reader then keeps the zoo's words: alphanumeric, 3 or more characters.
"""
import argparse
import sys

from src.converters.crops import read_scene_xml, write_crops
from src.converters.ic03 import is_word_crop_xml, read_ic03_word_xml
from src.errors import report_errors


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--dataset_dir", default="./", help="folder the XML's image paths start from")
    parser.add_argument("-x", "--xml_file", default="test.xml", help="words.xml (scene set) or word.xml (word set)")
    parser.add_argument("-o", "--output_dir", default="./processed", help="folder for crops and annotation.txt")
    parser.add_argument("-a", "--output_annotation", default="", help="annotation file (default <output_dir>/annotation.txt)")
    args = parser.parse_args(argv)
    reader = read_ic03_word_xml if is_word_crop_xml(args.xml_file) else read_scene_xml
    counts = write_crops(reader(args.xml_file), args.dataset_dir, args.output_dir, args.output_annotation or None)
    print(f"{args.output_dir}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()

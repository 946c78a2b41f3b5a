"""SVT train.xml / test.xml -> word crops + annotation.txt (+ lexicon_50.txt) for --eval_dataset svt.

    python convert_svt.py -d svt1 -x svt1/test.xml -o svt1/converted

Writes <output_dir>/img/<image>_<j>_<LABEL>.png crops clipped to their image, <output_dir>/annotation.txt
('<crop path>,<label>') and <output_dir>/lexicon_50.txt (each crop's image <lex> words).
"""
import argparse
import os
import sys

from src.converters.crops import read_scene_xml, write_crops
from src.errors import report_errors


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-d", "--dataset_dir", default="./", help="folder the XML's imageName paths start from")
    parser.add_argument("-x", "--xml_file", default="test.xml", help="train.xml or test.xml")
    parser.add_argument("-o", "--output_dir", default="./processed", help="folder for crops and annotation.txt")
    parser.add_argument("-a", "--output_annotation", default="", help="annotation file (default <output_dir>/annotation.txt)")
    args = parser.parse_args(argv)
    counts = write_crops(read_scene_xml(args.xml_file), args.dataset_dir, args.output_dir,
                         args.output_annotation or None)
    print(f"{args.output_dir}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()

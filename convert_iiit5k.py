"""IIIT5K .mat -> annotation.txt for --eval_dataset iiit5k (the zoo's -m/-o/-a arguments).

    python convert_iiit5k.py -m IIIT5K/testdata.mat -a IIIT5K/annotation.txt
    python convert_iiit5k.py -m IIIT5K/testCharBound.mat -o IIIT5K      # writes IIIT5K/annotation.txt

Image paths in the .mat (test/1_1.png) are relative to the .mat's folder, which is the dataset root.
"""
import argparse
import os
import sys

from src.converters.iiit5k import convert_iiit5k
from src.errors import report_errors


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-m", "--mat_file", default="testdata.mat", help="testdata.mat, traindata.mat or *CharBound.mat")
    parser.add_argument("-o", "--output_dir", default="", help="folder for annotation.txt when -a is not given")
    parser.add_argument("-a", "--output_annotation", default="", help="annotation file to write")
    parser.add_argument("--image_root", default="", help="dataset root holding the images (default: the .mat's folder)")
    args = parser.parse_args(argv)
    annotation = args.output_annotation or os.path.join(
        args.output_dir or os.path.dirname(os.path.abspath(args.mat_file)), "annotation.txt")
    counts = convert_iiit5k(args.mat_file, annotation, args.image_root or None)
    print(f"{annotation}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()

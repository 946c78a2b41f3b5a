"""Turn any supported dataset into a clovaai-style lmdb, readable with --train_dataset/--eval_dataset lmdb.

    python create_lmdb.py --dataset_name iiit5k --dataset_path IIIT5K --output_path iiit5k_lmdb
    python create_lmdb.py --dataset_name synth --dataset_path D --output_path synth_train_lmdb --split train

The dataset's own label rules are applied first (characters outside the alphabet dropped or stripped as its
reader does; lower-cased only for an alphabet without capitals, such as the default), and images that cannot
be decoded are skipped and counted, so the lmdb holds exactly what the reader would yield. Labels are stored
as UTF-8; --label_dict, --character_dict_path and --use_space_char choose the alphabet as in train.py.
"""
import argparse
import sys

from src.dataset import load_samples, read_image_bytes
from src.errors import report_errors
from src.model_utils.config import load_config
from src.readers import DATASET_KINDS
from src.readers.lmdb_reader import write_lmdb


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset_name", required=True, choices=list(DATASET_KINDS))
    parser.add_argument("--dataset_path", required=True)
    parser.add_argument("--output_path", required=True, help="folder for data.mdb")
    parser.add_argument("--split", choices=["train", "test"], default="test",
                        help="synth: annotation_train.txt or annotation_test.txt")
    parser.add_argument("--word_filter", choices=["zoo", "alnum"], default="zoo")
    parser.add_argument("--label_dict", help="the alphabet as a string (default: default_config.yaml's)")
    parser.add_argument("--character_dict_path", help="the alphabet from a file, one character a line")
    parser.add_argument("--use_space_char", help="True: add the space to the alphabet")
    args = parser.parse_args(argv)
    alphabet = [item for key in ("label_dict", "character_dict_path", "use_space_char")
                if getattr(args, key) is not None for item in (f"--{key}", getattr(args, key))]
    config = load_config(["--word_filter", args.word_filter, *alphabet])
    is_training = args.split == "train"
    samples = load_samples(args.dataset_name, args.dataset_path, is_training, config, scan_images=True)
    count = write_lmdb(samples, read_image_bytes, args.output_path)
    print(f"{args.output_path}: wrote {count} samples from {args.dataset_name} {args.dataset_path}", file=sys.stderr)


if __name__ == "__main__":
    main()

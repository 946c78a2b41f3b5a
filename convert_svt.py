"""SVT train.xml / test.xml -> word crops + annotation.txt (+ lexicon_50.txt) for --eval_dataset svt.

    python convert_svt.py -d svt1 -x svt1/test.xml -o svt1/converted

Writes <output_dir>/img/<image>_<j>_<LABEL>.png crops clipped to their image, <output_dir>/annotation.txt
('<crop path>,<label>') and <output_dir>/lexicon_50.txt (each crop's image <lex> words).
"""
from src.converters.crops import read_scene_xml, run_crop_converter
from src.errors import report_errors


@report_errors
def main(argv=None):
    run_crop_converter(__doc__, read_scene_xml, argv)


if __name__ == "__main__":
    main()

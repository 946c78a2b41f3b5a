"""ICDAR 2003 -> word crops + annotation.txt for --eval_dataset ic03.

    python convert_ic03.py -d SceneTrialTest -x SceneTrialTest/words.xml -o ic03/converted   # scene set
    python convert_ic03.py -d word -x word/word.xml -o ic03/converted                         # word-crop set

Scene boxes (float coordinates) are clipped to their image; unreadable images are skipped and
counted. The ic03 reader then keeps the zoo's words: alphanumeric, 3 or more characters.
"""
from src.converters.crops import read_scene_xml, run_crop_converter
from src.converters.ic03 import is_word_crop_xml, read_ic03_word_xml
from src.errors import report_errors


def read_ic03_xml(xml_path):
    """Scene set (words.xml) or word-crop set (word.xml), told apart by the XML itself."""
    return read_ic03_word_xml(xml_path) if is_word_crop_xml(xml_path) else read_scene_xml(xml_path)


@report_errors
def main(argv=None):
    run_crop_converter(__doc__, read_ic03_xml, argv)


if __name__ == "__main__":
    main()

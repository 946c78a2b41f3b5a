"""ICDAR 2003 word-crop set: word.xml (<image file="word/1/1.jpg" tag="Tiredness"/>).

The scene set's words.xml has the SVT layout and is read by src.converters.crops.read_scene_xml.
"""
from src.converters.crops import SceneImage, parse_xml
from src.errors import CRNNError


def read_ic03_word_xml(xml_path):
    """One whole-image SceneImage per <image file tag> of a word.xml."""
    scenes = []
    for number, image in enumerate(parse_xml(xml_path).iter("image"), 1):
        if "file" not in image.attrib or "tag" not in image.attrib:
            raise CRNNError(f"{xml_path}: image {number} needs 'file' and 'tag' attributes, got {image.attrib}")
        scenes.append(SceneImage(image.attrib["file"], [(None, None, None, None, image.attrib["tag"])], []))
    return scenes


def is_word_crop_xml(xml_path):
    """True for the word-crop set's word.xml (images carry file/tag attributes, no boxes)."""
    first = next(parse_xml(xml_path).iter("image"), None)
    return first is not None and "file" in first.attrib

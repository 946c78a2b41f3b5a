"""Find the installed TrueType/OpenType faces that can draw every character the generator uses."""
import os
import string

from fontTools.ttLib import TTFont, TTLibError

DEFAULT_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
REQUIRED_CHARS = string.ascii_letters + string.digits
# Faces whose cmap claims Latin code points but draws pictographs or symbols there.
_SYMBOL_MARKERS = ("symbol", "dingbat", "d050000l", "emoji", "math", "music")
_FONT_SUFFIXES = (".ttf", ".otf")


def _covers(path, chars):
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        cmap = font.getBestCmap() or {}
    except (TTLibError, OSError, AssertionError, KeyError):
        return False
    return all(ord(c) in cmap for c in chars)


def find_fonts(font_dirs=DEFAULT_FONT_DIRS, chars=REQUIRED_CHARS):
    """Sorted list of font files under font_dirs whose character map covers every char in chars."""
    found = []
    for root_dir in font_dirs:
        for root, _, files in os.walk(root_dir):
            for name in files:
                lower = name.lower()
                if not lower.endswith(_FONT_SUFFIXES) or any(m in lower for m in _SYMBOL_MARKERS):
                    continue
                path = os.path.join(root, name)
                if _covers(path, chars):
                    found.append(path)
    return sorted(found)


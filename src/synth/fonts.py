"""Find the installed TrueType/OpenType faces that can draw every character the generator uses, and
draw one so that no font package or family dominates however many faces it ships."""
import os
import string
from collections import defaultdict
from functools import partial
from multiprocessing import Pool

from fontTools.ttLib import TTFont, TTLibError

DEFAULT_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
REQUIRED_CHARS = string.ascii_letters + string.digits
# Faces whose cmap claims Latin code points but draws pictographs or symbols there.
_SYMBOL_MARKERS = ("symbol", "dingbat", "d050000l", "emoji", "math", "music")
_FONT_SUFFIXES = (".ttf", ".otf")


def _family_if_covers(path, chars):
    """The face's family name if its character map covers chars, else None."""
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        cmap = font.getBestCmap() or {}
        if not all(ord(c) in cmap for c in chars):
            return None
        names = font["name"]
        family = names.getDebugName(16) or names.getDebugName(1)
    except (TTLibError, OSError, AssertionError, KeyError):
        return None
    return family or os.path.splitext(os.path.basename(path))[0]


def scan_fonts(font_dirs=DEFAULT_FONT_DIRS, chars=REQUIRED_CHARS):
    """Sorted (path, family) of the faces under font_dirs whose character map covers every char in chars."""
    candidates = []
    for root_dir in font_dirs:
        for root, _, files in os.walk(root_dir):
            candidates += [os.path.join(root, name) for name in files
                           if name.lower().endswith(_FONT_SUFFIXES)
                           and not any(m in name.lower() for m in _SYMBOL_MARKERS)]
    with Pool(os.cpu_count() or 1) as pool:  # parsing a thousand fonts takes seconds on one core
        families = pool.map(partial(_family_if_covers, chars=chars), candidates, chunksize=32)
    return sorted((path, family) for path, family in zip(candidates, families) if family)


def find_fonts(font_dirs=DEFAULT_FONT_DIRS, chars=REQUIRED_CHARS):
    """Sorted list of font files under font_dirs whose character map covers every char in chars."""
    return [path for path, _ in scan_fonts(font_dirs, chars)]


class FontPool:
    """Faces grouped by folder (one Debian package each, roughly), then by family.

    A draw picks a folder, then a family in it, then a face: a package of 400 display faces is drawn
    as often as one with a single family, and a family's eight weights count as one.
    """

    def __init__(self, faces):
        groups = defaultdict(lambda: defaultdict(list))
        for path, family in sorted(faces):
            groups[os.path.dirname(path)][family].append(path)
        self.groups = [[faces_of for _, faces_of in sorted(families.items())] for _, families in sorted(groups.items())]
        self.num_faces = len(faces)
        self.num_families = sum(len(g) for g in self.groups)

    def __len__(self):
        return self.num_faces

    def sample(self, rng):
        families = self.groups[int(rng.integers(len(self.groups)))]
        faces = families[int(rng.integers(len(families)))]
        return faces[int(rng.integers(len(faces)))]

"""Find the installed TrueType/OpenType faces that can draw the characters the generator uses, and draw one
so that no font package or family dominates however many faces it ships.

For the zoo's alphabet every face kept draws every letter and digit. For another alphabet (punctuation,
other scripts) faces cover different parts of it: each face's coverage is kept, and a word is drawn only
with a face whose character map covers it (FontPool.sample_for)."""
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
# Font collections: Debian ships its CJK faces (wqy, arphic) only as these; their first face is used. They
# count for other alphabets only, so that installing another script's fonts leaves the zoo alphabet's faces,
# and the data a seed renders with them, as they were.
_COLLECTION_SUFFIX = ".ttc"


def _family_if_covers(path, chars):
    """The face's family name if its character map covers chars, else None."""
    face = _coverage(path, chars)
    return face[0] if face and len(face[1]) == len(set(chars)) else None


def _font_files(font_dirs, collections=False):
    """The TrueType/OpenType files under font_dirs (and collections, if asked), symbol faces left out."""
    suffixes = _FONT_SUFFIXES + ((_COLLECTION_SUFFIX,) if collections else ())
    candidates = []
    for root_dir in font_dirs:
        for root, _, files in os.walk(root_dir):
            candidates += [os.path.join(root, name) for name in files
                           if name.lower().endswith(suffixes)
                           and not any(m in name.lower() for m in _SYMBOL_MARKERS)]
    return candidates


def scan_fonts(font_dirs=DEFAULT_FONT_DIRS, chars=REQUIRED_CHARS):
    """Sorted (path, family) of the faces under font_dirs whose character map covers every char in chars."""
    candidates = _font_files(font_dirs)
    with Pool(os.cpu_count() or 1) as pool:  # parsing a thousand fonts takes seconds on one core
        families = pool.map(partial(_family_if_covers, chars=chars), candidates, chunksize=32)
    return sorted((path, family) for path, family in zip(candidates, families) if family)


def _coverage(path, wanted):
    """(family, the characters of wanted that the face's character map has), or None for an unreadable face."""
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        cmap = font.getBestCmap() or {}
        names = font["name"]
        family = names.getDebugName(16) or names.getDebugName(1)
    except (TTLibError, OSError, AssertionError, KeyError):
        return None
    return family or os.path.splitext(os.path.basename(path))[0], frozenset(c for c in wanted if ord(c) in cmap)


def scan_font_coverage(font_dirs=DEFAULT_FONT_DIRS, alphabet=""):
    """Sorted (path, family, covered characters) of the faces under font_dirs that draw at least one of the
    alphabet's characters other than digits and spaces; characters are taken in both cases, as words are
    rendered in both."""
    wanted = sorted(set(alphabet) | set(alphabet.upper()) | set(alphabet.lower()))
    useful = {c for c in wanted if not c.isspace() and c not in string.digits}
    candidates = _font_files(font_dirs, collections=True)
    with Pool(os.cpu_count() or 1) as pool:
        found = pool.map(partial(_coverage, wanted=wanted), candidates, chunksize=32)
    return sorted((path, face[0], face[1]) for path, face in zip(candidates, found) if face and face[1] & useful)


def find_fonts(font_dirs=DEFAULT_FONT_DIRS, chars=REQUIRED_CHARS):
    """Sorted list of font files under font_dirs whose character map covers every char in chars."""
    return [path for path, _ in scan_fonts(font_dirs, chars)]


# Debian font packages of script, handwriting, blackletter and ornamental display faces. Scene text is
# mostly set in text and signage faces, so these are drawn at their own, small rate (synth_decorative_fonts)
# instead of as often as any other package.
DECORATIVE_PACKAGES = frozenset((
    "aenigma", "bajaderka", "blankenburg", "cherrybomb", "dancingscript", "f500", "femkeklaver",
    "fifthhorseman", "isabella", "kaushanscript", "kristi", "le-murmure", "leckerli-one", "lobster",
    "lobstertwo", "rampart", "rufscript", "staypuft", "tomsontalks"))
_FORMAT_FOLDERS = ("truetype", "opentype", "type1")


def package_of(path):
    """The font package a face belongs to: the first folder under <fonts root>/[truetype|opentype|type1]/,
    so that one package's TTF and OTF copies or sub-folders count once; the face's folder elsewhere."""
    parts = os.path.dirname(path).split(os.sep)
    if "fonts" not in parts:
        return os.path.dirname(path)
    rest = parts[len(parts) - parts[::-1].index("fonts"):]
    if rest and rest[0] in _FORMAT_FOLDERS:
        rest = rest[1:]
    return rest[0] if rest else os.path.dirname(path)


class FontPool:
    """Faces grouped by package, then by family.

    A draw picks a package, then a family in it, then a face: a package of 400 display faces is drawn
    as often as one with a single family, and a family's eight weights count as one. Decorative packages
    (DECORATIVE_PACKAGES) form a second pool, drawn with probability `decorative` when both pools have faces.
    faces: (path, family), or (path, family, covered characters) from scan_font_coverage.
    """

    def __init__(self, faces, decorative=0.05):
        pools = (defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list)))
        faces = sorted(faces)
        self.coverage = {face[0]: face[2] for face in faces} if faces and len(faces[0]) == 3 else None
        for path, family, *_ in faces:
            package = package_of(path)
            pools[package in DECORATIVE_PACKAGES][package][family].append(path)
        self.regular, self.decorative = ([[faces_of for _, faces_of in sorted(families.items())]
                                          for _, families in sorted(pool.items())] for pool in pools)
        self.decorative_share = decorative
        self.num_faces = len(faces)
        self.num_families = sum(len(families) for families in self.regular + self.decorative)

    def __len__(self):
        return self.num_faces

    def sample(self, rng):
        groups = self.regular
        if not groups or (self.decorative and rng.random() < self.decorative_share):
            groups = self.decorative
        families = groups[int(rng.integers(len(groups)))]
        faces = families[int(rng.integers(len(families)))]
        return faces[int(rng.integers(len(faces)))]

    def sample_for(self, text, rng, tries=8):
        """A face that draws every character of text, or None when no face does: drawn as sample() up to
        tries times, then uniformly among the covering faces (a script few faces draw)."""
        if self.coverage is None:
            return self.sample(rng)
        needed = set(text) - {" "}
        for _ in range(tries):
            face = self.sample(rng)
            if needed <= self.coverage[face]:
                return face
        covering = sorted(face for face, covered in self.coverage.items() if needed <= covered)
        return covering[int(rng.integers(len(covering)))] if covering else None

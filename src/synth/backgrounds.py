"""Natural photographs for the text to sit on, as MJSynth blends its words with real image crops.

Photos come from folders (by default /usr/share/backgrounds, where Debian's gnome-backgrounds,
mate-backgrounds and ukui-wallpapers put theirs), are decoded once per process and shrunk so that a
random crop costs little.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from PIL import Image

from src.errors import CRNNError
from src.readers import is_image_name

_MIN_SIDE = 64        # icons and placeholders are not photographs
_MAX_SIDE = 1024      # larger photos are shrunk: crops are resized to tens of pixels anyway


def photo_paths(folders):
    """Sorted image files under the colon-separated folders; CRNNError names a folder that is missing."""
    paths = []
    for folder in [f for f in folders.split(":") if f]:
        if not os.path.isdir(folder):
            raise CRNNError(f"background folder {folder} not found (install Debian's gnome-backgrounds, "
                            "mate-backgrounds and ukui-wallpapers, or set synth_photo 0)")
        for root, _, files in os.walk(folder):
            paths += [os.path.join(root, n) for n in files if is_image_name(n)]
    return sorted(paths)


def _load(path):
    try:
        with Image.open(path) as image:
            image.draft("RGB", (_MAX_SIDE, _MAX_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale when that suffices
            rgb = np.asarray(image.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if min(rgb.shape[:2]) < _MIN_SIDE:
        return None
    scale = _MAX_SIDE / max(rgb.shape[:2])
    if scale < 1.0:
        rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def load_photos(folders):
    """RGB uint8 arrays of every readable photo under folders; CRNNError when there is none."""
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # decoders release the GIL
        photos = [p for p in pool.map(_load, photo_paths(folders)) if p is not None]
    if not photos:
        raise CRNNError(f"background folder(s) {folders} hold no readable image of at least "
                        f"{_MIN_SIDE}x{_MIN_SIDE} pixels")
    return photos


def photo_crop(photos, height, width, rng):
    """A float32 (height, width, 3) crop of a random photo at a random scale, maybe mirrored."""
    photo = photos[int(rng.integers(len(photos)))]
    ph, pw = photo.shape[:2]
    crop_h = int(np.clip(ph * rng.uniform(0.04, 0.4), 8, ph))
    crop_w = int(np.clip(crop_h * width / height, 8, pw))
    y = int(rng.integers(0, ph - crop_h + 1))
    x = int(rng.integers(0, pw - crop_w + 1))
    crop = cv2.resize(photo[y:y + crop_h, x:x + crop_w], (width, height), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return crop.astype(np.float32)

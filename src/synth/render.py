"""Render one word image: real font, coloured background, slight geometry, blur, noise, 32 px high."""
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

OUTPUT_HEIGHT = 32


@lru_cache(maxsize=512)
def _font(path, size):
    return ImageFont.truetype(path, size)


def _contrasting_colours(rng):
    """Background and text colours whose luminances differ clearly, either way round."""
    while True:
        bg = rng.integers(0, 256, size=3)
        fg = rng.integers(0, 256, size=3)
        luma = np.array([0.299, 0.587, 0.114])
        if abs(float(bg @ luma) - float(fg @ luma)) > 70:
            return tuple(int(v) for v in bg), tuple(int(v) for v in fg)


def _background(height, width, colour, rng):
    """A flat, gradient or blotchy background around the given colour (uint8 RGB)."""
    base = np.empty((height, width, 3), np.float32)
    base[:] = colour
    kind = rng.random()
    if kind < 0.35:
        ramp = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :, None]
        base += ramp * rng.uniform(-40, 40, size=3).astype(np.float32)
    elif kind < 0.6:
        coarse = rng.normal(0, 25, size=(max(2, height // 8), max(2, width // 8), 3)).astype(np.float32)
        base += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(base, 0, 255)


def _warp(image, mask, rng):
    """Small rotation and perspective tilt applied to image and text mask together."""
    height, width = mask.shape
    angle = rng.uniform(-4, 4)
    shear = rng.uniform(-0.15, 0.15)
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    jitter = rng.uniform(-0.04, 0.04, size=(4, 2)) * [width * 0.3, height]
    moved = corners + jitter.astype(np.float32)
    moved[:, 0] += shear * (moved[:, 1] - height / 2)
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    moved = (np.hstack([moved, np.ones((4, 1), np.float32)]) @ rotation.T).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(corners, moved)
    image = cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpPerspective(mask, matrix, (width, height), flags=cv2.INTER_LINEAR)
    return image, mask


def render_word(text, font_path, rng):
    """Return an RGB uint8 image of text, OUTPUT_HEIGHT pixels high, its width following the text."""
    font = _font(font_path, int(rng.integers(28, 48)))
    stroke = int(rng.integers(1, 3)) if rng.random() < 0.15 else 0
    left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
    pad = 12
    width, height = right - left + 2 * pad, bottom - top + 2 * pad
    bg_colour, fg_colour = _contrasting_colours(rng)

    mask_img = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask_img).text((pad - left, pad - top), text, font=font, fill=255,
                                  stroke_width=stroke, stroke_fill=255)
    mask = np.asarray(mask_img, np.float32) / 255.0
    image = _background(height, width, bg_colour, rng)
    if rng.random() < 0.5:
        image, mask = _warp(image, mask, rng)

    fg = np.asarray(fg_colour, np.float32) + rng.normal(0, 10, size=3)
    image = image * (1.0 - mask[..., None]) + fg * mask[..., None]

    rows = np.flatnonzero(mask.max(axis=1) > 0.2)
    cols = np.flatnonzero(mask.max(axis=0) > 0.2)
    if rows.size and cols.size:
        margin_y, margin_x = rng.integers(0, 5, size=2), rng.integers(0, 8, size=2)
        y0, y1 = max(rows[0] - margin_y[0], 0), min(rows[-1] + 1 + margin_y[1], height)
        x0, x1 = max(cols[0] - margin_x[0], 0), min(cols[-1] + 1 + margin_x[1], width)
        image = image[y0:y1, x0:x1]

    out_width = max(8, int(round(image.shape[1] * OUTPUT_HEIGHT / image.shape[0] * rng.uniform(0.8, 1.2))))
    image = cv2.resize(image, (out_width, OUTPUT_HEIGHT), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.2))
    image = image + rng.normal(0, rng.uniform(0, 8), size=image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)

"""Render one word as a scene-text crop, 32 px high: glyphs -> colours and background -> geometry ->
crop around the ink -> degradations. Every random choice comes from the rng passed in, so a seed
gives the same bytes; every variation's probability is a field of RenderOptions.
"""
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from src.synth.backgrounds import photo_crop
from src.synth.options import RenderOptions
from src.synth.real_colours import draw_pair

OUTPUT_HEIGHT = 32
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_NEIGHBOUR_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@lru_cache(maxsize=2048)
def _font(path, size):
    return ImageFont.truetype(path, size)


def _luma(colour):
    return float(np.asarray(colour, np.float32) @ _LUMA)


def _random_colour(rng, options):
    colour = rng.uniform(0, 255, size=3).astype(np.float32)
    if rng.random() < options.desaturate:
        grey = _luma(colour)
        colour = grey + (colour - grey) * rng.uniform(0.0, 0.3)
    return colour


def _contrasting_colour(reference_luma, min_difference, rng, options):
    """A random colour whose luminance differs from reference_luma by at least min_difference."""
    for _ in range(20):
        colour = _random_colour(rng, options)
        if abs(_luma(colour) - reference_luma) >= min_difference:
            return colour
    return np.full(3, 0.0 if reference_luma > 127 else 255.0, np.float32)


def _draw(draw, xy, text, font):
    draw.text(xy, text, font=font, fill=255)


def _glyph_masks(text, font, rng, options):
    """(word mask, extra ink mask) as float32 arrays in [0, 1] on a canvas padded by the font size.

    The word mask decides the crop; the extra mask holds what may be cut by it: neighbouring letters
    and an underline.
    """
    size = font.size
    ascent, descent = font.getmetrics()
    spacing = int(rng.integers(-1, 4)) if rng.random() < options.spacing else 0
    if options.wide_spacing and rng.random() < options.wide_spacing:
        spacing = round(size * rng.uniform(0.15, 0.6))
    arc = size * rng.uniform(-0.3, 0.3) if rng.random() < options.curve else 0.0
    advances = [font.getlength(c) + spacing for c in text]
    text_width = max(sum(advances) - spacing, 1.0)
    pad = size
    width = int(text_width + 2 * pad) + 1
    height = int(ascent + descent + 2 * pad + abs(arc)) + 1
    word = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(word)
    if spacing == 0 and arc == 0.0:
        _draw(draw, (pad, pad), text, font)
    else:
        x = 0.0
        for char, advance in zip(text, advances):
            centre = (x + advance / 2) / text_width
            offset = arc * np.sin(np.pi * centre) + max(-arc, 0.0)
            _draw(draw, (pad + x, pad + offset), char, font)
            x += advance
    extra = Image.new("L", (width, height), 0)
    extra_draw = ImageDraw.Draw(extra)
    if rng.random() < options.neighbours:
        gap = size * rng.uniform(0.2, 0.5)
        for side in (-1, 1):
            if rng.random() < 0.75:
                letters = "".join(rng.choice(list(_NEIGHBOUR_CHARS), size=int(rng.integers(1, 4))))
                x = pad - gap - font.getlength(letters) if side < 0 else pad + text_width + gap
                _draw(extra_draw, (x, pad), letters, font)
    if rng.random() < options.underline:
        y = pad + ascent + max(1, size // 10)
        extra_draw.line([(pad, y), (pad + text_width, y)], fill=255, width=max(1, size // 14))
    word_mask = np.asarray(word, np.float32) / 255.0
    if rng.random() < options.bold:
        kernel = np.ones((int(rng.integers(2, 4)),) * 2, np.uint8)
        word_mask = cv2.dilate(word_mask, kernel)
    return word_mask, np.asarray(extra, np.float32) / 255.0


def _background(height, width, rng, options, photos, colour=None):
    """float32 RGB background: flat, gradient, noise or blotches around a colour (random unless given),
    maybe under a photo."""
    if colour is None:
        colour = _random_colour(rng, options)
    image = np.empty((height, width, 3), np.float32)
    image[:] = colour
    roll = rng.random()
    if roll < options.bg_gradient:
        angle = rng.uniform(0, 2 * np.pi)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        ramp = (np.cos(angle) * (xs / width - 0.5) + np.sin(angle) * (ys / height - 0.5))[..., None]
        image += ramp * rng.uniform(-120, 120, size=3).astype(np.float32)
    elif roll < options.bg_gradient + options.bg_noise:
        channels = 3 if rng.random() < 0.5 else 1
        image += rng.normal(0, rng.uniform(5, 30), size=(height, width, channels)).astype(np.float32)
    elif roll < options.bg_gradient + options.bg_noise + options.bg_blotches:
        coarse = rng.normal(0, 35, size=(max(2, height // 10), max(2, width // 10), 3)).astype(np.float32)
        image += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    has_photo = bool(photos) and rng.random() < options.photo
    if has_photo:
        alpha = rng.uniform(0.5, 1.0)
        image = alpha * photo_crop(photos, height, width, rng) + (1.0 - alpha) * image
    return np.clip(image, 0, 255), has_photo


def _text_colour(background, has_photo, rng, options):
    """Text colour: mostly clearly lighter or darker than the background; on a photo, sometimes a
    colour of the photo itself, only a little lighter or darker (low contrast)."""
    if has_photo and rng.random() < options.photo_text_colour:
        height, width = background.shape[:2]
        colour = background[int(rng.integers(height)), int(rng.integers(width))].copy()
        sign = rng.choice([-1, 1])
        return np.clip(colour + sign * rng.uniform(options.photo_contrast_min, options.photo_contrast_max), 0, 255)
    gap = rng.uniform(options.contrast_min, options.contrast_max)
    return _contrasting_colour(_luma(background.mean(axis=(0, 1))), gap, rng, options)


def _decorate(image, ink, text_colour, size, rng, options):
    """A drop shadow or an outline in a colour unlike the text's, under the ink."""
    if rng.random() >= options.shadow_outline:
        return image
    colour = _contrasting_colour(_luma(text_colour), 60, rng, options)
    if rng.random() < 0.5:
        radius = max(1, int(round(size * rng.uniform(0.03, 0.08))))
        layer = cv2.dilate(ink, np.ones((2 * radius + 1,) * 2, np.uint8))
    else:
        shift = np.float32([[1, 0, rng.uniform(1, max(2, size / 10))], [0, 1, rng.uniform(1, max(2, size / 10))]])
        layer = cv2.warpAffine(ink, shift, ink.shape[::-1])
        layer = cv2.GaussianBlur(layer, (0, 0), rng.uniform(0.5, 2.0)) * rng.uniform(0.6, 1.0)
    return image * (1.0 - layer[..., None]) + colour * layer[..., None]


def _ink_rows_cols(word_mask):
    """Indices of the rows and of the columns that hold the word's ink."""
    return np.flatnonzero(word_mask.max(axis=1) > 0.3), np.flatnonzero(word_mask.max(axis=0) > 0.3)


def _widest_tilt(word_mask):
    """Degrees the word may turn about the canvas centre before its ends leave the canvas (with a
    tenth of the room to spare: shear and perspective move the corners too)."""
    rows, cols = _ink_rows_cols(word_mask)
    if not rows.size:
        return 0.0
    height, width = word_mask.shape
    room = min(rows[0], height - 1 - rows[-1])
    half_width = max(abs(cols[0] - width / 2), abs(cols[-1] - width / 2), 1.0)
    return float(np.degrees(np.arcsin(min(1.0, 0.9 * room / half_width))))


def _emboss(image, ink, size, rng):
    """Raised letters in the background's own colour: each stroke lit on one side and shaded on the
    other, the letters themselves only a little lighter or darker than what is under them."""
    step = max(1.0, size * rng.uniform(0.03, 0.07))
    angle = rng.uniform(0, 2 * np.pi)
    dx, dy = np.cos(angle) * step, np.sin(angle) * step
    height, width = ink.shape
    lit = cv2.warpAffine(ink, np.float32([[1, 0, -dx], [0, 1, -dy]]), (width, height))
    shaded = cv2.warpAffine(ink, np.float32([[1, 0, dx], [0, 1, dy]]), (width, height))
    edge = (lit - shaded)[..., None] * rng.uniform(50, 120) + ink[..., None] * rng.uniform(-25, 25)
    return np.clip(image + edge, 0, 255)


def _warp(image, word_mask, rng, options):
    """Rotation, maybe shear and perspective, applied to the image and the word mask together."""
    height, width = word_mask.shape
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    moved = corners.copy()
    if rng.random() < options.perspective:
        moved += (rng.uniform(-0.08, 0.08, size=(4, 2)) * [height, height]).astype(np.float32)
    if rng.random() < options.shear:
        moved[:, 0] += rng.uniform(-0.3, 0.3) * (moved[:, 1] - height / 2)
    angle = rng.uniform(-1, 1) * options.rotation_max
    if options.tilt and rng.random() < options.tilt:
        angle = rng.uniform(-1, 1) * min(options.tilt_max, _widest_tilt(word_mask))
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    moved = (np.hstack([moved, np.ones((4, 1), np.float32)]) @ rotation.T).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(corners, moved)
    image = cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    word_mask = cv2.warpPerspective(word_mask, matrix, (width, height), flags=cv2.INTER_LINEAR)
    return image, word_mask


def _crop_to_word(image, word_mask, rng, options):
    """Crop around the word's ink with random margins (fractions of the text height)."""
    rows, cols = _ink_rows_cols(word_mask)
    if not rows.size or not cols.size:
        return image
    text_height = rows[-1] - rows[0] + 1
    my = (rng.uniform(0, options.margin_y_max, size=2) * text_height).astype(int)
    mx = (rng.uniform(0, options.margin_x_max, size=2) * text_height).astype(int)
    if options.tight_crop and rng.random() < options.tight_crop:
        my = -(rng.uniform(0, 0.15, size=2) * text_height).astype(int)
    y0, y1 = max(rows[0] - my[0], 0), min(rows[-1] + 1 + my[1], image.shape[0])
    x0, x1 = max(cols[0] - mx[0], 0), min(cols[-1] + 1 + mx[1], image.shape[1])
    return image[y0:y1, x0:x1]


def _border(image, rng, options):
    """A frame line along the top and/or bottom (or a side) of the crop, as on signs and labels."""
    if rng.random() >= options.border:
        return image
    image = image.copy()
    height, width = image.shape[:2]
    colour = _random_colour(rng, options)
    thickness = int(rng.integers(1, max(2, height // 12) + 1))
    for edge in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        if edge == 0:
            image[:thickness] = colour
        elif edge == 1:
            image[height - thickness:] = colour
        elif edge == 2:
            image[:, :thickness] = colour
        else:
            image[:, width - thickness:] = colour
    return image


def _motion_kernel(rng):
    length = int(rng.integers(3, 8))
    kernel = np.zeros((length, length), np.float32)
    angle = rng.uniform(0, np.pi)
    centre = (length - 1) / 2
    dx, dy = np.cos(angle) * centre, np.sin(angle) * centre
    cv2.line(kernel, (int(round(centre - dx)), int(round(centre - dy))),
             (int(round(centre + dx)), int(round(centre + dy))), 1.0, 1)
    return kernel / kernel.sum()


def _degrade(image, rng, options):
    """Lighting, blur, resolution loss, noise, polarity and JPEG at the output size; returns uint8."""
    height, width = image.shape[:2]
    if rng.random() < options.lighting:
        ramp = np.linspace(-1, 1, width if rng.random() < 0.7 else height, dtype=np.float32)
        gain = 1.0 + ramp * rng.uniform(0.15, 0.45)
        image = image * (gain[None, :, None] if gain.size == width else gain[:, None, None])
    if rng.random() < options.blur:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.6))
    if rng.random() < options.motion_blur:
        image = cv2.filter2D(image, -1, _motion_kernel(rng))
    if rng.random() < options.downscale:
        factor = rng.uniform(0.3, 0.7)
        small = cv2.resize(image, (max(2, int(width * factor)), max(2, int(height * factor))),
                           interpolation=cv2.INTER_AREA)
        image = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    if rng.random() < options.noise:
        image = image + rng.normal(0, rng.uniform(3, 15), size=image.shape).astype(np.float32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < options.invert:
        image = 255 - image
    if rng.random() < options.jpeg:
        quality = int(rng.integers(15, 71))
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            image = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    return image


def render_word(text, font_path, rng, options=RenderOptions(), photos=()):
    """An RGB uint8 image of text, OUTPUT_HEIGHT pixels high, its width following the text.

    photos: RGB arrays (src.synth.backgrounds.load_photos) to blend under the text; none, no photos.
    """
    size = int(rng.integers(options.font_size_min, options.font_size_max + 1))
    font = _font(font_path, size)
    word_mask, extra_mask = _glyph_masks(text, font, rng, options)
    height, width = word_mask.shape
    if options.real_colours and rng.random() < options.real_colours:
        text_colour, background_colour = draw_pair(rng)
        image, has_photo = _background(height, width, rng, options, photos, background_colour)
        if has_photo:  # keep the pair's luminance gap to what the photo made of the background
            text_colour = np.clip(text_colour + _luma(image.mean(axis=(0, 1))) - _luma(background_colour), 0, 255)
    else:
        image, has_photo = _background(height, width, rng, options, photos)
        text_colour = _text_colour(image, has_photo, rng, options)
    ink = np.maximum(word_mask, extra_mask)
    if options.relief and rng.random() < options.relief:
        image = _emboss(image, ink, size, rng)
    else:
        image = _decorate(image, ink, text_colour, size, rng, options)
        fill = text_colour + rng.normal(0, 8, size=3).astype(np.float32)
        image = image * (1.0 - ink[..., None]) + fill * ink[..., None]
    image, word_mask = _warp(image, word_mask, rng, options)
    image = _border(_crop_to_word(image, word_mask, rng, options), rng, options)
    out_width = max(8, int(round(image.shape[1] * OUTPUT_HEIGHT / image.shape[0] * rng.uniform(0.8, 1.2))))
    shrinking = out_width < image.shape[1]
    image = cv2.resize(image, (out_width, OUTPUT_HEIGHT), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return _degrade(image, rng, options)

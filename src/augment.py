"""Augmentation of real word crops during training, so that a small real set cycled many times is
seen a little differently each time: brightness/contrast, a small affine warp, blur, JPEG."""
import cv2
import numpy as np

_WORK_HEIGHT = 64  # larger crops are shrunk first: preprocessing resizes to 32 px high anyway


def augment_crop(image_bgr, rng):
    """A jittered copy of a BGR uint8 crop, drawn from rng."""
    height, width = image_bgr.shape[:2]
    if height > _WORK_HEIGHT:
        width = max(1, int(round(width * _WORK_HEIGHT / height)))
        height = _WORK_HEIGHT
        image_bgr = cv2.resize(image_bgr, (width, height), interpolation=cv2.INTER_AREA)
    image = image_bgr.astype(np.float32)
    mean = float(image.mean())
    image = (image - mean) * rng.uniform(0.7, 1.3) + mean + rng.uniform(-30, 30)
    if rng.random() < 0.5:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-3, 3), rng.uniform(0.92, 1.05))
        matrix[0, 1] += rng.uniform(-0.15, 0.15)
        matrix[:, 2] += rng.uniform(-0.03, 0.03, size=2) * [width, height]
        image = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.3:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.2) * height / 32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(20, 81))])
        if ok:
            image = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return image

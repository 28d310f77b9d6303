"""A seeded imitation of photographing or scanning a printed page: rotation, perspective, an upside-down
page, blur, uneven lighting, JPEG compression. Generic (a numpy image in, a numpy image out), for any test
that needs a page as a phone or a scanner would give it."""
from __future__ import annotations

import cv2
import numpy as np


def photograph(image: np.ndarray, seed: int = 0, rotate: float = 0.0, perspective: float = 0.0,
               upside_down: bool = False, blur: float = 0.0, jpeg: int | None = None,
               lighting: float = 0.0, noise: float = 0.0, margin: float = 0.08) -> np.ndarray:
    """`image` (grayscale or BGR uint8) as if photographed: laid on a grey table with `margin` of its size
    round it, turned by `rotate` degrees (and 180 more if `upside_down`), its corners moved at random by up to
    `perspective` of its size, blurred by a Gaussian of `blur` pixels, lit unevenly (a brightness ramp losing
    up to `lighting` of the light across the picture), with Gaussian `noise` (grey levels) and saved as JPEG
    of quality `jpeg`. The same seed gives the same picture."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    angle = np.deg2rad(rotate + (180.0 if upside_down else 0.0))
    turn = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (src - np.float32([w / 2, h / 2])) @ turn.T
    dst += rng.uniform(-perspective, perspective, size=(4, 2)).astype(np.float32) * np.float32([w, h])
    pad = margin * max(w, h)  # the table round the page, whichever way the page lies
    dst += pad - dst.min(axis=0)
    out_w, out_h = (int(v) for v in np.ceil(dst.max(axis=0) + pad))
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    table = 110 if image.ndim == 2 else (100, 110, 120)
    out = cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_AREA if blur else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=table)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if lighting:
        direction = rng.uniform(-1, 1, size=2)
        yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
        ramp = (xx / out_w - 0.5) * direction[0] + (yy / out_h - 0.5) * direction[1]
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        gain = 1.0 - lighting * ramp
        out = out.astype(np.float32) * (gain if out.ndim == 2 else gain[..., None])
    if noise:
        out = out.astype(np.float32) + rng.normal(0, noise, size=out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if jpeg is not None:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])
        out = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    return out

"""The built-in "shapes" dataset: 32x32 RGB images of 10 shape classes, drawn with numpy.

Needs no download, is identical for a given seed on every machine, and has a real learning
signal: position, size, aspect, colours and noise vary, so a network has to learn the
shape, not a pixel. All images of a class are drawn at once on broadcast coordinate grids
(no Python loop over images), so 12,000 images take well under a second.
"""

from __future__ import annotations

import numpy as np

CLASSES = (
    "disk",
    "square",
    "triangle",
    "ring",
    "plus",
    "diamond",
    "hbar",
    "vbar",
    "x",
    "frame",
)
SIZE = 32
CACHE_VERSION = 1  # bump when the drawing changes, so cached sets are drawn again


def _masks(label: int, dx: np.ndarray, dy: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Boolean (n, H, W) masks of shape ``label`` for offsets dx, dy from the centres."""
    ax, ay = np.abs(dx), np.abs(dy)
    thin = r / 3.0
    if label == 0:
        return dx**2 + dy**2 < r**2
    if label == 1:
        return np.maximum(ax, ay) < r * 0.85
    if label == 2:  # apex up: the half-width grows linearly from apex to base
        return (dy > -r) & (dy < r) & (ax < (dy + r) * 0.5)
    if label == 3:
        d2 = dx**2 + dy**2
        return (d2 < r**2) & (d2 > (0.55 * r) ** 2)
    if label == 4:
        return ((ax < thin) & (ay < r)) | ((ay < thin) & (ax < r))
    if label == 5:
        return ax + ay < r * 1.1
    if label == 6:
        return (ay < thin) & (ax < r)
    if label == 7:
        return (ax < thin) & (ay < r)
    if label == 8:
        return (np.abs(ax - ay) < thin * 0.8) & (np.maximum(ax, ay) < r)
    if label == 9:
        m = np.maximum(ax, ay)
        return (m < r * 0.85) & (m > r * 0.5)
    raise ValueError(f"no shape class {label}")


def make_shapes(n: int, seed: int = 0, noise: float = 0.08) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` images with balanced classes.

    Args:
        n: number of images.
        seed: the images are a pure function of ``(n, seed, noise)``.
        noise: standard deviation of the pixel noise, in [0, 1] intensity units.

    Returns:
        ``images`` uint8 (n, 3, 32, 32) and ``labels`` int64 (n,).
    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES)).astype(np.int64)
    images = np.empty((n, 3, SIZE, SIZE), dtype=np.float32)
    grid = np.arange(SIZE, dtype=np.float32) + 0.5
    for label in range(len(CLASSES)):
        idx = np.nonzero(labels == label)[0]
        k = len(idx)
        if k == 0:
            continue
        r = rng.uniform(6.0, 12.0, k).astype(np.float32)
        cx = rng.uniform(r, SIZE - r)
        cy = rng.uniform(r, SIZE - r)
        # a little anisotropy so squares and disks are not all perfect
        sx = rng.uniform(0.8, 1.25, k).astype(np.float32)
        dx = (grid[None, None, :] - cx[:, None, None]) * sx[:, None, None]
        dy = grid[None, :, None] - cy[:, None, None]
        mask = _masks(label, dx, dy, r[:, None, None]).astype(np.float32)
        fg = rng.uniform(0.0, 1.0, (k, 3)).astype(np.float32)
        bg = rng.uniform(0.0, 1.0, (k, 3)).astype(np.float32)
        # keep the shape visible: push the foreground away from a too-similar background
        close = np.abs(fg - bg).sum(axis=1) < 0.6
        fg[close] = 1.0 - bg[close]
        m = mask[:, None]
        images[idx] = m * fg[:, :, None, None] + (1.0 - m) * bg[:, :, None, None]
    images *= 255.0
    # noise drawn in float32 directly: float64 normals would dominate the run time
    images += rng.standard_normal(images.shape, dtype=np.float32) * (noise * 255.0)
    np.clip(images, 0.0, 255.0, out=images)
    images += 0.5
    return images.astype(np.uint8), labels

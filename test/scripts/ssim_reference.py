#!/usr/bin/env python3
"""Reference SSIM maps from scikit-image for the SSIMImageFilter tests.

Writes deterministic test images and scikit-image's full SSIM maps as MetaImage files (.mha):

    /usr/bin/python3 test/scripts/ssim_reference.py test/Input

Images (x fastest, non-square on purpose):
  ssim_x_2d.mha, ssim_y_2d.mha        float32 53 x 41: smooth texture, flat patch, edges; y = distorted x
  ssim_gauss_2d.mha                   structural_similarity(gaussian_weights=True, sigma=1.5,
                                      use_sample_covariance=False, data_range=1, full=True)
  ssim_uniform7_2d.mha                same with win_size=7 uniform window
  ssim_x_3d.mha, ssim_y_3d.mha, ssim_gauss_3d.mha   float32 17 x 13 x 15 volumes
  ssim_x_u8.mha, ssim_y_u8.mha, ssim_gauss_u8.mha   uint8 images, data_range=255
"""
import os
import sys

import numpy as np
from skimage.metrics import structural_similarity

META_TYPES = {np.dtype(np.float32): "MET_FLOAT", np.dtype(np.float64): "MET_DOUBLE", np.dtype(np.uint8): "MET_UCHAR"}


def write_mha(path, array):
    """Writes a numpy array (z, y, x order) as a MetaImage with inline data."""
    array = np.ascontiguousarray(array)
    dims = " ".join(str(s) for s in reversed(array.shape))
    header = (
        "ObjectType = Image\n"
        f"NDims = {array.ndim}\n"
        "BinaryData = True\n"
        "BinaryDataByteOrderMSB = False\n"
        f"DimSize = {dims}\n"
        f"ElementType = {META_TYPES[array.dtype]}\n"
        "ElementDataFile = LOCAL\n"
    )
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header.encode("ascii"))
        f.write(array.astype(array.dtype.newbyteorder("<")).tobytes())
    os.replace(tmp, path)


def ssim_full(x, y, data_range, **kwargs):
    _, full = structural_similarity(
        x.astype(np.float64), y.astype(np.float64), data_range=data_range, full=True,
        use_sample_covariance=False, **kwargs)
    return full


def make_pair(shape, rng):
    grids = np.meshgrid(*[np.linspace(0, 1, s) for s in shape], indexing="ij")
    x = 0.5 + 0.25 * np.sin(7 * grids[-1] + 3 * grids[0] ** 2)
    x += 0.1 * rng.standard_normal(shape)
    flat = tuple(slice(2, 2 + max(3, s // 4)) for s in shape)
    x[flat] = 0.8
    x = np.clip(x, 0, 1)
    y = 0.9 * x + 0.05 + 0.05 * rng.standard_normal(shape)
    y[tuple(slice(s // 2, s // 2 + 4) for s in shape)] = 0.2
    return x.astype(np.float32), np.clip(y, 0, 1).astype(np.float32)


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20190521)
    gauss = dict(gaussian_weights=True, sigma=1.5)

    x, y = make_pair((41, 53), rng)
    write_mha(os.path.join(out, "ssim_x_2d.mha"), x)
    write_mha(os.path.join(out, "ssim_y_2d.mha"), y)
    write_mha(os.path.join(out, "ssim_gauss_2d.mha"), ssim_full(x, y, 1.0, **gauss))
    write_mha(os.path.join(out, "ssim_uniform7_2d.mha"), ssim_full(x, y, 1.0, win_size=7))

    x3, y3 = make_pair((15, 13, 17), rng)
    write_mha(os.path.join(out, "ssim_x_3d.mha"), x3)
    write_mha(os.path.join(out, "ssim_y_3d.mha"), y3)
    write_mha(os.path.join(out, "ssim_gauss_3d.mha"), ssim_full(x3, y3, 1.0, **gauss))

    xu = np.round(x * 255).astype(np.uint8)
    yu = np.round(y * 255).astype(np.uint8)
    write_mha(os.path.join(out, "ssim_x_u8.mha"), xu)
    write_mha(os.path.join(out, "ssim_y_u8.mha"), yu)
    write_mha(os.path.join(out, "ssim_gauss_u8.mha"), ssim_full(xu, yu, 255.0, **gauss))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Input"))

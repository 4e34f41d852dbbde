#!/usr/bin/env python3
"""Reference resampling and blurring from scikit-image / SciPy for the ImageGrid tests.

Reads the 53 x 41 test image test/Input/ssim_x_2d.mha (and the 17 x 13 x 15 volume ssim_x_3d.mha) and writes

    /usr/bin/python3 test/scripts/resample_reference.py test/Input

  grid_half_2d.mha     skimage.transform.resize to 27 x 20 (scale 0.5 of the odd sizes, rounded),
                       order=1, mode="symmetric", anti_aliasing=True, preserve_range=True
  grid_back_2d.mha     grid_half_2d resized back to 53 x 41 (order=1, mode="symmetric", no anti-aliasing)
  grid_blur2_2d.mha    scipy.ndimage.gaussian_filter(sigma=2, mode="reflect", truncate=4)
  grid_third_3d.mha    the volume resized to 6 x 4 x 15 (x and y by 1/3, z kept), as grid_half_2d
"""
import os
import sys

import numpy as np
from scipy import ndimage
from skimage.transform import resize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ssim_reference import write_mha  # noqa: E402


def read_mha(path):
    with open(path, "rb") as f:
        data = f.read()
    header_end = data.index(b"ElementDataFile = LOCAL\n") + len(b"ElementDataFile = LOCAL\n")
    fields = dict(line.split(" = ", 1) for line in data[:header_end].decode("ascii").splitlines())
    dims = [int(v) for v in fields["DimSize"].split()]
    return np.frombuffer(data[header_end:], dtype="<f4").reshape(list(reversed(dims))).astype(np.float64)


def shrink(image, shape):
    return resize(image, shape, order=1, mode="symmetric", anti_aliasing=True, preserve_range=True)


def main(directory):
    x = read_mha(os.path.join(directory, "ssim_x_2d.mha"))  # (41, 53): y, x
    half = shrink(x, (20, 27))
    write_mha(os.path.join(directory, "grid_half_2d.mha"), half.astype(np.float32))
    back = resize(half.astype(np.float32).astype(np.float64), x.shape, order=1, mode="symmetric",
                  anti_aliasing=False, preserve_range=True)
    write_mha(os.path.join(directory, "grid_back_2d.mha"), back.astype(np.float32))
    blurred = ndimage.gaussian_filter(x, 2.0, mode="reflect", truncate=4.0)
    write_mha(os.path.join(directory, "grid_blur2_2d.mha"), blurred.astype(np.float32))
    volume = read_mha(os.path.join(directory, "ssim_x_3d.mha"))  # (15, 13, 17): z, y, x
    third = shrink(volume, (15, 4, 6))
    write_mha(os.path.join(directory, "grid_third_3d.mha"), third.astype(np.float32))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test/Input")

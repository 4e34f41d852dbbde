#!/usr/bin/env python3
"""The module as a CMake package: installs the build into a temporary prefix, builds the README's C++ example
(examples/cxx) against it with find_package(SSIMAutoencoder) -- and against the build tree -- and runs it on an
image with a freshly trained model. Its labels must equal those of `ssimae segment` with the same model, its
residual map theirs within 1e-6, and the README must show the example's code verbatim.

    /usr/bin/python3 test/scripts/check_installed_package.py SOURCE_DIR BUILD_DIR SSIMAE WORK_DIR
"""
import gzip
import os
import pathlib
import shutil
import subprocess
import sys

import cv2
import numpy as np


def run(*command, **kwargs):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit("FAILED: %s\n%s%s" % (" ".join(map(str, command)), result.stdout[-3000:], result.stderr[-3000:]))
    return result.stdout


def read_nrrd(path):
    """Raw or gzip-encoded float NRRD (what ITK's writer produces) as a numpy array, fastest axis last."""
    data = pathlib.Path(path).read_bytes()
    header, _, payload = data.partition(b"\n\n")
    fields = dict(line.split(": ", 1) for line in header.decode().splitlines()[1:] if ": " in line)
    assert fields["type"] == "float", fields
    sizes = [int(s) for s in fields["sizes"].split()]
    if fields["encoding"] == "gzip":
        payload = gzip.decompress(payload)
    return np.frombuffer(payload, dtype="<f4").reshape(sizes[::-1])


def make_texture(seed):
    """A 96 x 80 stripe texture with noise, 8-bit (non-square, so swapped axes show)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:80, 0:96]
    stripes = 128 + 60 * np.sin(2 * np.pi * (x + 0.5 * y) / 12.0)
    return np.clip(stripes + rng.normal(0, 6, stripes.shape), 0, 255).astype(np.uint8)


def check_readme(source):
    code = (source / "examples/cxx/SegmentDefects.cxx").read_text()
    body = code[code.index('#include "itkAutoencoderModel.h"'):]
    readme = (source / "README.md").read_text()
    if body.strip() not in readme:
        sys.exit("FAILED: README.md does not show examples/cxx/SegmentDefects.cxx verbatim (from its first #include)")
    print("README shows examples/cxx/SegmentDefects.cxx verbatim")


def build_example(source, work, name, prefix_variable, prefix):
    build = work / name
    run("cmake", "-S", source / "examples/cxx", "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
        "-D%s=%s" % (prefix_variable, prefix))
    run("cmake", "--build", build)
    return build / "SegmentDefects"


def main():
    source, build, ssimae, work = (pathlib.Path(a).resolve() for a in sys.argv[1:5])
    check_readme(source)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    prefix = work / "prefix"
    run("cmake", "--install", build, "--prefix", prefix)
    config = list(prefix.glob("lib*/cmake/SSIMAutoencoder/SSIMAutoencoderConfig.cmake"))
    assert config, "no SSIMAutoencoderConfig.cmake under %s" % prefix
    installed = build_example(source, work, "example-installed", "CMAKE_PREFIX_PATH", prefix)
    from_tree = build_example(source, work, "example-build-tree", "SSIMAutoencoder_DIR", build)
    libraries = run("ldd", installed)
    library_line = [l for l in libraries.splitlines() if "libSSIMAutoencoder" in l]
    assert library_line and str(prefix) in library_line[0], "installed example links %s" % library_line
    print("example built against the install prefix (%s) and the build tree" % library_line[0].split("=>")[-1].strip())

    # A tiny model trained on one generated texture, calibrated on another, applied to a third with a scratch.
    for index in range(3):
        texture = make_texture(index)
        if index == 2:
            texture[40:44, 20:80] = 255
        cv2.imwrite(str(work / ("texture%d.png" % index)), texture)
    image = work / "texture2.png"
    model = work / "model.pt"
    run(ssimae, "train", "--images", work / "texture0.png", "--patch", "32", "--latent", "16",
        "--patches", "64", "--epochs", "1", "--batch", "16", "--threads", "1", "-o", model)
    run(ssimae, "calibrate", work / "texture1.png", "--model", model)
    for program, name in ((installed, "installed"), (from_tree, "tree")):
        run(program, image, model, work / ("defects_%s.png" % name), work / ("residual_%s.nrrd" % name))
    run(ssimae, "segment", image, "--model", model, "-o", work / "segment")

    reference_labels = cv2.imread(str(work / "segment" / "texture2_labels.png"), cv2.IMREAD_UNCHANGED) > 0
    reference_residual = read_nrrd(work / "segment" / "texture2_residual.nrrd")
    for name in ("installed", "tree"):
        labels = cv2.imread(str(work / ("defects_%s.png" % name)), cv2.IMREAD_UNCHANGED)
        residual = read_nrrd(work / ("residual_%s.nrrd" % name))
        assert labels.shape == reference_labels.shape, (labels.shape, reference_labels.shape)
        assert set(np.unique(labels)) <= {0, 1}, np.unique(labels)
        assert np.array_equal(labels > 0, reference_labels), "labels differ from ssimae segment (%s)" % name
        difference = float(np.max(np.abs(residual - reference_residual)))
        assert difference <= 1e-6, "residual differs from ssimae segment by %g (%s)" % (difference, name)
        print("%s example: %d defect pixels of %d, residual within %.1e of ssimae segment" %
              (name, int(np.count_nonzero(labels)), labels.size, difference))
    print("PASSED")


if __name__ == "__main__":
    main()

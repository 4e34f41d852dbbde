#!/usr/bin/env python3
"""Bad input to ssimae: each case asserts the exit status, the words of the message and that files which existed
before the command are byte-identical afterwards (nothing overwritten, no temporary files left behind).

    /usr/bin/python3 apps/ssimae/test/check_bad_input.py PATH/TO/ssimae

Groups: output discipline (never over an input, colliding names, links), full and read-only disks (a small tmpfs;
needs root and mount -- skipped with a message otherwise), integrity (truncated images of every format ITK reads
without complaint, corrupt models and checkpoints, colour and type rules), validation before work (numbers, enums,
dimensions, non-finite pixels, files that are not files) and test-set manifests.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import cv2
import numpy as np
from PIL import Image


def snapshot(directory):
    """Every file below `directory` with the hash of its bytes (links not followed, pipes not read)."""
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path):
                files[path] = "link -> " + os.readlink(path)
            elif not os.path.isfile(path):
                files[path] = "special"
            else:
                with open(path, "rb") as f:
                    files[path] = hashlib.sha256(f.read()).hexdigest()
    return files


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def truncated_copy(source, destination, keep=0.7):
    data = read_bytes(source)
    write_bytes(destination, data[:int(len(data) * keep)])


def edited_copy(source, destination, old, new):
    """A copy with the first occurrence of `old` replaced by `new` (same length: the archive's layout is kept)."""
    data = read_bytes(source)
    assert len(old) == len(new) and old in data, (source, old)
    write_bytes(destination, data.replace(old, new, 1))


def run(ssimae, arguments, timeout=120):
    try:
        return subprocess.run([ssimae] + arguments, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(arguments, -1000, "", f"timed out after {timeout} s")


class Fixtures:
    """Images, models, manifests and broken files in the current directory."""

    def __init__(self, ssimae):
        rng = np.random.default_rng(3)
        y, x = np.mgrid[0:64, 0:80]
        self.texture = np.clip(128 + 60 * np.sin(2 * np.pi * (x + 0.5 * y) / 12.0) + rng.normal(0, 6, x.shape),
                               0, 255).astype(np.uint8)
        for name in ["a", "b", "seg_exists", "out.png", "ev_exists"]:
            os.makedirs(name)
        for path in ["train.png", "image.png", "a/x.png", "b/x.png", "v.1.png", "v.2.png"]:
            cv2.imwrite(path, self.texture)
        self.train_model(ssimae)
        self.colour_and_type()
        self.volumes_and_values()
        self.truncated_images(ssimae)
        self.broken_files()
        self.broken_models()
        self.manifests()
        write_bytes("ev_exists/metrics.json", b'{"old": true}\n')
        os.symlink("image.png", "image_link.png")

    def train_model(self, ssimae):
        result = run(ssimae, ["train", "--images", "train.png", "--patch", "32", "--latent", "8", "--patches", "32",
                              "--epochs", "1", "--batch", "16", "--threads", "1", "--seed", "5", "-o", "model.pt"])
        if result.returncode != 0:
            sys.exit("cannot train the test model: " + result.stderr[-2000:])
        shutil.copy("model.pt", "calibrated.pt")
        result = run(ssimae, ["calibrate", "image.png", "--model", "calibrated.pt", "--rule", "max", "--stride", "8"])
        if result.returncode != 0:
            sys.exit("cannot calibrate the test model: " + result.stderr[-2000:])

    def colour_and_type(self):
        grey = self.texture
        cv2.imwrite("rgba.png", np.dstack([grey] * 4))
        Image.fromarray(np.dstack([grey, np.full_like(grey, 255)]), mode="LA").save("grey_alpha.png")
        cv2.imwrite("rgb.png", np.dstack([grey] * 3))
        cv2.imwrite("sixteen.png", grey.astype(np.uint16) * 257)
        cv2.imwrite("sixteen_float.tif", grey.astype(np.float32) * 257)
        cv2.imwrite("small.png", grey[:10, :12])

    def volumes_and_values(self):
        volume = np.stack([self.texture.astype(np.float32)] * 4)
        header = "NRRD0004\ntype: float\ndimension: {}\nsizes: {}\nencoding: raw\nendian: little\n\n"
        write_bytes("volume.nrrd", header.format(3, "80 64 4").encode() + volume.astype("<f4").tobytes())
        write_bytes("volume4d.nrrd",
                    header.format(4, "80 64 2 2").encode() + volume.astype("<f4").tobytes())
        for name, value in [("infinite.tif", np.inf), ("nan.tif", np.nan)]:
            values = self.texture.astype(np.float32)
            values[5, 7] = value
            cv2.imwrite(name, values)

    def truncated_images(self, ssimae):
        raw = self.texture.astype("<f4").tobytes()
        meta = "ObjectType = Image\nNDims = 2\nDimSize = 80 64\nElementType = MET_FLOAT\nElementDataFile = {}\n"
        write_bytes("cut.mha", meta.format("LOCAL").encode() + raw[:len(raw) // 2])
        write_bytes("cut.mhd", meta.format("cut_data.raw").encode())
        write_bytes("cut_data.raw", raw[:len(raw) - 4])
        write_bytes("cut.nrrd", b"NRRD0004\ntype: float\ndimension: 2\nsizes: 80 64\nencoding: raw\nendian: little\n\n"
                    + raw[:len(raw) // 2])
        cv2.imwrite("whole.jpg", self.texture)
        cv2.imwrite("whole.bmp", self.texture)
        cv2.imwrite("whole.tif", self.texture)
        for extension in ["mha", "nii", "vtk", "hdr"]:  # written by ssimae (ITK): compressed .mha, the others raw
            result = run(ssimae, ["ssim", "image.png", "train.png", "-o", f"whole.{extension}"])
            assert result.returncode == 0, result.stderr
        for name in ["whole.jpg", "whole.bmp", "whole.tif", "image.png", "whole.mha", "whole.nii", "whole.vtk"]:
            truncated_copy(name, "cut" + name[name.index("."):] if name != "image.png" else "cut.png")
        os.rename("whole.hdr", "cut_pair.hdr")
        truncated_copy("whole.img", "cut_pair.img")
        os.remove("whole.img")

    def broken_files(self):
        write_bytes("empty.png", b"")
        write_bytes("text.png", b"this is not an image\n")
        os.makedirs("directory.png")
        os.mkfifo("pipe.png")
        os.mkfifo("pipe.pt")

    def broken_models(self):
        write_bytes("empty.pt", b"")
        write_bytes("text.pt", b"not a model\n")
        truncated_copy("model.pt", "truncated.pt", 0.5)
        shutil.copy("image.png", "image_as_model.pt")
        # One character of the calibration rule's description (metadata, covered by the settings checksum).
        edited_copy("calibrated.pt", "edited_metadata.pt", b"validation maps", b"validation mapz")
        # The checkpoint of the training run with one character of its settings text changed.
        edited_copy("model.pt.checkpoint", "edited.checkpoint", b"seed=5", b"seed=6")
        shutil.copy("model.pt.checkpoint", "intact.checkpoint")

    def manifests(self):
        mask = np.zeros((64, 80), np.uint8)
        mask[20:30, 30:44] = 255
        cv2.imwrite("mask.png", mask)
        cv2.imwrite("mask_small.png", mask[:32, :40])
        cv2.imwrite("mask_rgba.png", np.dstack([mask] * 4))
        cv2.imwrite("residual_small.tif", np.zeros((10, 10), np.float32))
        residual = np.zeros((64, 80), np.float32)
        residual[3, 3] = np.nan
        cv2.imwrite("residual_nan.tif", residual)
        manifests = {
            "m_missing_image.csv": "image,mask\nnothing.png,mask.png\n",
            "m_missing_mask.csv": "image,mask\nimage.png,nothing_mask.png\n",
            "m_small_mask.csv": "image,mask\nimage.png,mask_small.png\n",
            "m_rgba_mask.csv": "image,mask\nimage.png,mask_rgba.png\n",
            "m_fields.csv": "image,mask\nimage.png,mask.png,r.tif,cat,extra\n",
            "m_quote.csv": 'image,mask\n"image.png,mask.png\n',
            "m_empty.csv": "image,mask\n",
            "m_cut_image.csv": "image,mask\ncut.png,mask.png\nimage.png,\n",
            "m_cut_mask.csv": "image,mask\nimage.png,cut.jpg\ntrain.png,\n",
            "m_small_residual.csv": "image,mask,residual\nimage.png,mask.png,residual_small.tif\n",
            "m_nan_residual.csv": "image,mask,residual\nimage.png,mask.png,residual_nan.tif\n",
            "m_nan_image.csv": "image,mask\nnan.tif,mask.png\n",
            "m_sixteen.csv": "image,mask\nsixteen.png,mask.png\nimage.png,\n",
            "m_all_good.csv": "image,mask\nimage.png,\ntrain.png,\n",
            "m_good_only_category.csv": "image,mask,residual,category\nimage.png,mask.png,,scratch\n"
                                        "train.png,,,good\nv.1.png,,,stain\n",
        }
        for name, text in manifests.items():
            with open(name, "w") as f:
                f.write(text)
        write_bytes("m_binary.csv", bytes(range(256)))


def cases():
    """(arguments, exit status, words that must appear in the message)."""
    segment = ["--model", "model.pt", "-o", "seg", "--threshold", "0.5"]
    evaluate = ["-o", "ev", "--model", "model.pt", "--stride", "16", "--reference", "none"]
    small = ["--patch", "32", "--latent", "8", "--patches", "32", "--epochs", "1", "--batch", "16", "--threads", "1"]
    train = small

    def train_with(*options):
        """The small training settings with `options` (name, value, ...) in place of the defaults they name."""
        given = {options[i] for i in range(0, len(options), 2)}
        kept = [value for i in range(0, len(small), 2) if small[i] not in given for value in small[i:i + 2]]
        return kept + list(options)
    reconstruct = ["--model", "model.pt", "-o", "r.nrrd"]
    return [
        # Output discipline: never over an input, no two outputs on one file, outputs that are directories.
        (["reconstruct", "image.png", "--model", "model.pt", "-o", "image.png"], 1, ["image.png", "overwrite"]),
        (["reconstruct", "image.png", "--model", "model.pt", "-o", "image_link.png"], 1, ["overwrite"]),
        (["reconstruct", "image.png", "--model", "model.pt", "-o", "model.pt"], 1, ["model.pt", "overwrite"]),
        (["reconstruct", "image.png", "--model", "model.pt", "-o", "out.png"], 1, ["out.png", "directory"]),
        (["segment", "a/x.png", "b/x.png"] + segment, 1, ["a/x.png", "b/x.png"]),
        (["segment", "image.png", "--model", "model.pt", "-o", "image.png", "--threshold", "0.5"], 1, ["image.png"]),
        (["ssim", "image.png", "train.png", "-o", "train.png"], 1, ["train.png", "overwrite"]),
        (["ssim", "image.png", "train.png", "-o", "m.nrrd", "--structure", "m.nrrd"], 1, ["m.nrrd", "same file"]),
        (["ssim", "image.png", "train.png", "-o", "out.png"], 1, ["out.png", "directory"]),
        (["train", "--images", "train.png", "-o", "train.png"] + train, 1, ["train.png", "overwrite"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--log", "m2.pt"], 1, ["m2.pt", "same file"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--checkpoint", "train.png"], 1, ["train.png"]),
        (["evaluate", "--manifest", "m_missing_image.csv", "-o", "image.png"], 1, ["image.png"]),
        # Integrity: truncated pixel data in every format, read by every kind of command.
        (["ssim", "cut.mha", "image.png"], 1, ["cut.mha", "incomplete"]),
        (["ssim", "cut.mhd", "image.png"], 1, ["cut.mhd", "incomplete"]),
        (["ssim", "cut.nrrd", "image.png"], 1, ["cut.nrrd"]),
        (["ssim", "cut.jpg", "image.png"], 1, ["cut.jpg", "incomplete"]),
        (["ssim", "cut.bmp", "image.png"], 1, ["cut.bmp", "incomplete"]),
        (["ssim", "cut.tif", "image.png"], 1, ["cut.tif"]),
        (["ssim", "cut.png", "image.png"], 1, ["cut.png"]),
        (["ssim", "image.png", "cut.mha"], 1, ["cut.mha"]),
        (["ssim", "cut.nii", "image.png"], 1, ["cut.nii", "incomplete"]),
        (["ssim", "cut.vtk", "image.png"], 1, ["cut.vtk", "incomplete"]),
        (["ssim", "cut_pair.hdr", "image.png"], 1, ["cut_pair.hdr", "incomplete"]),
        (["segment", "cut.jpg"] + segment, 1, ["cut.jpg", "incomplete"]),
        (["reconstruct", "cut.mha"] + reconstruct, 1, ["cut.mha"]),
        (["train", "--images", "cut.bmp", "-o", "m2.pt"] + train, 1, ["cut.bmp", "incomplete"]),
        (["calibrate", "cut.mhd", "--model", "calibrated.pt"], 1, ["cut.mhd", "incomplete"]),
        (["evaluate", "--manifest", "m_cut_image.csv"] + evaluate, 1, ["cut.png"]),
        (["evaluate", "--manifest", "m_cut_mask.csv"] + evaluate, 1, ["cut.jpg", "mask"]),
        # Integrity: models and checkpoints.
        (["segment", "image.png", "--model", "empty.pt", "-o", "seg"], 1, ["empty.pt", "empty"]),
        (["segment", "image.png", "--model", "text.pt", "-o", "seg"], 1, ["text.pt"]),
        (["segment", "image.png", "--model", "truncated.pt", "-o", "seg"], 1, ["truncated.pt"]),
        (["segment", "image.png", "--model", "image_as_model.pt", "-o", "seg"], 1, ["image_as_model.pt"]),
        (["segment", "image.png", "--model", "edited_metadata.pt", "-o", "seg"], 1, ["edited_metadata.pt", "CRC-32"]),
        (["segment", "image.png", "--model", "missing.pt", "-o", "seg"], 1, ["missing.pt", "does not exist"]),
        (["segment", "image.png", "--model", "directory.png", "-o", "seg"], 1, ["directory.png", "directory"]),
        (["segment", "image.png", "--model", "pipe.pt", "-o", "seg"], 1, ["pipe.pt", "not a regular file"]),
        (["calibrate", "image.png", "--model", "edited_metadata.pt"], 1, ["edited_metadata.pt", "CRC-32"]),
        (["evaluate", "--manifest", "m_missing_mask.csv", "-o", "ev", "--model", "truncated.pt"], 1, ["truncated.pt"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--checkpoint", "edited.checkpoint", "--resume", "--seed",
          "5"] + train, 1, ["edited.checkpoint", "CRC-32"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--checkpoint", "intact.checkpoint", "--resume", "--seed",
          "6"] + train, 1, ["intact.checkpoint", "other settings"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--checkpoint", "truncated.pt", "--resume"] + train, 1,
         ["truncated.pt"]),
        # Integrity: colour and type rules.
        (["segment", "rgba.png"] + segment, 1, ["rgba.png", "4 channels"]),
        (["segment", "grey_alpha.png"] + segment, 1, ["grey_alpha.png", "2 channels"]),
        (["train", "--images", "rgba.png", "-o", "m2.pt"] + train, 1, ["rgba.png", "4 channels"]),
        (["segment", "sixteen.png"] + segment, 1, ["sixteen.png", "16-bit", "trained on 8-bit"]),
        (["calibrate", "sixteen.png", "--model", "calibrated.pt"], 1, ["sixteen.png", "16-bit", "trained on 8-bit"]),
        (["reconstruct", "sixteen.png"] + reconstruct, 1, ["sixteen.png", "16-bit", "trained on 8-bit"]),
        (["evaluate", "--manifest", "m_sixteen.csv"] + evaluate, 1, ["sixteen.png", "16-bit", "trained on 8-bit"]),
        (["segment", "sixteen_float.tif"] + segment, 1, ["sixteen_float.tif", "outside the range", "trained on"]),
        (["reconstruct", "sixteen_float.tif"] + reconstruct, 1, ["sixteen_float.tif", "outside the range"]),
        # Validation: dimensions, non-finite pixels, files that are not images.
        (["reconstruct", "volume.nrrd"] + reconstruct, 1, ["volume.nrrd", "3D"]),
        (["segment", "volume.nrrd", "--axis", "3"] + segment, 2, ["--axis must be 0, 1 or 2"]),
        (["segment", "volume4d.nrrd"] + segment, 1, ["volume4d.nrrd", "4D"]),
        (["train", "--images", "volume4d.nrrd", "-o", "m2.pt"] + train, 1, ["volume4d.nrrd", "4D"]),
        (["calibrate", "volume4d.nrrd", "--model", "calibrated.pt"], 1, ["volume4d.nrrd", "4D"]),
        (["calibrate", "volume.nrrd", "--model", "calibrated.pt", "--axis", "7"], 2, ["--axis must be 0, 1 or 2"]),
        (["ssim", "volume4d.nrrd", "volume4d.nrrd"], 1, ["volume4d.nrrd", "4D"]),
        (["ssim", "image.png", "volume.nrrd"], 1, ["volume.nrrd"]),
        (["ssim", "image.png", "small.png"], 1, ["size"]),
        (["segment", "infinite.tif"] + segment, 1, ["infinite.tif", "infinite"]),
        (["segment", "nan.tif"] + segment, 1, ["nan.tif", "NaN"]),
        (["train", "--images", "infinite.tif", "-o", "m2.pt"] + train, 1, ["infinite.tif", "infinite"]),
        (["ssim", "nan.tif", "image.png"], 1, ["nan.tif", "NaN"]),
        (["calibrate", "nan.tif", "--model", "calibrated.pt"], 1, ["nan.tif", "NaN"]),
        (["segment", "empty.png"] + segment, 1, ["empty.png", "empty"]),
        (["segment", "text.png"] + segment, 1, ["text.png"]),
        (["segment", "directory.png"] + segment, 1, ["directory.png"]),
        (["segment", "pipe.png"] + segment, 1, ["pipe.png", "not a regular file"]),
        (["ssim", "pipe.png", "image.png"], 1, ["pipe.png", "not a regular file"]),
        (["train", "--images", "pipe.png", "-o", "m2.pt"] + train, 1, ["pipe.png", "not a regular file"]),
        (["segment", "missing.png"] + segment, 1, ["missing.png"]),
        (["train", "--images", "nothing*.png", "-o", "m2.pt"] + train, 1, ["nothing*.png"]),
        (["train", "--images", "*/x.png", "-o", "m2.pt"] + train, 1, ["wildcards", "file name"]),
        # Validation: numbers (strict, in range, finite) and enumerations.
        (["reconstruct", "image.png"] + reconstruct + ["--stride", "4294967297"], 2, ["--stride", "out of range"]),
        (["reconstruct", "image.png"] + reconstruct + ["--stride", "3x"], 2, ["--stride", "3x"]),
        (["reconstruct", "image.png"] + reconstruct + ["--stride", "0"], 2, ["--stride"]),
        (["reconstruct", "image.png"] + reconstruct + ["--stride", "-4"], 2, ["--stride"]),
        (["reconstruct", "image.png"] + reconstruct + ["--stride", "40"], 1, ["Stride"]),
        (["reconstruct", "image.png"] + reconstruct + ["--pieces", "0"], 2, ["--pieces"]),
        (["reconstruct", "image.png"] + reconstruct + ["--batch", "1e3"], 2, ["--batch", "1e3"]),
        (["segment", "image.png"] + segment + ["--residual", "ssm"], 2, ["--residual", "ssm"]),
        (["segment", "image.png", "--model", "model.pt", "-o", "seg", "--threshold", "nan"], 2, ["--threshold"]),
        (["segment", "image.png", "--model", "model.pt", "-o", "seg", "--threshold", "inf"], 2, ["--threshold"]),
        (["segment", "image.png", "--model", "model.pt", "-o", "seg"], 1, ["threshold", "calibrate"]),
        (["segment", "image.png"] + segment + ["--min-area", "-3"], 2, ["--min-area"]),
        (["ssim", "image.png", "train.png", "--window", "gauss"], 2, ["--window", "gauss"]),
        (["ssim", "image.png", "train.png", "--sigma", "nan"], 2, ["--sigma"]),
        (["ssim", "image.png", "train.png", "--sigma", "0"], 2, ["--sigma"]),
        (["ssim", "image.png", "train.png", "--k1", "inf"], 2, ["--k1", "finite"]),
        (["ssim", "image.png", "train.png", "--k1", "-0.1"], 2, ["--k1"]),
        (["ssim", "image.png", "train.png", "--range", "0"], 2, ["--range"]),
        (["ssim", "image.png"], 2, ["IMAGE"]),
        (["ssim", "image.png", "train.png", "v.1.png"], 2, ["At Most 2", "received 3"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--threads", "100000"), 2, ["--threads", "1024"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--threads", "0"), 2, ["--threads"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--loss", "ssim2"], 2, ["--loss", "ssim2"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--normalize", "local"], 2, ["--normalize", "local"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--augment", "flip:3"], 2, ["--augment"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--augment", "rotate:"], 2, ["--augment"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--augment", "rotate:500"], 2, ["--augment"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--patch", "48"), 1, ["48"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--latent", "0"), 2, ["--latent"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--latent", "100000"), 1, ["100000"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--batch", "0"), 2, ["--batch"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--epochs", "0"), 2, ["--epochs"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--lr", "nan"], 2, ["--lr"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--lr", "-1"], 1, ["earning rate"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--scale", "0"], 2, ["--scale"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--seed", "-1"], 2, ["--seed"]),
        (["train", "-o", "m2.pt"] + train, 2, ["--images"]),
        (["train", "--images", "train.png", "-o", "m2.pt"] + train + ["--frobnicate"], 2, ["--frobnicate"]),
        (["calibrate", "image.png", "--model", "calibrated.pt", "--rule", "maximum"], 2, ["--rule", "maximum"]),
        (["calibrate", "image.png", "--model", "calibrated.pt", "--percentile", "101"], 2, ["--percentile"]),
        (["calibrate", "image.png", "--model", "calibrated.pt", "--residual", "l3"], 2, ["--residual", "l3"]),
        (["evaluate", "--manifest", "m.csv", "-o", "ev", "--pro-limit", "5"], 2, ["--pro-limit", "5"]),
        (["evaluate", "--manifest", "m.csv", "-o", "ev", "--pro-limit", "0"], 2, ["--pro-limit"]),
        (["evaluate", "--manifest", "m.csv", "-o", "ev", "--image-score-sigma", "-1"], 2, ["--image-score-sigma"]),
        (["evaluate", "--manifest", "m.csv", "-o", "ev", "--reference", "blur:-2"], 2, ["--reference"]),
        (["evaluate", "--manifest", "m.csv", "-o", "ev", "--reference", "gauss"], 2, ["--reference", "gauss"]),
        (["evaluate", "--manifest", "m.csv", "-o", "ev", "--window-size", "0"], 2, ["--window-size"]),
        (["evaluate", "--manifest", "m.csv", "--mvtec", "dir", "-o", "ev"], 2, ["--mvtec", "--manifest"]),
        (["evaluate", "--manifest", "m.csv"], 2, ["--output"]),
        (["demo", "--quick", "--seed", "12345678901"], 2, ["--seed", "out of range"]),
        (["demo", "--quick", "--size", "0"], 2, ["--size"]),
        (["frobnicate"], 2, ["frobnicate"]),
        # Test-set manifests.
        (["evaluate", "--manifest", "missing.csv", "-o", "ev"], 1, ["missing.csv", "does not exist"]),
        (["evaluate", "--manifest", "m_empty.csv", "-o", "ev"], 1, ["m_empty.csv", "no images"]),
        (["evaluate", "--manifest", "m_fields.csv", "-o", "ev"], 1, ["m_fields.csv", "line 2"]),
        (["evaluate", "--manifest", "m_quote.csv", "-o", "ev"], 1, ["m_quote.csv", "quote"]),
        (["evaluate", "--manifest", "m_binary.csv", "-o", "ev"], 1, ["m_binary.csv"]),
        (["evaluate", "--manifest", "pipe.png", "-o", "ev"], 1, ["pipe.png", "not a regular file"]),
        (["evaluate", "--manifest", "m_missing_image.csv"] + evaluate, 1, ["nothing.png"]),
        (["evaluate", "--manifest", "m_missing_mask.csv"] + evaluate, 1, ["nothing_mask.png", "mask"]),
        (["evaluate", "--manifest", "m_small_mask.csv"] + evaluate, 1, ["mask_small.png", "mask"]),
        (["evaluate", "--manifest", "m_rgba_mask.csv"] + evaluate, 1, ["mask_rgba.png", "4 channels"]),
        (["evaluate", "--manifest", "m_small_residual.csv", "-o", "ev"], 1, ["residual_small.tif"]),
        (["evaluate", "--manifest", "m_nan_residual.csv", "-o", "ev"], 1, ["residual_nan.tif", "NaN"]),
        (["evaluate", "--manifest", "m_nan_image.csv"] + evaluate, 1, ["nan.tif", "NaN"]),
        (["evaluate", "--mvtec", "missing_dir", "-o", "ev"], 1, ["missing_dir"]),
        (["evaluate", "--manifest", "m_all_good.csv"] + evaluate, 1, ["defect pixels"]),
        # Resources: sizes are checked before allocation, or an allocation failure names the sizes.
        (["train", "--images", "train.png", "-o", "m2.pt"] + train_with("--patches", "2147483647"), 1,
         ["2147483647", "memory"]),
        (["ssim", "image.png", "train.png", "--size", "2147483647"], 1, ["WindowSize", "2147483647"]),
        (["demo", "--quick", "--size", "1000000"], 2, ["--size", "4096"]),
        (["reconstruct", "image.png", "--model", "model.pt", "-o", "image.png", "--pieces", "4"], 1,
         ["image.png", "overwrite"]),
    ]


def check_cases(ssimae, tmp, failures):
    count = 0
    for arguments, status, words in cases():
        count += 1
        before = snapshot(tmp)
        result = run(ssimae, arguments)
        message = result.stdout + result.stderr
        after = snapshot(tmp)
        name = " ".join(arguments)
        if result.returncode != status:
            failures.append(f"{name}: exit {result.returncode}, expected {status}: {message.strip()[-300:]}")
        missing = [word for word in words if word not in message]
        if missing:
            failures.append(f"{name}: message lacks {missing}: {message.strip()[-300:]}")
        changed = sorted(path for path in before if before[path] != after.get(path))
        left = sorted(path for path in after if path not in before and ".partial-" in path)
        if changed or left:
            failures.append(f"{name}: files changed {changed}, temporaries left {left}")
    return count


def check_results_that_must_work(ssimae, failures):
    """Inputs near the bad ones that must give a result: the checks may not refuse good data."""
    good = [
        ["ssim", "whole.jpg", "whole.bmp"], ["ssim", "whole.mha", "whole.nii"], ["ssim", "whole.vtk", "whole.tif"],
        ["ssim", "rgb.png", "image.png"],  # RGB is read as its luminance
        ["ssim", "image.png", "train.png", "--sigma", "1e-200"],  # a Gaussian that small is the unit impulse
        ["segment", "v.1.png", "v.2.png", "--model", "model.pt", "-o", "seg_dots", "--threshold", "0.5"],
        ["segment", "image.png", "--model", "calibrated.pt", "-o", "seg_ok"],
        ["train", "--images", "train.png", "-o", "m_resumed.pt", "--checkpoint", "intact.checkpoint", "--resume",
         "--seed", "5", "--patch", "32", "--latent", "8", "--patches", "32", "--epochs", "1", "--batch", "16",
         "--threads", "1"],
    ]
    for arguments in good:
        result = run(ssimae, arguments)
        if result.returncode != 0 or "nan" in result.stdout.lower():
            failures.append(f"good input refused: {' '.join(arguments)}: {(result.stdout + result.stderr)[-300:]}")
    # A bright defect beyond the training range (up to one range width) is segmented, not refused.
    bright = cv2.imread("image.png", cv2.IMREAD_UNCHANGED).astype(np.float32)
    bright[20:26, 30:36] = 600.0
    cv2.imwrite("bright.tif", bright)
    result = run(ssimae, ["segment", "bright.tif", "--model", "calibrated.pt", "-o", "seg_bright"])
    if result.returncode != 0:
        failures.append(f"bright defect refused: {(result.stdout + result.stderr)[-300:]}")
    # A category whose images have no defects is named and left out of the per-category areas; the rest is evaluated.
    result = run(ssimae, ["evaluate", "--manifest", "m_good_only_category.csv", "-o", "ev_categories", "--model",
                          "model.pt", "--stride", "16", "--reference", "none", "--worst", "0"])
    if result.returncode != 0 or "'stain'" not in result.stderr:
        failures.append(f"category without defects: {(result.stdout + result.stderr)[-300:]}")
    # Huge batches allocate no more than the patches of the image.
    result = run(ssimae, ["reconstruct", "image.png", "--model", "model.pt", "-o", "r_batch.nrrd", "--batch",
                          "2147483647"])
    if result.returncode != 0:
        failures.append(f"reconstruct --batch 2147483647: {(result.stdout + result.stderr)[-300:]}")
    # A manifest with a UTF-8 byte-order mark reads its first file name without it.
    with open("m_bom.csv", "w", encoding="utf-8-sig") as f:
        f.write("image.png,mask.png\ntrain.png,\n")
    result = run(ssimae, ["evaluate", "--manifest", "m_bom.csv", "-o", "ev_bom", "--model", "model.pt", "--stride",
                          "16", "--reference", "none", "--worst", "0"])
    if result.returncode != 0:
        failures.append(f"manifest with a byte-order mark: {(result.stdout + result.stderr)[-300:]}")
    # Multi-file outputs are written in place: the header names a data file that exists.
    result = run(ssimae, ["ssim", "image.png", "train.png", "-o", "pair.nhdr"])
    again = run(ssimae, ["ssim", "pair.nhdr", "pair.nhdr"])
    if result.returncode != 0 or again.returncode != 0 or any(".partial-" in n for n in os.listdir(".")):
        failures.append(f"NRRD .nhdr output: {result.stderr[-200:]} {again.stderr[-200:]}")
    # A link as output is written through: the link stays, the file it names is written.
    os.symlink("map_target.nrrd", "link_out.nrrd")
    result = run(ssimae, ["ssim", "image.png", "train.png", "-o", "link_out.nrrd"])
    if result.returncode != 0 or not os.path.islink("link_out.nrrd") or not os.path.isfile("map_target.nrrd"):
        failures.append(f"output through a link: exit {result.returncode}, link kept "
                        f"{os.path.islink('link_out.nrrd')}, target written {os.path.isfile('map_target.nrrd')}")
    return len(good) + 6


def mount_tmpfs(path, options):
    os.makedirs(path, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], capture_output=True, text=True)
    return result.returncode == 0, result.stderr.strip()


def fill(directory):
    """Fills the file system of `directory` to the last byte."""
    for name, block in [("filler", 1 << 16), ("filler2", 1)]:
        descriptor = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(descriptor, b"\0" * block)
        except OSError:
            pass
        finally:
            os.close(descriptor)


def check_full_and_read_only_disks(ssimae, tmp, failures):
    """Writes on a full and on a read-only file system: exit 1 naming the file, old outputs kept, no temporaries."""
    if os.geteuid() != 0:
        print("SKIPPED full-disk and read-only cases: they mount a small tmpfs, which needs root")
        return 0
    full, read_only = os.path.join(tmp, "full"), os.path.join(tmp, "read_only")
    mounted, error = mount_tmpfs(full, "size=8m")
    if not mounted:
        print(f"SKIPPED full-disk and read-only cases: cannot mount a tmpfs here ({error})")
        return 0
    count = 0
    try:
        ok, error = mount_tmpfs(read_only, "size=8m")
        if not ok:
            failures.append(f"second tmpfs: {error}")
            return 0
        for directory in [full, read_only]:
            os.makedirs(os.path.join(directory, "ev"))
            os.makedirs(os.path.join(directory, "seg"))
            write_bytes(os.path.join(directory, "ev", "metrics.json"), b'{"old": true}\n')
            write_bytes(os.path.join(directory, "map.nrrd"), b"old map\n")
            write_bytes(os.path.join(directory, "model.pt"), read_bytes("calibrated.pt"))
            write_bytes(os.path.join(directory, "seg", "image_labels.png"), b"old labels\n")
        fill(full)
        subprocess.run(["mount", "-o", "remount,ro", read_only], check=True)
        with open("m_ok.csv", "w") as f:
            f.write("image.png,mask.png\ntrain.png,\n")
        for directory, words in [(full, ["No space left", "cannot write"]), (read_only, ["Read-only", "cannot write"])]:
            commands = [
                ["ssim", "image.png", "train.png", "-o", f"{directory}/map.nrrd"],
                ["evaluate", "--manifest", "m_ok.csv", "-o", f"{directory}/ev", "--model", "model.pt", "--stride", "16",
                 "--reference", "none", "--worst", "0"],
                ["reconstruct", "image.png", "--model", "model.pt", "-o", f"{directory}/map.nrrd"],
                ["segment", "image.png", "--model", "calibrated.pt", "-o", f"{directory}/seg"],
                ["calibrate", "image.png", "--model", f"{directory}/model.pt", "--stride", "16"],
                ["train", "--images", "train.png", "-o", f"{directory}/m.pt", "--checkpoint", "ck_full.checkpoint",
                 "--log", "log_full.csv", "--patch", "32", "--latent", "8", "--patches", "32", "--epochs", "1",
                 "--batch", "16", "--threads", "1"],
                ["train", "--images", "train.png", "-o", "m_ck.pt", "--checkpoint", f"{directory}/ck.checkpoint",
                 "--log", "log_ck.csv", "--patch", "32", "--latent", "8", "--patches", "32", "--epochs", "1",
                 "--batch", "16", "--threads", "1"],
            ]
            for arguments in commands:
                count += 1
                if directory == full:
                    fill(full)  # space freed by the previous case is taken again
                before = snapshot(directory)
                result = run(ssimae, arguments)
                message = result.stdout + result.stderr
                after = snapshot(directory)
                name = " ".join(arguments)
                if result.returncode != 1:
                    failures.append(f"{name}: exit {result.returncode}, expected 1: {message.strip()[-300:]}")
                if directory not in message or not any(word in message for word in words):
                    failures.append(f"{name}: message names neither the path nor the cause: {message.strip()[-300:]}")
                changed = sorted(path for path in before if before[path] != after.get(path) and "filler" not in path)
                left = sorted(path for path in after if path not in before and ".partial-" in path)
                if changed or left:
                    failures.append(f"{name}: files changed {changed}, temporaries left {left}")
                if "abort" in message.lower() or result.returncode < 0:
                    failures.append(f"{name}: crashed: {message.strip()[-300:]}")
    finally:
        for directory in [read_only, full]:
            subprocess.run(["umount", directory], capture_output=True)
    return count


def main(ssimae):
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        Fixtures(ssimae)
        count = check_cases(ssimae, tmp, failures)
        count += check_results_that_must_work(ssimae, failures)
        count += check_full_and_read_only_disks(ssimae, tmp, failures)
        os.chdir("/")
        print(f"{count} cases")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))

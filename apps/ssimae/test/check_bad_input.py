#!/usr/bin/env python3
"""Bad input to ssimae: each case asserts the exit status, the words of the message and that files which existed
before the command are byte-identical afterwards (nothing overwritten, no temporary files left behind).

    /usr/bin/python3 apps/ssimae/test/check_bad_input.py PATH/TO/ssimae
"""
import hashlib
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np


def snapshot(directory):
    """Every file below `directory` with the hash of its bytes (links not followed)."""
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path):
                files[path] = "link -> " + os.readlink(path)
            else:
                with open(path, "rb") as f:
                    files[path] = hashlib.sha256(f.read()).hexdigest()
    return files


def main(ssimae):
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        rng = np.random.default_rng(3)
        y, x = np.mgrid[0:64, 0:80]
        texture = np.clip(128 + 60 * np.sin(2 * np.pi * (x + 0.5 * y) / 12.0) + rng.normal(0, 6, x.shape), 0, 255)
        os.makedirs("a")
        os.makedirs("b")
        for path in ["train.png", "image.png", "a/x.png", "b/x.png", "v.1.png", "v.2.png"]:
            cv2.imwrite(path, texture.astype(np.uint8))
        result = subprocess.run([ssimae, "train", "--images", "train.png", "--patch", "32", "--latent", "8",
                                 "--patches", "32", "--epochs", "1", "--batch", "16", "--threads", "1",
                                 "-o", "model.pt"], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit("cannot train the test model: " + result.stderr[-2000:])
        cv2.imwrite("rgba.png", np.dstack([texture.astype(np.uint8)] * 4))
        volume = np.stack([texture.astype(np.float32)] * 4)
        with open("volume.nrrd", "wb") as f:
            f.write(b"NRRD0004\ntype: float\ndimension: 3\nsizes: 80 64 4\nencoding: raw\nendian: little\n\n")
            f.write(volume.astype("<f4").tobytes())
        infinite = texture.astype(np.float32)
        infinite[5, 7] = np.inf
        cv2.imwrite("infinite.tif", infinite)
        os.makedirs("out.png")
        os.symlink("image.png", "image_link.png")

        cases = [
            # (arguments, exit status, words that must appear in the message)
            (["reconstruct", "image.png", "--model", "model.pt", "-o", "image.png"], 1, ["image.png", "overwrite"]),
            (["reconstruct", "image.png", "--model", "model.pt", "-o", "image_link.png"], 1, ["overwrite"]),
            (["reconstruct", "image.png", "--model", "model.pt", "-o", "model.pt"], 1, ["model.pt", "overwrite"]),
            (["reconstruct", "image.png", "--model", "model.pt", "-o", "out.png"], 1, ["out.png", "directory"]),
            (["reconstruct", "image.png", "--model", "model.pt", "-o", "r.nrrd", "--stride", "4294967297"], 2,
             ["--stride", "out of range"]),
            (["reconstruct", "image.png", "--model", "model.pt", "-o", "r.nrrd", "--stride", "3x"], 2,
             ["--stride", "3x"]),
            (["reconstruct", "volume.nrrd", "--model", "model.pt", "-o", "r.nrrd"], 1, ["volume.nrrd", "3D"]),
            (["segment", "a/x.png", "b/x.png", "--model", "model.pt", "-o", "seg", "--threshold", "0.5"], 1, ["a/x.png", "b/x.png"]),
            (["segment", "rgba.png", "--model", "model.pt", "-o", "seg", "--threshold", "0.5"], 1, ["rgba.png", "4 channels"]),
            (["segment", "volume.nrrd", "--model", "model.pt", "-o", "seg", "--threshold", "0.5"], 1, ["volume.nrrd", "3D"]),
            (["segment", "infinite.tif", "--model", "model.pt", "-o", "seg", "--threshold", "0.5"], 1, ["infinite.tif", "infinite"]),
            (["segment", "image.png", "--model", "model.pt", "-o", "seg", "--threshold", "0.5", "--residual", "ssm"], 2,
             ["--residual", "ssm"]),
            (["ssim", "image.png", "train.png", "-o", "train.png"], 1, ["train.png", "overwrite"]),
            (["ssim", "image.png", "train.png", "-o", "m.nrrd", "--structure", "m.nrrd"], 1, ["m.nrrd", "same file"]),
            (["ssim", "image.png", "train.png", "--window", "gauss"], 2, ["--window", "gauss"]),
            (["ssim", "image.png", "train.png", "--sigma", "nan"], 2, ["--sigma"]),
            (["ssim", "image.png", "train.png", "--k1", "inf"], 2, ["--k1", "finite"]),
            (["train", "--images", "train.png", "-o", "train.png", "--epochs", "1"], 1, ["train.png", "overwrite"]),
            (["train", "--images", "train.png", "-o", "m2.pt", "--log", "m2.pt"], 1, ["m2.pt", "same file"]),
            (["train", "--images", "train.png", "-o", "m2.pt", "--threads", "100000"], 2, ["--threads", "1024"]),
            (["train", "--images", "train.png", "-o", "m2.pt", "--loss", "ssim2"], 2, ["--loss", "ssim2"]),
            (["train", "--images", "train.png", "-o", "m2.pt", "--augment", "flip:3"], 2, ["--augment"]),
            (["train", "--images", "nothing*.png", "-o", "m2.pt"], 1, ["nothing*.png"]),
            (["train", "--images", "*/x.png", "-o", "m2.pt"], 1, ["wildcards", "file name"]),
            (["calibrate", "image.png", "--model", "model.pt", "--rule", "maximum"], 2, ["--rule", "maximum"]),
            (["evaluate", "--manifest", "m.csv", "-o", "ev", "--pro-limit", "5"], 2, ["--pro-limit", "5"]),
            (["demo", "--quick", "--seed", "12345678901"], 2, ["--seed", "out of range"]),
        ]
        for arguments, status, words in cases:
            before = snapshot(tmp)
            result = subprocess.run([ssimae] + arguments, capture_output=True, text=True, timeout=120)
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
        # A link as output is written through: the link stays, the file it names is written.
        os.symlink("map_target.nrrd", "link_out.nrrd")
        result = subprocess.run([ssimae, "ssim", "image.png", "train.png", "-o", "link_out.nrrd"],
                                capture_output=True, text=True)
        if result.returncode != 0 or not os.path.islink("link_out.nrrd") or not os.path.isfile("map_target.nrrd"):
            failures.append(f"output through a link: exit {result.returncode}, link kept "
                            f"{os.path.islink('link_out.nrrd')}, target written {os.path.isfile('map_target.nrrd')}")
        print(f"{len(cases) + 1} cases")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))

#!/usr/bin/env python3
"""AutoencoderTrainer from Python: training on itk.Image objects with progress and iteration observers, abort from
an observer, model save/load, and the Python twin examples/train_autoencoder.py on image files.

    test_training.py EXAMPLES_DIR
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

import itk
from checks import check, exit_status


def small_model():
    model = itk.AutoencoderModel.New()
    model.SetPatchSize(32)
    model.SetLatentSize(16)
    return model


def make_trainer(model, textures, epochs):
    trainer = itk.AutoencoderTrainer.New(Model=model, NumberOfPatchesPerEpoch=128, NumberOfEpochs=epochs,
                                         BatchSize=32, Patience=0, Seed=3, NumberOfThreads=2)
    for texture in textures:
        trainer.AddImage(texture)
    return trainer


def reconstruct(model, image):
    image_type = itk.Image[itk.F, 2]
    reconstruction = itk.AutoencoderReconstructionFilter[image_type, image_type].New(Input=image, Model=model)
    reconstruction.Update()
    return itk.array_from_image(reconstruction.GetOutput())


def main(examples):
    generator = itk.CheckerboardDefectGenerator.New(Width=64, Height=48, Seed=5)
    textures = [generator.MakeTexture(i) for i in range(3)]
    check(itk.array_view_from_image(textures[0]).shape == (48, 64), "generated texture is 64 wide, 48 high")

    model = small_model()
    trainer = make_trainer(model, textures, epochs=3)
    progress, epochs = [], []
    trainer.AddObserver(itk.ProgressEvent(), lambda: progress.append(trainer.GetProgress()))
    trainer.AddObserver(itk.IterationEvent(), lambda: epochs.append(
        (trainer.GetEpoch(), trainer.GetTrainingLoss(), trainer.GetValidationLoss())))
    trainer.Train()
    check(len(progress) == 3 * 4, f"one progress event per batch: {len(progress)}")
    check(all(b >= a for a, b in zip(progress, progress[1:])) and abs(progress[-1] - 1.0) < 1e-12,
          f"progress rises to 1: {progress[:3]} ... {progress[-1]}")
    check([e[0] for e in epochs] == [1, 2, 3], f"iteration event per epoch: {[e[0] for e in epochs]}")
    check(all(math.isfinite(e[1]) and math.isfinite(e[2]) and 0 <= e[1] <= 2 for e in epochs),
          f"finite SSIM losses: {epochs}")
    check(model.IsInitialized() and model.GetNumberOfParameters() > 0,
          f"trained model: {model.GetNumberOfParameters()} parameters")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pt")
        model.Save(path)
        loaded = itk.AutoencoderModel.New()
        loaded.Load(path)
        check(loaded.GetPatchSize() == 32 and loaded.GetLatentSize() == 16, "saved model loads with its metadata")
        check(np.array_equal(reconstruct(model, textures[0]), reconstruct(loaded, textures[0])),
              "loaded model reconstructs exactly as the trained one")

        aborting = make_trainer(small_model(), textures, epochs=5)

        def abort_after_first_epoch():
            if aborting.GetEpoch() == 1:
                aborting.AbortTrainingOn()

        aborting.AddObserver(itk.IterationEvent(), abort_after_first_epoch)
        aborting.Train()
        check(aborting.GetEpoch() == 1, f"abort from an observer stops after epoch 1: {aborting.GetEpoch()}")

        files = []
        for i, texture in enumerate(textures):
            files.append(os.path.join(tmp, f"texture{i}.png"))
            pixels = np.clip(itk.array_view_from_image(texture), 0, 255).astype(np.uint8)
            itk.imwrite(itk.image_from_array(pixels), files[-1])
        output = os.path.join(tmp, "twin.pt")
        twin = subprocess.run([sys.executable, os.path.join(examples, "train_autoencoder.py"), *files, "-o", output,
                               "--patch", "32", "--latent", "16", "--patches", "128", "--epochs", "2", "--batch",
                               "32", "--quiet"], capture_output=True, text=True)
        check(twin.returncode == 0 and os.path.isfile(output),
              "examples/train_autoencoder.py trains and saves: " + (twin.stdout + twin.stderr).strip()[-400:])
    return exit_status()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

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

        # Held-out validation images, an augmentation mode, a training log, and a model that works at half scale
        # with per-image normalisation: the settings reach the model file, and its reconstruction lies on the
        # half-size grid while the residual comes back on the image's grid.
        scaled = small_model()
        scaled.SetImageScale(0.5)
        scaled.SetIntensityNormalization(itk.AutoencoderModelEnums.Normalization_PerImage)
        log = os.path.join(tmp, "log.csv")
        held_out = make_trainer(scaled, [generator.MakeTexture(i + 10) for i in range(2)], epochs=2)
        held_out.AddValidationImage(textures[0])
        held_out.SetAugmentation(itk.AutoencoderTrainerEnums.Augmentation_Flip)
        held_out.SetLogFile(log)
        held_out.Train()
        check(held_out.GetNumberOfValidationImages() == 1, "one held-out validation image")
        rows = open(log).read().splitlines()
        check(rows[0] == "epoch,patches_seen,training_loss,validation_loss,seconds" and len(rows) == 3,
              f"training log: {rows}")
        scaled_path = os.path.join(tmp, "scaled.pt")
        scaled.Save(scaled_path)
        reloaded = itk.AutoencoderModel.New()
        reloaded.Load(scaled_path)
        check(reloaded.GetImageScale() == 0.5 and reloaded.GetMetadataValue("training.augmentation") == "flip" and
              reloaded.GetIntensityNormalization() == itk.AutoencoderModelEnums.Normalization_PerImage,
              "scale, normalisation and augmentation stored in the model file")
        image_type, label_type = itk.Image[itk.F, 2], itk.Image[itk.UC, 2]
        odd = generator.MakeTexture(20)  # 64 x 48
        reconstruction = itk.AutoencoderReconstructionFilter[image_type, image_type].New(Input=odd, Model=reloaded)
        reconstruction.Update()
        check(tuple(reconstruction.GetOutput().GetLargestPossibleRegion().GetSize()) == (32, 24),
              f"half-scale reconstruction grid {reconstruction.GetOutput().GetLargestPossibleRegion().GetSize()}")
        segment = itk.ResidualSegmentationFilter[image_type, label_type].New(
            Input1=odd, Input2=reconstruction.GetOutput(), Threshold=0.5,
            DynamicRange=reconstruction.GetIntensityMaximum() - reconstruction.GetIntensityMinimum())
        segment.Update()
        check(itk.array_from_image(segment.GetResidualOutput()).shape == (48, 64),
              "residual on the image's own grid")

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

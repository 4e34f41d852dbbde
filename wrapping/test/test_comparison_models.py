#!/usr/bin/env python3
"""The paper's comparison models from Python: a variational autoencoder trained with the ELBO and segmented with its
own residual (reconstruction probability) through the wrapped filters and the examples' segment(), and a
feature-matching autoencoder with a TorchScript feature extractor exported by Debian's python3-torch (that part is
skipped, with a message, when torch is not importable).

    test_comparison_models.py EXAMPLES_DIR
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

import itk
from checks import check, exit_status


def trainer_for(model, textures):
    trainer = itk.AutoencoderTrainer.New(Model=model, NumberOfPatchesPerEpoch=64, NumberOfEpochs=2, BatchSize=32,
                                         Patience=0, Seed=3, NumberOfThreads=2)
    for texture in textures:
        trainer.AddImage(texture)
    return trainer


def small_model(architecture, loss):
    model = itk.AutoencoderModel.New(PatchSize=32, LatentSize=8)
    model.SetArchitecture(architecture)
    model.SetLoss(loss)
    return model


def main(examples):
    sys.path.insert(0, examples)
    import segment_defects

    enums = itk.AutoencoderModelEnums
    generator = itk.CheckerboardDefectGenerator.New(Width=64, Height=48, Seed=5)
    textures = [generator.MakeTexture(i) for i in range(2)]

    vae = small_model(enums.Architecture_Variational, enums.Loss_ELBO)
    vae.SetNumberOfSamples(4)
    trainer_for(vae, textures).Train()
    check(vae.ProvidesResidual() and vae.GetNumberOfSamples() == 4, "a trained VAE has a residual of its own")
    check(segment_defects.own_residual(vae) == "model", f"own residual {segment_defects.own_residual(vae)}")
    image = textures[0]
    _, residual, labels = segment_defects.segment(image, vae, threshold=math.inf, residual="model", stride=16)
    own = itk.AutoencoderReconstructionFilter[type(image), type(image)].New(Input=image, Model=vae, Stride=16,
                                                                             ModelResidual=True)
    own.Update()
    values = itk.array_from_image(residual)
    check(values.shape == (48, 64) and np.isfinite(values).all(), f"residual map {values.shape}")
    check(np.array_equal(values, itk.array_from_image(own.GetOutput())),
          "the Model residual of the segmentation filter is the model's own map")
    check(int(itk.array_view_from_image(labels).sum()) == 0, "nothing above an infinite threshold")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vae.pt")
        vae.Save(path)
        loaded = itk.AutoencoderModel.New()
        loaded.Load(path)
        check(loaded.GetArchitecture() == enums.Architecture_Variational and loaded.GetNumberOfSamples() == 4,
              "architecture and samples survive Save/Load")

        wrong = small_model(enums.Architecture_Variational, enums.Loss_SSIM)
        try:
            trainer_for(wrong, textures).Train()
            check(False, "a VAE trained with the SSIM loss")
        except RuntimeError as error:
            check("ELBO" in str(error), f"VAE with SSIM loss: {error}")
        plain = itk.AutoencoderModel.New(PatchSize=32, LatentSize=8)
        plain.Initialize(1)
        try:
            bad = itk.AutoencoderReconstructionFilter[type(image), type(image)].New(Input=image, Model=plain,
                                                                                     ModelResidual=True)
            bad.Update()
            check(False, "a plain autoencoder gave a residual of its own")
        except RuntimeError as error:
            check("no residual of its own" in str(error), f"ModelResidual with a plain model: {error}")

        features = os.path.join(tmp, "features.pt")
        exported = subprocess.run(["/usr/bin/python3", os.path.join(examples, "..", "scripts",
                                                                      "export_feature_extractor.py"), features])
        if exported.returncode == 77:
            print("SKIPPED (feature matching): python3-torch is not importable, no feature extractor to export")
        else:
            check(exported.returncode == 0, "feature extractor exported")
            fm = small_model(enums.Architecture_Paper, enums.Loss_FeatureMatching)
            trainer = trainer_for(fm, textures)
            trainer.SetFeatureExtractorFile(features)
            trainer.SetFeatureWeight(5.0)
            trainer.Train()
            check(fm.GetMetadataValue("training.features") == features and
                  fm.GetMetadataValue("training.fm_weight") == "5", "feature extractor and weight recorded")
            check(segment_defects.own_residual(fm) == "l2", "a feature-matching AE is scored with l2")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))

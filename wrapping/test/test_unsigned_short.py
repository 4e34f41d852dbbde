#!/usr/bin/env python3
"""16-bit images from Python: itk.Image[itk.US, 2] through SSIMImageFilter and AutoencoderReconstructionFilter.

    test_unsigned_short.py

- SSIMImageFilter[US2, F2] (dynamic range 65535 by default) against scikit-image's SSIM of the same uint16 arrays with
  data_range=65535 (float64 reference, tolerance 1e-5), and against SSIMImageFilter[F2, F2] of the values cast to
  float with L = 65535 (the same filter: equal to 1e-6);
- AutoencoderReconstructionFilter[US2, F2] with a model trained from Python on 16-bit textures (values up to 65535,
  the intensity range taken from the training images): equal to the reconstruction of the same image as float, and
  in the units of the 16-bit input (not of 8-bit data).
"""
import sys

import numpy as np
from skimage.metrics import structural_similarity

import itk
from checks import check, exit_status

US2 = itk.Image[itk.US, 2]
F2 = itk.Image[itk.F, 2]


def texture16(seed, shape=(48, 64)):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    values = np.where(((x // 8) + (y // 8)) % 2, 50000.0, 12000.0) + rng.normal(0, 1500, shape)
    return np.clip(values, 0, 65535).astype(np.uint16)


def main():
    a = texture16(1)
    b = np.clip(a.astype(np.float64) * 0.9 + 3000 + np.random.default_rng(2).normal(0, 2000, a.shape), 0,
                65535).astype(np.uint16)
    ssim = itk.SSIMImageFilter[US2, F2].New(Input1=itk.image_from_array(a), Input2=itk.image_from_array(b))
    ssim.Update()
    check(ssim.GetDynamicRange() == 65535, f"dynamic range of unsigned short images: {ssim.GetDynamicRange()}")
    ours = itk.array_from_image(ssim.GetOutput())
    _, reference = structural_similarity(a.astype(np.float64), b.astype(np.float64), data_range=65535,
                                         gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)
    check(np.abs(ours - reference).max() < 1e-5,
          f"SSIM of 16-bit images vs scikit-image: {np.abs(ours - reference).max():.2e}")
    as_float = itk.SSIMImageFilter[F2, F2].New(Input1=itk.image_from_array(a.astype(np.float32)),
                                                Input2=itk.image_from_array(b.astype(np.float32)),
                                                DynamicRange=65535)
    as_float.Update()
    check(np.abs(ours - itk.array_from_image(as_float.GetOutput())).max() < 1e-6, "unsigned short = float input")

    model = itk.AutoencoderModel.New()
    model.SetPatchSize(32)
    model.SetLatentSize(16)
    trainer = itk.AutoencoderTrainer.New(Model=model, NumberOfPatchesPerEpoch=64, NumberOfEpochs=1, BatchSize=32,
                                         Patience=0, Seed=3, NumberOfThreads=1)
    textures = [texture16(10 + seed) for seed in range(3)]
    for texture in textures:
        trainer.AddImage(itk.image_from_array(texture.astype(np.float32)))
    trainer.Train()
    low, high = min(t.min() for t in textures), max(t.max() for t in textures)
    check(model.GetIntensityMinimum() == low and model.GetIntensityMaximum() == high and high > 255,
          f"the model's intensity range is the 16-bit data's [{low}, {high}]: [{model.GetIntensityMinimum()}, "
          f"{model.GetIntensityMaximum()}]")
    image = texture16(20)
    reconstruction = itk.AutoencoderReconstructionFilter[US2, F2].New(Input=itk.image_from_array(image), Model=model)
    reconstruction.Update()
    from_short = itk.array_from_image(reconstruction.GetOutput())
    reference = itk.AutoencoderReconstructionFilter[F2, F2].New(Input=itk.image_from_array(image.astype(np.float32)),
                                                                Model=model)
    reference.Update()
    check(np.array_equal(from_short, itk.array_from_image(reference.GetOutput())),
          "reconstruction of an unsigned short image = of the same values as float")
    check(from_short.max() > 1000, f"reconstruction in the 16-bit units: max {from_short.max():.0f}")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())

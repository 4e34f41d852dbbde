#!/usr/bin/env python3
"""Trains the paper's autoencoder on defect-free images: the Python twin of `ssimae train`.

    python3 train_autoencoder.py IMAGE... -o model.pt [--loss ssim|l2|l1|ssim+l1] [--latent 100] [--patch 128]
                                 [--patches 10000] [--epochs 200] [--batch 128] [--seed 0] [--resume]

Defaults follow Bergmann et al. (Adam, lr 2e-4, weight decay 1e-5, random rotations and flips, early stopping
on 20 % held-out patches). A checkpoint (OUTPUT.checkpoint) is written after every epoch; --resume continues an
interrupted run from it. Needs the wrapped ITK (scripts/build_python.sh).
"""
import argparse
import sys
import time

import itk

AUGMENTATIONS = {"none": "Augmentation_None", "flip": "Augmentation_Flip", "flip+rot90": "Augmentation_FlipRotate90",
                 "rotate": "Augmentation_SmallRotation"}
LOSSES = {"ssim": "Loss_SSIM", "l2": "Loss_L2", "l1": "Loss_L1", "ssim+l1": "Loss_SSIMPlusL1"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+", help="defect-free training images")
    parser.add_argument("-o", "--output", required=True, help="model file to write")
    parser.add_argument("--loss", choices=sorted(LOSSES), default="ssim")
    parser.add_argument("--latent", type=int, default=100)
    parser.add_argument("--patch", type=int, default=128, choices=[32, 64, 128, 256])
    parser.add_argument("--patches", type=int, default=10000, help="patches per epoch")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--patience", type=int, default=20, help="early-stopping patience (0: off)")
    parser.add_argument("--augment", choices=sorted(AUGMENTATIONS), default="flip+rot90")
    parser.add_argument("--no-augment", action="store_true", help="same as --augment none")
    parser.add_argument("--validation-images", nargs="+", default=[], help="held-out defect-free images")
    parser.add_argument("--scale", type=float, default=1.0, help="image scale the network works at")
    parser.add_argument("--normalize", choices=["global", "per-image"], default="global")
    parser.add_argument("--log", help="training log, CSV (default: OUTPUT.log.csv)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", help="checkpoint file (default: OUTPUT.checkpoint)")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint when it exists")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    model = itk.AutoencoderModel.New()
    model.SetPatchSize(args.patch)
    model.SetLatentSize(args.latent)
    model.SetLoss(getattr(itk.AutoencoderModelEnums, LOSSES[args.loss]))
    model.SetImageScale(args.scale)
    model.SetIntensityNormalization(itk.AutoencoderModelEnums.Normalization_PerImage if args.normalize == "per-image"
                                    else itk.AutoencoderModelEnums.Normalization_Global)

    trainer = itk.AutoencoderTrainer.New()
    trainer.SetModel(model)
    for path in args.images:
        trainer.AddImageFile(path)
    trainer.SetNumberOfPatchesPerEpoch(args.patches)
    trainer.SetNumberOfEpochs(args.epochs)
    trainer.SetBatchSize(args.batch)
    trainer.SetLearningRate(args.lr)
    trainer.SetPatience(args.patience)
    trainer.SetAugmentation(getattr(itk.AutoencoderTrainerEnums,
                                    AUGMENTATIONS["none" if args.no_augment else args.augment]))
    for path in args.validation_images:
        trainer.AddValidationImageFile(path)
    trainer.SetLogFile(args.log or args.output + ".log.csv")
    trainer.SetSeed(args.seed)
    trainer.SetCheckpointFile(args.checkpoint or args.output + ".checkpoint")

    start = time.monotonic()

    def on_epoch():
        if not args.quiet:
            print(f"epoch {trainer.GetEpoch():4d}  training loss {trainer.GetTrainingLoss():.5f}  "
                  f"validation loss {trainer.GetValidationLoss():.5f}  {time.monotonic() - start:7.1f} s",
                  flush=True)

    trainer.AddObserver(itk.IterationEvent(), on_epoch)
    if args.resume:
        trainer.Resume()
    else:
        trainer.Train()
    model.Save(args.output)
    print(f"best validation loss {trainer.GetBestValidationLoss():.5f} at epoch {trainer.GetBestEpoch()}; "
          f"model written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

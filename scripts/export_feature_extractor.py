#!/usr/bin/env python3
"""Exports a TorchScript feature extractor F for `ssimae train --loss fm --features F.pt`.

F maps N x 1 x P x P patches with intensities in [0, 1] to one tensor with N rows. The paper uses the first layers
of a CNN pretrained on image classification; pretrained weights cannot be downloaded on every machine, so the
default here is a fixed, hand-made first layer: a bank of Gabor filters (even and odd, ORIENTATIONS orientations,
wavelengths 4 and 8 px), whose local energy is averaged over 2 x 2 blocks -- the kind of oriented edge and texture
detector the first layer of a trained CNN learns. It is *not* a pretrained network, and results obtained with it
say so.

With a pretrained network at hand (torchvision and its weights), export that instead, for example:

    import torch, torchvision
    vgg = torchvision.models.vgg19(weights="IMAGENET1K_V1").features[:4].eval()   # conv1_1 .. relu1_2
    class Grey(torch.nn.Module):
        def __init__(self, net):
            super().__init__(); self.net = net
            self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        def forward(self, x):
            return self.net((x.repeat(1, 3, 1, 1) - self.mean) / self.std)
    torch.jit.script(Grey(vgg)).save("vgg19_relu1_2.pt")

Usage: export_feature_extractor.py OUT.pt [--kind gabor|flat|batch-mismatch]
  gabor           the Gabor energy bank above (default)
  flat            test helper: one scalar for the whole batch (a shape that does not fit)
  batch-mismatch  test helper: features of the first patch only (a shape that does not fit)
Exit status 77 when Debian's python3-torch is not importable.
"""
import argparse
import math
import sys

try:
    import torch
except ImportError:
    print("python3-torch is not importable", file=sys.stderr)
    sys.exit(77)

ORIENTATIONS = 8
WAVELENGTHS = (4.0, 8.0)
RADIUS = 5


def gabor_bank():
    """2 * ORIENTATIONS * len(WAVELENGTHS) kernels of (2 RADIUS + 1)^2 taps, each with zero mean and unit L1 norm."""
    coordinates = torch.arange(-RADIUS, RADIUS + 1, dtype=torch.float64)
    y, x = torch.meshgrid(coordinates, coordinates, indexing="ij")
    kernels = []
    for wavelength in WAVELENGTHS:
        sigma = 0.5 * wavelength
        for k in range(ORIENTATIONS):
            angle = math.pi * k / ORIENTATIONS
            u = x * math.cos(angle) + y * math.sin(angle)
            envelope = torch.exp(-(x ** 2 + y ** 2) / (2 * sigma ** 2))
            for phase in (torch.cos, torch.sin):
                kernel = envelope * phase(2 * math.pi * u / wavelength)
                kernel = kernel - envelope * kernel.sum() / envelope.sum()  # no response to flat regions
                kernels.append(kernel / kernel.abs().sum())
    return torch.stack(kernels).unsqueeze(1).float()


class GaborEnergy(torch.nn.Module):
    radius: int

    def __init__(self):
        super().__init__()
        self.radius = RADIUS
        self.register_buffer("weight", gabor_bank())

    def forward(self, x):
        responses = torch.nn.functional.conv2d(x, self.weight, padding=self.radius)
        even, odd = responses[:, 0::2], responses[:, 1::2]
        energy = torch.sqrt(even * even + odd * odd + 1e-12)
        return torch.nn.functional.avg_pool2d(energy, 2)


class Flat(torch.nn.Module):
    def forward(self, x):
        return x.sum()


class BatchMismatch(torch.nn.Module):
    def forward(self, x):
        return x[:1] * 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--kind", choices=("gabor", "flat", "batch-mismatch"), default="gabor")
    args = parser.parse_args()
    module = {"gabor": GaborEnergy, "flat": Flat, "batch-mismatch": BatchMismatch}[args.kind]().eval()
    torch.jit.script(module).save(args.output)


if __name__ == "__main__":
    main()

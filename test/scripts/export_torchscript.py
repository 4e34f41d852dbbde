#!/usr/bin/env python3
"""Exports a small TorchScript module for the AutoencoderModel tests.

    /usr/bin/python3 test/scripts/export_torchscript.py OUT.pt

The module maps N x C x H x W patches to 0.5 * x + 0.25 followed by a fixed 3 x 3 box blur with replicated
borders, so the tests can check the C++ side against a closed form. Exit status 77 when PyTorch is missing.
"""
import sys

try:
    import torch
except ImportError as error:
    print(f"SKIPPED: {error} (install python3-torch)")
    sys.exit(77)


class Blur(torch.nn.Module):
    def forward(self, x):
        y = 0.5 * x + 0.25
        padded = torch.nn.functional.pad(y, (1, 1, 1, 1), mode="replicate")
        kernel = torch.full((y.shape[1], 1, 3, 3), 1.0 / 9.0, dtype=y.dtype)
        return torch.nn.functional.conv2d(padded, kernel, groups=y.shape[1])


if __name__ == "__main__":
    torch.jit.save(torch.jit.script(Blur()), sys.argv[1])

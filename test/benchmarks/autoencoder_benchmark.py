#!/usr/bin/env python3
"""Paper network speed: this library (LibTorch C++) vs the same network in PyTorch eager, in one run.

    /usr/bin/python3 test/benchmarks/autoencoder_benchmark.py --binary build/test/benchmarks/autoencoderBenchmark

Both sides use the same weights (exported by the C++ program), the same input, and the same number of threads
(set explicitly: Debian's LibTorch and PyTorch default to one thread on this machine). PyTorch runs the network
as written in the paper, with nn.ConvTranspose2d; the C++ side computes the same transposed convolutions as
sub-pixel convolutions. Reports the median time per 128 x 128 patch for inference (batch 64) and for one Adam
step with the SSIM loss (batch 32), the ratios, the largest output difference, and GFLOP/s against the
~240 MFLOP forward pass per patch.
"""
import argparse
import ctypes
import os
import subprocess
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

LAYERS = [  # (in, out, kernel, transposed, activation) of Table 1, 128 x 128 x 1, d = 100
    (1, 32, 4, False, True), (32, 32, 4, False, True), (32, 32, 3, False, True), (32, 64, 4, False, True),
    (64, 64, 3, False, True), (64, 128, 4, False, True), (128, 64, 3, False, True), (64, 32, 3, False, True),
    (32, 100, 8, False, False), (100, 32, 8, True, True), (32, 64, 3, False, True), (64, 128, 3, False, True),
    (128, 64, 4, True, True), (64, 64, 3, False, True), (64, 32, 4, True, True), (32, 32, 3, False, True),
    (32, 32, 4, True, True), (32, 1, 4, True, False),
]


class PaperAutoencoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for cin, cout, k, transposed, _ in LAYERS:
            stride, padding = (2, 1) if k == 4 else (1, 1 if k == 3 else 0)
            layer = torch.nn.ConvTranspose2d if transposed else torch.nn.Conv2d
            layers.append(layer(cin, cout, k, stride=stride, padding=padding))
        self.layers = torch.nn.ModuleList(layers)

    def forward(self, x):
        for layer, spec in zip(self.layers, LAYERS):
            x = layer(x)
            if spec[4]:
                x = F.leaky_relu(x, 0.2)
        return torch.sigmoid(x)


def ssim_loss(x, y, sigma=1.5, radius=5):
    taps = torch.exp(-torch.arange(-radius, radius + 1, dtype=x.dtype) ** 2 / (2 * sigma ** 2))
    taps = taps / taps.sum()
    c = x.shape[1]
    moments = torch.cat([x, y, x * x, y * y, x * y], 1)
    moments = F.pad(moments, (radius,) * 4, mode="reflect")  # timing only: the border rule does not matter here
    moments = F.conv2d(moments, taps.view(1, 1, -1, 1).repeat(5 * c, 1, 1, 1), groups=5 * c)
    moments = F.conv2d(moments, taps.view(1, 1, 1, -1).repeat(5 * c, 1, 1, 1), groups=5 * c)
    mx, my, xx, yy, xy = moments.split(c, 1)
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    ssim = ((2 * mx * my + c1) * (2 * (xy - mx * my) + c2)) / ((mx * mx + my * my + c1) * (xx + yy - mx * mx - my * my + c2))
    return 1 - ssim.mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--retain-memory", action="store_true",
                        help="on both sides, glibc keeps freed memory (mallopt: no trimming, no mmap below 256 MB)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.retain_memory:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD
        libc.mallopt(-3, 256 << 20)  # M_MMAP_THRESHOLD

    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "weights"))
        x = torch.rand(64, 1, 128, 128, generator=torch.Generator().manual_seed(1))
        x.numpy().tofile(os.path.join(tmp, "input.bin"))
        out = subprocess.run([args.binary, tmp, str(args.threads), str(args.repeats), str(int(args.retain_memory))],
                             check=True, capture_output=True, text=True).stdout.split()
        cpp_inference, cpp_training = float(out[1]), float(out[3])
        cpp_inference_min, cpp_training_min = float(out[5]), float(out[7])
        cpp_l2_training, cpp_vae_training = float(out[9]), float(out[11])
        model = PaperAutoencoder()
        state = {}
        for name in open(os.path.join(tmp, "names.txt")).read().split():
            shape = dict(model.named_parameters())[name].shape
            state[name] = torch.from_numpy(np.fromfile(os.path.join(tmp, "weights", name + ".bin"),
                                                       dtype=np.float32).reshape(shape))
        model.load_state_dict(state)
        cpp_output = torch.from_numpy(np.fromfile(os.path.join(tmp, "output.bin"), dtype=np.float32)).view(64, 1, 128, 128)

    with torch.no_grad():
        model(x)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            y = model(x)
            times.append((time.perf_counter() - start) / 64)
    py_inference = sorted(times)[len(times) // 2]
    py_inference_min = min(times)
    difference = (y - cpp_output).abs().max().item()

    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=1e-5)
    batch = x[:32].clone()
    times = []
    for r in range(args.repeats + 1):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = ssim_loss(model(batch), batch)
        loss.backward()
        optimizer.step()
        if r:
            times.append((time.perf_counter() - start) / 32)
    py_training = sorted(times)[len(times) // 2]
    py_training_min = min(times)

    mflop = 240.0
    print(f"paper network 128x128x1, d=100, {args.threads} threads, {args.repeats} repeats, "
          f"retain memory: {'yes' if args.retain_memory else 'no (glibc defaults)'}")
    print(f"{'':34}{'median ms':>10}{'min ms':>10}{'GFLOP/s':>10}  (per patch; GFLOP/s of the median)")
    rows = [("inference, this library (C++)", cpp_inference, cpp_inference_min, True),
            ("inference, PyTorch eager", py_inference, py_inference_min, True),
            ("training step, this library", cpp_training, cpp_training_min, False),
            ("training step, PyTorch eager", py_training, py_training_min, False)]
    for name, median, minimum, flops in rows:
        rate = f"{mflop / 1e3 / median:>10.1f}" if flops else ""
        print(f"{name:34}{median * 1e3:>10.3f}{minimum * 1e3:>10.3f}{rate}")
    print(f"inference speed-up {py_inference / cpp_inference:.1f}x (min {py_inference_min / cpp_inference_min:.1f}x; "
          f"target >= 4x); training speed-up {py_training / cpp_training:.1f}x "
          f"(min {py_training_min / cpp_training_min:.1f}x; target >= 2x)")
    print(f"largest output difference, same weights and input: {difference:.2e} (tolerance 1e-4)")
    print(f"comparison models, this library, training step per patch (alternating): l2-AE {cpp_l2_training * 1e3:.3f} ms,"
          f" VAE (ELBO) {cpp_vae_training * 1e3:.3f} ms: VAE / AE = {cpp_vae_training / cpp_l2_training:.2f}"
          f" (target <= 1.3)")
    if not difference <= 1e-4:
        raise SystemExit("the outputs differ by more than 1e-4: the two networks are not the same")


if __name__ == "__main__":
    main()

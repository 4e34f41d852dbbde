#!/usr/bin/env python3
"""Independent PyTorch reference for the comparison models (test/itkComparisonModelsGTest.cxx).

    vae_reference.py vae DIR        reconstruction probability and ELBO of a variational network
    vae_reference.py fm DIR WEIGHT  feature-matching loss of a plain network with DIR/features.pt

DIR holds the network as written by the C++ test (layers.txt: in out kernel transposed activation per layer;
parameters.txt: name and shape per parameter, NAME.bin raw float32), the inputs and the C++ results. The network
is rebuilt here from torch.nn.functional's own conv2d / conv_transpose2d in float64 (the library computes transposed
convolutions as sub-pixel convolutions and stride-2 convolutions in space-to-depth form), and the results are
compared with a relative tolerance of 1e-4. Exit status: 0 agree, 1 disagree, 77 python3-torch missing.
"""
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)

TOLERANCE = 1e-4


def read(directory, name, shape):
    values = np.fromfile(os.path.join(directory, name + ".bin"), dtype=np.float32)
    return torch.from_numpy(values).double().reshape(shape)


def load(directory):
    layers = [tuple(int(v) for v in line.split()) for line in open(os.path.join(directory, "layers.txt"))]
    parameters = {}
    for line in open(os.path.join(directory, "parameters.txt")):
        fields = line.split()
        parameters[fields[0]] = read(directory, fields[0], [int(v) for v in fields[1:]])
    return layers, parameters


def apply(layers, parameters, index, x):
    _, _, kernel, transposed, activation = layers[index]
    weight, bias = parameters[f"layers.{index}.weight"], parameters[f"layers.{index}.bias"]
    if transposed:
        y = F.conv_transpose2d(x, weight, bias, stride=2 if kernel == 4 else 1, padding=1 if kernel == 4 else 0)
    else:
        y = F.conv2d(x, weight, bias, stride=2 if kernel == 4 else 1, padding=1 if kernel in (3, 4) else 0)
    return F.leaky_relu(y, 0.2) if activation else y


def run(layers, parameters, first, last, x):
    for index in range(first, last):
        x = apply(layers, parameters, index, x)
    return x


def compare(name, actual, expected):
    error = (actual - expected).abs().max().item()
    scale = max(expected.abs().max().item(), 1.0)
    print(f"{name}: largest difference {error:.3g} (scale {scale:.3g})")
    return error <= TOLERANCE * scale


def check_vae(directory):
    layers, parameters = load(directory)
    encoder = len(layers) // 2
    x = read(directory, "input", [3, 1, 32, 32])
    samples = read(directory, "samples", [4, 3, 8, 1, 1])
    hidden = run(layers, parameters, 0, encoder - 1, x)
    mean = apply(layers, parameters, encoder - 1, hidden)
    log_variance = F.conv2d(hidden, parameters["log_variance_head.weight"], parameters["log_variance_head.bias"])
    pixel_log_variance = parameters["pixel_log_variance"][0]

    def decode(z):
        return torch.sigmoid(run(layers, parameters, encoder, len(layers), z))

    # An & Cho: per-pixel Gaussian negative log-likelihood averaged over the latent samples.
    nll = torch.zeros_like(x)
    for eps in samples:
        decoded = decode(mean + torch.exp(0.5 * log_variance) * eps)
        nll += 0.5 * ((x - decoded) ** 2 / torch.exp(pixel_log_variance) + pixel_log_variance + math.log(2 * math.pi))
    nll /= samples.shape[0]
    ok = compare("reconstruction probability", read(directory, "residual", list(x.shape)), nll)

    decoded = decode(mean + torch.exp(0.5 * log_variance) * samples[0])
    gaussian = 0.5 * ((x - decoded) ** 2 / torch.exp(pixel_log_variance) + pixel_log_variance
                      + math.log(2 * math.pi)).sum()
    kl = -0.5 * (1 + log_variance - mean ** 2 - torch.exp(log_variance)).sum()
    elbo = (gaussian + kl) / x.numel()
    ok = compare("negative ELBO per pixel", read(directory, "elbo", [1]), elbo.reshape(1)) and ok
    return ok


def check_fm(directory, weight):
    layers, parameters = load(directory)
    x = read(directory, "input", [3, 1, 32, 32])
    reconstruction = torch.sigmoid(run(layers, parameters, 0, len(layers), x))
    extractor = torch.jit.load(os.path.join(directory, "features.pt")).double()
    loss = F.mse_loss(reconstruction, x) + weight * F.mse_loss(extractor(reconstruction), extractor(x))
    return compare("feature-matching loss", read(directory, "loss", [1]), loss.reshape(1))


def main():
    mode, directory = sys.argv[1], sys.argv[2]
    with torch.no_grad():
        ok = check_vae(directory) if mode == "vae" else check_fm(directory, float(sys.argv[3]))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

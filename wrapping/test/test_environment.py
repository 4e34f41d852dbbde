#!/usr/bin/env python3
"""`import itk` must load the wrapped ITK of the build tree given as argv[1] and this module's libraries from it,
not Debian's ITK libraries of the same names (which load silently and give wrong results)."""
import os
import sys

import itk

itk_dir = os.path.realpath(sys.argv[1])
image_type = itk.Image[itk.F, 2]
itk.SSIMImageFilter[image_type, image_type].New()
itk.AutoencoderModel.New()

loaded = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        path = line.split()[-1]
        if "libITK" in path or "SSIMAutoencoder" in path:
            loaded.add(os.path.realpath(path))
print("\n".join(sorted(loaded)))
foreign = [path for path in loaded if not path.startswith(itk_dir)]
if foreign:
    raise SystemExit(f"libraries loaded from outside {itk_dir}: {foreign}")
# ITK names a module's library lib<itk-module library name>-<ITK version>: libitkSSIMAutoencoder-5.2.so.1 here.
for name in ("libITKCommon", "SSIMAutoencoder-5.2", "_SSIMAutoencoderPython"):
    if not any(name in os.path.basename(path) for path in loaded):
        raise SystemExit(f"{name} was not loaded")
print("all ITK and SSIMAutoencoder libraries come from", itk_dir)

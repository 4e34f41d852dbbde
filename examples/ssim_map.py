#!/usr/bin/env python3
"""SSIM map of two images with SSIMImageFilter: the Python twin of `ssimae ssim`.

    python3 ssim_map.py IMAGE1 IMAGE2 -o MAP [--luminance L --contrast C --structure S]
                        [--window gaussian|uniform] [--size 11] [--sigma 1.5] [--k1 0.01] [--k2 0.03] [--range R]

Prints the mean SSIM. The dynamic range L defaults to 255 for 8-bit files, 65535 for 16-bit files and 1 otherwise,
as in `ssimae ssim`. Needs the wrapped ITK (scripts/build_python.sh).
"""
import argparse
import sys

import itk

TYPE_RANGES = {"unsigned_char": 255.0, "char": 255.0, "unsigned_short": 65535.0, "short": 65535.0}


def file_info(path):
    """Dimension and the dynamic range implied by the file's component type."""
    io = itk.ImageIOFactory.CreateImageIO(path, itk.CommonEnums.IOFileMode_ReadMode)
    if io is None:
        raise SystemExit(f"ssim_map.py: '{path}' is not an image file ITK can read")
    io.SetFileName(path)
    io.ReadImageInformation()
    component = io.GetComponentTypeAsString(io.GetComponentType())
    return io.GetNumberOfDimensions(), TYPE_RANGES.get(component, 1.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image1")
    parser.add_argument("image2")
    parser.add_argument("-o", "--output", help="SSIM map (.nrrd, .mha, .tif keep float values)")
    parser.add_argument("--luminance")
    parser.add_argument("--contrast")
    parser.add_argument("--structure")
    parser.add_argument("--window", choices=["gaussian", "uniform"], default="gaussian")
    parser.add_argument("--size", type=int, default=11)
    parser.add_argument("--sigma", type=float, default=1.5)
    parser.add_argument("--k1", type=float, default=0.01)
    parser.add_argument("--k2", type=float, default=0.03)
    parser.add_argument("--range", type=float, dest="dynamic_range")
    args = parser.parse_args(argv)

    dimension1, range1 = file_info(args.image1)
    dimension2, range2 = file_info(args.image2)
    if dimension1 != dimension2:
        raise SystemExit(f"ssim_map.py: '{args.image1}' is {dimension1}D but '{args.image2}' is {dimension2}D")
    image_type = itk.Image[itk.F, dimension1]
    image1 = itk.imread(args.image1, itk.F)
    image2 = itk.imread(args.image2, itk.F)

    ssim = itk.SSIMImageFilter[image_type, image_type].New(Input1=image1, Input2=image2)
    window = itk.SSIMImageFilterEnums.Window_Gaussian if args.window == "gaussian" else \
        itk.SSIMImageFilterEnums.Window_Uniform
    ssim.SetWindow(window)
    ssim.SetWindowSize(args.size)
    ssim.SetGaussianSigma(args.sigma)
    ssim.SetK1(args.k1)
    ssim.SetK2(args.k2)
    ssim.SetDynamicRange(args.dynamic_range if args.dynamic_range is not None else max(range1, range2))
    ssim.Update()
    print(f"mean SSIM: {ssim.GetMeanSSIM():.8g}")
    for path, output in ((args.output, ssim.GetOutput()), (args.luminance, ssim.GetLuminanceOutput()),
                         (args.contrast, ssim.GetContrastOutput()), (args.structure, ssim.GetStructureOutput())):
        if path:
            itk.imwrite(output, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The 3D Slicer command-line modules, run the way Slicer runs them, and ssimae segment on volumes.

    /usr/bin/python3 apps/ssimae/test/check_slicer_modules.py PATH/TO/ssimae PATH/TO/slicer-modules

For each module (SSIMMap, SegmentDefects) it
- validates the --xml description against the rules of Slicer's ModuleDescription schema (element order of the
  executable; allowed parameter tags; name, label, description, channel and index of every image and file, indices
  0..n-1; flags, typed defaults and minimum/maximum/step constraints of scalars), plus the one element Slicer's parser
  reads beyond the schema: <channel>output</channel> on a scalar without flag or index, which makes it a result;
- runs it like Slicer: temporary NRRD files as positional arguments in index order, --<longflag> value for scalars
  (a boolean as its flag alone), --returnparameterfile; parses the <filter-start>, <filter-progress> and
  <filter-end> tags on stdout, and reads every declared result back from the parameter file.
SegmentDefects segments a 64-slice checkerboard volume (NRRD with non-unit spacing, an origin and an oblique
direction) slice by slice with a model trained on 2D checkerboards: labels and residual keep the volume's size,
spacing, origin and direction; a slice of the volume's residual equals `ssimae segment` of the slice as a 2D image;
`ssimae segment VOLUME --axis 2` gives the same labels; the results agree with the label file. SSIMMap's mean SSIM
is compared with scikit-image's 3D SSIM. Bad input (4D, 4 channels, 16-bit against an 8-bit model, one-slice
volumes, sizes that differ, out-of-range parameters, a missing model) ends with a clear message and no output file.
Exit status 77 (skipped) when numpy, OpenCV or scikit-image cannot be imported.
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

try:
    import cv2
    import numpy as np
    from skimage.metrics import structural_similarity
except ImportError as error:
    print(f"SKIPPED: {error} (install python3-numpy python3-opencv python3-skimage)")
    sys.exit(77)
from checks import check, failures
from image_files import read_nrrd, write_nrrd


def run(command, cwd):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd)
    return result.returncode, result.stdout, result.stderr


# ------------------------------------------------------------------------------------------ schema of the XML
INDEXED = {"image", "file", "transform", "geometry", "table", "measurement"}
SCALARS = {"integer", "float", "double", "boolean", "string", "integer-vector", "float-vector", "double-vector",
           "string-vector", "boolean-vector"}
ENUMERATIONS = {"string-enumeration", "integer-enumeration", "float-enumeration", "double-enumeration"}
POINTS = {"point", "point-vector", "region", "region-vector"}
PARAMETER_TAGS = INDEXED | SCALARS | ENUMERATIONS | POINTS | {"directory"}
HEAD = ["category", "title", "description", "version", "documentation-url", "license", "contributor"]


def is_number(text, integer=False):
    try:
        int(text) if integer else float(text)
        return True
    except ValueError:
        return False


def validate_indexed(where, element):
    children = [child.tag for child in element]
    check(sorted(children) == sorted(["name", "label", "description", "channel", "index"]),
          f"{where}: an {element.tag} needs exactly name, label, description, channel, index; has {children}")
    check(set(element.attrib) <= {"fileExtensions", "reference", "type", "hidden"},
          f"{where}: attributes {sorted(element.attrib)}")
    check(element.findtext("channel") in ("input", "output"), f"{where}: channel {element.findtext('channel')}")
    check(is_number(element.findtext("index") or "", True) and int(element.findtext("index")) >= 0,
          f"{where}: index {element.findtext('index')}")
    extensions = element.get("fileExtensions")
    if extensions is not None:
        check(all(re.fullmatch(r"\.[A-Za-z0-9.]+", e) for e in extensions.split(",")),
              f"{where}: fileExtensions {extensions}")


def validate_scalar(where, element):
    children = [child.tag for child in element]
    allowed = {"name", "flag", "longflag", "description", "label", "default", "constraints", "channel"}
    check(set(children) <= allowed, f"{where}: unexpected {set(children) - allowed}")
    check("constraints" not in children or children[-1] == "constraints", f"{where}: constraints must come last")
    for tag in ("name", "label", "description"):
        check(children.count(tag) == 1, f"{where}: needs one {tag}")
    result = element.findtext("channel") is not None
    if result:  # Slicer's parser: an output scalar without flag or index is a result (beyond the schema)
        check(element.findtext("channel") == "output" and "longflag" not in children and "flag" not in children,
              f"{where}: a scalar with a channel must be an output without flags")
        return
    check(children.count("longflag") == 1 and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", element.findtext("longflag")),
          f"{where}: needs one long flag (letters, digits, _)")
    default = element.findtext("default")
    check(default is not None, f"{where}: needs a default")
    kind = element.tag
    if default is not None:
        check(kind != "integer" or is_number(default, True), f"{where}: integer default {default}")
        check(kind not in ("double", "float") or is_number(default), f"{where}: number default {default}")
        check(kind != "boolean" or default in ("true", "false"), f"{where}: boolean default {default}")
    constraints = element.find("constraints")
    if constraints is not None:
        check([c.tag for c in constraints] == ["minimum", "maximum", "step"], f"{where}: constraints order")
        values = [c.text or "" for c in constraints]
        if check(all(is_number(v) for v in values), f"{where}: constraints {values}"):
            low, high, step = (float(v) for v in values)
            check(low <= float(default) <= high and step > 0, f"{where}: default {default} outside [{low}, {high}]")


def validate_xml(module, text):
    """The module's description against the ModuleDescription schema's rules; returns the parameters by name."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        check(False, f"{module}: --xml is not well-formed XML: {error}")
        return {}
    tags = [child.tag for child in root]
    check(root.tag == "executable", f"{module}: root {root.tag}")
    check(tags[:len(HEAD)] == HEAD, f"{module}: the executable must start with {HEAD}, has {tags[:len(HEAD)]}")
    check(len(tags) > len(HEAD) and all(t == "parameters" for t in tags[len(HEAD):]),
          f"{module}: after the header only <parameters> groups")
    parameters, indices = {}, []
    for group in root.findall("parameters"):
        for element in group:
            where = f"{module} {element.tag} {element.findtext('name')}"
            if element.tag in ("label", "description"):
                continue
            check(element.tag in PARAMETER_TAGS, f"{where}: unknown parameter tag")
            name = element.findtext("name") or ""
            check(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None, f"{where}: name is not an identifier")
            check(name not in parameters, f"{where}: duplicate name")
            if element.tag in INDEXED:
                validate_indexed(where, element)
                if is_number(element.findtext("index") or "", True):
                    indices.append(int(element.findtext("index")))
            elif element.tag in SCALARS:
                validate_scalar(where, element)
            parameters[name] = element
    check(sorted(indices) == list(range(len(indices))), f"{module}: indices {sorted(indices)} are not 0..n-1")
    return parameters


def slicer_command(binary, parameters, values, result_file):
    """The command line Slicer builds from the XML: flagged scalars, then the indexed parameters in order."""
    command = [binary]
    for name, element in parameters.items():
        flag = element.findtext("longflag")
        if flag is None or name not in values:
            continue
        if element.tag == "boolean":
            command += [f"--{flag}"] if values[name] else []
        else:
            command += [f"--{flag}", str(values[name])]
    command += ["--returnparameterfile", result_file]
    indexed = sorted((int(e.findtext("index")), name) for name, e in parameters.items() if e.tag in INDEXED)
    return command + [values[name] for _, name in indexed]


def parse_progress(stdout):
    starts = re.findall(r"<filter-start>\s*<filter-name>([^<]*)</filter-name>", stdout)
    ends = re.findall(r"<filter-end>\s*<filter-name>([^<]*)</filter-name>\s*<filter-time>([^<]*)</filter-time>",
                      stdout)
    progress = [float(v) for v in re.findall(r"<filter-progress>([^<]*)</filter-progress>", stdout)]
    return starts, ends, progress


def read_results(path):
    results = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                key, value = line.split("=", 1)
                results[key.strip()] = value.strip()
    return results


def checkerboard(rng, shift=0, defect=None):
    y, x = np.mgrid[0:64, 0:64]
    image = np.where((((x + shift) // 8) + (y // 8)) % 2, 200.0, 50.0) + rng.normal(0, 5, (64, 64))
    if defect is not None:
        image[defect] = 125.0
    return np.clip(image, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------------------ checks
SPACING = (0.5, 0.7, 2.0)
ORIGIN = (10.0, -5.0, 3.0)
ANGLE = np.deg2rad(30)
DIRECTION = np.array([[np.cos(ANGLE), -np.sin(ANGLE), 0], [np.sin(ANGLE), np.cos(ANGLE), 0], [0, 0, 1]])
DEFECT = (slice(20, 30), slice(24, 40))


def make_data(ssimae, tmp, rng):
    os.makedirs(os.path.join(tmp, "train"))
    for i in range(3):
        cv2.imwrite(os.path.join(tmp, "train", f"good{i}.png"), checkerboard(rng))
    volume = np.stack([checkerboard(rng, 0, DEFECT if 20 <= z < 30 else None) for z in range(64)])
    write_nrrd(os.path.join(tmp, "volume.nrrd"), volume, SPACING, ORIGIN, DIRECTION)
    code, out, err = run([ssimae, "train", "--images", "train", "--patch", "32", "--latent", "16", "--patches", "64",
                          "--batch", "32", "--epochs", "2", "--seed", "3", "--threads", "1", "-o", "model.pt"], tmp)
    check(code == 0, f"train failed: {out}{err}")
    code, out, err = run([ssimae, "calibrate", "--model", "model.pt", "train", "--stride", "16"], tmp)
    check(code == 0, f"calibrate failed: {out}{err}")
    # The same three images as the slices of a volume along axis 0: the same model and threshold.
    training = np.stack([cv2.imread(os.path.join(tmp, "train", f"good{i}.png"), cv2.IMREAD_UNCHANGED)
                         for i in range(3)], axis=1)  # y, z, x: slices along axis 1 (IJK)
    write_nrrd(os.path.join(tmp, "training_volume.nrrd"), training, SPACING, ORIGIN, DIRECTION)
    code, out2, err = run([ssimae, "train", "--images", "training_volume.nrrd", "--axis", "1", "--patch", "32",
                           "--latent", "16", "--patches", "64", "--batch", "32", "--epochs", "2", "--seed", "3",
                           "--threads", "1", "-o", "model_volume.pt"], tmp)
    check(code == 0, f"train on a volume failed: {out2}{err}")
    code, out2, err = run([ssimae, "calibrate", "--model", "model_volume.pt", "training_volume.nrrd", "--axis", "1",
                           "--stride", "16"], tmp)
    threshold = re.search(r"threshold (\S+)", out)
    threshold_volume = re.search(r"threshold (\S+)", out2)
    check(code == 0 and threshold and threshold_volume and threshold.group(1) == threshold_volume.group(1),
          f"training and calibrating on the slices of a volume differ from the same images as files: {out} vs {out2}")
    return volume


def check_geometry(what, path, shape):
    array, fields, spacing, origin, direction = read_nrrd(path)
    check(array.shape == shape, f"{what}: shape {array.shape}, expected {shape}")
    check(np.allclose(spacing, SPACING, atol=1e-6), f"{what}: spacing {spacing}, expected {SPACING}")
    check(np.allclose(origin, ORIGIN, atol=1e-6), f"{what}: origin {origin}, expected {ORIGIN}")
    check(direction is not None and np.allclose(direction, DIRECTION, atol=1e-6),
          f"{what}: direction {direction}, expected {DIRECTION}")
    return array


def check_segment_defects(modules, ssimae, tmp, volume):
    binary = os.path.join(modules, "SegmentDefects")
    code, xml, err = run([binary, "--xml"], tmp)
    check(code == 0, f"SegmentDefects --xml failed: {err}")
    parameters = validate_xml("SegmentDefects", xml)
    check(parameters.get("model") is not None and parameters["model"].get("fileExtensions") == ".pt",
          "SegmentDefects: the model is a file with fileExtensions .pt")
    values = {"inputVolume": "volume.nrrd", "model": "model.pt", "outputLabels": "labels.nrrd",
              "outputResidual": "residual.nrrd", "axis": 2, "stride": 16, "overrideThreshold": False}
    code, out, err = run(slicer_command(binary, parameters, values, "results.txt"), tmp)
    if not check(code == 0, f"SegmentDefects failed: {out}{err}"):
        return
    starts, ends, progress = parse_progress(out)
    check(starts == ["SegmentDefects"] and len(ends) == 1 and float(ends[0][1]) >= 0,
          f"SegmentDefects progress tags: {starts} {ends}")
    check(len(progress) == 64 and progress == sorted(progress) and progress[-1] == 1.0 and progress[0] > 0,
          f"SegmentDefects: one progress value per slice, rising to 1 ({len(progress)} values)")
    labels = check_geometry("SegmentDefects labels", os.path.join(tmp, "labels.nrrd"), volume.shape)
    residual = check_geometry("SegmentDefects residual", os.path.join(tmp, "residual.nrrd"), volume.shape)
    check(set(np.unique(labels)) <= {0, 1} and labels.dtype == np.uint8, "labels are 0/1 unsigned char")
    results = read_results(os.path.join(tmp, "results.txt"))
    declared = [name for name, e in parameters.items() if e.findtext("channel") == "output" and e.find("index") is None]
    check(sorted(results) == sorted(declared), f"results {sorted(results)}, declared {sorted(declared)}")
    voxels = int(labels.sum())
    check(results.get("defectVoxels") == str(voxels), f"defectVoxels {results.get('defectVoxels')} vs {voxels}")
    check(abs(float(results.get("defectVolume", "nan")) - voxels * np.prod(SPACING)) <= 1e-6 * max(1, voxels),
          f"defectVolume {results.get('defectVolume')}")
    check(results.get("residualUsed") == "ssim", f"residualUsed {results.get('residualUsed')}")
    check(int(results.get("defectRegions", "-1")) >= 0, f"defectRegions {results.get('defectRegions')}")
    # The model's calibration has no minimum area: the labels are the residual above the threshold used.
    threshold = float(results.get("thresholdUsed", "nan"))
    check(np.array_equal(labels, (residual > threshold).astype(np.uint8)),
          f"labels differ from residual > thresholdUsed ({threshold}) at {(labels != (residual > threshold)).sum()}")

    # A slice of the volume is segmented exactly as the same slice given as a 2D image.
    cv2.imwrite(os.path.join(tmp, "slice25.png"), volume[25])
    code, out, err = run([ssimae, "segment", "slice25.png", "--model", "model.pt", "--stride", "16", "-o", "slice"],
                         tmp)
    if check(code == 0, f"segment slice25.png failed: {out}{err}"):
        residual2d = read_nrrd(os.path.join(tmp, "slice", "slice25_residual.nrrd"))[0]
        check(np.abs(residual2d - residual[25]).max() <= 1e-6,
              f"slice 25: volume residual vs 2D residual differ by {np.abs(residual2d - residual[25]).max()}")
    # ssimae segment takes the volume too, with the same result.
    code, out, err = run([ssimae, "segment", "volume.nrrd", "--model", "model.pt", "--stride", "16", "--axis", "2",
                          "-o", "cli"], tmp)
    if check(code == 0, f"ssimae segment volume.nrrd failed: {out}{err}"):
        cli_labels = check_geometry("ssimae segment labels", os.path.join(tmp, "cli", "volume_labels.nrrd"),
                                    volume.shape)
        check(np.array_equal(cli_labels, labels), "ssimae segment and SegmentDefects labels differ")
        check_geometry("ssimae segment residual", os.path.join(tmp, "cli", "volume_residual.nrrd"), volume.shape)
    # Along axis 0 the slices are 64 x 64 too (z, y): same geometry, other slices.
    values.update(axis=0, outputLabels="labels0.nrrd", outputResidual="residual0.nrrd")
    code, out, err = run(slicer_command(binary, parameters, values, "results0.txt"), tmp)
    if check(code == 0, f"SegmentDefects --axis 0 failed: {out}{err}"):
        check_geometry("SegmentDefects axis 0 labels", os.path.join(tmp, "labels0.nrrd"), volume.shape)
        check(len(parse_progress(out)[2]) == 64, "axis 0: one progress value per slice")


def check_train_module(modules, ssimae, tmp, rng):
    """TrainAutoencoder run as Slicer runs it equals ssimae train + calibrate on the same slices as files."""
    binary = os.path.join(modules, "TrainAutoencoder")
    code, xml, err = run([binary, "--xml"], tmp)
    check(code == 0, f"TrainAutoencoder --xml failed: {err}")
    parameters = validate_xml("TrainAutoencoder", xml)
    check(parameters.get("outputModel") is not None and parameters["outputModel"].get("fileExtensions") == ".pt"
          and parameters["outputModel"].findtext("channel") == "output",
          "TrainAutoencoder: the model is an output file with fileExtensions .pt")
    good = np.stack([checkerboard(rng, shift=z % 3) for z in range(6)])
    write_nrrd(os.path.join(tmp, "good6.nrrd"), good, SPACING, ORIGIN, DIRECTION)
    os.makedirs(os.path.join(tmp, "good6"))
    for z in range(6):
        cv2.imwrite(os.path.join(tmp, "good6", f"s{z}.png"), good[z])
    settings = {"patchSize": 32, "latentSize": 16, "patchesPerEpoch": 64, "batchSize": 32, "epochs": 2, "seed": 3,
                "threads": 1, "stride": 16}
    values = dict(settings, trainingVolume="good6.nrrd", outputModel="module.pt", validationFraction=0.3)
    code, out, err = run(slicer_command(binary, parameters, values, "train_results.txt"), tmp)
    if not check(code == 0, f"TrainAutoencoder failed: {out}{err}"):
        return
    starts, ends, progress = parse_progress(out)
    check(starts == ["TrainAutoencoder"] and len(ends) == 1 and progress and progress == sorted(progress)
          and progress[-1] == 1.0, f"TrainAutoencoder progress: {starts} {ends} {progress}")
    results = read_results(os.path.join(tmp, "train_results.txt"))
    declared = [name for name, e in parameters.items() if e.findtext("channel") == "output" and e.find("index") is None]
    check(sorted(results) == sorted(declared), f"results {sorted(results)}, declared {sorted(declared)}")
    # ceil(0.3 x 6) = 2 slices held out: the last two, as --validation-images, and calibrated on.
    train = [f"good6/s{z}.png" for z in range(4)]
    held = [f"good6/s{z}.png" for z in (4, 5)]
    code, out, err = run([ssimae, "train", "--images"] + train + ["--validation-images"] + held +
                         ["--patch", "32", "--latent", "16", "--patches", "64", "--batch", "32", "--epochs", "2",
                          "--seed", "3", "--threads", "1", "-o", "cli6.pt"], tmp)
    check(code == 0, f"ssimae train on the slices failed: {err}")
    code, out, err = run([ssimae, "calibrate", "--model", "cli6.pt", "--stride", "16"] + held, tmp)
    threshold = re.search(r"threshold (\S+)", out)
    check(code == 0 and threshold and float(threshold.group(1)) == float(f"{float(results.get('threshold')):.6g}"),
          f"TrainAutoencoder threshold {results.get('threshold')}, ssimae train + calibrate: {out.strip()} {err}")
    check(results.get("epochsTrained") == "2", f"epochsTrained {results.get('epochsTrained')}")
    # The two models are the same network: equal residual maps of the volume.
    maps = []
    for model in ("module.pt", "cli6.pt"):
        code, out, err = run([ssimae, "segment", "good6.nrrd", "--model", model, "--stride", "16", "-o",
                              "segment_" + model], tmp)
        if check(code == 0, f"segment with {model} failed: {err}"):
            maps.append(read_nrrd(os.path.join(tmp, "segment_" + model, "good6_residual.nrrd"))[0])
    check(len(maps) == 2 and np.abs(maps[0] - maps[1]).max() <= 1e-6,
          f"TrainAutoencoder's model and ssimae train's differ: residuals differ by "
          f"{np.abs(maps[0] - maps[1]).max() if len(maps) == 2 else None}")
    expect_error("one slice to train on", [binary, "--validationFraction", "0.9", "good6.nrrd", "bad.pt"], tmp, 1,
                 r"6 slice\(s\) along axis 2: training needs at least one slice besides the 6 held out", ["bad.pt"])
    expect_error("unknown loss", [binary, "--loss", "l7", "good6.nrrd", "bad.pt"], tmp, 2, r"--loss must be ssim or l2",
                 ["bad.pt"])
    expect_error("model over the volume", [binary, "good6.nrrd", "good6.nrrd"], tmp, 1, r"good6\.nrrd")
    print(f"TrainAutoencoder: threshold {results.get('threshold')} equals ssimae train + calibrate on the slices")


def check_ssim_map(modules, tmp, volume, rng):
    binary = os.path.join(modules, "SSIMMap")
    code, xml, err = run([binary, "--xml"], tmp)
    check(code == 0, f"SSIMMap --xml failed: {err}")
    parameters = validate_xml("SSIMMap", xml)
    other = np.clip(volume.astype(np.float32) * 0.8 + 20 + rng.normal(0, 8, volume.shape), 0, 255).astype(np.float32)
    write_nrrd(os.path.join(tmp, "other.nrrd"), other, SPACING, ORIGIN, DIRECTION)
    values = {"inputVolume1": "volume.nrrd", "inputVolume2": "other.nrrd", "outputSSIM": "ssim.nrrd",
              "dynamicRange": 255}
    code, out, err = run(slicer_command(binary, parameters, values, "ssim.txt"), tmp)
    if not check(code == 0, f"SSIMMap failed: {out}{err}"):
        return
    starts, ends, progress = parse_progress(out)
    check(len(starts) == 1 and len(ends) == 1 and progress and progress[-1] == 1.0,
          f"SSIMMap progress tags (itk::XMLFilterWatcher): {starts} {ends} {progress[-3:]}")
    ssim = check_geometry("SSIMMap output", os.path.join(tmp, "ssim.nrrd"), volume.shape)
    _, reference = structural_similarity(volume.astype(np.float64), other.astype(np.float64), data_range=255,
                                         gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)
    difference = np.abs(ssim - reference).max()
    check(difference <= 1e-5, f"SSIMMap vs scikit-image 3D SSIM: largest difference {difference}")
    mean = float(read_results(os.path.join(tmp, "ssim.txt")).get("meanSSIM", "nan"))
    check(abs(mean - reference.mean()) <= 1e-6, f"meanSSIM {mean} vs scikit-image's map mean {reference.mean()}")
    print(f"SSIMMap: largest difference to scikit-image 3D {difference:.2e}, mean SSIM {mean:.6f}")


def check_vtk_exports(ssimae, tmp, volume):
    """segment --vtk: defect surfaces (.vtp) with region sizes and physical geometry, residual as .vti."""
    try:
        import vtk
        from vtk.util.numpy_support import vtk_to_numpy
        from scipy import ndimage
    except ImportError as error:
        print(f"SKIPPED the VTK export checks: {error} (install python3-vtk9 python3-scipy)")
        return
    # Every voxel a defect: one region, the closed surface of the volume's box half a voxel outside the centres.
    code, out, err = run([ssimae, "segment", "volume.nrrd", "--model", "model.pt", "--stride", "16", "--threshold",
                          "-1", "--vtk", "-o", "vtk_all"], tmp)
    if "built without VTK" in err:
        check(code == 2, "--vtk without VTK must be a usage error")
        print("SKIPPED the VTK export checks: ssimae was built without VTK")
        return
    if not check(code == 0, f"segment --vtk failed: {out}{err}"):
        return
    reader = vtk.vtkXMLPolyDataReader()
    reader.SetFileName(os.path.join(tmp, "vtk_all", "volume_defects.vtp"))
    reader.Update()
    surface = reader.GetOutput()
    cells = surface.GetCellData()
    regions = vtk_to_numpy(cells.GetArray("region"))
    check(set(regions.tolist()) == {1}, f"one region expected, got {sorted(set(regions.tolist()))[:5]}")
    check(np.allclose(vtk_to_numpy(cells.GetArray("volume")), volume.size * np.prod(SPACING)),
          "the region's volume is all voxels times the voxel size")
    points = vtk_to_numpy(surface.GetPoints().GetData())
    shape = volume.shape[::-1]  # x, y, z
    # Every surface point lies on the box: inside the oblique box's bounds and its index coordinates on a face.
    inverse = np.linalg.inv(DIRECTION @ np.diag(SPACING))
    index = (inverse @ (points - np.asarray(ORIGIN)).T).T
    on_face = np.any(np.isclose(index, -0.5, atol=1e-4) | np.isclose(index, np.array(shape) - 0.5, atol=1e-4), axis=1)
    check(bool(np.all(on_face)), f"{int((~on_face).sum())} surface points off the volume's box")
    # The surface reaches all six faces (its vertices sit at edge midpoints, so the box's corners are cut off).
    check(np.allclose(index.min(axis=0), -0.5, atol=1e-4) and np.allclose(index.max(axis=0), np.array(shape) - 0.5,
                                                                       atol=1e-4),
          f"the surface spans index {index.min(axis=0)} .. {index.max(axis=0)}, not the volume's box")
    # A threshold with many regions: their sizes as cell data equal the 26-connected regions of the labels.
    residual = read_nrrd(os.path.join(tmp, "residual.nrrd"))[0]
    threshold = float(np.quantile(residual, 0.98))
    code, out, err = run([ssimae, "segment", "volume.nrrd", "--model", "model.pt", "--stride", "16", "--threshold",
                          f"{threshold:.9g}", "--vtk", "-o", "vtk_some"], tmp)
    if not check(code == 0, f"segment --vtk failed: {out}{err}"):
        return
    labels = read_nrrd(os.path.join(tmp, "vtk_some", "volume_labels.nrrd"))[0]
    components, count = ndimage.label(labels, structure=np.ones((3, 3, 3)))
    sizes = sorted(np.bincount(components.ravel())[1:].tolist(), reverse=True)
    reader.SetFileName(os.path.join(tmp, "vtk_some", "volume_defects.vtp"))
    reader.Update()
    cells = reader.GetOutput().GetCellData()
    found = {}
    for region, pixels in zip(vtk_to_numpy(cells.GetArray("region")), vtk_to_numpy(cells.GetArray("pixels"))):
        found[int(region)] = int(pixels)
    check(count > 10 and [found.get(i + 1) for i in range(count)] == sizes,
          f"regions of the .vtp ({len(found)}) differ from the labels' {count} regions")
    image = vtk.vtkXMLImageDataReader()
    image.SetFileName(os.path.join(tmp, "vtk_some", "volume_residual.vti"))
    image.Update()
    data = image.GetOutput()
    values = vtk_to_numpy(data.GetPointData().GetArray("residual")).reshape(volume.shape)
    direction = np.array([[data.GetDirectionMatrix().GetElement(r, c) for c in range(3)] for r in range(3)])
    check(np.array_equal(values, read_nrrd(os.path.join(tmp, "vtk_some", "volume_residual.nrrd"))[0]),
          ".vti residual values differ from the NRRD's")
    check(np.allclose(data.GetOrigin(), ORIGIN) and np.allclose(data.GetSpacing(), SPACING) and
          np.allclose(direction, DIRECTION), f".vti geometry {data.GetOrigin()} {data.GetSpacing()} {direction}")
    print(f"VTK exports: {count} regions with their sizes, surface on the oblique box, residual .vti geometry")


def expect_error(what, command, tmp, status, pattern, outputs=()):
    for output in outputs:
        if os.path.exists(os.path.join(tmp, output)):
            os.remove(os.path.join(tmp, output))
    code, out, err = run(command, tmp)
    check(code == status and re.search(pattern, err) is not None,
          f"{what}: exit {code} (expected {status}), stderr {err.strip()!r} (expected /{pattern}/)")
    for output in outputs:
        check(not os.path.exists(os.path.join(tmp, output)), f"{what}: {output} was written")


def check_bad_input(modules, ssimae, tmp, volume):
    segment = os.path.join(modules, "SegmentDefects")
    ssim = os.path.join(modules, "SSIMMap")
    write_nrrd(os.path.join(tmp, "rgba.nrrd"), np.zeros((4, 64, 64, 4), np.uint8), components=4)
    write_nrrd(os.path.join(tmp, "wide16.nrrd"), (volume[:4].astype(np.uint16) * 257))
    write_nrrd(os.path.join(tmp, "one.nrrd"), volume[:1])
    with open(os.path.join(tmp, "four.nrrd"), "wb") as f:
        f.write(b"NRRD0004\ntype: uint8\ndimension: 4\nsizes: 4 4 4 2\nencoding: raw\n\n" + bytes(128))
    base = [segment, "--stride", "16"]
    expect_error("4D volume", base + ["four.nrrd", "model.pt", "bad.nrrd", "badr.nrrd"], tmp, 1, r"4D",
                 ["bad.nrrd"])
    expect_error("4 channels", base + ["rgba.nrrd", "model.pt", "bad.nrrd", "badr.nrrd"], tmp, 1, r"4 channels",
                 ["bad.nrrd"])
    expect_error("16-bit volume, 8-bit model", base + ["wide16.nrrd", "model.pt", "bad.nrrd", "badr.nrrd"], tmp, 1,
                 r"16-bit.*8-bit", ["bad.nrrd"])
    expect_error("one slice along axis 0", base + ["--axis", "0", "one.nrrd", "model.pt", "bad.nrrd", "badr.nrrd"],
                 tmp, 1, r"slices along axis 0 .* 64 x 1 pixels: the volume has one slice along axis 2", ["bad.nrrd"])
    code, out, err = run(base + ["one.nrrd", "model.pt", "one_labels.nrrd", "one_residual.nrrd"], tmp)
    check(code == 0 and read_nrrd(os.path.join(tmp, "one_labels.nrrd"))[0].shape == (1, 64, 64),
          f"a one-slice volume along axis 2 is segmented: {err}")
    expect_error("axis 3", base + ["--axis", "3", "volume.nrrd", "model.pt", "bad.nrrd", "badr.nrrd"], tmp, 2,
                 r"axis 3 is outside \[0, 2\]", ["bad.nrrd"])
    expect_error("missing model", base + ["volume.nrrd", "none.pt", "bad.nrrd", "badr.nrrd"], tmp, 1, r"none\.pt",
                 ["bad.nrrd"])
    expect_error("missing positional", [segment, "volume.nrrd", "model.pt"], tmp, 2, r"outputLabels")
    expect_error("unknown option", base + ["--bogus", "1", "volume.nrrd", "model.pt", "bad.nrrd", "badr.nrrd"], tmp,
                 2, r"bogus", ["bad.nrrd"])
    expect_error("output over input", base + ["volume.nrrd", "model.pt", "volume.nrrd", "badr.nrrd"], tmp, 1,
                 r"volume\.nrrd", ["badr.nrrd"])
    expect_error("sizes differ", [ssim, "volume.nrrd", "one.nrrd", "bad.nrrd"], tmp, 1, r"differ in size",
                 ["bad.nrrd"])
    expect_error("even window", [ssim, "--windowSize", "4", "volume.nrrd", "volume.nrrd", "bad.nrrd"], tmp, 1,
                 r"[Oo]dd", ["bad.nrrd"])
    expect_error("not a number", [ssim, "--gaussianSigma", "abc", "volume.nrrd", "volume.nrrd", "bad.nrrd"], tmp, 2,
                 r"gaussianSigma 'abc' is not a finite number", ["bad.nrrd"])
    expect_error("ssimae segment --axis 5", [ssimae, "segment", "volume.nrrd", "--model", "model.pt", "--axis", "5",
                                             "-o", "bad"], tmp, 2, r"--axis must be 0, 1 or 2")


def evaluate(ssimae, tmp, manifest, out, extra=()):
    code, stdout, err = run([ssimae, "evaluate", "--manifest", manifest, "--reference", "none", "--worst", "0",
                             "--stride", "16", "-o", out] + list(extra), tmp)
    check(code == 0, f"evaluate {manifest} failed: {stdout}{err}")
    if code != 0:
        return None, []
    with open(os.path.join(tmp, out, "metrics.json")) as f:
        metrics = json.load(f)
    with open(os.path.join(tmp, out, "per_image.csv")) as f:
        rows = list(csv.reader(f))[1:]
    return metrics, rows


def check_evaluate_volume(ssimae, tmp, volume):
    """evaluate on a volume and its mask volume (slices along --axis as test images) equals evaluate on the same
    slices as PNG files; a residual volume from segment serves as the residual files; mismatched masks are refused."""
    mask = np.zeros(volume.shape, np.uint8)
    mask[20:30][(slice(None),) + DEFECT] = 255
    write_nrrd(os.path.join(tmp, "mask.nrrd"), mask, SPACING, ORIGIN, DIRECTION)
    os.makedirs(os.path.join(tmp, "slices"))
    lines = []
    for z in range(volume.shape[0]):
        cv2.imwrite(os.path.join(tmp, "slices", f"image{z}.png"), volume[z])
        cv2.imwrite(os.path.join(tmp, "slices", f"mask{z}.png"), mask[z])
        lines.append(f"slices/image{z}.png,slices/mask{z}.png\n")
    with open(os.path.join(tmp, "slices.csv"), "w") as f:
        f.writelines(lines)
    with open(os.path.join(tmp, "volume.csv"), "w") as f:
        f.write("volume.nrrd,mask.nrrd\n")
    files, file_rows = evaluate(ssimae, tmp, "slices.csv", "evaluate_slices", ["--model", "model.pt"])
    sliced, volume_rows = evaluate(ssimae, tmp, "volume.csv", "evaluate_volume", ["--model", "model.pt"])
    if files is None or sliced is None:
        return
    keys = ("pixel_auroc", "aupro_0.3", "image_auroc", "images")
    check(all(files[k] == sliced[k] for k in keys) and files["images"] == 64,
          f"evaluate on a volume: {[sliced[k] for k in keys]}, on its slices as files: {[files[k] for k in keys]}")
    check(len(volume_rows) == 64 and volume_rows[25][0].endswith("volume.nrrd[axis 2 slice 25]"),
          f"per-image rows of a volume: {len(volume_rows)}, first name {volume_rows[0][0] if volume_rows else None}")
    check([r[1:] for r in volume_rows] == [r[1:] for r in file_rows],
          "per-slice results of the volume differ from those of its slices as files")
    # The residual volume of segment (same stride and window) as the manifest's residual file: the same metrics.
    code, out, err = run([ssimae, "segment", "volume.nrrd", "--model", "model.pt", "--stride", "16", "-o",
                          "evaluate_segment"], tmp)
    check(code == 0, f"segment for the residual volume failed: {err}")
    residual = [n for n in os.listdir(os.path.join(tmp, "evaluate_segment")) if "residual" in n]
    with open(os.path.join(tmp, "residual.csv"), "w") as f:
        f.write(f"volume.nrrd,mask.nrrd,evaluate_segment/{residual[0] if residual else 'none'}\n")
    from_files, _ = evaluate(ssimae, tmp, "residual.csv", "evaluate_residual")
    check(from_files is not None and all(abs(from_files[k] - files[k]) < 1e-6 for k in keys),
          f"evaluate with the residual volume as residual file: {from_files and [from_files[k] for k in keys]}, "
          f"with the model: {[files[k] for k in keys]}")
    # Masks that do not cut into the image's slices.
    write_nrrd(os.path.join(tmp, "mask63.nrrd"), mask[:63])
    for name, mask_file, pattern in [("mask with 63 slices", "mask63.nrrd", r"63 slice\(s\) along axis 2 .* has 64"),
                                     ("2D mask for a volume", "slices/mask0.png", r"1 slice\(s\) along axis 2 .* has 64")]:
        with open(os.path.join(tmp, "bad.csv"), "w") as f:
            f.write(f"volume.nrrd,{mask_file}\n")
        expect_error(name, [ssimae, "evaluate", "--manifest", "bad.csv", "--model", "model.pt", "-o", "bad_eval"],
                     tmp, 1, pattern)
    expect_error("evaluate --axis 3", [ssimae, "evaluate", "--manifest", "volume.csv", "--model", "model.pt",
                                       "--axis", "3", "-o", "bad_eval"], tmp, 2, r"--axis must be 0, 1 or 2")
    print(f"evaluate on a volume: the metrics of its 64 slices as files (pixel AUROC {sliced['pixel_auroc']:.6f}), "
          "also from its residual volume; mismatched masks refused")


def main(ssimae, modules):
    rng = np.random.default_rng(11)
    with tempfile.TemporaryDirectory() as tmp:
        volume = make_data(ssimae, tmp, rng)
        if not failures:
            check_segment_defects(modules, ssimae, tmp, volume)
            check_ssim_map(modules, tmp, volume, rng)
            check_vtk_exports(ssimae, tmp, volume)
            check_bad_input(modules, ssimae, tmp, volume)
            check_evaluate_volume(ssimae, tmp, volume)
            check_train_module(modules, ssimae, tmp, rng)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all Slicer module checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))

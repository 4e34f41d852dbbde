"""NRRD and MetaImage files read and written with numpy alone, for the ssimae tests (independent of ITK)."""
import gzip
import re
import zlib

import numpy as np

NRRD_TYPES = {np.dtype(np.uint8): "uint8", np.dtype(np.uint16): "uint16", np.dtype(np.float32): "float",
              np.dtype(np.int16): "int16"}
NUMPY_TYPES = {"uint8": np.uint8, "unsigned char": np.uint8, "uchar": np.uint8, "uint16": np.uint16,
               "unsigned short": np.uint16, "ushort": np.uint16, "float": np.float32, "int16": np.int16,
               "short": np.int16, "double": np.float64, "uint32": np.uint32, "unsigned int": np.uint32}


def write_nrrd(path, array, spacing=(1, 1, 1), origin=(0, 0, 0), direction=np.eye(3), components=1):
    """array: z, y, x (numpy order) or z, y, x, c with components > 1; direction columns are the axes."""
    dims = array.ndim - (1 if components > 1 else 0)
    sizes = list(reversed(array.shape[:dims]))
    axes = ["(" + ",".join(f"{direction[r][c] * spacing[c]:.17g}" for r in range(3)) + ")" for c in range(dims)]
    header = ["NRRD0004", f"type: {NRRD_TYPES[array.dtype]}", f"dimension: {dims + (components > 1)}",
              "space: left-posterior-superior" if dims == 3 else f"space dimension: {dims}",
              "sizes: " + " ".join(str(s) for s in ([components] if components > 1 else []) + sizes),
              "space directions: " + ("none " if components > 1 else "") + " ".join(axes),
              "kinds: " + ("vector " if components > 1 else "") + " ".join(["domain"] * dims),
              "endian: little", "encoding: raw",
              "space origin: (" + ",".join(f"{v:.17g}" for v in origin[:dims]) + ")"]
    with open(path, "wb") as f:
        f.write(("\n".join(header) + "\n\n").encode())
        f.write(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())


def read_nrrd(path):
    """(array in z, y, x order, header fields, spacing, origin, direction with unit columns)."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n\n")
    fields = {}
    for line in data[:end].decode().splitlines()[1:]:
        if ":" in line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    payload = data[end + 2:]
    if fields.get("encoding") in ("gzip", "gz"):
        payload = gzip.decompress(payload)
    sizes = [int(s) for s in fields["sizes"].split()]
    array = np.frombuffer(payload, dtype=np.dtype(NUMPY_TYPES[fields["type"]]).newbyteorder(
        "<" if fields.get("endian", "little") == "little" else ">")).reshape(list(reversed(sizes)))
    vectors = [np.array([float(v) for v in axis.strip("()").split(",")])
               for axis in re.findall(r"\([^)]*\)", fields.get("space directions", ""))]
    spacing = np.array([np.linalg.norm(v) for v in vectors])
    direction = np.stack([v / n for v, n in zip(vectors, spacing)], axis=1) if vectors else None
    origin = np.array([float(v) for v in fields.get("space origin", "()").strip("()").split(",")])
    return array, fields, spacing, origin, direction


def read_mha(path):
    """A 2D MetaImage (.mha, LOCAL data, raw or zlib) as a numpy array (rows, columns)."""
    data = open(path, "rb").read()
    marker = b"ElementDataFile = LOCAL\n"
    start = data.index(marker) + len(marker)
    header = dict(line.split(" = ", 1) for line in data[:start].decode().splitlines())
    raw = data[start:]
    if header.get("CompressedData") == "True":
        raw = zlib.decompress(raw)
    dtype = {"MET_FLOAT": np.float32, "MET_UCHAR": np.uint8}[header["ElementType"]]
    width, height = (int(v) for v in header["DimSize"].split())
    return np.frombuffer(raw, dtype).reshape(height, width)


def write_mha(path, array):
    """A 2D uint8 or uint16 array as an uncompressed MetaImage."""
    element = {np.dtype(np.uint8): "MET_UCHAR", np.dtype(np.uint16): "MET_USHORT"}[array.dtype]
    header = ("ObjectType = Image\nNDims = 2\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
              f"CompressedData = False\nDimSize = {array.shape[1]} {array.shape[0]}\nElementType = {element}\n"
              "ElementDataFile = LOCAL\n")
    with open(path, "wb") as f:
        f.write(header.encode() + array.astype(array.dtype.newbyteorder("<")).tobytes())

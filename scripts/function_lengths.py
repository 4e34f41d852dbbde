#!/usr/bin/env python3
"""Lists the longest C++ function bodies of the project (lines from the opening to the closing brace).

    python3 scripts/function_lengths.py [--limit N] [--fail-over LIB_LIMIT:APP_LIMIT] [PATH ...]

A function is a top-level brace block (namespace bodies are entered, class bodies and lambdas are counted as part of
their function) whose header contains a parameter list. Comments and string literals are skipped when matching braces.
With --fail-over, exits 1 when a library function (include/, src/) is longer than LIB_LIMIT or an application
function (apps/, examples/) longer than APP_LIMIT.
"""
import argparse
import pathlib
import re
import sys

SOURCE_SUFFIXES = {".cxx", ".hxx", ".h", ".cpp"}


def strip_comments_and_strings(text):
    """Returns text with comments, string and character literals blanked, keeping line breaks."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            if m:
                end = text.find(")" + m.group(1) + '"', i)
                end = n if end < 0 else end + len(m.group(1)) + 2
                out.append("".join(ch if ch == "\n" else " " for ch in text[i:end]))
                i = end
            else:
                out.append(c)
                i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    text = strip_comments_and_strings(path.read_text(encoding="utf-8"))
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1

    def line_of(index):
        lo, hi = 0, len(offsets) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if offsets[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    results = []
    depth_kinds = []  # "ns" for namespace/extern blocks entered, else None
    header_start = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c in ";}":
            if c == "}" and depth_kinds:
                depth_kinds.pop()
            header_start = i + 1
        elif c == "{":
            header = text[header_start:i]
            if re.search(r"\b(namespace|extern\s*)\b", header) and "(" not in header.split("namespace")[-1]:
                depth_kinds.append("ns")
                header_start = i + 1
            elif re.search(r"\)\s*(const)?\s*(noexcept)?\s*(override|final)?\s*(->\s*[\w:<>,\s*&]+)?\s*(:[^{]*)?$",
                           header.strip()) and not re.search(r"\b(class|struct|enum|union)\b[^()]*$", header):
                depth = 1
                j = i + 1
                while j < len(text) and depth:
                    if text[j] == "{":
                        depth += 1
                    elif text[j] == "}":
                        depth -= 1
                    j += 1
                name_match = re.findall(r"([~\w:]+(?:operator[^\s(]*)?)\s*\(", header)
                name = name_match[0] if name_match else "?"
                start, end = line_of(i), line_of(j - 1)
                results.append((end - start + 1, name, start))
                i = j
                header_start = j
                continue
            else:
                # class/struct body or initializer: walk into it without counting
                depth_kinds.append("block")
                header_start = i + 1
        i += 1
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["include", "src", "apps", "examples"])
    parser.add_argument("--limit", type=int, default=15, help="how many functions to list (default 15)")
    parser.add_argument("--fail-over", help="LIB_LIMIT:APP_LIMIT")
    args = parser.parse_args()
    root = pathlib.Path(__file__).resolve().parent.parent
    rows = []
    for entry in args.paths:
        base = (root / entry) if not pathlib.Path(entry).is_absolute() else pathlib.Path(entry)
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.suffix in SOURCE_SUFFIXES)
        for path in files:
            for length, name, line in functions(path):
                rows.append((length, name, path.relative_to(root) if path.is_relative_to(root) else path, line))
    rows.sort(key=lambda r: -r[0])
    for length, name, path, line in rows[: args.limit]:
        print(f"{length:5d}  {name}  {path}:{line}")
    if args.fail_over:
        lib_limit, app_limit = (int(v) for v in args.fail_over.split(":"))
        over = [r for r in rows if (r[0] > lib_limit if str(r[2]).startswith(("include", "src")) else r[0] > app_limit)]
        if over:
            print(f"{len(over)} function(s) over the limits {lib_limit} (library) / {app_limit} (application)",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

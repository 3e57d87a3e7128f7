"""Gathers the training corpus offline and mines (function, first doc line) pairs.

    /usr/bin/python3 tools/model/corpus.py --work tools/model/work

Sources (all read from disk; see tools/model/README.md for how they got there):
  * npm packages installed into WORK/npm/node_modules (and the repo's own node_modules):
    .js/.mjs/.cjs/.ts (not .d.ts, not minified), licence from package.json;
  * Debian Python packages: installed ones under /usr/lib/python3/dist-packages and ones unpacked
    with `apt-get download` + `dpkg-deb -x` under WORK/deb/root; licence from
    /usr/share/doc/<package>/copyright;
  * CPython's standard library /usr/lib/python3.11 (PSF-2.0).
Only licences on an explicit allowlist are kept. Files are deduplicated by content, pairs by
normalized code. Splits are by PACKAGE (a hash of its name): train 90%, val 5%, test 5%.

Writes WORK/corpus/files.jsonl, pairs.jsonl and sources.json.
"""
from __future__ import annotations

import argparse
import ast
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

ALLOWED = {  # normalized licence id -> display name
    "mit": "MIT", "expat": "MIT", "isc": "ISC", "0bsd": "0BSD", "bsd": "BSD", "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause", "apache-2.0": "Apache-2.0", "apache": "Apache-2.0", "psf-2.0": "PSF-2.0",
    "psf": "PSF-2.0", "python-2.0": "PSF-2.0", "python": "PSF-2.0", "unlicense": "Unlicense",
    "cc0-1.0": "CC0-1.0", "blueoak-1.0.0": "BlueOak-1.0.0", "zlib": "Zlib",
}
DENY_WORDS = ("gpl", "mpl", "cc-by", "epl", "proprietary", "see license in", "unlicensed", "agpl", "sspl")
SPECIAL_STRINGS = ("<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<sum_code>", "<sum_doc>")
MAX_FILE_BYTES = 300_000
MAX_CODE_CHARS = 1400  # a function plus its doc line must fit the 512-token context


def normalize_licence(raw) -> str | None:
    """SPDX-ish string -> allowed display name, or None. 'A OR B' passes if one side is allowed."""
    if isinstance(raw, dict):
        raw = raw.get("type", "")
    if isinstance(raw, list):
        raw = " OR ".join(str(x.get("type", x) if isinstance(x, dict) else x) for x in raw)
    if not raw:
        return None
    s = str(raw).strip().lower().strip("()")
    for alt in re.split(r"\s+or\s+|/", s):
        alt = alt.strip().strip("()")
        if any(w in alt for w in DENY_WORDS) or " and " in alt:
            continue
        alt = alt.replace(" license", "").replace(" licence", "").strip()
        if alt in ALLOWED:
            return ALLOWED[alt]
        if alt.startswith("bsd"):
            return "BSD-3-Clause" if "3" in alt else ("BSD-2-Clause" if "2" in alt else "BSD")
        if alt.startswith("apache"):
            return "Apache-2.0"
    return None


def debian_licence(copyright_path: str) -> str | None:
    """The licence of the `Files: *` stanza of a DEP-5 copyright file."""
    try:
        text = open(copyright_path, errors="replace").read()
    except OSError:
        return None
    m = re.search(r"^Files:\s*\*\s*$(.*?)(?:^\s*$)", text, re.M | re.S)
    if m:
        lm = re.search(r"^License:\s*(.+)$", m.group(1), re.M)
        if lm:
            return normalize_licence(lm.group(1).replace("-clause", "-Clause"))
    return None


def split_of(package: str) -> str:
    h = int(hashlib.sha1(package.encode()).hexdigest()[:8], 16) % 100
    return "val" if h < 5 else ("test" if h < 10 else "train")


def is_minified(text: str) -> bool:
    lines = text.split("\n")
    if not lines:
        return True
    longest = max(len(l) for l in lines)
    return longest > 1000 or len(text) / max(1, len(lines)) > 160


# ---------------------------------------------------------------- sources

def npm_sources(roots):
    """Yields (package, version, licence, origin, files) for every npm package under the roots."""
    seen = set()
    for root in roots:
        for pj in glob.glob(os.path.join(root, "*", "package.json")) + glob.glob(os.path.join(root, "@*", "*", "package.json")):
            pdir = os.path.dirname(pj)
            try:
                meta = json.load(open(pj))
            except Exception:
                continue
            name, version = meta.get("name"), meta.get("version", "")
            if not name or name in seen:
                continue
            seen.add(name)
            lic = normalize_licence(meta.get("license") or meta.get("licenses"))
            files = []
            for dirpath, dirnames, filenames in os.walk(pdir):
                dirnames[:] = [d for d in dirnames if d not in ("node_modules", "test", "tests", "__tests__", "locale", "locales", "min", "umd")]
                for fn in filenames:
                    if fn.endswith(".d.ts") or ".min." in fn or fn.endswith(".map"):
                        continue
                    if fn.endswith((".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx")):
                        files.append(os.path.join(dirpath, fn))
            yield name, version, lic, "npm", files, meta.get("license")


def python_sources(work):
    """Debian Python packages (installed and unpacked) and the stdlib."""
    # stdlib: one 'package' per top-level module so the split is by package
    std = "/usr/lib/python3.11"
    groups = defaultdict(list)
    for dirpath, dirnames, filenames in os.walk(std):
        dirnames[:] = [d for d in dirnames if d not in ("test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages", "__pycache__", "config-3.11-x86_64-linux-gnu")]
        for fn in filenames:
            if fn.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, fn), std)
                top = rel.split(os.sep)[0].removesuffix(".py")
                groups[top].append(os.path.join(dirpath, fn))
    for top, files in groups.items():
        yield f"cpython-stdlib/{top}", "3.11", "PSF-2.0", "debian:libpython3.11-stdlib", files, "PSF-2.0"
    # installed Debian packages: map each top-level entry to its package through dpkg -S
    dp = "/usr/lib/python3/dist-packages"
    by_pkg = defaultdict(list)
    for entry in sorted(os.listdir(dp)):
        if entry.endswith((".dist-info", ".egg-info", ".so", ".pth")) or entry == "__pycache__":
            continue
        path = os.path.join(dp, entry)
        r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if r.returncode != 0:
            continue
        pkg = r.stdout.split(":")[0].strip()
        by_pkg[pkg].append(path)
    unpacked_root = os.path.join(work, "deb", "root")
    for deb in sorted(glob.glob(os.path.join(work, "deb", "*.deb"))):
        pkg = os.path.basename(deb).split("_")[0]
        by_pkg.setdefault(pkg, [])
    for pkg, paths in sorted(by_pkg.items()):
        cp = f"/usr/share/doc/{pkg}/copyright"
        if not os.path.exists(cp):
            cp = os.path.join(unpacked_root, "usr/share/doc", pkg, "copyright")
        lic = debian_licence(cp)
        if not paths:  # unpacked .deb: its files under the unpacked root
            listing = subprocess.run(["dpkg-deb", "-c", glob.glob(os.path.join(work, "deb", f"{pkg}_*.deb"))[0]],
                                     capture_output=True, text=True).stdout
            paths = sorted({os.path.join(unpacked_root, m.group(1)) for m in
                            re.finditer(r"\./(usr/lib/python3/dist-packages/[^/\s]+)", listing)})
        files = []
        for p in paths:
            if os.path.isfile(p) and p.endswith(".py"):
                files.append(p)
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = [d for d in dirnames if d not in ("tests", "test", "testing", "__pycache__")]
                files += [os.path.join(dirpath, f) for f in filenames if f.endswith(".py")]
        version = ""
        yield pkg, version, lic, "debian", files, lic


# ---------------------------------------------------------------- mining

def first_doc_line(doc: str) -> str | None:
    """First line of a doc comment's description, or None when it is not a usable summary."""
    for line in doc.strip().split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith(("@", ":", ">>>", "..", "#", "-", "=", "*")):
            return None
        if len(line) < 12 or len(line) > 160 or not re.match(r"[A-Za-z`]", line):
            return None
        if line.lower().startswith(("todo", "fixme", "deprecated", "copyright", "internal", "private", "see ")):
            return None
        return line
    return None


def mine_python(text: str):
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    lines = text.split("\n")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        doc = ast.get_docstring(node, clean=True)
        if not doc or not node.body or not hasattr(node, "end_lineno"):
            continue
        line = first_doc_line(doc)
        if not line:
            continue
        ds = node.body[0]
        if len(node.body) < 2:
            continue  # a function that is only a docstring
        start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        func = lines[start: ds.lineno - 1] + lines[ds.end_lineno: node.end_lineno]  # without the docstring
        indent = min((len(l) - len(l.lstrip()) for l in func if l.strip()), default=0)
        code = "\n".join(l[indent:] for l in func).strip("\n") + "\n"
        if 40 <= len(code) <= MAX_CODE_CHARS:
            yield code, line


JSDOC_FN = re.compile(
    r"/\*\*((?:(?!\*/)[\s\S])*)\*/[ \t]*\n[ \t]*"  # the doc block right above
    r"((?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*[\w$]+\s*(?:<[^>{]*>)?\s*\("
    r"|(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*=\s*(?:async\s+)?(?:function\b[^(]*\(|\([^)]*\)\s*(?::[^=]+)?=>)"
    r"|(?:(?:public|private|protected|static|async|readonly|override)\s+)*[\w$]+\s*(?:<[^>{]*>)?\s*\([^)]*\)\s*(?::\s*[^{;]+)?\{"
    r"|[\w$.]+\s*=\s*(?:async\s+)?function\b[^(]*\()"
)
KEYWORDS = {"if", "for", "while", "switch", "catch", "return", "function", "with"}


def match_braces(text: str, start: int) -> int | None:
    """Index just past the brace block starting at the first '{' from `start` (strings and
    comments skipped, roughly), or None."""
    i = text.find("{", start)
    if i < 0 or i - start > 400:
        return None
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            q = c
            i += 1
            while i < n and text[i] != q:
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n" and q != "`":
                    break
                i += 1
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
        if i - start > MAX_CODE_CHARS * 2:
            return None
    return None


def mine_js(text: str):
    for m in JSDOC_FN.finditer(text):
        sig = m.group(2)
        name = re.match(r"\s*(?:(?:public|private|protected|static|async|readonly|override)\s+)*([\w$]+)", sig)
        if name and name.group(1) in KEYWORDS:
            continue
        doc = "\n".join(re.sub(r"^\s*\*?\s?", "", l) for l in m.group(1).split("\n"))
        line = first_doc_line(doc)
        if not line:
            continue
        line = re.sub(r"\{@\w+\s+([^}]*)\}", r"\1", line)
        end = match_braces(text, m.start(2))
        if end is None:
            continue
        # keep the code's own indentation relative to its first line
        line_start = text.rfind("\n", 0, m.start(2)) + 1
        code = text[line_start:end]
        indent = len(code) - len(code.lstrip(" \t"))
        code = "\n".join(l[indent:] if l[:indent].strip() == "" else l for l in code.split("\n")) + "\n"
        if 40 <= len(code) <= MAX_CODE_CHARS:
            yield code, line


def norm_code(code: str) -> str:
    return hashlib.sha1(re.sub(r"\s+", "", code).encode()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="tools/model/work")
    ap.add_argument("--max-bytes-per-package", type=int, default=4_000_000)
    args = ap.parse_args()
    out = os.path.join(args.work, "corpus")
    os.makedirs(out, exist_ok=True)
    repo_nm = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "node_modules"))
    sources = []
    seen_files, seen_pairs = set(), set()
    n_files = n_pairs = 0
    rejected = []
    with open(os.path.join(out, "files.jsonl"), "w") as ff, open(os.path.join(out, "pairs.jsonl"), "w") as fp:
        gens = [npm_sources([os.path.join(args.work, "npm", "node_modules"), repo_nm]), python_sources(args.work)]
        for gen in gens:
            for pkg, version, lic, origin, files, raw_lic in gen:
                if lic is None:
                    rejected.append({"package": pkg, "origin": origin, "licence": str(raw_lic)})
                    continue
                split = split_of(pkg.split("/")[0] if origin == "npm" else pkg)
                nbytes = npairs = nfiles = 0
                for path in sorted(files):
                    try:
                        if os.path.getsize(path) > MAX_FILE_BYTES:
                            continue
                        text = open(path, encoding="utf-8").read()
                    except (OSError, UnicodeDecodeError):
                        continue
                    if not text.strip() or is_minified(text) or any(s in text for s in SPECIAL_STRINGS):
                        continue
                    h = hashlib.sha1(text.encode()).hexdigest()
                    if h in seen_files:
                        continue
                    if nbytes > args.max_bytes_per_package:
                        break  # cap huge packages (plotly, sympy, three...) so no single one dominates
                    seen_files.add(h)
                    lang = "python" if path.endswith(".py") else ("typescript" if path.endswith((".ts", ".tsx")) else "javascript")
                    ff.write(json.dumps({"package": pkg, "split": split, "lang": lang, "text": text}) + "\n")
                    nbytes += len(text)
                    nfiles += 1
                    miner = mine_python if lang == "python" else mine_js
                    for code, doc in miner(text):
                        k = norm_code(code)
                        if k in seen_pairs:
                            continue
                        seen_pairs.add(k)
                        fp.write(json.dumps({"package": pkg, "split": split, "lang": lang, "code": code, "doc": doc}) + "\n")
                        npairs += 1
                if nfiles:
                    sources.append({"package": pkg, "version": version, "licence": lic, "origin": origin,
                                    "split": split, "files": nfiles, "bytes": nbytes, "pairs": npairs})
                    n_files += nfiles
                    n_pairs += npairs
    with open(os.path.join(out, "sources.json"), "w") as f:
        json.dump({"sources": sources, "rejected": rejected}, f, indent=1)
    by_split = defaultdict(lambda: [0, 0])
    for s in sources:
        by_split[s["split"]][0] += s["bytes"]
        by_split[s["split"]][1] += s["pairs"]
    print(f"{len(sources)} packages kept, {len(rejected)} rejected by licence; {n_files} files, {n_pairs} pairs")
    for k, (b, p) in sorted(by_split.items()):
        print(f"  {k}: {b / 1e6:.1f} MB, {p} pairs")


if __name__ == "__main__":
    main()

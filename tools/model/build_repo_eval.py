"""Builds a repository-level one-line infill test set from HELD-OUT (test split) packages.

    /usr/bin/python3 tools/model/build_repo_eval.py --work tools/model/work --out models/lens-coder/eval/repo.jsonl

Purpose: measure whether code completion improves when other files of the same package are put
in the prompt. Every record is one line to infill whose code USES a name (function, class,
constant) that is DEFINED IN ANOTHER FILE of the same package and is not defined in the edited file,
so the cross-file context should help. One JSON object per line:

    {"files": [{"path", "text"}, ...],   # other files of the package (the defining file first)
     "path": ..., "prefix": ..., "suffix": ..., "middle": ...,
     "package": ..., "lang": "javascript" | "typescript" | "python",
     "identifier": ..., "defined_in": ...}

`middle` is one whole source line without its newline, `prefix` the edited file's text before it
(ending with "\\n", at most the last 6000 characters, cut at a line start), `suffix` the text after
it (starting with "\\n", at most 2000 characters, cut at a line end) -- the conventions of the FIM
records in models/lens-coder/eval/test.jsonl. All paths are relative to the package root (the npm
package directory, the dist-packages directory for Debian packages, /usr/lib/python3.11 for the
stdlib).

Sources (the same as the training corpus; they are read with tools/model/corpus.py's own
`npm_sources` / `python_sources`, licence allowlist and `split_of`, so only packages corpus.py
would have put in the TEST split -- and whose licence it accepts -- are used). They are not in
git; fetch them as tools/model/README.md step 0 does (commands as run for this set):

    mkdir -p tools/model/work/npm && cd tools/model/work/npm
    echo '{"name":"corpus-scratch","private":true}' > package.json
    npm install --ignore-scripts --no-audit --no-fund --omit=optional --legacy-peer-deps <the README's list>
    cd .. && mkdir -p deb && cd deb
    for p in python3-scipy python3-statsmodels python3-jsonschema; do apt-get download $p; done
    mkdir -p root && for f in *.deb; do dpkg-deb -x $f root; done

(only the test-split Debian packages of the README's list are needed: running split_of over the
README's names gives python3-scipy, python3-statsmodels, python3-jsonschema; python3-openssl and
python3-wheel are installed on this machine; the repo's own node_modules is read too, as corpus.py
does; the stdlib test-split modules with more than one file are logging and urllib.)

Selection rules:
  * packages: a scoped npm package is split by its scope in corpus.py (`@vue/compiler-dom` -> `@vue`),
    so all packages of one scope form ONE unit here, named by the scope, with paths relative to the
    scope folder (`runtime-dom/dist/runtime-dom.cjs.js`): for @vue that is the vuejs/core monorepo,
    whose packages import each other (`require('@vue/shared')` resolves to shared's main build);
  * files: corpus.py's filters (size, UTF-8, no special tokens) plus: no test/spec/fixture/
    benchmark/example/config files, no generated files; an edited file is never minified (no line
    over 500 characters, not corpus.is_minified); a file with only a few long lines (a table or a
    long string, at most 1% of its lines) may still serve as context / defining file; within a
    package, a file whose distinct long lines are mostly in an already kept file (another build of
    the same bundle, e.g. dist/x.cjs.js vs dist/x.cjs.prod.js) is dropped;
  * definitions: Python: module-level `def`/`class`/assignments (also under top-level if/try);
    JS/TS: `function name(`, `class Name`, `interface`/`type`/`enum` (column 0 or exported),
    `const|let|var name =` at column 0 or exported, `exports.name =`;
  * the middle line: 12..120 characters, not a comment, not inside a string / comment block, not an
    import line, and it uses an identifier (>= 5 characters, not a keyword/builtin/self/this/...)
    that is not defined anywhere in the edited file and that reaches it through the edited file's
    own package-internal imports: a name imported from a relative (or same-package) module, a
    member of a module imported that way (`x_1.name`, `handlers.name`), or a name brought in by a
    `from .x import *`; `defined_in` is the imported module when it defines the name, else the one
    other file that defines it (names defined in more than 3 files are skipped as ambiguous);
  * lines whose identifier does not occur in the last 40 lines of the prefix are preferred (taken
    first; the others only fill a package's quota);
  * at most 8 records per edited file, 25 per npm package and 20 per Python package (so JS/TS stay
    >= ~40% of the set); seeded sampling (--seed), at most 2 per file before any file gets more;
  * files[]: the defining file (a 12000-character window around the definition when longer), then
    the edited file's package-internal imports, then random files of the same directory, then of
    the package, up to 8 files, each at most 12000 characters, and at most --files-budget
    characters in all (so the set stays under ~8 MB); the edited file is never among them.
Prints the counts per package and language at the end.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import hashlib
import json
import keyword
import os
import posixpath
import random
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

PREFIX_CHARS, SUFFIX_CHARS, FILE_CHARS = 6000, 2000, 12000
MAX_PER_FILE, MAX_PER_PACKAGE, MAX_CONTEXT_FILES = 8, 25, 8
RECENT_LINES = 40
PY_ROOTS = ["/usr/lib/python3.11", "/usr/lib/python3/dist-packages"]

JS_RESERVED = set("""
break case catch class const continue debugger default delete do else enum export extends false finally for
function if import in instanceof new null return super switch this throw true try typeof var void while with
yield let static implements interface package private protected public await async of get set as from type
abstract readonly declare namespace keyof infer never unknown string number boolean symbol object bigint any
undefined NaN Infinity arguments require module exports global globalThis window document console process
Buffer Object Array String Number Boolean Symbol Promise Error TypeError RangeError SyntaxError ReferenceError
JSON Math Date RegExp Map Set WeakMap WeakSet Proxy Reflect Function parseInt parseFloat isNaN isFinite
setTimeout clearTimeout setInterval clearInterval setImmediate queueMicrotask encodeURIComponent
decodeURIComponent encodeURI decodeURI Uint8Array Int32Array Uint32Array Float64Array ArrayBuffer DataView
prototype constructor length __dirname __filename __esModule default
""".split())
PY_RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {"self", "cls", "super", "__init__", "__all__",
                                                          "__name__", "__file__", "__doc__", "kwargs", "args"}
SKIP_PATH = re.compile(r"(^|/)(tests?|__tests__|testing|spec|specs|fixtures?|benchmarks?|bench|examples?|"
                       r"docs?|scripts)(/|$)|(^|/)(test_[^/]*|[^/]*_test|conftest|setup)\.py$|"
                       r"\.(test|spec|bench|tst)\.[cm]?[jt]sx?$|(^|/)(tests?|[^/]*\.config)\.[cm]?[jt]sx?$", re.I)
GENERATED = re.compile(r"auto-?generated|do not edit|generated by|this file was generated", re.I)
JS_EXT = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx")


# ---------------------------------------------------------------- packages and files

def lang_of(path: str) -> str:
    return "python" if path.endswith(".py") else ("typescript" if path.endswith((".ts", ".tsx")) else "javascript")


def py_root_of(path: str, work: str) -> str:
    for r in [os.path.join(os.path.abspath(work), "deb", "root", "usr/lib/python3/dist-packages")] + PY_ROOTS:
        if os.path.abspath(path).startswith(r + os.sep):
            return r
    return os.path.dirname(path)


def test_packages(work: str):
    """(package, origin, {relpath: abspath}) for every test-split package corpus.py would keep."""
    repo_nm = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "node_modules"))
    roots = [os.path.join(work, "npm", "node_modules"), repo_nm]
    out, scopes = [], defaultdict(list)
    for pkg, _v, lic, origin, files, _raw in corpus.npm_sources(roots):
        if lic is None or corpus.split_of(pkg.split("/")[0]) != "test" or not files:
            continue
        pdir = os.path.commonpath([os.path.dirname(f) for f in files] + [os.path.dirname(files[0])])
        # the package directory: the folder holding package.json above the files
        while pdir != "/" and not os.path.exists(os.path.join(pdir, "package.json")):
            pdir = os.path.dirname(pdir)
        rel = {os.path.relpath(f, pdir).replace(os.sep, "/"): f for f in files}
        if "/" in pkg:  # a scope is corpus.py's split unit (one monorepo, e.g. vuejs/core for @vue/*)
            scopes[pkg.split("/")[0]].append((pkg, pdir, rel))
        else:
            out.append((pkg, origin, rel, {}))
    for scope, members in scopes.items():
        rel, bare = {}, {}
        for pkg, pdir, files in members:
            sub = pkg.split("/", 1)[1]
            rel.update({f"{sub}/{r}": f for r, f in files.items()})
            try:
                main = json.load(open(os.path.join(pdir, "package.json"))).get("main") or "index.js"
            except (OSError, ValueError):
                main = "index.js"
            bare[pkg] = posixpath.normpath(f"{sub}/{main}")
        out.append((scope, "npm", rel, bare))
    for pkg, _v, lic, origin, files, _raw in corpus.python_sources(work):
        if lic is None or corpus.split_of(pkg) != "test" or len(files) < 2:
            continue
        out.append((pkg, origin, {os.path.relpath(f, py_root_of(f, work)).replace(os.sep, "/"): f for f in files}, {}))
    return out


def load_files(files: dict[str, str]):
    """(relpath -> text, context-only relpaths): filtered (see the module docstring), near-duplicate
    builds dropped."""
    texts, context_only = {}, set()
    for rel, path in files.items():
        if SKIP_PATH.search(rel) or "/node_modules/" in rel:
            continue
        try:
            if os.path.getsize(path) > corpus.MAX_FILE_BYTES:
                continue
            text = open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        if not text.strip() or any(s in text for s in corpus.SPECIAL_STRINGS) or GENERATED.search(text[:1000]):
            continue
        lens = [len(l) for l in text.split("\n")]
        n_long = sum(n > 500 for n in lens)
        if corpus.is_minified(text) or n_long:
            # a few long lines (a table, a long string) in an otherwise normal file: context only
            if n_long > max(2, len(lens) // 100) or len(text) / len(lens) > 160:
                continue
            context_only.add(rel)
        texts[rel] = text

    def pref(rel):  # keep the plainest build first
        bad = sum(w in rel for w in (".prod.", ".global.", "browser", "esm-bundler", ".min", "/umd/", "/esm/", "/es/", ".mjs"))
        return (bad, rel.count("/"), len(rel), rel)
    kept, seen_lines = {}, set()
    for rel in sorted(texts, key=pref):
        long_lines = {l.strip() for l in texts[rel].split("\n") if len(l.strip()) >= 25}
        if long_lines and len(long_lines & seen_lines) > 0.5 * len(long_lines):
            continue
        kept[rel] = texts[rel]
        seen_lines |= long_lines
    return kept, context_only & set(kept)


# ---------------------------------------------------------------- definitions and imports

def py_defs(text: str):
    """name -> line number (1-based) of module-level definitions; None when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    defs = {}

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs.setdefault(node.name, node.lineno)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            defs.setdefault(n.id, node.lineno)
            elif isinstance(node, ast.If):
                visit(node.body), visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body), visit(node.orelse), visit(node.finalbody)
                for h in node.handlers:
                    visit(h.body)
    visit(tree.body)
    return defs, tree


def py_bound_names(tree) -> set[str]:
    """Every name the file binds anywhere other than by import (defs, assignments, arguments...)."""
    names = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
    return names


def py_module_file(mod: str, rels: set[str]) -> str | None:
    p = mod.replace(".", "/")
    for c in (p + ".py", p + "/__init__.py"):
        if c in rels:
            return c
    return None


def py_imports(rel: str, tree, rels: set[str], tops: set[str]):
    """(names: local -> (file, name), modules: alias -> file, stars: [file]) for package-internal imports."""
    pkg_parts = rel[:-3].split("/")
    if pkg_parts[-1] == "__init__":
        pkg_parts = pkg_parts[:-1]
    else:
        pkg_parts = pkg_parts[:-1]
    names, modules, stars = {}, {}, []
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = pkg_parts[: len(pkg_parts) - (n.level - 1)] if n.level - 1 <= len(pkg_parts) else None
                if base is None:
                    continue
                mod = ".".join(base + ([n.module] if n.module else []))
            else:
                mod = n.module or ""
                if mod.split(".")[0] not in tops:
                    continue
            mfile = py_module_file(mod, rels)
            for a in n.names:
                if a.name == "*":
                    if mfile:
                        stars.append(mfile)
                    continue
                sub = py_module_file(f"{mod}.{a.name}" if mod else a.name, rels)
                if sub:
                    modules[a.asname or a.name] = sub
                elif mfile and (a.asname or a.name) == a.name:
                    names[a.name] = mfile
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name.split(".")[0] not in tops:
                    continue
                f = py_module_file(a.name, rels)
                if f and (a.asname or "." not in a.name):
                    modules[a.asname or a.name] = f
    return names, modules, stars


JS_DEF_RES = [
    re.compile(r"^[ \t]*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]", re.M),
    re.compile(r"^[ \t]*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)", re.M),
    re.compile(r"^(?:export\s+)?(?:declare\s+)?(?:const\s+)?(?:interface|type|enum)\s+([A-Za-z_$][\w$]*)", re.M),
    re.compile(r"^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*[=:]", re.M),
    re.compile(r"^[ \t]*(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=(?!=)", re.M),
]
JS_ANY_BIND = r"(?:const|let|var|function\*?|class)\s+{0}\b|\b{0}\s*=>|\(\s*{0}\s*[,)]\s*(?:=>|\{{)"


def js_defs(text: str) -> dict[str, int]:
    defs = {}
    for rx in JS_DEF_RES:
        for m in rx.finditer(text):
            rest = text[m.end(): text.find("\n", m.end()) % (len(text) + 1)]
            if rx is JS_DEF_RES[3] and re.search(r"\brequire\s*\(|__import", rest):
                continue  # var x = require('./x') binds an import, it defines nothing
            defs.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    return defs


def js_resolve(rel: str, spec: str, rels: set[str], bare=None) -> str | None:
    if not spec.startswith("."):
        return (bare or {}).get(spec)
    t = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
    stem = re.sub(r"\.[cm]?js$", "", t)
    for c in [t] + [t + e for e in JS_EXT] + [stem + e for e in (".ts", ".tsx")] + [t + "/index" + e for e in JS_EXT]:
        if c in rels:
            return c
    return None


def js_imports(rel: str, text: str, rels: set[str], bare=None):
    """(names: local -> file, modules: alias -> file, import line numbers) for relative imports."""
    names, modules, lines = {}, {}, set()

    def lineno(pos):
        return text.count("\n", 0, pos)
    for m in re.finditer(r"import\s+([^;'\"]*?)\s+from\s+['\"]([^'\"]+)['\"]", text):
        f = js_resolve(rel, m.group(2), rels, bare)
        lines.update(range(lineno(m.start()), lineno(m.end()) + 1))
        if not f:
            continue
        clause = m.group(1)
        ns = re.search(r"\*\s+as\s+([\w$]+)", clause)
        if ns:
            modules[ns.group(1)] = f
        br = re.search(r"\{([^}]*)\}", clause)
        if br:
            for part in br.group(1).split(","):
                part = re.sub(r"^\s*type\s+", "", part).strip()
                if part and " as " not in part:
                    names[part] = f
    for m in re.finditer(r"(?:const|let|var)\s+(\{[^}]*\}|[\w$]+)\s*=\s*(?:__importStar\(|__importDefault\()?"
                         r"require\(\s*['\"]([^'\"]+)['\"]\s*\)\)?(\.[\w$]+)?", text):
        lines.update(range(lineno(m.start()), lineno(m.end()) + 1))
        f = js_resolve(rel, m.group(2), rels, bare)
        if not f:
            continue
        lhs, member = m.group(1), m.group(3)
        if lhs.startswith("{"):
            for part in lhs.strip("{}").split(","):
                part = part.strip()
                if part and ":" not in part:
                    names[part] = f
        elif member:
            if member[1:] == lhs:
                names[lhs] = f
        else:
            modules[lhs] = f
    return names, modules, lines


# ---------------------------------------------------------------- candidate lines

def blocked_lines_js(text: str) -> set[int]:
    """0-based line numbers inside block comments or multi-line template literals."""
    out = set()
    for m in re.finditer(r"/\*[\s\S]*?\*/|`(?:[^`\\]|\\.)*`", text):
        a, b = text.count("\n", 0, m.start()), text.count("\n", 0, m.end())
        out.update(range(a, b + 1) if m.group(0).startswith("/*") else range(a + 1, b + 1))
        if not m.group(0).startswith("/*") and a != b:
            out.add(a)
    return out


def blocked_lines_py(tree) -> set[int]:
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes)) and n.end_lineno > n.lineno:
            out.update(range(n.lineno - 1, n.end_lineno))
        if isinstance(n, ast.JoinedStr) and n.end_lineno > n.lineno:
            out.update(range(n.lineno - 1, n.end_lineno))
    return out


def ident_ok(name: str, lang: str) -> bool:
    if len(name) < 5 or name.startswith("__"):
        return False
    return name not in (PY_RESERVED if lang == "python" else JS_RESERVED)


def window(text: str, center: int, size: int = FILE_CHARS) -> str:
    """At most `size` characters of whole lines; when longer, a window containing offset `center`."""
    if len(text) <= size:
        return text
    start = max(0, min(center - size // 4, len(text) - size))
    if start:
        start = text.find("\n", start - 1) + 1
    end = start + size
    if end < len(text):
        end = text.rfind("\n", start, end) + 1 or end
    return text[start:end]


def line_offset(text: str, lineno: int) -> int:
    pos = 0
    for _ in range(lineno - 1):
        pos = text.find("\n", pos) + 1
    return pos


def cut_prefix(pre: str) -> str:
    if len(pre) <= PREFIX_CHARS:
        return pre
    p = pre[-PREFIX_CHARS:]
    return p[p.find("\n") + 1:]


def cut_suffix(suf: str) -> str:
    if len(suf) <= SUFFIX_CHARS:
        return suf
    return suf[: suf.rfind("\n", 0, SUFFIX_CHARS + 1)]


def resolve_bare(bare: dict[str, str], texts: dict[str, str]) -> dict[str, str]:
    """Bare specifier -> kept file: the package's main, or the build a small main file re-exports."""
    out = {}
    for spec, main in bare.items():
        f = js_resolve(main, "./" + posixpath.basename(main), set(texts))
        if f and texts[f].count("\n") < 15:
            for m in re.finditer(r"require\(\s*['\"](\.[^'\"]+)['\"]", texts[f]):
                g = js_resolve(f, m.group(1), set(texts))
                if g and g != f:
                    f = g
                    break
        if f:
            out[spec] = f
    return out


def candidates(pkg: str, texts: dict[str, str], bare=None, context_only=frozenset()):
    """Every usable (record-without-files, tier, import files) of a package."""
    rels = set(texts)
    defs_by_file, trees = {}, {}
    for rel, text in texts.items():
        if rel.endswith(".py"):
            r = py_defs(text)
            if r is None:
                continue
            defs_by_file[rel], trees[rel] = r
        else:
            defs_by_file[rel] = js_defs(text)
    definers = defaultdict(list)
    for rel, defs in defs_by_file.items():
        for name in defs:
            definers[name].append(rel)
    tops = {r.split("/")[0].removesuffix(".py") for r in rels if r.endswith(".py")}
    out = []
    for rel in sorted(defs_by_file):
        if rel in context_only:
            continue
        text, lang = texts[rel], lang_of(rel)
        lines = text.split("\n")
        own = set(defs_by_file[rel])
        if lang == "python":
            tree = trees[rel]
            names, modules, stars = py_imports(rel, tree, rels, tops)
            bound = py_bound_names(tree) | own
            blocked = blocked_lines_py(tree)
            import_lines = {n.lineno - 1 for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))}
            for n in ast.walk(tree):
                if isinstance(n, (ast.Import, ast.ImportFrom)):
                    import_lines.update(range(n.lineno - 1, n.end_lineno))
            comment = ("#",)
        else:
            names, modules, import_lines = js_imports(rel, text, rels, bare)
            stars = []
            bound = own
            no_imports = "\n".join(l for j, l in enumerate(lines) if j not in import_lines)
            blocked = blocked_lines_js(text)
            comment = ("//", "/*", "*")
        if not names and not modules and not stars:
            continue
        imported_files = list(dict.fromkeys(list(names.values()) + list(modules.values()) + stars))
        for i in range(3, len(lines) - 1):
            line = lines[i]
            s = line.strip()
            if not (12 <= len(line) <= 120) or s.startswith(comment) or i in blocked or i in import_lines:
                continue
            if lang != "python" and re.search(r"\brequire\s*\(|^\s*(import|export)\b.*\bfrom\b", line):
                continue
            code = re.sub(r"(['\"])(?:(?!\1)[^\\]|\\.)*\1", '""', line)  # no identifiers inside strings
            code = re.split(r"\s#" if lang == "python" else r"//", code)[0]
            best = None
            for m in re.finditer(r"(?<![\w$])(?:([A-Za-z_$][\w$]*)\s*\.\s*)?([A-Za-z_$][\w$]*)\b", code):
                obj, name = m.group(1), m.group(2)
                if not ident_ok(name, lang) or name in own or len(definers.get(name, ())) > 3:
                    continue
                src = None
                if obj:
                    if obj in modules and obj not in ("self", "this"):
                        src = modules[obj]
                    else:
                        continue
                else:
                    if m.start() > 0 and code[:m.start(2)].rstrip().endswith("."):
                        continue
                    if name in names:
                        src = names[name]
                    elif name in modules and name in defs_by_file.get(modules[name], {}):
                        src = modules[name]  # var preferredCharsets = require('./lib/charset')
                    elif lang == "python" and stars and name not in bound:
                        src = next((f for f in stars if name in defs_by_file.get(f, {})), None)
                        if src is None:
                            continue
                    else:
                        continue
                    if lang != "python" and re.search(JS_ANY_BIND.format(re.escape(name)), no_imports):
                        continue  # shadowed (a parameter or local of the same name)
                    if lang == "python" and name in bound:
                        continue
                # where is it defined?
                others = [f for f in definers.get(name, ()) if f != rel]
                if src in others:
                    d = src
                elif len(others) == 1:
                    d = others[0]
                else:
                    continue
                recent = "\n".join(lines[max(0, i - RECENT_LINES): i])
                tier = 1 if re.search(r"(?<![\w$])%s(?![\w$])" % re.escape(name), recent) else 0
                key = (tier, -len(name))
                if best is None or key < best[0]:
                    best = (key, name, d)
            if best is None:
                continue
            (tier, _), name, d = best
            pre = "\n".join(lines[:i]) + "\n"
            suf = "\n" + "\n".join(lines[i + 1:])
            rec = {"path": rel, "prefix": cut_prefix(pre), "suffix": cut_suffix(suf), "middle": line,
                   "package": pkg, "lang": lang, "identifier": name, "defined_in": d}
            out.append((rec, tier, imported_files, defs_by_file[d][name]))
    return out


def context_files(rec, imported, def_line, texts, rng, budget):
    rel, d = rec["path"], rec["defined_in"]
    dtext = texts[d]
    chosen = [{"path": d, "text": window(dtext, line_offset(dtext, def_line))}]
    total = len(chosen[0]["text"])
    same_dir = [f for f in sorted(texts) if posixpath.dirname(f) == posixpath.dirname(rel)]
    rest = sorted(texts)
    rng.shuffle(same_dir)
    rng.shuffle(rest)
    for f in list(dict.fromkeys(imported + same_dir + rest)):
        if len(chosen) >= MAX_CONTEXT_FILES:
            break
        if f in (rel, d) or f not in texts:
            continue
        t = window(texts[f], 0)
        if total + len(t) > budget:
            continue
        chosen.append({"path": f, "text": t})
        total += len(t)
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default="tools/model/work")
    ap.add_argument("--out", default="models/lens-coder/eval/repo.jsonl")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--py-max-per-package", type=int, default=20,
                    help="Python records per package (JS/TS packages get 25); keeps JS/TS >= ~40%%")
    ap.add_argument("--files-budget", type=int, default=30000,
                    help="characters of files[] per record in all (each file is capped at 12000)")
    args = ap.parse_args()
    records = []
    seen_text = set()
    for pkg, origin, files, bare in sorted(test_packages(args.work), key=lambda p: p[0]):
        texts, context_only = load_files(files)
        # a file identical to one of an earlier test package (a vendored copy) is not reused
        for rel in sorted(texts):
            h = hashlib.sha1(texts[rel].encode()).hexdigest()
            if h in seen_text:
                del texts[rel]
            else:
                seen_text.add(h)
        if len(texts) < 2:
            continue
        cands = candidates(pkg, texts, resolve_bare(bare, texts), context_only)
        rng = random.Random(f"{args.seed}:{pkg}")
        rng.shuffle(cands)
        cands.sort(key=lambda c: c[1])  # tier 0 first, random within a tier
        per_file, picked, taken = Counter(), [], set()
        # tier 0 before tier 1; within a tier at most 2 per file first, then up to the per-file cap
        quota = args.py_max_per_package if origin != "npm" else MAX_PER_PACKAGE
        for tier in (0, 1):
            for cap in (2, MAX_PER_FILE):
                for k, c in enumerate(cands):
                    if len(picked) >= quota:
                        break
                    if c[1] != tier or k in taken or per_file[c[0]["path"]] >= cap:
                        continue
                    picked.append(c)
                    taken.add(k)
                    per_file[c[0]["path"]] += 1
        picked.sort(key=lambda c: (c[0]["path"], len(c[0]["prefix"])))
        for rec, _tier, imported, def_line in picked:
            files_ = context_files(rec, imported, def_line, texts, rng, args.files_budget)
            records.append({"files": files_, **rec})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    by_pkg = Counter((r["package"], r["lang"]) for r in records)
    by_lang = Counter(r["lang"] for r in records)
    for (p, l), n in sorted(by_pkg.items()):
        print(f"  {p:40s} {l:11s} {n}")
    print("by language:", dict(sorted(by_lang.items())))
    print(f"{len(records)} records -> {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()

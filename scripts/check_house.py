#!/usr/bin/env python3
"""House rules the compiler does not check: no Rust file over 400 lines (generated ones
excepted: their first line says `// @generated`), and no import
circle between files. A file's imports are every `crate::`, `super::` and `self::` path
it names (in `use` lines, grouped or not, and inline); a path resolves to the deepest
module file it reaches. A module naming its own submodules is the module tree, not an
import, so those edges are left out. Prints each breach; exits 1 if there is any."""

import re
import sys
from pathlib import Path

MAX_LINES = 400
ROOT = Path(__file__).resolve().parent.parent
# Crate roots: the library, and each binary that has modules of its own.
CRATES = [ROOT / "src" / "lib.rs", ROOT / "src" / "bin" / "cli" / "main.rs", ROOT / "crates" / "fma-product" / "src" / "lib.rs"]


def modules(root: Path) -> dict[tuple[str, ...], Path]:
    """Module path -> file, for every file reachable from a crate root by `mod` lines."""
    found = {(): root}
    stack = [((), root)]
    while stack:
        path, file = stack.pop()
        folder = file.parent if file.name in ("lib.rs", "main.rs", "mod.rs") else file.with_suffix("")
        for name in re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", file.read_text(), re.M):
            for child in (folder / f"{name}.rs", folder / name / "mod.rs"):
                if child.exists():
                    found[path + (name,)] = child
                    stack.append((path + (name,), child))
    return found


def expand(text: str) -> list[str]:
    """Every path a file names, `use a::{b, c::d}` groups expanded."""
    paths = []
    for start, group in re.findall(r"\b((?:crate|super|self)(?:::\w+)*)::\{([^;]*?)\}\s*;", text, re.S):
        depth, item, items = 0, "", []
        for ch in group + ",":
            if ch == "," and depth == 0:
                items.append(item.strip())
                item = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            item += ch
        for item in filter(None, items):
            paths.extend(expand(f"{start}::{item};") if "{" in item else [f"{start}::{item.split(' as ')[0]}"])
    paths += re.findall(r"\b(?:crate|super|self)(?:::\w+)+", text)
    return paths


def resolve(path: str, here: tuple[str, ...], known) -> tuple[str, ...]:
    """The deepest module `path` reaches, named from module `here`."""
    parts = path.split("::")
    base = list(here)
    if parts[0] == "crate":
        base, parts = [], parts[1:]
    elif parts[0] == "self":
        parts = parts[1:]
    while parts and parts[0] == "super":
        base = base[:-1]
        parts = parts[1:]
    target = tuple(base)
    for part in parts:
        if target + (part,) not in known:
            break
        target += (part,)
    return target


def main() -> int:
    problems = []
    for rs in sorted([*(ROOT / "src").rglob("*.rs"), *(ROOT / "crates").rglob("*.rs")]):
        text = rs.read_text()
        # Generated code (its first line says so) is read by tools, not people.
        if text.startswith("// @generated"):
            continue
        lines = len(text.splitlines())
        if lines > MAX_LINES:
            problems.append(f"{rs.relative_to(ROOT)}: {lines} lines (at most {MAX_LINES})")
    for root in CRATES:
        known = modules(root)
        edges: dict[tuple, set] = {m: set() for m in known}
        for module, file in known.items():
            text = re.sub(r"//[^\n]*", "", file.read_text())
            for path in expand(text):
                target = resolve(path, module, known)
                if target[: len(module)] == module:
                    continue
                edges[module].add(target)
        problems += [f"import circle: {' -> '.join('::'.join(m) or 'crate' for m in c)}" for c in circles(edges, known)]
    for problem in problems:
        print(problem)
    print(f"house: {'clean' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def circles(edges, known):
    """Each strongly connected set of two or more modules, as a loop through them."""
    index, low, on, stack, found, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group) + [sorted(group)[0]])

    sys.setrecursionlimit(10000)
    for v in list(known):
        if v not in index:
            visit(v)
    return found


if __name__ == "__main__":
    sys.exit(main())

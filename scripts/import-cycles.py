#!/usr/bin/env python3
"""Fails when a crate of the workspace has an import cycle between its source files, or
between its folders (a folder depends on another when one of its files imports from it).

Imports are read from `use crate::…` and `super::…` paths (braced groups included), each
resolved to the longest module path that is a file; test modules at the end of a file are
left out. `patches/` (vendored upstream code) is not ours to arrange.

    python3 scripts/import-cycles.py [WORKSPACE]
"""
import os
import re
import sys

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)(?:::\{([^}]*)\})?")
TESTS = re.compile(r"#\[cfg\(test\)\]\s*mod tests \{.*", re.S)


def module_of(src, path):
    parts = os.path.relpath(path, src)[:-3].split("/")
    return tuple(parts[:-1] if parts[-1] in ("mod", "lib", "main") else parts)


def is_folder_module(path):
    return os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs")


def imports(src):
    files = [os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(".rs")]
    modules = {module_of(src, f): f for f in files}

    def resolve(path):
        for n in range(len(path), 0, -1):
            if tuple(path[:n]) in modules:
                return tuple(path[:n])
        return None

    graph = {}
    for module, path in modules.items():
        text = TESTS.sub("", open(path, encoding="utf-8").read())
        here = set()
        for m in PATH.finditer(text):
            if m.group(1) == "super":
                base = list(module[:-1])
            else:
                base = []
            head = base + [p for p in m.group(2).split("::") if p]
            targets = [head]
            for item in (m.group(3) or "").split(","):
                item = item.strip().split(" as ")[0]
                if item and item != "self":
                    targets.append(head + item.split("::"))
            here.update(t for t in map(resolve, targets) if t and t != module)
        graph[module] = here
    return modules, graph


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = []
    for d, dirs, _ in os.walk(root):
        dirs[:] = [x for x in dirs if x not in ("target", ".git", "patches", "node_modules")]
        if os.path.basename(d) != "src" or not os.path.isfile(os.path.join(d, "..", "Cargo.toml")):
            continue
        modules, graph = imports(d)
        for component in cycles(graph):
            problems.append(f"{d}: files {sorted('/'.join(m) for m in component)}")
        folder = {m: (m if is_folder_module(f) else m[:-1]) for m, f in modules.items()}
        folders = {}
        for a, targets in graph.items():
            for b in targets:
                fa, fb = folder[a], folder[b]
                # A folder and the folders inside it are one tree, not two.
                if fa[: len(fb)] != fb and fb[: len(fa)] != fa:
                    folders.setdefault(fa, set()).add(fb)
        for component in cycles(folders):
            problems.append(f"{d}: folders {sorted('/'.join(m) or '.' for m in component)}")
    for problem in problems:
        print("import cycle in", problem)
    print(f"{len(problems)} import cycles")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

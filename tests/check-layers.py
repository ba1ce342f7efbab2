#!/usr/bin/env python3
"""The dependency rule of core/, read off the #include lines.

core/ is in folders by concern, and dependencies point one way:

    base <- model <- io <- analysis <- map <- plot

A file may include headers of its own folder and of the folders before
it, never after.  Every project header is named with its folder
("io/emb-dataset.h"), so the rule can be read off the include lines.
core/ includes no GTK header.

Inside io/ the same rule holds between groups of files, named by their
file names:

    source <- readers <- formats <- dataset

the byte source and what every reader shares (emb-source, emb-parse,
emb-text-encoding, emb-tensors, emb-tensor-read), the readers (emb-reader*), the one format
table (emb-formats), and the dataset put together (emb-dataset*).  So a
reader never includes io/emb-dataset.h nor the format table: it returns
its own result.  Every io file belongs to a group.

In ui/, the panels (ui/panels/) are widgets of their own: they never
include the window's headers (emb-window*.h), and talk to it only
through their properties and signals.

Prints every breach and exits 1 when there is one.

Usage: check-layers.py SOURCE_ROOT
"""
import os
import re
import sys

ORDER = ["base", "model", "io", "analysis", "map", "plot"]
GTK = re.compile(r"^(gtk|gdk|gsk|adwaita)/")
# io/'s groups, in dependency order: (name, file-name prefixes).
IO_GROUPS = [
    ("source", ("emb-source.", "emb-parse.", "emb-text-encoding.", "emb-tensors.",
                "emb-tensor-read.")),
    ("readers", ("emb-reader",)),
    ("formats", ("emb-formats.",)),
    ("dataset", ("emb-dataset",)),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def core_files(core):
    for folder in sorted(os.listdir(core)):
        path = os.path.join(core, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")):
                yield folder, os.path.join(path, name)


def io_group(name):
    """The rank of an io/ file's group, or None."""
    for rank, (_, prefixes) in enumerate(IO_GROUPS):
        if name.startswith(prefixes):
            return rank
    return None


def io_breach(where, path, target):
    """A breach of io/'s inner order by path including target, or None."""
    mine = io_group(os.path.basename(path))
    theirs = io_group(target.split("/", 1)[1])
    if theirs is None:
        return f'{where}: "{target}" is in none of io/\'s groups'
    if theirs > mine:
        order = " <- ".join(g for g, _ in IO_GROUPS)
        return (f"{where}: io/ {IO_GROUPS[mine][0]} may not include io/ "
                f'{IO_GROUPS[theirs][0]} ("{target}"): inside io/, {order}')
    return None


def breaches(root):
    core = os.path.join(root, "core")
    out = []
    loose = [n for n in os.listdir(core) if n.endswith((".c", ".h"))]
    for name in sorted(loose):
        out.append(f"core/{name}: every source belongs in a folder of core/")
    for folder, path in core_files(core):
        rel = os.path.relpath(path, root)
        if folder not in ORDER:
            out.append(f"{rel}: core/{folder} is not one of the layers {ORDER}")
            continue
        rank = ORDER.index(folder)
        if folder == "io" and io_group(os.path.basename(path)) is None:
            out.append(f"{rel}: in none of io/'s groups "
                       f"({', '.join(g for g, _ in IO_GROUPS)}): name it for one")
            continue
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, target = m.groups()
                where = f"{rel}:{lineno}"
                if GTK.match(target):
                    out.append(f"{where}: core includes no GTK header ({target})")
                if kind != '"' or target == "config.h":
                    continue
                layer = target.split("/")[0] if "/" in target else None
                if layer not in ORDER:
                    out.append(f'{where}: "{target}" should name its folder in core/')
                elif ORDER.index(layer) > rank:
                    out.append(f'{where}: {folder}/ may not include {layer}/ ("{target}"): '
                               f"dependencies point {' <- '.join(ORDER)}")
                elif folder == "io" and layer == "io":
                    found = io_breach(where, path, target)
                    if found:
                        out.append(found)
    return out


def ui_breaches(root):
    """Panels that include the window's headers."""
    out = []
    panels = os.path.join(root, "ui", "panels")
    if not os.path.isdir(panels):
        return out
    for name in sorted(os.listdir(panels)):
        if not name.endswith((".c", ".h")):
            continue
        path = os.path.join(panels, name)
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m and os.path.basename(m.group(2)).startswith("emb-window"):
                    out.append(f"{os.path.relpath(path, root)}:{lineno}: a panel never includes "
                               f'the window\'s headers ("{m.group(2)}")')
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    found = breaches(root) + ui_breaches(root)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} breach(es) of the layering rule")
        return 1
    print("layering rule holds:", " <- ".join(ORDER),
          "; inside io/:", " <- ".join(g for g, _ in IO_GROUPS))
    return 0


if __name__ == "__main__":
    sys.exit(main())

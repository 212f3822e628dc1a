"""Which versions of libraries are installed, without importing them (importlib.metadata
costs a process 80 ms): the names of their dist-info folders, found where each library
itself is installed. For digests that an upgrade must change."""

import importlib.util
import os
from pathlib import Path


def dist_infos(libraries: dict[str, str]) -> list[str]:
    """{distribution name as in its dist-info folder: the module it installs} -> the
    dist-info folder names (they carry the versions) of those installed."""
    sites = set()
    for module in libraries.values():
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            sites.add(Path(spec.origin).parent.parent)
    found = []
    for site in sorted(sites):
        for entry in sorted(os.listdir(site)):
            if entry.endswith(".dist-info") and entry.split("-")[0].lower() in libraries:
                found.append(entry)
    return found

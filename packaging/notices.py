"""Write the third-party notices for a bundle: every installed distribution with its version, licence and
licence texts, read from the environment the bundle is built from (so it lists exactly what ships).

    python packaging/notices.py OUTPUT.txt      (run with the bundle venv's python)
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

LICENSE_NAMES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")
NOT_SHIPPED = {"pip", "setuptools", "wheel"}  # installers in the build venv, not in the bundle


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return ", ".join(classifiers)
    text = str(meta.get("License") or "").strip()
    return text.splitlines()[0] if text else "UNKNOWN (see the package)"


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    texts = []
    for file in dist.files or []:
        name = Path(str(file)).name.upper()
        in_licenses = "licenses" in Path(str(file)).parts or "license_files" in Path(str(file)).parts
        if in_licenses or any(name.startswith(prefix) for prefix in LICENSE_NAMES):
            if name.endswith((".PY", ".PYC")):
                continue
            try:
                texts.append((str(file), Path(str(file.locate())).read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    return texts


def notices() -> str:
    dists = {d.metadata["Name"]: d for d in metadata.distributions() if d.metadata["Name"]}
    parts = ["Third-party software in this Dialer bundle", "=" * 43, ""]
    for name in sorted(dists, key=str.lower):
        if name.lower() in NOT_SHIPPED:
            continue
        dist = dists[name]
        parts += [f"{name} {dist.version}", f"Licence: {licence_of(dist)}"]
        for path, text in licence_texts(dist):
            parts += [f"--- {path} ---", text.strip(), ""]
        parts.append("")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    Path(argv[0]).parent.mkdir(parents=True, exist_ok=True)
    Path(argv[0]).write_text(notices(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

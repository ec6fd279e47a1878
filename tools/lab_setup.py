"""Set up JupyterLab for a learner so that running notebooks never writes into the git-tracked course files.

``make lab`` runs this before starting JupyterLab. It does two things, the way course repositories usually
keep their tracked notebooks clean:

1. **Learners work on copies.** Every notebook of ``notebooks/`` is copied into ``my-notebooks/`` (ignored by
   git) when the copy does not exist yet; a copy that exists is never overwritten, so a learner's answers and
   outputs survive ``git pull`` and the next ``make lab``. JupyterLab is then started with ``my-notebooks/``
   as its root, so the tracked originals are not even in its file browser. When an original has changed
   since the copy was made, this script says so (delete or rename the copy to get the new version).
2. **Autosave is off** for this JupyterLab (``deploy/lab/overrides.json``, installed as the application's
   ``settings/overrides.json`` in the environment, so it applies to this environment only): "Run All" no
   longer writes outputs into a notebook until the learner saves it.

    python tools/lab_setup.py [--prefix PREFIX] [--source notebooks] [--dest my-notebooks]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = ROOT / "deploy" / "lab" / "overrides.json"
SOURCE = ROOT / "notebooks"
DEST = ROOT / "my-notebooks"


def overrides_path(prefix: str | Path = sys.prefix) -> Path:
    """Where JupyterLab reads setting overrides for the environment at ``prefix`` (its application directory's
    ``settings/overrides.json``)."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install_overrides(prefix: str | Path = sys.prefix) -> Path:
    """Merge painkit's overrides into the environment's ``overrides.json`` (other settings there are kept)."""
    target = overrides_path(prefix)
    ours = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    try:
        current = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    if not isinstance(current, dict):
        current = {}
    for plugin, settings in ours.items():
        current[plugin] = {**current.get(plugin, {}), **settings}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return target


def learner_copies(source: Path = SOURCE, dest: Path = DEST) -> tuple[list[Path], list[Path]]:
    """Copy each notebook of ``source`` (subfolders included) into ``dest`` unless a copy exists; return
    (copied, originals changed since the learner's copy). Existing copies are never touched."""
    copied, changed = [], []
    for original in sorted(source.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in original.parts:
            continue
        copy = dest / original.relative_to(source)
        if copy.exists():
            if original.stat().st_mtime > copy.stat().st_mtime and original.read_bytes() != copy.read_bytes():
                changed.append(copy)
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(original, copy)
        copied.append(copy)
    return copied, changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=sys.prefix, help="environment to configure (default: this Python's)")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the course notebooks (default: notebooks/)")
    parser.add_argument("--dest", type=Path, default=DEST, help="the learner's copies (default: my-notebooks/)")
    args = parser.parse_args(argv)
    target = install_overrides(args.prefix)
    copied, changed = learner_copies(args.source, args.dest)
    print(f"JupyterLab autosave is off ({target}); save with Ctrl+S when you want to keep your work.")
    print(f"Your notebooks are copies in {args.dest}/ ({len(copied)} new); the course's originals stay untouched.")
    for copy in changed:
        print(f"  the course has a newer {copy.relative_to(args.dest)}: delete or rename your copy to get it")
    return 0


if __name__ == "__main__":
    sys.exit(main())

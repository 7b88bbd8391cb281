"""Memory of decoding one huge upload in the demo (``demo.convert.load_image``), each case in a fresh process.

    python benchmarks/upload_memory.py --dir /tmp/uploads             # this checkout
    python benchmarks/upload_memory.py --dir /tmp/uploads --rev d84069d  # the same code at a git revision

Makes a 9000x9000 JPEG and a 13500x13500 PNG once (smooth content; decode memory does not depend on it),
then for each prints RSS before the call, the peak during it (VmHWM), RSS after it with the image still
held, and RSS after dropping it, in MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CASES = {"9000x9000.jpg": (9000, 9000), "13500x13500.png": (13500, 13500)}


def _make(path: Path, w: int, h: int) -> None:
    import numpy as np
    import PIL.Image

    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    rgb = np.stack([np.broadcast_to(x, (h, w)), np.broadcast_to(y, (h, w)), (x + y) / 2 % 256], -1).astype(np.uint8)
    im = PIL.Image.fromarray(rgb)
    del rgb
    im.save(path, quality=90) if path.suffix == ".jpg" else im.save(path, compress_level=1)


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def _measure(path: str, rev: str | None) -> dict:
    import gc
    import importlib.util

    import PIL.Image  # noqa: F401 - imported before the baseline

    import demo  # noqa: F401 - the package (it imports gradio) is loaded in both modes before the baseline

    if rev:  # the revision's revision/io.py and demo/convert.py, loaded from git in place of this checkout's
        for name, file in (("revision.io", "revision/io.py"), ("demo_convert_rev", "demo/convert.py")):
            src = subprocess.run(["git", "show", f"{rev}:{file}"], capture_output=True, text=True, check=True).stdout
            spec = importlib.util.spec_from_loader(name, loader=None)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            exec(compile(src, f"{rev}:{file}", "exec"), mod.__dict__)
        convert = sys.modules["demo_convert_rev"]
    else:
        import demo.convert as convert
    gc.collect()
    before = _status("VmRSS")
    image, notes = convert.load_image(path)
    held, peak = _status("VmRSS"), _status("VmHWM")
    size = image.size
    del image
    gc.collect()
    return {"before": before, "peak": peak, "after_held": held, "after_drop": _status("VmRSS"), "size": size,
            "notes": notes}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=Path("/tmp/uploads"), help="where the test images are made/kept")
    p.add_argument("--rev", default=None, help="measure the code of this git revision instead of the checkout")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one file in this process
    args = p.parse_args()
    if args.one:
        print(json.dumps(_measure(args.one, args.rev)))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, (w, h) in CASES.items():
        if not (args.dir / name).exists():
            subprocess.run([sys.executable, "-c", f"from benchmarks.upload_memory import _make; from pathlib import "
                            f"Path; _make(Path({str(args.dir / name)!r}), {w}, {h})"], check=True)  # fmt: skip
    print(f"code: {args.rev or 'checkout'}")
    print(f"{'file':18} {'before':>8} {'peak':>8} {'held':>8} {'dropped':>8}  decoded size (MB RSS)")
    for name in CASES:
        cmd = [sys.executable, "-m", "benchmarks.upload_memory", "--one", str(args.dir / name)]
        out = subprocess.run(cmd + (["--rev", args.rev] if args.rev else []), capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:18} {r['before']:8.0f} {r['peak']:8.0f} {r['after_held']:8.0f} {r['after_drop']:8.0f}  "
              f"{r['size'][0]}x{r['size'][1]}")  # fmt: skip


if __name__ == "__main__":
    main()

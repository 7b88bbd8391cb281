"""Benchmark inputs: images from a folder, prompts from a file or the image names, one seed per image."""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
_ID_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class InputItem:
    input_id: str  # the image stem made id-safe (user_study's ID rule)
    image: Path
    prompt: str
    seed: int  # same for every model (derived from the id and the base seed, so it survives resume/sharding)


def input_id(stem: str) -> str:
    s = _ID_BAD.sub("_", stem).strip("_.-")[:128]
    if not s:
        raise ValueError(f"cannot make an id from the image name {stem!r}")
    return s


def item_seed(iid: str, base_seed: int) -> int:
    return (base_seed + zlib.crc32(iid.encode())) % (2**31)


def read_prompts(spec: str | Path) -> dict[str, str]:
    """``.json`` ({stem: prompt} or [{"image", "prompt"}]), ``.jsonl`` (objects with image, prompt), or text
    lines ``stem<TAB>prompt``. Keys are image stems (file names are reduced to their stem)."""
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(f"prompts file not found: {path} (or use --prompts suite)")
    text = path.read_text()
    if path.suffix == ".json":
        data = json.loads(text)
        pairs = data.items() if isinstance(data, dict) else ((d["image"], d["prompt"]) for d in data)
    elif path.suffix == ".jsonl":
        pairs = ((d["image"], d["prompt"]) for d in map(json.loads, filter(str.strip, text.splitlines())))
    else:
        pairs = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" not in line:
                raise ValueError(f"{path}:{n}: expected `image<TAB>prompt`")
            pairs.append(tuple(line.split("\t", 1)))
    return {Path(k).stem: str(v).strip() for k, v in pairs}


def load_inputs(images: str | Path, prompts: str, base_seed: int = 0, limit: int | None = None) -> list[InputItem]:
    """Every image of ``images`` (sorted) with its prompt. ``prompts="suite"``: the prompt is the file name
    (VBench-I2V's image suite names each image by its prompt); otherwise a prompts file (see
    :func:`read_prompts`), which must cover every image."""
    folder = Path(images)
    if not folder.is_dir():
        raise FileNotFoundError(f"images folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    table = None if prompts == "suite" else read_prompts(prompts)
    if table is not None:
        missing = [p.name for p in files if p.stem not in table]
        if missing:
            raise ValueError(f"no prompt for {len(missing)} image(s): {', '.join(missing[:5])}")
    items, seen = [], set()
    for p in files[:limit]:
        iid = input_id(p.stem)
        if iid in seen:
            raise ValueError(f"two images map to the id {iid!r}; rename one")
        seen.add(iid)
        prompt = table[p.stem] if table is not None else p.stem.replace("_", " ")
        items.append(InputItem(iid, p, prompt, item_seed(iid, base_seed)))
    return items

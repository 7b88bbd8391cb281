"""Runs INSIDE the vbench virtual environment (numpy<2, transformers 4.33.2): never import it from ours.

Reads a JSON request on stdin, runs ``vbench.VBench.evaluate(mode="custom_input")`` and writes one JSON
object to the file named in the request. Only the standard library and ``vbench`` are imported here.
Request: {"videos_dir", "dimensions": [...], "device", "output_dir", "name", "prompts": {file: prompt}}.
"""

import json
import os
import sys


def _to_builtin(x):
    if isinstance(x, dict):
        return {str(k): _to_builtin(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_to_builtin(v) for v in x]
    if hasattr(x, "item"):  # numpy / torch scalars
        return x.item()
    return x


def main() -> int:
    req = json.load(sys.stdin)
    from vbench import VBench

    full_info = os.path.join(os.path.dirname(__import__("vbench").__file__), "VBench_full_info.json")
    bench = VBench(req["device"], full_info, req["output_dir"])
    kwargs = {"prompt_list": req["prompts"]} if req.get("prompts") else {}
    bench.evaluate(videos_path=req["videos_dir"], name=req["name"], dimension_list=req["dimensions"],
                   local=True, mode="custom_input", **kwargs)
    with open(os.path.join(req["output_dir"], req["name"] + "_eval_results.json")) as f:
        results = json.load(f)
    with open(req["result_file"], "w") as f:
        json.dump(_to_builtin(results), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

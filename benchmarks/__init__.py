"""Speed/memory benchmarks: run from the repo root as `python -m benchmarks.<name> --help`."""

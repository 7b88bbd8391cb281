"""Benchmark runner: ReVision vs SVD-XT-1.1 vs HunyuanVideo-I2V on the same inputs and seeds."""

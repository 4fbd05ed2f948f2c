"""Benchmarks (`make bench`, `make bench-smoke`): how fast mineflow is, and how its cost grows, each figure a ratio
against a baseline measured in the same run on the same machine."""

"""Benchmarks: the real server in its own process, loaded over 127.0.0.1 from this one, each
figure next to a baseline measured in the same run. `python -m bench --help`."""

"""Parity and latency benchmarks (imported as ``ugatit_deploy.benchmarks``)."""

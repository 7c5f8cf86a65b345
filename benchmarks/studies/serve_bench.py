"""Serving throughput and latency: `ugatit-deploy serve` (Triton) against direct in-process calls.

    python benchmarks/studies/serve_bench.py --model MODEL_int8-cpu.onnx --backend onnxruntime-cpu --out serve.json

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.serve_bench``.
"""

from ugatit_deploy.benchmarks.studies.serve_bench import main

if __name__ == "__main__":
    main()

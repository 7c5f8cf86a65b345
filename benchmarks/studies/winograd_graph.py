"""Winograd F(2x2) / F(4x4) graph forms vs a direct 3x3 Conv, on ONNX Runtime and OpenVINO.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/studies/winograd_graph.py --threads 2 --out winograd_graph_form.json

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.winograd_graph``.
"""

from ugatit_deploy.benchmarks.studies.winograd_graph import main

if __name__ == "__main__":
    main()

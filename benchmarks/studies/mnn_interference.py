"""What slows MNN down: alone, after another runtime's run in the same process, beside a busy process.

    python benchmarks/studies/mnn_interference.py --mnn MODEL.mnn --onnx MODEL_fp32.onnx --out mnn.json

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.mnn_interference``.
"""

from ugatit_deploy.benchmarks.studies.mnn_interference import main

if __name__ == "__main__":
    main()

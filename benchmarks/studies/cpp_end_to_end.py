"""The C++ runner against `ugatit-deploy infer`, end to end, each run a fresh process.

    python benchmarks/studies/cpp_end_to_end.py --build build/cpp --model MODEL_fp32.onnx --images 20 --out e2e.json

See ``--help``; the code lives in ``ugatit_deploy.benchmarks.studies.cpp_end_to_end``.
"""

from ugatit_deploy.benchmarks.studies.cpp_end_to_end import main

if __name__ == "__main__":
    main()

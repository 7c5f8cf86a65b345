"""Studies: one-off measurements behind the numbers the docs quote, each written to a JSON record.

Each module has ``main(argv)`` (argparse, ``--help``) and a thin script in ``benchmarks/studies/``; all time
with ``benchmarks.latency`` and record the machine with ``benchmarks.machine.machine_record`` (where they
record one). This package sits above ``benchmarks``, ``inference`` and ``serving`` and below ``cli``; nothing
else in the package imports it.

- ``winograd_graph``: the generator's dominant 3x3 layer as a direct Conv and as Winograd F(2x2) / F(4x4) graph
  forms, on ONNX Runtime and OpenVINO.
- ``ncnn_layer_profile``: where an ncnn model spends its time, each Convolution's share timed from outside.
- ``cpp_end_to_end``: the C++ runner against ``ugatit-deploy infer``, fresh processes end to end.
- ``serve_bench``: ``ugatit-deploy serve`` (Triton) against direct in-process calls, at several concurrencies.
- ``export_graph_report``: node counts and op histograms of the exported generator (naive vs AdaILN pattern).
- ``train_throughput``: training iterations/s of the official step, on CPU and (when present) CUDA.
- ``face_detection``: the face detector on the training selfies and on small faces in photo mosaics, and the
  framing (eyes' place and distance) ``inference.face_align`` aligns to.
- ``real_inputs``: faces/s through ``infer --faces`` and frames/s through a video, with the built-in model.
"""

"""The contracts every other part shares, defined once; this package imports nothing above it.

``errors`` (user-mistake exceptions), ``fileio`` (atomic writes, hashes), ``optional`` (lazy imports of
optional runtimes, CUDA), ``imaging`` (pre/post-processing), ``heatmap`` (CAM heatmaps as images),
``parity`` (the typed ``ImageParity`` of images against the reference), ``gates`` (pass criteria judged on
it), ``precisions`` (the precision list and the ``--gate`` spec), ``artifacts`` (file naming),
``onnx_contract`` (graph I/O, layer names, the ``ugatit`` norm functions), ``jsonrecord`` + ``metadata``
(the typed sidecar record), ``reference_images`` + ``shapes`` (the images parity is judged on).
"""

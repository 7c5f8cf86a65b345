"""Serving the generator from a real Triton Inference Server (``ugatit-deploy serve``) and its client.

- ``triton_runtime``: where the ``tritonserver`` binary and its Python backend come from, and the environment
  they need;
- ``repository``: the model repository of one served model (config.pbtxt + the Python model), and of its faces
  model with ``serve --faces``;
- ``triton_model``: the Python-backend model that runs any of the project's runners, with its input checks;
- ``triton_faces_model``: the Python-backend model that runs the face pipeline on an image file's bytes;
- ``checks``: those input checks, on plain arrays;
- ``server``: the server process (start, readiness, graceful stop);
- ``client``: image files in, translated PNGs out, through a running server.
"""

"""Checkpoint to ONNX / TensorRT export (imported as ``ugatit_deploy.export``)."""

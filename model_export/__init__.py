"""meiyan model pipeline: MediaPipe .tflite -> PyTorch -> ONNX fp32 -> ONNX int8.

Run ``python -m model_export build`` to rebuild ``models/`` and
``python -m model_export eval`` for the accuracy table and contact sheet.
Needs the ``export`` extra (torch, onnx, onnxruntime, ai-edge-litert).
"""

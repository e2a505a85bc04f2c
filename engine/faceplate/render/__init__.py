"""Stage 8 building blocks: colour transfer, masks in plate space, paste-back, the comp layer.

Rendering never imports torch: the generator runs through onnxruntime (faceplate.runtime).
"""

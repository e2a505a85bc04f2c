"""Stage 7a: trained generator -> ONNX with metadata, checked against PyTorch at export."""

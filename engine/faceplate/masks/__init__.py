"""Face masks: landmark masks (always available) and the learned segmentation model."""

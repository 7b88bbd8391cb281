"""video_model."""

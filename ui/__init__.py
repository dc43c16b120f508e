"""The Qt desktop app over the core in `desk`."""

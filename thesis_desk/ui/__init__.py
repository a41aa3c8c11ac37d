"""The Qt shell: windows, views, forms. Calls core services; never runs SQL."""

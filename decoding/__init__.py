"""Task extraction: the parse data model, the extractor model and its decoders.

Nothing here reaches the network or changes the process: weights load with `local_files_only=True` from the
encoder package or a checkpoint folder, and no environment variable is set on import.
"""

"""Task extraction: the parse data model, the extractor model and its decoders.

Nothing here may reach the network: the hub is switched off before transformers is imported, and
torch.compile (which outlines-core's mask kernel uses) is disabled because its first CPU call costs seconds.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TORCH_COMPILE_DISABLE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

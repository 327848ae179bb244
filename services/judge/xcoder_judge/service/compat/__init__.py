"""Request and response models of other judges' APIs, translated to and from ours (no I/O here)."""

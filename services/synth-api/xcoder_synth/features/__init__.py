"""Feature trees: extraction from seeds, evolution, merging and subtree sampling."""

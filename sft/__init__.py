"""SFT recipe: data converters for ms-swift and the `train_sft.sh` launcher (see docs/recipes.md)."""

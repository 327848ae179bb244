import warnings

warnings.warn("careful")
warnings.warn("old api", DeprecationWarning)
warnings.warn("pending", PendingDeprecationWarning)
print("done")

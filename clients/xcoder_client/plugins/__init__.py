"""Plugin files that training frameworks load by path (this folder holds nothing else on purpose:
ms-swift puts the plugin's folder first on sys.path, so siblings could shadow real modules)."""

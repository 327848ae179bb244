print(hash("xcoder"), hash(b"xcoder"), list({"a", "b", "c", "d", "e", "f", "g", "h"}))

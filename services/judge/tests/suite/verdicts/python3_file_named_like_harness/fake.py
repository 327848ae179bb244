raise SystemExit("a replaced harness")

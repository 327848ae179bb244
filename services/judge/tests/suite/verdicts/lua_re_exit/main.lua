print(3)
os.exit(3)

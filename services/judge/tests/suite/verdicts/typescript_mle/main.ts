const keep: Buffer[] = [];
while (true) {
  keep.push(Buffer.alloc(16 << 20, 1));
}

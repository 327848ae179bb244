const keep = [];
while (true) {
  keep.push(Buffer.alloc(16 << 20, 1));
}

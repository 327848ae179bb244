let x: number = 0;
while (true) {
  x++;
}

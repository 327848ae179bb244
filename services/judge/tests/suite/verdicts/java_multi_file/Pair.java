class Pair {
    final long a, b;

    Pair(long a, long b) {
        this.a = a;
        this.b = b;
    }
}

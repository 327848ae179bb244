public class Adder {
    public static long add(Pair p) {
        return p.a + p.b;
    }
}

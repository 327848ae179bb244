public class Main {
    public static void main(String[] args) {
        long x = 0;
        while (true) {
            x++;
            if (x == Long.MIN_VALUE) System.out.println(x);
        }
    }
}

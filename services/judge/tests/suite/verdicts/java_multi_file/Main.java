import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        Pair p = new Pair(in.nextLong(), in.nextLong());
        System.out.println(Adder.add(p));
    }
}

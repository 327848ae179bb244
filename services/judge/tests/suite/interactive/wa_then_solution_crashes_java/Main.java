import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        System.out.println("! 5");  // wrong: the interactor says WA and exits
        System.out.flush();
        sc.next();  // NoSuchElementException: the interactor has gone
    }
}

import java.util.Scanner;

// Codeforces accepts any public class name; the judge must find it.
public class Solution {
    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        System.out.println(sc.nextLong() + sc.nextLong());
    }
}

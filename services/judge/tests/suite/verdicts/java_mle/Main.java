import java.util.*;

public class Main {
    public static void main(String[] args) {
        List<long[]> keep = new ArrayList<>();
        while (true) {
            long[] block = new long[2 << 20];
            Arrays.fill(block, 1L);
            keep.add(block);
        }
    }
}

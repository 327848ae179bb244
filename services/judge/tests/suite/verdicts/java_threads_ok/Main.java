import java.util.*;
import java.util.concurrent.*;

// A legitimate multi-threaded program: four workers sum a range; must be accepted
// within the default process limit (the JVM's own threads count too).
public class Main {
    public static void main(String[] args) throws Exception {
        Scanner sc = new Scanner(System.in);
        long n = sc.nextLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> parts = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            final long lo = k * n / 4 + 1, hi = (k + 1) * n / 4;
            parts.add(pool.submit(() -> {
                long s = 0;
                for (long i = lo; i <= hi; i++) s += i;
                return s;
            }));
        }
        long total = 0;
        for (Future<Long> f : parts) total += f.get();
        pool.shutdown();
        System.out.println(total);
    }
}

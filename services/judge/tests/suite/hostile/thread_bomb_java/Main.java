public class Main {
    public static void main(String[] args) {
        int n = 0;
        try {
            while (n < 100000) {
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        // exit
                    }
                });
                t.setDaemon(true);
                t.start();
                n++;
            }
        } catch (Throwable e) {
            System.out.println("stopped: " + e.getClass().getSimpleName());
        }
        System.out.println("threads " + n);
        System.out.println(n < 1024 ? "contained" : "ESCAPED: more threads than the limit");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}

import java.lang.reflect.Field;

public class Main {
    public static void main(String[] args) throws Exception {
        System.out.println(3);
        System.out.flush();
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
        u.putAddress(0, 42);  // a fatal JVM error: the JVM aborts (SIGABRT)
    }
}

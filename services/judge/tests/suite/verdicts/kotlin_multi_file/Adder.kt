class Adder(private val base: Long) {
    fun plus(x: Long): Long = base + x
}

fun main() {
    val keep = ArrayList<ByteArray>()
    while (true) {
        val b = ByteArray(16 shl 20)
        b.fill(1)
        keep.add(b)
    }
}

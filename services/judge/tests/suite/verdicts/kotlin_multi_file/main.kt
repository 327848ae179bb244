fun main() {
    val (a, b) = readLine()!!.trim().split(" ").map { it.toLong() }
    println(Adder(a).plus(b))
}

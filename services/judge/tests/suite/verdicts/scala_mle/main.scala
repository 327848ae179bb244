object Main {
  def main(args: Array[String]): Unit = {
    val keep = scala.collection.mutable.ArrayBuffer[Array[Byte]]()
    while (true) {
      val b = new Array[Byte](16 << 20)
      java.util.Arrays.fill(b, 1.toByte)
      keep += b
    }
  }
}

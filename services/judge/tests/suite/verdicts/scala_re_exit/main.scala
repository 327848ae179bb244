object Main {
  def main(args: Array[String]): Unit = {
    println(3)
    sys.exit(3)
  }
}

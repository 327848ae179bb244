package main

func main() {
	var a []int
	println(a[3])
}

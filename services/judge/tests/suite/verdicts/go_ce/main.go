package main

import "fmt"

func main() {
	unused := 5
	fmt.Println("declared and not used is an error in Go")
}

package main

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	fmt.Println(3)
	// SIGKILL from the program itself: the judge must not mistake it for its own kill (TLE/MLE).
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
}

// Looks for marks a previous run left on the scratch file systems' metadata, then leaves its own
// (see the Python twin): chosen timestamps on /box, an mtime then an atime on /tmp and /dev/shm.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

func main() {
	found := false
	report := func(name string, carried bool) {
		found = found || carried
		if carried {
			fmt.Printf("%s: ALLOWED\n", name)
		} else {
			fmt.Printf("%s: blocked (fresh)\n", name)
		}
	}
	var st syscall.Stat_t
	report("box timestamps", syscall.Stat("/box", &st) == nil && st.Atim.Sec == 1000000009 && st.Mtim.Sec == 1000000007)
	dirs := []string{"/tmp", "/dev/shm"}
	for _, d := range dirs {
		report(d+" atime/mtime", syscall.Stat(d, &st) == nil && st.Atim != st.Mtim)
	}
	if found {
		fmt.Println("ESCAPED")
	} else {
		fmt.Println("contained")
	}
	os.Chtimes("/box", time.Unix(1000000009, 0), time.Unix(1000000007, 0))
	for _, d := range dirs {
		if f, err := os.Create(d + "/mark"); err == nil {
			f.Close()
			os.Remove(d + "/mark")
		}
	}
	time.Sleep(30 * time.Millisecond)
	for _, d := range dirs {
		os.ReadDir(d)
	}
}

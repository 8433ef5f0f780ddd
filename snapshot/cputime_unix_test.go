//go:build unix

package snapshot_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user and system, every thread): what a
// rebuild costs the machine, which on a shared machine the wall clock does not tell.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

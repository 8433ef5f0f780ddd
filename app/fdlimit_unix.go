//go:build unix

package app

import "syscall"

// fileLimit returns the process's file-descriptor limit (ok=false: unknown or unlimited).
// Go raises the soft limit to the hard one at start on Linux, so this is what the process
// can really use.
func fileLimit() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	cur := uint64(rl.Cur) // int64 on some systems
	if cur >= 1<<62 {     // RLIM_INFINITY, whatever its spelling
		return 0, false
	}
	return cur, true
}

//go:build !unix

package live

import "syscall"

// newSysConn reports that this platform has no non-blocking socket access here, so taken
// over connections are served by a goroutine each.
func newSysConn(syscall.RawConn) (rawConn, bool) { return nil, false }

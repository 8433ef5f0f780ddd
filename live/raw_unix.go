//go:build unix

package live

import (
	"errors"
	"syscall"
)

// sysConn does single non-blocking system calls on a socket through syscall.RawConn:
// its callbacks return true at once, so the runtime never parks the caller waiting for
// the socket. The callbacks are bound once per connection, so a write allocates nothing.
type sysConn struct {
	rc      syscall.RawConn
	buf     []byte
	n       int
	err     error
	peek    [64]byte
	writeFn func(fd uintptr) bool
	readFn  func(fd uintptr) bool
}

func newSysConn(rc syscall.RawConn) (rawConn, bool) {
	c := &sysConn{rc: rc}
	c.writeFn = func(fd uintptr) bool {
		for {
			c.n, c.err = syscall.Write(int(fd), c.buf)
			if c.err != syscall.EINTR {
				return true
			}
		}
	}
	c.readFn = func(fd uintptr) bool {
		for {
			c.n, c.err = syscall.Read(int(fd), c.peek[:])
			if c.err != syscall.EINTR {
				return true
			}
		}
	}
	return c, true
}

func (c *sysConn) write(b []byte) (int, error) {
	c.buf = b
	err := c.rc.Write(c.writeFn)
	c.buf = nil
	if err != nil {
		return 0, err
	}
	if errors.Is(c.err, syscall.EAGAIN) {
		return 0, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	return max(c.n, 0), nil
}

// alive reads whatever the client sent (an SSE client sends nothing after its request,
// so this is normally EAGAIN) to learn whether it closed the connection.
func (c *sysConn) alive() bool {
	if err := c.rc.Read(c.readFn); err != nil {
		return false
	}
	switch {
	case errors.Is(c.err, syscall.EAGAIN):
		return true
	case c.err != nil:
		return false
	}
	return c.n > 0 // 0 bytes and no error: end of stream
}

// Package crashtest holds tests that run the real candor binary and kill it with SIGKILL
// mid-work, then restart it, to check what survives: nothing here is imported.
package crashtest

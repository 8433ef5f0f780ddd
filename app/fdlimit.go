package app

// streamFDReserve is how many file descriptors are kept for page requests, the database
// and the rest when live-update streams are capped by the process's limit.
const streamFDReserve = 2048

// capStreams returns how many streams a process with fds file descriptors may hold when
// requested ones are asked for: all of them if streamFDReserve still fits beside, else
// what leaves the reserve (at least one).
func capStreams(requested int, fds uint64) int {
	if uint64(requested)+streamFDReserve <= fds {
		return requested
	}
	return max(int(fds)-streamFDReserve, 1)
}

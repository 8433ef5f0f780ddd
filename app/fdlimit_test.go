package app

import "testing"

func TestCapStreams(t *testing.T) {
	for _, tc := range []struct {
		requested int
		fds       uint64
		want      int
	}{
		{100_000, 1 << 20, 100_000}, // plenty of descriptors
		{100_000, 20_000, 17_952},   // capped, the reserve kept for pages
		{100_000, 1024, 1},          // a tiny limit still allows one
		{10_000, 12_048, 10_000},    // exactly fits
	} {
		if got := capStreams(tc.requested, tc.fds); got != tc.want {
			t.Errorf("capStreams(%d, %d) = %d, want %d", tc.requested, tc.fds, got, tc.want)
		}
	}
	if fds, ok := fileLimit(); ok && fds == 0 {
		t.Error("fileLimit reported a limit of 0")
	}
}

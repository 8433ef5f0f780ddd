package dispatch

import "time"

// SetQueueBackoff shortens the wait of Run while the Queue fails; call it before Run.
func (d *Dispatcher) SetQueueBackoff(lo, hi time.Duration) { d.queueBackoff = [2]time.Duration{lo, hi} }

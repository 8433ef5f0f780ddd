package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
)

// metricsGrace is how long a key that read /metrics keeps reading it while the store
// cannot be asked about it. The scrape must work most when the store is down — that is
// what candor_store_up and candor_snapshot_stale are for — and the metrics hold no
// personal data, so a key revoked during an outage reads them a little longer.
const metricsGrace = 15 * time.Minute

// metricsKeyWait is how long the store may take to confirm a key it confirmed within
// metricsGrace; scrapeStoreWait bounds each part of the scrape's own store work (ping and
// outbox backlog; calibration). Together they keep a scrape during a stall well inside
// Prometheus' default 10 s timeout.
const (
	metricsKeyWait  = time.Second
	scrapeStoreWait = 2 * time.Second
)

// knownKeys remembers the hashes of keys that recently passed the read check on /metrics.
type knownKeys struct {
	mu   sync.Mutex
	seen map[string]time.Time // key hash → when the store last confirmed it
}

// requireMetricsKey is requireScope(read) for /metrics, except that when the store is
// unavailable a key the store confirmed within metricsGrace is let through.
func (s *server) requireMetricsKey(next echo.HandlerFunc) echo.HandlerFunc {
	checked := s.requireScope(status.ScopeRead)(func(c echo.Context) error {
		s.metricsKeys.remember(bearer(c), time.Now())
		return next(c)
	})
	return func(c echo.Context) error {
		recent := s.metricsKeys.recent(bearer(c), time.Now())
		// A stalled store answers nothing until the deadline: a known key waits for it only
		// briefly, so that the scrape still answers within Prometheus' timeout (10 s by
		// default) with candor_store_up 0; an unknown key waits as any staff request does.
		wait := requestTimeout
		if recent {
			wait = metricsKeyWait
		}
		orig := c.Request()
		ctx, cancel := context.WithTimeout(orig.Context(), wait)
		c.SetRequest(orig.WithContext(ctx))
		err := checked(c)
		cancel()
		c.SetRequest(orig)
		if status.ErrorCode(err) == status.EUNAVAILABLE && recent {
			return next(c)
		}
		return err
	}
}

func bearer(c echo.Context) string {
	_, secret, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	return strings.TrimSpace(secret)
}

func (k *knownKeys) remember(secret string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.seen == nil {
		k.seen = map[string]time.Time{}
	}
	for h, at := range k.seen { // a handful of scrapers: keep the map small
		if now.Sub(at) > metricsGrace {
			delete(k.seen, h)
		}
	}
	k.seen[status.HashAPIKey(secret)] = now
}

func (k *knownKeys) recent(secret string, now time.Time) bool {
	if secret == "" {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.seen[status.HashAPIKey(secret)]
	return ok && now.Sub(at) <= metricsGrace
}

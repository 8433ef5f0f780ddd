package handlers

import (
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// requestTimers resolves the request-duration histogram of each registered route and
// status class without allocating: the route map is built once, after every route is
// registered, and read-only after; each class's histogram is looked up on first use.
// logRequests, which already times every request after the error handler has written the
// answer, reports to it: a middleware of its own would cost the read path an allocation
// per request (echo wraps each middleware anew for every request), and it adds no header.
type requestTimers struct {
	vec    *prometheus.HistogramVec
	routes map[routeKey]*routeTimer
	other  routeTimer // requests no registered route matched, or with an unknown method
}

type routeKey struct{ method, path string }

type routeTimer struct {
	method, route string
	byClass       [6]atomic.Pointer[observer] // index: status / 100
}

type observer struct{ prometheus.Observer }

func newRequestTimers(vec *prometheus.HistogramVec, routes []*echo.Route) *requestTimers {
	t := &requestTimers{vec: vec, routes: map[routeKey]*routeTimer{}, other: routeTimer{method: "other", route: "other"}}
	for _, r := range routes {
		t.routes[routeKey{r.Method, r.Path}] = &routeTimer{method: r.Method, route: r.Path}
	}
	return t
}

var classNames = [6]string{"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"}

func (t *requestTimers) observe(method, path string, code int, d time.Duration) {
	if t == nil {
		return
	}
	rt, ok := t.routes[routeKey{method, path}]
	if !ok {
		rt = &t.other
	}
	class := code / 100
	if class < 1 || class > 5 {
		class = 2 // nothing written yet: net/http answers 200
	}
	o := rt.byClass[class].Load()
	if o == nil {
		o = &observer{t.vec.WithLabelValues(rt.method, rt.route, classNames[class])}
		rt.byClass[class].Store(o)
	}
	o.Observe(d.Seconds())
}

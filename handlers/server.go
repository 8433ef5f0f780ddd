// Package handlers is Candor's HTTP glue on echo v4: it binds requests into DTOs, calls
// status.Service, and writes JSON or serves the public snapshot. It holds no business rules;
// errors are mapped to HTTP in one place (errors.go).
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/candorstatus/candor/live"
	"github.com/candorstatus/candor/metrics"
	"github.com/candorstatus/candor/periodic"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// Deps is what the handlers need; main wires it.
type Deps struct {
	Service *status.Service
	Site    *snapshot.Holder
	Builder *snapshot.Builder
	Assets  *static.Assets
	Log     *slog.Logger
	// Jobs reports the scheduler's jobs (nil: none).
	Jobs interface{ Statuses() []periodic.Status }
	// TrustProxy takes the client address from X-Forwarded-For (set it only behind a proxy
	// or CDN that overwrites that header); otherwise the connection's address is used, so
	// clients cannot dodge rate limits by sending the header themselves.
	TrustProxy bool
	// DefaultLang is served when neither ?lang= nor Accept-Language chooses.
	DefaultLang templates.Lang
	// Live streams change events to open pages (nil: /api/v1/stream answers 404).
	Live *live.Hub
	// Outbox is the push dispatcher, for /metrics (nil: no push metrics).
	Outbox OutboxStats
	// Metrics is the registry /metrics exposes and request timings go to (nil: a new one).
	Metrics *metrics.Metrics
	// PublicWebhooks offers the public to subscribe webhook URLs from the status page: only
	// when mail is really sent, since a public endpoint waits for its contact's confirmation
	// by email (with emails only logged, nobody could confirm one).
	PublicWebhooks bool
	// Pause waits d before a sign-in attempt on a name under a password spray (nil: a
	// timer); tests record the waits instead of sleeping.
	Pause func(ctx context.Context, d time.Duration) error
}

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// requestTimeout bounds the store work of one staff request (API and console): with the
// database stalled, every call would otherwise wait for its own default deadline in turn.
// Past it the request answers 503 — a clear "try again" (issue 18, defect 2).
const requestTimeout = 5 * time.Second

type server struct {
	Deps
	timers      *requestTimers
	calibration calibrationCache
	metricsKeys knownKeys
}

// New returns the echo instance with every route registered explicitly.
func New(d Deps) *echo.Echo {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.DefaultLang == "" {
		d.DefaultLang = templates.Korean
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	s := &server{Deps: d}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	if d.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	// Snapshot documents and assets skip the request id and the generic security headers:
	// they set their own, prepared when the snapshot was built (see serveDoc).
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Skipper: isPublicRoute}))
	e.Use(s.logRequests)
	e.Use(s.recoverPanics)
	e.Use(s.securityHeaders)

	e.GET("/healthz", s.healthz)
	// Register public routes in publicRoutes too.
	e.GET("/readyz", s.readyz)
	e.GET(static.Prefix+"*", s.asset)
	e.HEAD(static.Prefix+"*", s.asset)
	for _, p := range []string{"/", "/history", "/history.atom", "/incidents/:id", "/maintenances/:id"} {
		e.GET(p, s.publicPage)
		e.HEAD(p, s.publicPage)
	}
	s.registerConsole(e)
	s.registerSubscribe(e)
	e.GET("/api/v2/*", s.publicJSON)
	e.HEAD("/api/v2/*", s.publicJSON)
	e.OPTIONS("/api/v2/*", s.preflight)

	// Public and outside the v1 group: a stream has no request body to limit.
	e.GET("/api/v1/stream", s.stream)
	e.GET("/api/v1/openapi.json", s.openAPI)
	// Outside the v1 group for a larger body: one notification carries a whole alert group.
	e.POST("/api/v1/integrations/alertmanager", s.alertmanager, limitBodyTo(MaxWebhookBytes), withTimeout, s.requireScope(status.ScopeSignal))
	v1 := e.Group("/api/v1", s.limitBody, withTimeout)
	read, write, admin := s.requireScope(status.ScopeRead), s.requireScope(status.ScopeWrite), s.requireScope(status.ScopeAdmin)
	v1.GET("/components", s.listComponents, read)
	v1.POST("/components", s.createComponent, admin)
	v1.GET("/components/:id", s.getComponent, read)
	v1.PATCH("/components/:id", s.patchComponent, admin)
	v1.DELETE("/components/:id", s.deleteComponent, admin)
	v1.GET("/incidents", s.listIncidents, read)
	v1.POST("/incidents", s.createIncident, write)
	v1.GET("/incidents/:id", s.getIncident, read)
	v1.POST("/incidents/:id/updates", s.postUpdate, write)
	v1.GET("/incidents/:id/deliveries", s.deliveries, read)
	v1.POST("/incidents/:id/publish", s.publishIncident, write)
	v1.POST("/incidents/:id/dismiss", s.dismissIncident, write)
	v1.POST("/integrations/signal", s.signal, s.requireScope(status.ScopeSignal))
	v1.GET("/signals", s.listSignals, read)
	v1.GET("/components/:id/monitoring", s.getMonitoring, read)
	v1.PATCH("/components/:id/monitoring", s.putMonitoring, admin)
	v1.GET("/components/:id/metrics", s.metricsOf, read)
	v1.GET("/components/:id/probes", s.listProbes, read)
	v1.POST("/components/:id/probes", s.createProbe, admin)
	v1.PUT("/probes/:id", s.putProbe, admin)
	v1.DELETE("/probes/:id", s.deleteProbe, admin)
	v1.GET("/maintenances", s.listMaintenances, read)
	v1.POST("/maintenances", s.createMaintenance, write)
	v1.GET("/maintenances/:id", s.getMaintenance, read)
	v1.POST("/maintenances/:id/updates", s.postMaintenanceUpdate, write)
	v1.POST("/maintenances/:id/start", s.startMaintenance, write)
	v1.POST("/maintenances/:id/cancel", s.cancelMaintenance, write)
	v1.POST("/maintenances/:id/checks/:check", s.tickCheck, write)
	v1.GET("/maintenances/:id/deliveries", s.deliveries, read)
	v1.POST("/devices", s.registerDevice, deviceRateLimit())
	v1.DELETE("/devices/:token", s.deleteDevice, deviceRateLimit())
	v1.GET("/jobs", s.listJobs, read)
	v1.GET("/eta/calibration", s.etaCalibration, read)
	v1.GET("/uptime", s.uptime, read)
	v1.GET("/subscribers", s.listSubscribers, admin)
	v1.POST("/subscribers", s.addSubscriber, admin)
	v1.GET("/subscribers/counts", s.subscriberCounts, admin)
	v1.POST("/subscribers/import", s.importSubscribers, admin)
	v1.DELETE("/subscribers/:id", s.removeSubscriber, admin)
	v1.GET("/keys", s.listKeys, admin)
	v1.POST("/keys", s.createKey, admin)
	v1.DELETE("/keys/:name", s.revokeKey, admin)
	v1.GET("/webhooks", s.listWebhooks, admin)
	v1.POST("/webhooks", s.createWebhook, admin)
	v1.GET("/webhooks/:id", s.getWebhook, admin)
	v1.PATCH("/webhooks/:id", s.patchWebhook, admin)
	v1.DELETE("/webhooks/:id", s.deleteWebhook, admin)
	v1.POST("/webhooks/:id/rotate-secret", s.rotateWebhookSecret, admin)
	v1.POST("/webhooks/:id/test", s.testWebhook, admin)
	v1.GET("/webhooks/:id/deliveries", s.webhookDeliveries, admin)
	v1.Any("/*", s.apiNotFound)
	e.GET("/metrics", s.metrics, s.requireMetricsKey)
	e.Any("/api/*", s.apiNotFound)
	s.timers = newRequestTimers(d.Metrics.HTTP, e.Routes())
	return e
}

func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports whether the store answers and can be written: a load balancer stops
// sending writes to a replica whose database is gone, full or read-only, while public
// pages keep being served from the snapshot.
func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	body := map[string]any{"status": "ok", "store": "writable"}
	code := http.StatusOK
	if err := s.Service.Store().Ping(ctx); err != nil {
		s.Log.WarnContext(ctx, "readiness check failed", "err", err)
		body["status"], body["store"] = "unavailable", "unreachable"
		code = http.StatusServiceUnavailable
	} else if err := s.Service.Store().CheckWritable(ctx); err != nil {
		s.Log.WarnContext(ctx, "readiness check: the store cannot be written", "err", err)
		body["status"], body["store"], body["reason"] = "unavailable", "not_writable", status.ErrorMessage(err)
		code = http.StatusServiceUnavailable
	}
	if snap := s.Site.Current(); snap != nil {
		body["revision"] = snap.Revision
		body["snapshot_built_at"] = snap.Built.UTC().Format(time.RFC3339)
	}
	if err := s.Site.Err(); err != nil {
		body["snapshot"] = "stale"
	} else if snap := s.Site.Current(); snap != nil {
		// Records the pages were rendered around: the replica can still take writes (and
		// every replica has the same records), so this is reported, not a 503.
		if problems, n := snap.Problems(); n > 0 {
			body["snapshot"] = "degraded"
			body["snapshot_problems"] = problems
			body["snapshot_problem_count"] = n
		}
	}
	return c.JSON(code, body)
}

// publicRoutes are the routes served from snapshots and embedded assets.
var publicRoutes = map[string]bool{"/": true, "/history": true, "/history.atom": true, "/incidents/:id": true,
	"/maintenances/:id": true, "/api/v2/*": true, static.Prefix + "*": true}

func isPublicRoute(c echo.Context) bool { return publicRoutes[c.Path()] }

var hdrImmutable = []string{"public, max-age=31536000, immutable"}

func (s *server) asset(c echo.Context) error {
	a, ok := s.Assets.ByURL(c.Request().URL.Path)
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h["Cache-Control"] = hdrImmutable
	h["X-Content-Type-Options"] = hdrNosniff
	if s.overHTTPS(c.Request()) {
		h["Strict-Transport-Security"] = hdrHSTS
	}
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}

func (s *server) apiNotFound(c echo.Context) error {
	return status.Errorf(status.ENOTFOUND, "No such endpoint: %s %s.", c.Request().Method, c.Request().URL.Path)
}

// The browser security policy of every answer but the public snapshot pages (which carry
// templates.ContentSecurityPolicy as a <meta> tag): only Candor's own assets, never
// framed. frame-ancestors supersedes X-Frame-Options, which only the console still sends,
// for old browsers where clickjacking a form matters.
const (
	contentSecurityPolicy = templates.ContentSecurityPolicy + "; frame-ancestors 'none'"
	referrerPolicy        = templates.ReferrerPolicy
)

var (
	hdrNosniff  = []string{"nosniff"}
	hdrCSP      = []string{contentSecurityPolicy}
	hdrReferrer = []string{referrerPolicy}
)

// setSecurityHeaders sets the browser security headers on a response.
func (s *server) setSecurityHeaders(req *http.Request, h http.Header) {
	h["X-Content-Type-Options"] = hdrNosniff
	h["Referrer-Policy"] = hdrReferrer
	h["Content-Security-Policy"] = hdrCSP
	if s.overHTTPS(req) {
		h["Strict-Transport-Security"] = hdrHSTS
	}
}

// securityHeaders covers every route but the public snapshot ones, which set their own.
func (s *server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isPublicRoute(c) {
			s.setSecurityHeaders(c.Request(), c.Response().Header())
		}
		return next(c)
	}
}

// overHTTPS reports whether the client reached us over HTTPS: TLS here, or a proxy we
// trust (TrustProxy) saying so in X-Forwarded-Proto. It decides Strict-Transport-Security,
// which browsers ignore over plain HTTP anyway.
func (s *server) overHTTPS(req *http.Request) bool {
	if req.TLS != nil {
		return true
	}
	if !s.TrustProxy {
		return false
	}
	proto, _, _ := strings.Cut(req.Header.Get(echo.HeaderXForwardedProto), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func (s *server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		s.timers.observe(req.Method, c.Path(), res.Status, time.Since(start))
		level := slog.LevelDebug
		if res.Status >= 500 {
			level = slog.LevelError
		} else if req.Method != http.MethodGet && req.Method != http.MethodHead {
			level = slog.LevelInfo
		}
		if !s.Log.Enabled(req.Context(), level) { // reads are debug: build no attributes for them
			return nil
		}
		s.Log.Log(req.Context(), level, "request", "id", res.Header().Get(echo.HeaderXRequestID),
			"method", req.Method, "path", req.URL.Path, "status", res.Status, "bytes", res.Size,
			"took", time.Since(start), "remote", c.RealIP())
		return nil
	}
}

// recoverPanics turns a panic into a logged 500 without a stack trace to the client.
func (s *server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.Log.Error("panic in handler", "panic", r, "path", c.Request().URL.Path,
					"id", c.Response().Header().Get(echo.HeaderXRequestID))
				err = status.Errorf(status.EINTERNAL, "Internal error.")
			}
		}()
		return next(c)
	}
}

// withTimeout gives the request's context the requestTimeout deadline while the handler
// runs; the error it returns is rendered on the request as it came (a page render must not
// fail because the deadline that caused the error has passed).
func withTimeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		orig := c.Request()
		ctx, cancel := context.WithTimeout(orig.Context(), requestTimeout)
		defer cancel()
		c.SetRequest(orig.WithContext(ctx))
		err := next(c)
		c.SetRequest(orig)
		return err
	}
}

func (s *server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > MaxBodyBytes {
			return errTooLarge
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxBodyBytes)
		return next(c)
	}
}

package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/templates"
)

// TestPublicSecurityHeaders (issue 18, defect 9): every public page answer says nosniff
// and refuses framing with a header (a <meta> policy cannot carry frame-ancestors), JSON
// says nosniff; over HTTPS — TLS, or X-Forwarded-Proto from a trusted proxy — answers
// carry Strict-Transport-Security wherever it fits, and everything else of the host
// always; and no snapshot answer carries more than eight headers.
func TestPublicSecurityHeaders(t *testing.T) {
	en := newEnv(t)
	etag := en.do("GET", "/?lang=en", "", nil, "Accept-Encoding", "gzip").want(200).Header().Get("ETag")
	trusting := handlers.New(handlers.Deps{Service: en.svc, Site: en.holder, Builder: en.build, Assets: en.assets,
		DefaultLang: templates.Korean, TrustProxy: true})
	send := func(e *echo.Echo, target string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	type variant struct {
		name   string
		path   string
		header []string
		code   int
		html   bool
	}
	variants := []variant{
		{"page, brotli", "/?lang=en", []string{"Accept-Encoding", "br"}, 200, true},
		{"page, gzip", "/history", []string{"Accept-Encoding", "gzip", "Accept-Language", "en"}, 200, true},
		{"page, identity", "/?lang=ko", nil, 200, true},
		{"page, 304", "/?lang=en", []string{"Accept-Encoding", "gzip", "If-None-Match", etag}, 304, true},
		{"feed", "/history.atom", nil, 200, false},
		{"JSON, gzip", "/api/v2/summary.json", []string{"Accept-Encoding", "gzip"}, 200, false},
		{"JSON, identity", "/api/v2/status.json", nil, 200, false},
	}
	for _, scheme := range []string{"http", "https", "forwarded https"} {
		for _, v := range variants {
			t.Run(scheme+"/"+v.name, func(t *testing.T) {
				e, target, header := en.e, "http://status.example"+v.path, v.header
				switch scheme {
				case "https":
					target = "https://status.example" + v.path // httptest sets TLS
				case "forwarded https":
					e, header = trusting, append([]string{"X-Forwarded-Proto", "https"}, header...)
				}
				rec := send(e, target, header...)
				h := rec.Header()
				if rec.Code != v.code {
					t.Fatalf("status %d, want %d", rec.Code, v.code)
				}
				if h.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("no nosniff: %v", h)
				}
				if fa := h.Get("Content-Security-Policy"); v.html && fa != "frame-ancestors 'none'" {
					t.Errorf("page without frame-ancestors 'none': %q", fa)
				}
				if len(h) > 8 {
					t.Errorf("%d headers, want at most 8: %v", len(h), h)
				}
				hsts := h.Get("Strict-Transport-Security")
				switch {
				case scheme == "http" && hsts != "":
					t.Errorf("HSTS over plain HTTP: %q", hsts)
				case scheme != "http" && hsts == "" && len(h) < 8:
					t.Errorf("no HSTS over HTTPS with room for it: %v", h)
				case hsts != "" && !strings.HasPrefix(hsts, "max-age=31536000"):
					t.Errorf("HSTS %q", hsts)
				}
			})
		}
	}
	// X-Forwarded-Proto from anyone is not trusted without TrustProxy.
	if h := send(en.e, "http://status.example/api/v2/status.json", "X-Forwarded-Proto", "https").Header(); h.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS on an untrusted X-Forwarded-Proto: %v", h)
	}
	// The rest of the host always carries HSTS over HTTPS: a browser reading a page gets it
	// from the page's stylesheet at the latest.
	for _, path := range []string{en.assets.URL("app.css"), "/admin/login", "/healthz", "/api/v1/components"} {
		if h := send(en.e, "https://status.example"+path).Header(); h.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s over HTTPS without HSTS: %v", path, h)
		}
	}
	if h := send(en.e, "https://status.example/"+"?lang=en", "Accept-Encoding", "gzip").Header(); h.Get("Strict-Transport-Security") != "" {
		t.Logf("compressed page over HTTPS carries HSTS too: %v", h)
	}
	_ = http.StatusOK
}

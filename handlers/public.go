package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// publicCache lets browsers and a CDN hold a page briefly, serve it stale while they
// refetch, and keep serving it for a day if Candor cannot answer at all.
const publicCache = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"

// Header values of public documents, as the slices an http.Header holds: the hot path
// assigns them rather than formatting and allocating per request (shared; never modify).
//
// A snapshot answer carries at most maxPublicHeaders headers, the most a Go map holds
// before it grows into a table: a ninth header costs five more allocations and about
// 1.1 KB per request (the map grows, and net/http clones it when writing), measured at
// several percent of the throughput. The eight:
//
//	Vary, Cache-Control, ETag, Content-Type, Content-Length, Content-Encoding (compressed),
//	X-Content-Type-Options: nosniff, and Content-Security-Policy: frame-ancestors 'none'
//	on pages (the rest of their policy is a <meta> tag, which cannot carry
//	frame-ancestors) or Access-Control-Allow-Origin on JSON.
//
// Room was made by leaving out Last-Modified (the strong ETag is every cache's validator;
// If-Modified-Since is still answered) and X-Candor-Revision (live.js asks for the
// revision it needs in the URL instead, see publicPage). Over HTTPS, Strict-Transport-
// Security goes on every answer with room for it — all but a compressed page's full
// answer — and on every other answer of the host (assets, API, console), so a browser
// reading a page learns it from the page's stylesheet at the latest.
const maxPublicHeaders = 8

var (
	hdrPublicCache    = []string{publicCache}
	hdrVaryEnc        = []string{"Accept-Encoding"}
	hdrVaryEncLang    = []string{"Accept-Encoding, Accept-Language"}
	hdrAnyOrigin      = []string{"*"}
	hdrFrameAncestors = []string{"frame-ancestors 'none'"}
	hdrHSTS           = []string{"max-age=31536000"}
)

// lang picks the page language: ?lang= first, then Accept-Language, then the default.
func (s *server) lang(c echo.Context) templates.Lang {
	l, _ := s.pickLang(c)
	return l
}

// pickLang is lang, also saying whether the URL chose it.
func (s *server) pickLang(c echo.Context) (l templates.Lang, inURL bool) {
	if l, ok := parseLang(c.QueryParam("lang")); ok {
		return l, true
	}
	return negotiateLang(c.Request().Header.Get("Accept-Language"), s.DefaultLang), false
}

func parseLang(v string) (templates.Lang, bool) {
	for _, l := range templates.Langs {
		if strings.EqualFold(v, string(l)) {
			return l, true
		}
	}
	return "", false
}

// negotiateLang returns the supported language with the highest q in an Accept-Language
// header ("ko-KR,ko;q=0.9,en;q=0.8"), the first one listed on a tie, or def when none has a
// q above 0. It runs on every public request, so it does not allocate.
func negotiateLang(header string, def templates.Lang) templates.Lang {
	best, bestQ := def, 0
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		tag, params, _ := strings.Cut(part, ";")
		primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
		l, ok := parseLang(primary)
		if !ok {
			continue
		}
		if q, ok := weight(params); ok && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// weight reads a language range's parameters ("q=0.8") as thousandths: 1000 without a q.
// RFC 9110 §12.4.2: the name q is case-insensitive and a qvalue is 0, 1 or a decimal
// between with at most three digits. A range whose weight is malformed or given twice is
// not acceptable (ok false): "en;q=0.5x" or "en;level=1;q=0.1" once counted as q=1 and beat
// every well-formed preference.
func weight(params string) (q int, ok bool) {
	q, seen := 1000, false
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue // other parameters do not weigh
		}
		if seen {
			return 0, false
		}
		seen = true
		if q, ok = qvalue(strings.TrimSpace(v)); !ok {
			return 0, false
		}
	}
	return q, true
}

// qvalue parses "0", "0.5", "0.125", "1", "1.000" into thousandths.
func qvalue(v string) (int, bool) {
	if v == "" || v[0] != '0' && v[0] != '1' {
		return 0, false
	}
	q := int(v[0]-'0') * 1000
	rest := v[1:]
	if rest == "" {
		return q, true
	}
	if rest[0] != '.' || len(rest) > 4 {
		return 0, false
	}
	for i, scale := 1, 100; i < len(rest); i, scale = i+1, scale/10 {
		c := rest[i]
		if c < '0' || c > '9' || q == 1000 && c != '0' {
			return 0, false
		}
		q += int(c-'0') * scale
	}
	return q, true
}

// coding picks the representation for an Accept-Encoding header, without allocating (it
// runs on every public request): the accepted coding with the highest q, brotli before
// gzip on a tie (it is smaller), identity when neither is accepted.
func coding(header string) snapshot.Coding {
	best, bestQ := snapshot.Identity, 0.0
	for header != "" {
		var part string
		part, header, _ = strings.Cut(header, ",")
		name, params, _ := strings.Cut(part, ";")
		var c snapshot.Coding
		switch name = strings.TrimSpace(name); {
		case strings.EqualFold(name, "br"):
			c = snapshot.Brotli
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			c = snapshot.Gzip
		default:
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > 0 && (q > bestQ || q == bestQ && c == snapshot.Brotli) {
			best, bestQ = c, q
		}
	}
	return best
}

// publicPage serves an HTML page or feed from the current snapshot.
//
// ?live=N is live.js asking for a page at revision N or later (the stream announced N):
// a snapshot still behind N answers 503 (not cached) and live.js asks again, so neither
// this replica nor a CDN hands it an older page as new — and every page answer is at
// least as new as the revision in its URL, so a CDN may cache it under that URL.
func (s *server) publicPage(c echo.Context) error {
	if v := c.QueryParam("live"); v != "" {
		want, err := strconv.ParseInt(v, 10, 64)
		if snap := s.Site.Current(); err == nil && snap != nil && snap.Revision < want {
			c.Response().Header().Set("Retry-After", "1")
			return status.Errorf(status.EUNAVAILABLE, "This page is being refreshed; try again in a moment.")
		}
	}
	path := c.Request().URL.Path
	if p := c.QueryParam("page"); p != "" && path == "/history" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return echo.ErrNotFound
		}
		if n > 1 {
			path += "?page=" + strconv.Itoa(n)
		}
	}
	// A language chosen in the URL needs no Vary on Accept-Language.
	lang, inURL := s.pickLang(c)
	return s.serveDoc(c, string(lang), path, !inURL)
}

// publicJSON serves the Statuspage-compatible documents.
func (s *server) publicJSON(c echo.Context) error {
	c.Response().Header()["Access-Control-Allow-Origin"] = hdrAnyOrigin // widgets on other sites read it
	// Names and bodies are in one language, as on Statuspage: ?lang=, else Accept-Language.
	lang, inURL := s.pickLang(c)
	return s.serveDoc(c, string(lang), c.Request().URL.Path, !inURL)
}

// serveDoc writes a snapshot document: no store query, no template and no header
// formatting here — every value was prepared when the snapshot was built, and a
// compressed copy is made once, by the first request for it.
func (s *server) serveDoc(c echo.Context, lang, path string, varyLang bool) error {
	snap := s.Site.Current()
	if snap == nil {
		return status.Errorf(status.EUNAVAILABLE, "The status page is starting; try again in a moment.")
	}
	d, ok := snap.Doc(lang, path)
	if !ok {
		return echo.ErrNotFound
	}
	req, h := c.Request(), c.Response().Header()
	h["Vary"] = hdrVaryEnc
	if varyLang {
		h["Vary"] = hdrVaryEncLang
	}
	h["Cache-Control"] = hdrPublicCache
	h["X-Content-Type-Options"] = hdrNosniff
	if d.HTML {
		h["Content-Security-Policy"] = hdrFrameAncestors
	}
	cod := coding(req.Header.Get("Accept-Encoding"))
	etag := d.ETagHeader(cod)
	h["Etag"] = etag
	if d.Status == http.StatusOK && notModified(req, etag[0], d) {
		s.hsts(req, h)
		c.Response().WriteHeader(http.StatusNotModified)
		return nil
	}
	enc := d.Encoding(cod) // compressed here the first time anyone asks for it in this coding
	if enc.ContentEncoding != nil {
		h["Content-Encoding"] = enc.ContentEncoding
	}
	h["Content-Type"] = d.ContentTypeHeader()
	h["Content-Length"] = enc.ContentLength
	s.hsts(req, h)
	c.Response().WriteHeader(d.Status)
	if req.Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(enc.Body)
	return err
}

// hsts adds Strict-Transport-Security to a snapshot answer over HTTPS when it has room
// (see maxPublicHeaders).
func (s *server) hsts(req *http.Request, h http.Header) {
	if len(h) < maxPublicHeaders && s.overHTTPS(req) {
		h["Strict-Transport-Security"] = hdrHSTS
	}
}

func notModified(req *http.Request, etag string, d *snapshot.Doc) bool {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		for inm != "" {
			var t string
			t, inm, _ = strings.Cut(inm, ",")
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" && !d.Modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !d.Modified.After(t.Add(time.Second-1)) {
			return true
		}
	}
	return false
}

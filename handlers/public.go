package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/site"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// publicCache lets browsers and a CDN hold a page briefly, serve it stale while they
// refetch, and keep serving it for a day if Candor cannot answer at all.
const publicCache = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"

// lang picks the page language: ?lang= first, then Accept-Language, then the default.
func (s *server) lang(c echo.Context) templates.Lang {
	if l, ok := parseLang(c.QueryParam("lang")); ok {
		return l
	}
	return negotiateLang(c.Request().Header.Get("Accept-Language"), s.DefaultLang)
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
// header ("ko-KR,ko;q=0.9,en;q=0.8"), or def.
func negotiateLang(header string, def templates.Lang) templates.Lang {
	best, bestQ := def, 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(tag, "-")
		if l, ok := parseLang(primary); ok && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.TrimSpace(params) != "q=0"
		}
	}
	return false
}

// publicPage serves an HTML page or feed from the current snapshot.
func (s *server) publicPage(c echo.Context) error {
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
	_, langInURL := parseLang(c.QueryParam("lang"))
	return s.serveDoc(c, string(s.lang(c)), path, !langInURL)
}

// publicJSON serves the Statuspage-compatible documents.
func (s *server) publicJSON(c echo.Context) error {
	c.Response().Header().Set("Access-Control-Allow-Origin", "*") // widgets on other sites read it
	return s.serveDoc(c, "", c.Request().URL.Path, false)
}

// serveDoc writes a snapshot document: no store query, no template, no compression here.
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
	vary := "Accept-Encoding"
	if varyLang {
		vary += ", Accept-Language"
	}
	h.Set("Vary", vary)
	h.Set("Cache-Control", publicCache)
	h.Set("X-Candor-Revision", strconv.FormatInt(snap.Revision, 10))
	if !d.Modified.IsZero() {
		h.Set("Last-Modified", d.Modified.Format(http.TimeFormat))
	}
	body, etag := d.Body, d.ETag
	gz := acceptsGzip(req.Header.Get("Accept-Encoding"))
	if gz {
		body, etag = d.Gzip, strings.TrimSuffix(d.ETag, `"`)+`-gz"`
	}
	h.Set("ETag", etag)
	if d.Status == http.StatusOK && notModified(req, etag, d) {
		return c.NoContent(http.StatusNotModified)
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Response().WriteHeader(d.Status)
	if req.Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(body)
	return err
}

func notModified(req *http.Request, etag string, d *site.Doc) bool {
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
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

package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"
)

// The Statuspage v2 reference (shared/reference/statuspage-v2.md): every field present.
var (
	pageFields      = []string{"id", "name", "url", "time_zone", "updated_at"}
	statusFields    = []string{"indicator", "description"}
	componentFields = []string{"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
		"start_date", "group_id", "page_id", "group", "only_show_if_degraded"}
	incidentFields = []string{"id", "name", "status", "impact", "created_at", "updated_at", "started_at", "monitoring_at",
		"resolved_at", "shortlink", "page_id", "incident_updates", "components", "reminder_intervals"}
	updateFields = []string{"id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
		"affected_components", "deliver_notifications", "custom_tweet", "tweet_id"}
	affectedFields    = []string{"code", "name", "old_status", "new_status"}
	indicators        = []string{"none", "minor", "major", "critical", "maintenance"}
	descriptions      = []string{"All Systems Operational", "Partially Degraded Service", "Minor Service Outage", "Partial System Outage", "Major System Outage", "Service Under Maintenance"}
	componentStatuses = []string{"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
	incidentStatuses  = []string{"investigating", "identified", "monitoring", "resolved", "postmortem"}
	impacts           = []string{"none", "minor", "major", "critical", "maintenance"}
)

func hasFields(t *testing.T, what string, m map[string]any, fields []string) {
	t.Helper()
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Errorf("%s lacks field %q: %v", what, f, m)
		}
	}
}

func oneOf(t *testing.T, what string, v any, allowed []string) {
	t.Helper()
	s, ok := v.(string)
	if !ok || !slices.Contains(allowed, s) {
		t.Errorf("%s = %#v, not one of %v", what, v, allowed)
	}
}

func isTime(t *testing.T, what string, v any, nullable bool) {
	t.Helper()
	if v == nil && nullable {
		return
	}
	s, ok := v.(string)
	if !ok {
		t.Errorf("%s = %#v, want an RFC 3339 time", what, v)
		return
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		t.Errorf("%s = %q: %v", what, s, err)
	}
}

func checkComponent(t *testing.T, c map[string]any) {
	t.Helper()
	hasFields(t, "component", c, componentFields)
	oneOf(t, "component.status", c["status"], componentStatuses)
	isTime(t, "component.created_at", c["created_at"], false)
	if _, ok := c["position"].(float64); !ok {
		t.Errorf("position %v is not a number", c["position"])
	}
	if _, ok := c["group"].(bool); !ok {
		t.Errorf("group %v is not a bool", c["group"])
	}
}

func checkIncident(t *testing.T, inc map[string]any) {
	t.Helper()
	hasFields(t, "incident", inc, incidentFields)
	oneOf(t, "incident.status", inc["status"], incidentStatuses)
	oneOf(t, "incident.impact", inc["impact"], impacts)
	for _, f := range []string{"created_at", "updated_at", "started_at"} {
		isTime(t, "incident."+f, inc[f], false)
	}
	isTime(t, "incident.monitoring_at", inc["monitoring_at"], true)
	isTime(t, "incident.resolved_at", inc["resolved_at"], true)
	ups := inc["incident_updates"].([]any)
	for i, u := range ups {
		um := u.(map[string]any)
		hasFields(t, "incident_update", um, updateFields)
		oneOf(t, "update.status", um["status"], incidentStatuses)
		if i > 0 && um["created_at"].(string) > ups[i-1].(map[string]any)["created_at"].(string) {
			t.Error("incident_updates must be newest first")
		}
		affected, isList := um["affected_components"].([]any)
		if !isList && um["affected_components"] != nil {
			t.Errorf("affected_components %#v is neither a list nor null", um["affected_components"])
		}
		for _, a := range affected {
			hasFields(t, "affected_component", a.(map[string]any), affectedFields)
		}
	}
	for _, c := range inc["components"].([]any) {
		checkComponent(t, c.(map[string]any))
	}
}

func TestV2MatchesStatuspage(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", "Messaging"}, [3]string{"login", "Login", "Messaging"},
		[3]string{"pay", "Pay", ""})
	sum := en.do("GET", "/api/v2/summary.json", "", nil).want(200)
	if ct := sum.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	m := sum.json()
	hasFields(t, "summary", m, []string{"page", "status", "components", "incidents", "scheduled_maintenances"})
	if st := m["status"].(map[string]any); st["indicator"] != "none" || st["description"] != "All Systems Operational" {
		t.Fatalf("idle status %v", st)
	}

	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages delayed",
		"message": "Investigating.", "components": map[string]string{"messenger": "partial_outage"}, "users_affected_percent": 40}).want(201).json(), "id")
	en.clock.Advance(10 * time.Minute)
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "monitoring", "message": "Fix out.",
		"components": map[string]string{"messenger": "degraded_performance"}}).want(201)

	m = en.do("GET", "/api/v2/summary.json", "", nil).want(200).json()
	page := m["page"].(map[string]any)
	hasFields(t, "page", page, pageFields)
	if page["time_zone"] != "Asia/Seoul" || page["id"] != "candor-test" {
		t.Fatalf("page %v", page)
	}
	st := m["status"].(map[string]any)
	hasFields(t, "status", st, statusFields)
	oneOf(t, "indicator", st["indicator"], indicators)
	oneOf(t, "description", st["description"], descriptions)
	if st["indicator"] != "minor" || st["description"] != "Partially Degraded Service" {
		t.Fatalf("status with a degraded component = %v", st)
	}
	comps := m["components"].([]any)
	var groups int
	for _, c := range comps {
		cm := c.(map[string]any)
		checkComponent(t, cm)
		if cm["group"] == true {
			groups++
			if kids := cm["components"].([]any); len(kids) != 2 {
				t.Fatalf("group lists %d children, want 2", len(kids))
			}
		}
	}
	if groups != 1 || len(comps) != 4 {
		t.Fatalf("%d components with %d groups, want 4 with 1", len(comps), groups)
	}
	incs := m["incidents"].([]any)
	if len(incs) != 1 {
		t.Fatalf("%d unresolved incidents", len(incs))
	}
	inc := incs[0].(map[string]any)
	checkIncident(t, inc)
	if inc["status"] != "monitoring" || inc["monitoring_at"] == nil || inc["users_affected_percent"] != 40.0 {
		t.Fatalf("incident %v", inc)
	}
	if _, ok := inc["eta"]; !ok {
		t.Fatal("Candor's eta extra field missing")
	}
	aff := inc["incident_updates"].([]any)[0].(map[string]any)["affected_components"].([]any)[0].(map[string]any)
	if aff["code"] != "messenger" || aff["old_status"] != "partial_outage" || aff["new_status"] != "degraded_performance" {
		t.Fatalf("affected component %v", aff)
	}
	if !strings.HasSuffix(inc["shortlink"].(string), "/incidents/"+id) {
		t.Fatalf("shortlink %v", inc["shortlink"])
	}
	for _, p := range []string{"status.json", "components.json", "incidents.json", "incidents/unresolved.json",
		"scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json"} {
		t.Run(p, func(t *testing.T) {
			d := en.do("GET", "/api/v2/"+p, "", nil).want(200).json()
			hasFields(t, p, d["page"].(map[string]any), pageFields)
			if incs, ok := d["incidents"].([]any); ok {
				for _, i := range incs {
					checkIncident(t, i.(map[string]any))
				}
			}
		})
	}
	en.do("GET", "/api/v2/nope.json", "", nil).want(404)

	// Resolve: the incident leaves the unresolved lists and stays in incidents.json.
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Done."}).want(201)
	if n := len(en.do("GET", "/api/v2/incidents/unresolved.json", "", nil).json()["incidents"].([]any)); n != 0 {
		t.Fatalf("%d unresolved after resolution", n)
	}
	all := en.do("GET", "/api/v2/incidents.json", "", nil).json()["incidents"].([]any)
	if len(all) != 1 || all[0].(map[string]any)["resolved_at"] == nil || all[0].(map[string]any)["eta"] != nil {
		t.Fatalf("incidents.json after resolution: %v", all)
	}
	if st := en.do("GET", "/api/v2/status.json", "", nil).json()["status"].(map[string]any); st["indicator"] != "none" {
		t.Fatalf("status after resolution %v", st)
	}
}

func TestOverallStatusWithoutComponents(t *testing.T) {
	en := newEnv(t)
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Down", "message": "x", "impact": "critical"}).want(201)
	st := en.do("GET", "/api/v2/status.json", "", nil).json()["status"].(map[string]any)
	if st["indicator"] != "critical" || st["description"] != "Major System Outage" {
		t.Fatalf("no components, critical incident: %v", st)
	}
}

func doc(t *testing.T, r resp) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPublicPages(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", "Messaging"}, [3]string{"login", "Login", ""})
	eta := en.clock.Now().Add(90 * time.Minute)
	id := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Messages <b>delayed</b>",
		"message": "Line one.\nLine two <script>alert(1)</script>", "components": map[string]string{"messenger": "major_outage"},
		"announced_eta": eta.Format(time.RFC3339)}).want(201).json(), "id")

	for _, tc := range []struct{ name, path, accept, lang, overall string }{
		{"korean by default", "/", "", "ko", ""},
		{"english by header", "/", "en-US,en;q=0.9", "en", "Major System Outage"},
		{"korean by header", "/", "ko-KR,ko;q=0.9,en;q=0.5", "ko", ""},
		{"query overrides header", "/?lang=en", "ko-KR", "en", "Major System Outage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := en.do("GET", tc.path, "", nil, "Accept-Language", tc.accept).want(200)
			if !strings.Contains(r.Header().Get("Vary"), "Accept-Encoding") {
				t.Fatalf("Vary = %q", r.Header().Get("Vary"))
			}
			d := doc(t, r)
			if l, _ := d.Find("html").Attr("lang"); l != tc.lang {
				t.Fatalf("lang = %q, want %q", l, tc.lang)
			}
			if tc.overall != "" && !strings.Contains(d.Find("[data-testid=overall]").Text(), tc.overall) {
				t.Fatalf("overall banner %q lacks %q", d.Find("[data-testid=overall]").Text(), tc.overall)
			}
			if n := d.Find("[data-testid=component]").Length(); n != 2 {
				t.Fatalf("%d components shown", n)
			}
			if s, _ := d.Find("[data-testid=component][data-status=major_outage]").Attr("data-status"); s != "major_outage" {
				t.Fatal("messenger not shown as major outage")
			}
			if n := d.Find(".uptime__bar li").Length(); n != 2*90 {
				t.Fatalf("%d uptime days, want 180", n)
			}
			card := d.Find("[data-testid=active-incidents] [data-testid=incident]")
			if card.Length() != 1 || !strings.Contains(card.Text(), "Messages <b>delayed</b>") {
				t.Fatalf("incident card: %q", card.Text())
			}
			if d.Find("script:not([src])").Length() != 0 || d.Find("b").Length() != 0 {
				t.Fatal("staff text rendered as HTML")
			}
			if href, _ := card.Find("a[href*='/incidents/']").Attr("href"); !strings.Contains(href, id) || !strings.Contains(href, "lang="+tc.lang) {
				t.Fatalf("incident link %q does not keep the language", href)
			}
			if !strings.Contains(d.Find("[data-testid=eta]").Text(), eta.In(en.seoul).Format("15:04")) {
				t.Fatalf("announced time %s not shown: %q", eta.In(en.seoul).Format("15:04"), d.Find("[data-testid=eta]").Text())
			}
		})
	}

	t.Run("incident page", func(t *testing.T) {
		en.clock.Advance(5 * time.Minute)
		en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "identified", "message": "Found it."}).want(201)
		d := doc(t, en.do("GET", "/incidents/"+id+"?lang=en", "", nil).want(200))
		ups := d.Find("[data-testid=update]")
		if ups.Length() != 2 || !strings.Contains(ups.First().Text(), "Found it.") {
			t.Fatalf("timeline newest first, got %d: %q", ups.Length(), ups.First().Text())
		}
		if !strings.Contains(ups.Last().Text(), "Line two <script>") {
			t.Fatal("message text lost or not escaped")
		}
		ko := doc(t, en.do("GET", "/incidents/"+id+"?lang=ko", "", nil).want(200))
		if !strings.Contains(ko.Text(), "원인 확인") {
			t.Fatal("korean incident page lacks the status word")
		}
	})

	t.Run("history and feed", func(t *testing.T) {
		d := doc(t, en.do("GET", "/history?lang=en", "", nil).want(200))
		if d.Find("[data-testid=month]").Length() != 1 || !strings.Contains(d.Text(), "Messages <b>delayed</b>") {
			t.Fatal("history lacks the incident")
		}
		en.do("GET", "/history?page=9", "", nil).want(404)
		en.do("GET", "/history?page=x", "", nil).want(404)
		feed := en.do("GET", "/history.atom?lang=en", "", nil).want(200)
		if !strings.Contains(feed.Header().Get("Content-Type"), "atom") || !strings.Contains(feed.Body.String(), "<entry>") {
			t.Fatalf("feed: %s", feed.Body.String()[:200])
		}
	})

	t.Run("friendly 404", func(t *testing.T) {
		r := en.do("GET", "/incidents/nope?lang=en", "", nil).want(404)
		if !strings.Contains(r.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("404 content type %q", r.Header().Get("Content-Type"))
		}
		d := doc(t, r)
		if l, _ := d.Find("html").Attr("lang"); l != "en" || d.Find("a[href^='/']").Length() == 0 {
			t.Fatal("404 page is not a friendly page with a way home")
		}
	})
}

func TestConditionalAndCompressed(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", ""})
	for _, path := range []string{"/?lang=en", "/api/v2/summary.json"} {
		t.Run(path, func(t *testing.T) {
			r := en.do("GET", path, "", nil).want(200)
			etag := r.Header().Get("ETag")
			cc := r.Header().Get("Cache-Control")
			if etag == "" || !strings.Contains(cc, "stale-if-error") || !strings.Contains(cc, "max-age") {
				t.Fatalf("validators/caching missing: etag %q cache-control %q", etag, cc)
			}
			en.do("GET", path, "", nil, "If-None-Match", etag).want(304)
			gz := en.do("GET", path, "", nil, "Accept-Encoding", "gzip, deflate").want(200)
			if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("ETag") == etag {
				t.Fatalf("gzip variant: encoding %q etag %q", gz.Header().Get("Content-Encoding"), gz.Header().Get("ETag"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			if !bytes.Equal(plain, r.Body.Bytes()) {
				t.Fatal("gzip body differs from the plain body")
			}
			en.do("GET", path, "", nil, "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")).want(304)
			// What browsers send: brotli, the smallest, with its own validator.
			br := en.do("GET", path, "", nil, "Accept-Encoding", "gzip, deflate, br, zstd").want(200)
			if br.Header().Get("Content-Encoding") != "br" || br.Header().Get("ETag") == etag || br.Header().Get("ETag") == gz.Header().Get("ETag") {
				t.Fatalf("brotli variant: encoding %q etag %q", br.Header().Get("Content-Encoding"), br.Header().Get("ETag"))
			}
			unbr, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br.Body.Bytes())))
			if err != nil || !bytes.Equal(unbr, r.Body.Bytes()) {
				t.Fatalf("brotli body differs from the plain body (%v)", err)
			}
			if br.Body.Len() > gz.Body.Len() {
				t.Errorf("brotli (%d bytes) larger than gzip (%d)", br.Body.Len(), gz.Body.Len())
			}
			en.do("GET", path, "", nil, "Accept-Encoding", "br", "If-None-Match", br.Header().Get("ETag")).want(304)
			// Refused or unknown codings get the plain bytes.
			for _, ae := range []string{"br;q=0, gzip;q=0", "identity", "zstd"} {
				if got := en.do("GET", path, "", nil, "Accept-Encoding", ae).want(200); got.Header().Get("Content-Encoding") != "" {
					t.Errorf("Accept-Encoding %q answered with %q", ae, got.Header().Get("Content-Encoding"))
				}
			}
			if got := en.do("GET", path, "", nil, "Accept-Encoding", "br;q=0.5, gzip;q=0.9").want(200); got.Header().Get("Content-Encoding") != "gzip" {
				t.Errorf("q-values ignored: %q", got.Header().Get("Content-Encoding"))
			}
			// A change makes the old validator stale.
			en.do("PATCH", "/api/v1/components/messenger", en.admin, map[string]any{"status": "major_outage"}).want(200)
			en.do("GET", path, "", nil, "If-None-Match", etag).want(200)
			en.do("PATCH", "/api/v1/components/messenger", en.admin, map[string]any{"status": "operational"}).want(200)
		})
	}
}

func TestHealth(t *testing.T) {
	en := newEnv(t)
	en.do("GET", "/healthz", "", nil).want(200)
	en.do("GET", "/readyz", "", nil).want(200)
	en.store.Close()
	en.do("GET", "/readyz", "", nil).want(503)
	// Public pages keep being served from the last snapshot.
	en.do("GET", "/?lang=en", "", nil).want(200)
	en.do("GET", "/api/v2/summary.json", "", nil).want(200)
}

func TestStaticAssets(t *testing.T) {
	en := newEnv(t)
	d := doc(t, en.do("GET", "/?lang=en", "", nil).want(200))
	href, ok := d.Find("link[rel=stylesheet]").Attr("href")
	if !ok || !strings.HasPrefix(href, "/static/") {
		t.Fatalf("stylesheet href %q", href)
	}
	r := en.do("GET", href, "", nil).want(200)
	if !strings.Contains(r.Header().Get("Cache-Control"), "immutable") || !strings.Contains(r.Header().Get("Content-Type"), "css") {
		t.Fatalf("asset headers %v", r.Header())
	}
	en.do("GET", "/static/app.css", "", nil).want(404)
}

// TestUnchangedPagesKeepValidators: a write re-renders the snapshot, but a page whose
// content did not change keeps its bytes and ETag, so caches and browsers keep
// revalidating it with a 304 while the herd reads the pages that did change.
func TestUnchangedPagesKeepValidators(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"messenger", "Messenger", ""}, [3]string{"calls", "Calls", ""})
	id := en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Old trouble", "message": "Looking.",
		"components": map[string]string{"calls": "partial_outage"}}).want(201).json()["id"].(string)
	en.do("POST", "/api/v1/incidents/"+id+"/updates", en.write, map[string]any{"status": "resolved", "message": "Fixed."}).want(201)

	page := "/incidents/" + id + "?lang=en"
	before := en.do("GET", page, "", nil).want(200)
	beforeBody := slices.Clone(before.Body.Bytes())
	bodyRev, _ := doc(t, before).Find("body").Attr("data-revision")
	home := en.do("GET", "/?lang=en", "", nil).want(200)

	en.clock.Advance(3 * time.Minute)
	en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "New trouble", "message": "Looking.",
		"components": map[string]string{"messenger": "major_outage"}}).want(201)

	after := en.do("GET", page, "", nil).want(200)
	if after.Header().Get("ETag") != before.Header().Get("ETag") {
		t.Fatalf("an unchanged page got new validators: %q → %q", before.Header().Get("ETag"), after.Header().Get("ETag"))
	}
	if !bytes.Equal(after.Body.Bytes(), beforeBody) {
		t.Fatal("an unchanged page changed its bytes")
	}
	// live.js asking for the new revision gets the page (unchanged, at its old content
	// revision); asking for a revision the snapshot has not reached gets a 503 to retry.
	oldRev, _ := strconv.Atoi(bodyRev)
	snapRev := en.holder.Current().Revision
	if oldRev == 0 || snapRev <= int64(oldRev) {
		t.Fatalf("page content revision %d, snapshot revision %d: the snapshot must have moved on", oldRev, snapRev)
	}
	live := en.do("GET", page+"&live="+strconv.FormatInt(snapRev, 10), "", nil).want(200)
	if !bytes.Equal(live.Body.Bytes(), beforeBody) {
		t.Fatal("?live= changed the page")
	}
	ahead := en.do("GET", page+"&live="+strconv.FormatInt(snapRev+1, 10), "", nil).want(503)
	if ahead.Header().Get("Retry-After") == "" || !strings.Contains(ahead.Header().Get("Cache-Control"), "no-store") {
		t.Fatalf("a page asked for a revision ahead of the snapshot: headers %v", ahead.Header())
	}
	en.do("GET", page, "", nil, "If-None-Match", before.Header().Get("ETag")).want(304)

	changed := en.do("GET", "/?lang=en", "", nil).want(200)
	if changed.Header().Get("ETag") == home.Header().Get("ETag") || !strings.Contains(changed.Body.String(), "New trouble") {
		t.Fatal("the home page did not change with the new incident")
	}
	if r, _ := doc(t, changed).Find("body").Attr("data-revision"); r != strconv.FormatInt(snapRev, 10) {
		t.Fatalf("a changed page carries revision %s, want the snapshot's %d", r, snapRev)
	}
}

// TestPublicHeaders: pages carry the browser security policy, JSON carries CORS for
// widgets, neither carries per-request noise; the API keeps its request ids.
func TestPublicHeaders(t *testing.T) {
	en := newEnv(t)
	page := en.do("GET", "/?lang=en", "", nil, "Accept-Encoding", "gzip").want(200)
	html := page.Header()
	zr, err := gzip.NewReader(page.Body)
	if err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(zr)
	if err != nil {
		t.Fatal(err)
	}
	if csp := d.Find(`meta[http-equiv=Content-Security-Policy]`).AttrOr("content", ""); !strings.Contains(csp, "script-src 'self'") ||
		d.Find(`meta[name=referrer]`).AttrOr("content", "") == "" {
		t.Fatalf("page policies: csp %q", csp)
	}
	js := en.do("GET", "/api/v2/summary.json", "", nil, "Accept-Encoding", "gzip").want(200).Header()
	if js.Get("Access-Control-Allow-Origin") != "*" || js.Get("Content-Security-Policy") != "" {
		t.Fatalf("JSON headers: %v", js)
	}
	for _, h := range []http.Header{html, js} {
		if h.Get(echo.HeaderXRequestID) != "" {
			t.Fatalf("a public snapshot answer carries a request id: %v", h)
		}
		// Eight at most: a ninth grows the header map into a table on every request.
		if len(h) > 8 {
			t.Fatalf("a public snapshot answer carries %d headers, want at most 8: %v", len(h), h)
		}
	}
	nf := en.do("GET", "/incidents/nope?lang=en", "", nil).want(404).Header()
	if nf.Get("Content-Security-Policy") == "" {
		t.Fatalf("the not-found page lacks the security policy: %v", nf)
	}
	api := en.do("GET", "/api/v1/components", en.read, nil).want(200).Header()
	if api.Get(echo.HeaderXRequestID) == "" || api.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("API headers: %v", api)
	}
}

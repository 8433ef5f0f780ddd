package handlers_test

import (
	"context"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func TestProbesAPI(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", ""})
	path := "/api/v1/components/api/probes"
	en.do("POST", path, en.write, `{"target": "https://api.example.com/healthz"}`).want(403)
	for _, tc := range []struct{ name, body, field string }{
		{"short interval", `{"target": "https://api.example.com/", "interval": "10s"}`, "interval"},
		{"metadata address", `{"target": "http://169.254.169.254/latest/meta-data/"}`, "target"},
		{"metadata name", `{"target": "http://metadata.google.internal/computeMetadata/v1/"}`, "target"},
		{"metadata IPv6", `{"kind": "tcp", "target": "[fd00:ec2::254]:80"}`, "target"},
		{"tcp without port", `{"kind": "tcp", "target": "db.internal"}`, "target"},
		{"not a URL", `{"target": "api.example.com"}`, "target"},
		{"credentials in URL", `{"target": "https://user:pw@api.example.com/"}`, "target"},
		{"unsafe method", `{"target": "https://api.example.com/", "method": "DELETE"}`, "method"},
		{"timeout over interval", `{"target": "https://api.example.com/", "interval": "15s", "timeout": "20s"}`, "timeout"},
		{"cert days on http", `{"target": "http://api.example.com/", "cert_min_days": 14}`, "cert_min_days"},
		{"http fields on dns", `{"kind": "dns", "target": "api.example.com", "expect_status": 200}`, "kind"},
		{"bad duration", `{"target": "https://api.example.com/", "interval": "often"}`, "interval"},
	} {
		_, fields := en.do("POST", path, en.admin, tc.body).want(422).apiError()
		if fields[tc.field] == nil {
			t.Errorf("%s: fields %v, want %s", tc.name, fields, tc.field)
		}
	}
	en.do("POST", path, en.admin, `{"target": "https://api.example.com/", "every": "1m"}`).want(400)
	en.do("POST", "/api/v1/components/ghost/probes", en.admin, `{"target": "https://api.example.com/"}`).want(404)

	p := en.do("POST", path, en.admin, `{"name": "API health", "target": "https://api.example.com/healthz", "interval": "15s",
		"body_contains": "ok", "cert_min_days": 14, "fail_after": 3, "recover_after": 2, "status": "major_outage"}`).want(201).json()
	id := p["id"].(string)
	if p["interval"] != "15s" || p["timeout"] != "10s" || p["method"] != "GET" || p["enabled"] != true || p["next_run_at"] == nil {
		t.Errorf("created %v", p)
	}
	if got := get[[]any](t, en.do("GET", path, en.read, nil).want(200).json(), "probes"); len(got) != 1 {
		t.Errorf("list %v", got)
	}
	p = en.do("PUT", "/api/v1/probes/"+id, en.admin, `{"kind": "tcp", "target": "api.example.com:443", "interval": "30s"}`).want(200).json()
	if p["kind"] != "tcp" || p["interval"] != "30s" || p["method"] != nil {
		t.Errorf("replaced %v", p)
	}

	// Metrics from recorded checks.
	now := en.clock.Now()
	_, err := en.svc.RecordProbeResults(context.Background(), []status.ProbeResult{
		{ProbeID: id, At: now.Add(-90 * time.Second), OK: true, Latency: 40 * time.Millisecond},
		{ProbeID: id, At: now.Add(-80 * time.Second), OK: false, Latency: 2 * time.Second, Error: "timeout"},
		{ProbeID: id, At: now.Add(-10 * time.Second), OK: true, Latency: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	m := en.do("GET", "/api/v1/components/api/metrics?step=1m&from="+now.Add(-3*time.Minute).Format(time.RFC3339), en.read, nil).want(200).json()
	total := m["total"].(map[string]any)
	if total["checks"] != 3.0 || total["failures"] != 1.0 || total["availability"].(float64) < 0.66 || total["max_latency_ms"] != 2000.0 {
		t.Errorf("total %v", total)
	}
	points := get[[]any](t, m, "points")
	if len(points) != 4 || points[0].(map[string]any)["availability"] != nil {
		t.Errorf("points %v, want 4 minutes, the first without checks (null)", points)
	}
	if d := en.do("GET", "/api/v1/components/api/metrics", en.read, nil).want(200).json(); d["step"] != "1h0m0s" || len(d["points"].([]any)) != 24 {
		t.Errorf("default metrics: %v", d["step"])
	}
	en.do("GET", "/api/v1/components/api/metrics?step=1s", en.read, nil).want(422)
	en.do("GET", "/api/v1/components/api/metrics?from=yesterday", en.read, nil).want(400)
	en.do("GET", "/api/v1/components/ghost/metrics", en.read, nil).want(404)

	en.do("DELETE", "/api/v1/probes/"+id, en.admin, nil).want(204)
	en.do("DELETE", "/api/v1/probes/"+id, en.admin, nil).want(404)
}

func TestSparklineOnTheHomePage(t *testing.T) {
	en := newEnv(t)
	en.seedComponents([3]string{"api", "API", ""}, [3]string{"web", "Web", ""})
	ctx := context.Background()
	op := status.Op{Actor: status.System}
	var ids []string
	for _, comp := range []string{"api", "web"} {
		p, err := en.svc.CreateProbe(ctx, op, comp, status.ProbeInput{Kind: status.ProbeTCP, Target: comp + ".internal:443", Interval: 15 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	now := en.clock.Now()
	var rs []status.ProbeResult
	for i := range 40 {
		for _, id := range ids {
			// One check in ten fails: the page says how many succeeded, not a rounded-up share.
			rs = append(rs, status.ProbeResult{ProbeID: id, At: now.Add(-time.Duration(i) * time.Minute), OK: i%10 != 3,
				Latency: time.Duration(20+i) * time.Millisecond})
		}
	}
	if _, err := en.svc.RecordProbeResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	// Only api opts in; saving the setting is a public change, so the page is rebuilt.
	en.do("PATCH", "/api/v1/components/api/monitoring", en.admin, `{"sparkline": true}`).want(200)
	for l, want := range map[string]string{"en": "Response time 40 ms on average over the last 60 minutes", "ko": "최근 60분 평균 응답 시간 40ms"} {
		d := page(t, en.do("GET", "/?lang="+l, "", nil).want(200))
		api := d.Find(`[data-testid=component][data-id=api] [data-testid=sparkline]`)
		if got := api.Find(".spark__text").Text(); got != want {
			t.Errorf("%s: sparkline text %q, want %q", l, got, want)
		}
		wantAvail := map[string]string{"en": "35 of 39 checks succeeded (89.7 %)", "ko": "확인 39회 중 35회 성공(89.7%)"}[l]
		if got := api.Find("[data-testid=availability]").Text(); got != wantAvail {
			t.Errorf("%s: availability %q, want %q", l, got, wantAvail)
		}
		if pts, _ := api.Find("polyline").Attr("points"); len(pts) < 100 {
			t.Errorf("%s: polyline points %q", l, pts)
		}
		if d.Find(`[data-testid=component][data-id=web] [data-testid=sparkline]`).Length() != 0 {
			t.Errorf("%s: a component that did not opt in shows a sparkline", l)
		}
	}
}

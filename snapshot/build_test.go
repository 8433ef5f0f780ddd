package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/candorstatus/candor/lang"

	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// flaky is a store whose reads can be made to fail.
type flaky struct {
	status.Store
	fail bool
}

func (f *flaky) Read(ctx context.Context, fn func(status.Tx) error) error {
	if f.fail {
		return errors.New("database unreachable")
	}
	return f.Store.Read(ctx, fn)
}

func newBuilder(t *testing.T) (*snapshot.Builder, *status.Service, *flaky, *status.ManualClock) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/candor.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	svc := status.NewService(st, clock, nil)
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	fl := &flaky{Store: st}
	return snapshot.NewBuilder(snapshot.Config{PageName: lang.Same("Test"), PublicURL: "https://status.example"}, fl, assets), svc, fl, clock
}

var op = status.Op{Actor: status.Actor{Kind: status.ActorCLI, Name: "test"}}

// TestRebuildReusesUnchangedDocuments: after a write, the documents it did not touch are
// the previous snapshot's own (same bytes, validators and compressed copies, nothing
// compressed again), and those it touched are new.
func TestRebuildReusesUnchangedDocuments(t *testing.T) {
	b, svc, _, clock := newBuilder(t)
	ctx := context.Background()
	if _, err := svc.CreateComponent(ctx, op, status.ComponentInput{ID: "api", Name: lang.Same("API")}); err != nil {
		t.Fatal(err)
	}
	inc, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("Old"), Message: lang.Same("Down."),
		Components: map[string]status.ComponentStatus{"api": status.MajorOutage}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PostUpdate(ctx, op, inc.ID, status.UpdateInput{Status: status.Resolved, Message: lang.Same("Fixed.")}); err != nil {
		t.Fatal(err)
	}
	first, err := b.Build(ctx, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := svc.CreateIncident(ctx, op, status.IncidentInput{Title: lang.Same("New"), Message: lang.Same("Down."),
		Components: map[string]status.ComponentStatus{"api": status.PartialOutage}}); err != nil {
		t.Fatal(err)
	}
	second, err := b.Build(ctx, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if second.Revision <= first.Revision {
		t.Fatalf("revision %d after %d", second.Revision, first.Revision)
	}
	old1, _ := first.Doc("en", "/incidents/"+inc.ID)
	old2, _ := second.Doc("en", "/incidents/"+inc.ID)
	if old1 == nil || old1 != old2 {
		t.Fatal("the resolved incident's page was rebuilt although nothing on it changed")
	}
	home1, _ := first.Doc("en", "/")
	home2, _ := second.Doc("en", "/")
	if home1 == home2 || home1.ETag == home2.ETag || !bytes.Contains(home2.Body, []byte("New")) {
		t.Fatal("the home page was not rebuilt with the new incident")
	}
	// A rebuild at a later minute with nothing new keeps the feed and the JSON as they were.
	clock.Advance(time.Minute)
	third, err := b.Build(ctx, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/history.atom", "/history", "/api/v2/summary.json", "/api/v2/incidents.json"} {
		for _, l := range []string{"en", "ko"} {
			d2, _ := second.Doc(l, path)
			d3, _ := third.Doc(l, path)
			if d2 == nil || d2 != d3 {
				t.Errorf("%s (%s) was rebuilt by a minute tick with nothing new", path, l)
			}
		}
	}
	for _, d := range []*snapshot.Doc{old2, home2} {
		checkCompressed(t, d)
	}
}

// checkCompressed checks d's compressed copies: made once however many requests ask at
// the same moment, smaller than the body, and decompressing to it.
func checkCompressed(t *testing.T, d *snapshot.Doc) {
	t.Helper()
	for _, c := range []snapshot.Coding{snapshot.Gzip, snapshot.Brotli} {
		etag := d.ETagHeader(c)
		encs := make([]*snapshot.Encoding, 8)
		var wg sync.WaitGroup
		for i := range encs {
			wg.Go(func() { encs[i] = d.Encoding(c) })
		}
		wg.Wait()
		e := encs[0]
		for _, other := range encs[1:] {
			if &other.Body[0] != &e.Body[0] {
				t.Fatalf("coding %d: concurrent requests compressed the document more than once", c)
			}
		}
		if len(e.Body) == 0 || len(e.Body) >= len(d.Body) || e.ContentLength[0] != strconv.Itoa(len(e.Body)) {
			t.Fatalf("coding %d: %d compressed bytes (Content-Length %v) for %d", c, len(e.Body), e.ContentLength, len(d.Body))
		}
		if &e.ETag[0] != &etag[0] || e.ETag[0] == d.ETag || e.ContentEncoding == nil {
			t.Fatalf("coding %d: ETag %v before compression, %v after; identity %s; Content-Encoding %v", c, etag, e.ETag, d.ETag, e.ContentEncoding)
		}
		var r io.Reader
		if c == snapshot.Gzip {
			zr, err := gzip.NewReader(bytes.NewReader(e.Body))
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		} else {
			r = brotli.NewReader(bytes.NewReader(e.Body))
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, d.Body) {
			t.Fatalf("coding %d decompresses to %d bytes (%v), want the %d of the body", c, len(got), err, len(d.Body))
		}
	}
}

// TestBuildWithoutStore: with no state ever read, a failed read is an error and no
// snapshot; after one, the last state is rendered again at the new time, marked stale.
func TestBuildWithoutStore(t *testing.T) {
	b, _, fl, clock := newBuilder(t)
	ctx := context.Background()
	fl.fail = true
	if snap, err := b.Build(ctx, clock.Now()); err == nil || snap != nil {
		t.Fatalf("Build without any state: %v, %v", snap, err)
	}
	fl.fail = false
	if _, err := b.Build(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	fl.fail = true
	clock.Advance(5 * time.Minute)
	snap, err := b.Build(ctx, clock.Now())
	if err == nil || snap == nil {
		t.Fatalf("Build after the store went away: %v, %v; want the last state and the error", snap, err)
	}
	if !snap.Built.Equal(clock.Now()) {
		t.Fatalf("stale snapshot built at %s, want %s", snap.Built, clock.Now())
	}
	d, _ := snap.Doc("en", "/")
	if !strings.Contains(string(d.Body), `data-testid="stale"`) {
		t.Fatal("the re-rendered page does not say it could not be refreshed")
	}
}

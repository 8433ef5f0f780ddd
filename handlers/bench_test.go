package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/snapshot"
	"github.com/candorstatus/candor/static"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/store/sqlite"
)

// discard is a ResponseWriter that keeps nothing, so the benchmark measures the server.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkPublicJSON serves /api/v2/summary.json from the snapshot through every
// middleware, request timing included: the read path the herd hits. It should not
// allocate beyond the header map the writer hands out.
func BenchmarkPublicJSON(b *testing.B) {
	store, err := sqlite.Open(b.Context(), b.TempDir()+"/candor.db")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	assets, err := static.Load()
	if err != nil {
		b.Fatal(err)
	}
	clock := status.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	builder := snapshot.NewBuilder(snapshot.Config{PageID: "bench", PageName: lang.Same("Bench")}, store, assets)
	holder := snapshot.NewHolder(builder, clock, nil)
	if err := holder.Rebuild(b.Context()); err != nil {
		b.Fatal(err)
	}
	e := handlers.New(handlers.Deps{Service: status.NewService(store, clock, nil), Site: holder, Builder: builder, Assets: assets})
	req := httptest.NewRequest("GET", "/api/v2/summary.json", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}

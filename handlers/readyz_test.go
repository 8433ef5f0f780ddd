package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/candorstatus/candor/handlers"
	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// fullStore answers reads and refuses writes, as SQLite on a full disk does: its
// CheckWritable says what the real stores say then (store/sqlite's TestCheckWritable
// shows they do).
type fullStore struct {
	status.Store
	full atomic.Bool
}

var errFull = fmt.Errorf("check writable: %w: %w", &status.Error{Code: status.EUNAVAILABLE,
	Message: "Writes are failing: the disk is full."}, errors.New("database or disk is full (13)"))

func (s *fullStore) CheckWritable(ctx context.Context) error {
	if s.full.Load() {
		return errFull
	}
	return nil
}

// TestReadyzReportsUnwritableStore (issue 18, defect 6): /readyz said ok while every
// write failed on a full disk or a read-only file system; it now answers 503 saying the
// store cannot be written, and ok again once it can.
func TestReadyzReportsUnwritableStore(t *testing.T) {
	en := newEnv(t)
	fs := &fullStore{Store: en.store}
	en.e = handlers.New(handlers.Deps{Service: status.NewService(fs, en.clock, nil), Site: en.holder, Builder: en.build,
		Assets: en.assets, DefaultLang: templates.Korean})
	if got := en.do("GET", "/readyz", "", nil).want(http.StatusOK).json(); got["store"] != "writable" {
		t.Fatalf("/readyz = %v", got)
	}
	fs.full.Store(true)
	got := en.do("GET", "/readyz", "", nil).want(http.StatusServiceUnavailable).json()
	if got["store"] != "not_writable" || !strings.Contains(fmt.Sprint(got["reason"]), "disk is full") {
		t.Fatalf("/readyz with a full disk = %v", got)
	}
	if strings.Contains(fmt.Sprint(got), "(13)") {
		t.Fatalf("/readyz leaks the driver's error: %v", got)
	}
	fs.full.Store(false)
	en.do("GET", "/readyz", "", nil).want(http.StatusOK)
}

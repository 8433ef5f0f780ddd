package migrate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/candorstatus/candor/store/migrate"
)

func TestLoadOrdersAndRefusesAmbiguity(t *testing.T) {
	ms, err := migrate.Load(fstest.MapFS{
		"0010_later.sql": {Data: []byte("B")},
		"0002_first.sql": {Data: []byte("A")},
		"sub/x.txt":      {Data: []byte("ignored")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 2 || ms[0].SQL != "A" || ms[1].Name != "0010_later.sql" {
		t.Fatalf("Load = %+v, want 0002 then 0010", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":       {"2_Bad-Name.sql": {}},
		"not sql":        {"0001_a.txt": {}},
		"version zero":   {"0000_zero.sql": {}},
		"shared version": {"0001_a.sql": {}, "01_b.sql": {}},
	} {
		if _, err := migrate.Load(fsys); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}

// fake records what a run did, and fails the migrations named in fail.
type fake struct {
	recorded []int
	ran      []string
	fail     map[string]bool
}

func (f *fake) Applied(context.Context) ([]int, error) { return slices.Clone(f.recorded), nil }

func (f *fake) Apply(_ context.Context, m migrate.Migration) error {
	if f.fail[m.Name] {
		return errors.New("syntax error")
	}
	f.ran = append(f.ran, m.Name)
	f.recorded = append(f.recorded, m.Version)
	return nil
}

func list(names ...string) []migrate.Migration {
	var ms []migrate.Migration
	for i, n := range names {
		ms = append(ms, migrate.Migration{Version: i + 1, Name: n})
	}
	return ms
}

func TestRunAppliesWhatIsMissingInOrder(t *testing.T) {
	f := &fake{recorded: []int{1, 3}}
	if err := migrate.Run(t.Context(), f, list("a", "b", "c", "d")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"b", "d"}; !slices.Equal(f.ran, want) {
		t.Errorf("ran %v, want %v", f.ran, want)
	}
	f.ran = nil
	if err := migrate.Run(t.Context(), f, list("a", "b", "c", "d")); err != nil || len(f.ran) != 0 {
		t.Errorf("second run: ran %v, err %v; want nothing", f.ran, err)
	}
}

func TestRunStopsAtTheFirstFailure(t *testing.T) {
	f := &fake{fail: map[string]bool{"b": true}}
	err := migrate.Run(t.Context(), f, list("a", "b", "c"))
	if err == nil || !strings.Contains(err.Error(), "migration b") {
		t.Fatalf("Run = %v, want the failing migration named", err)
	}
	if !slices.Equal(f.ran, []string{"a"}) {
		t.Errorf("ran %v, want only a (c must wait for b)", f.ran)
	}
	f.fail = nil
	if err := migrate.Run(t.Context(), f, list("a", "b", "c")); err != nil || !slices.Equal(f.ran, []string{"a", "b", "c"}) {
		t.Errorf("fixed build: ran %v, err %v", f.ran, err)
	}
}

func TestRunRefusesANewerDatabase(t *testing.T) {
	f := &fake{recorded: []int{1, 2, 3}}
	err := migrate.Run(t.Context(), f, list("a", "b"))
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("Run = %v, want a newer-schema refusal", err)
	}
	if len(f.ran) != 0 {
		t.Errorf("ran %v on a newer database", f.ran)
	}
}

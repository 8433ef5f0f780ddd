package live

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// revs lists the revisions (and event names) a client would be sent.
func revs(t *testing.T, frames []frame) []string {
	t.Helper()
	var out []string
	for _, f := range frames {
		lines := strings.Split(strings.TrimSuffix(string(f.b), "\n\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("frame %q is not three lines", f.b)
		}
		var data struct{ Revision int64 }
		if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[2], "data: ")), &data); err != nil {
			t.Fatalf("frame %q: %v", f.b, err)
		}
		name := strings.TrimPrefix(lines[1], "event: ")
		id := strings.TrimPrefix(lines[0], "id: ")
		if id != strconv.FormatInt(data.Revision, 10) {
			t.Fatalf("frame %q: id and revision differ", f.b)
		}
		out = append(out, name+":"+id)
	}
	return out
}

func TestCatchUp(t *testing.T) {
	h := NewHub(Config{Revision: 10, Replay: 3})
	defer h.Close()
	if got := revs(t, h.load().catchUp(0, false)); !slices.Equal(got, []string{"change:10"}) {
		t.Fatalf("fresh hub sends %v", got)
	}
	for _, r := range []int64{11, 13, 13, 12, 14, 15} { // 13 twice and 12 late: ignored
		h.Publish(Event{Revision: r, Kind: "incident", ID: "x"})
	}
	// The ring keeps 13, 14, 15: everything after 11 is known.
	v := h.load()
	for _, tc := range []struct {
		name    string
		last    int64
		hasLast bool
		want    []string
	}{
		{"no id", 0, false, []string{"change:15"}},
		{"current", 15, true, []string{"change:15"}},
		{"one behind", 14, true, []string{"change:15"}},
		{"in the ring", 12, true, []string{"change:13", "change:14", "change:15"}},
		{"at the floor", 11, true, []string{"change:13", "change:14", "change:15"}},
		{"older than the ring", 10, true, []string{"resync:15"}},
		{"from the future", 99, true, []string{"resync:15"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := revs(t, v.catchUp(tc.last, tc.hasLast)); !slices.Equal(got, tc.want) {
				t.Fatalf("Last-Event-ID %d: got %v, want %v", tc.last, got, tc.want)
			}
		})
	}
	// By sequence: 11, 13, 14, 15 were events 1 to 4; the ring keeps 2 to 4.
	for seq, want := range map[uint64][]string{4: nil, 3: {"change:15"}, 1: {"change:13", "change:14", "change:15"}, 0: {"resync:15"}} {
		if got := revs(t, v.since(seq)); !slices.Equal(got, want) {
			t.Errorf("since seq %d: got %v, want %v", seq, got, want)
		}
	}
}

func TestFrameFormat(t *testing.T) {
	got := string(changeFrame(Event{Revision: 42, Kind: "incident", ID: "a\nb"}))
	want := "id: 42\nevent: change\ndata: {\"revision\":42,\"kind\":\"incident\",\"id\":\"a\\nb\"}\n\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := string(resyncFrame(7)); got != "id: 7\nevent: resync\ndata: {\"revision\":7}\n\n" {
		t.Fatalf("resync frame %q", got)
	}
}

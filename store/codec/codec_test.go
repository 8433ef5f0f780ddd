package codec

import (
	"testing"
	"time"

	"github.com/candorstatus/candor/lang"
	"github.com/candorstatus/candor/status"
)

// TestReadsWhatEarlierVersionsWrote: stored timelines outlive the code that wrote them.
func TestReadsWhatEarlierVersionsWrote(t *testing.T) {
	cs, err := DecodeChanges([]byte(`[{"component_id":"api","name":"API","old_status":"operational","new_status":"major_outage"}]`))
	if err != nil || len(cs) != 1 || cs[0].Name != lang.Same("API") || cs[0].NewStatus != status.MajorOutage {
		t.Fatalf("changes with a plain name: %+v %v", cs, err)
	}
	e, err := DecodeEstimate([]byte(`{"p50_us":1700000000000000,"p80_us":1700000060000000,"p90_us":1700000120000000,"samples":3,"pool":"all","few":true,"explain_en":"old","explain_ko":"옛"}`))
	if err != nil || e.Samples != 3 || !e.At.IsZero() || e.Phase != "" || e.P50.UnixMicro() != 1700000000000000 {
		t.Fatalf("estimate without at/phase: %+v %v", e, err)
	}
}

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 22, 9, 0, 0, 123456000, time.UTC)
	e := &status.Estimate{P50: at.Add(time.Hour), P80: at.Add(2 * time.Hour), P90: at.Add(3 * time.Hour), Samples: 9, Pool: "impact", Phase: "identified", At: at}
	b, err := EncodeEstimate(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEstimate(b)
	if err != nil || *got != *e {
		t.Fatalf("estimate %+v → %+v %v", e, got, err)
	}
	if b, _ := EncodeEstimate(nil); b != nil {
		t.Fatal("no estimate must store NULL")
	}
	c := &status.Chance{P: 0.25, Met: 1, Of: 4}
	b, _ = EncodeChance(c)
	if got, err := DecodeChance(b); err != nil || *got != *c {
		t.Fatalf("chance %+v %v", got, err)
	}
	changes := []status.ComponentChange{{ComponentID: "api", Name: lang.Text{KO: "에이피아이", EN: "API"}, OldStatus: status.Operational, NewStatus: status.PartialOutage}}
	s, _ := EncodeChanges(changes)
	if got, err := DecodeChanges([]byte(s)); err != nil || got[0] != changes[0] {
		t.Fatalf("changes %+v %v", got, err)
	}
	var txt lang.Text
	if err := (TextCol{T: &txt}).Scan(TextArg(lang.Text{KO: "가"})); err != nil || txt != lang.In(lang.Korean, "가") {
		t.Fatalf("text %+v %v", txt, err)
	}
}

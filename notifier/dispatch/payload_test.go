package dispatch_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier"
)

// The payload codec lives in notifier (the planner encodes, the dispatcher decodes); its
// tests live here, next to its only reader.
func TestPayloadRoundTrip(t *testing.T) {
	full := notifier.Message{
		Token: "device-token-000001", Topic: "candor.all.en", Condition: "'a' in topics",
		Title: "Messenger: outage", Body: "Messages are delayed.\nWe are on it.",
		Data:        map[string]string{"incident_id": "42", "url": "https://status.example/i/42?a=1&b=<2>"},
		CollapseKey: "incident-42", TTL: 90 * time.Minute, High: true, AnalyticsLabel: "incident-42",
	}
	tests := []struct {
		name    string
		in      notifier.Message
		wantTTL time.Duration
	}{
		{"everything, target dropped", full, 90 * time.Minute},
		{"empty", notifier.Message{}, 0},
		{"sub-second ttl rounds up", notifier.Message{TTL: 1500 * time.Millisecond}, 2 * time.Second},
		{"max ttl", notifier.Message{TTL: notifier.MaxTTL}, notifier.MaxTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := notifier.EncodePayload(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := notifier.DecodePayload(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.in
			want.Token, want.Topic, want.Condition, want.TTL = "", "", "", tt.wantTTL
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
			again, _ := notifier.EncodePayload(got)
			if string(again) != string(b) {
				t.Errorf("not stable: %s vs %s", b, again)
			}
		})
	}
	b, _ := notifier.EncodePayload(full)
	for _, field := range []string{`"title":`, `"body":`, `"data":`, `"collapse_key":`, `"ttl_seconds":5400`, `"high":true`, `"analytics_label":`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("encoding lacks %s: %s", field, b)
		}
	}
	if strings.Contains(string(b), "device-token") || strings.Contains(string(b), "topics") {
		t.Errorf("target encoded: %s", b)
	}
}

func TestPayloadDecodeErrors(t *testing.T) {
	for _, in := range []string{"", "{", `{"ttl_seconds":-1}`, `{"ttl_seconds":99999999999}`, `{"title":3}`} {
		if _, err := notifier.DecodePayload([]byte(in)); err == nil {
			t.Errorf("DecodePayload(%q) succeeded", in)
		}
	}
	if _, err := notifier.EncodePayload(notifier.Message{TTL: -time.Second}); err == nil {
		t.Error("negative ttl encoded")
	}
	// Fields a newer release adds are ignored.
	if m, err := notifier.DecodePayload([]byte(`{"title":"t","image":"x"}`)); err != nil || m.Title != "t" {
		t.Errorf("unknown field: %+v, %v", m, err)
	}
}

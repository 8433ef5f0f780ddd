package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTopicFor(t *testing.T) {
	tests := []struct {
		id, lang, want string
	}{
		{"messenger", "ko", "candor.c.messenger.ko"},
		{"api-v2_eu", "en", "candor.c.api-v2_eu.en"},
		{"a.b", "en", "candor.c.a%2Eb.en"},
		{"메신저 앱", "ko", "candor.c.%EB%A9%94%EC%8B%A0%EC%A0%80%20%EC%95%B1.ko"},
		{"", "en", "candor.c._.en"},
	}
	for _, tt := range tests {
		got := TopicFor(tt.id, tt.lang)
		if got != tt.want {
			t.Errorf("TopicFor(%q, %q) = %q, want %q", tt.id, tt.lang, got, tt.want)
		}
		if !ValidTopic(got) {
			t.Errorf("TopicFor(%q) = %q is not a valid FCM topic", tt.id, got)
		}
	}
	long := TopicFor(strings.Repeat("긴", 200), "ko")
	if !ValidTopic(long) || len(long) > 200 {
		t.Errorf("long id gives %q", long)
	}
	// Escaping keeps distinct ids distinct, even those differing only in separators.
	if TopicFor("a.b", "en") == TopicFor("a", "b.en") {
		t.Error("topic names collide")
	}
	if got := TopicAll("ko"); got != "candor.all.ko" || !ValidTopic(got) {
		t.Errorf("TopicAll = %q", got)
	}
}

func TestConditions(t *testing.T) {
	var topics []string
	for i := range 12 {
		topics = append(topics, TopicFor(string(rune('a'+i)), "en"))
	}
	topics = append(topics, topics[0], "bad name!")
	conds := Conditions(topics)
	if len(conds) != 3 {
		t.Fatalf("got %d conditions, want 3: %q", len(conds), conds)
	}
	for i, want := range []int{5, 5, 2} {
		if n := strings.Count(conds[i], " in topics"); n != want {
			t.Errorf("condition %d has %d topics, want %d: %q", i, n, want, conds[i])
		}
	}
	if conds[2] != "'candor.c.k.en' in topics || 'candor.c.l.en' in topics" {
		t.Errorf("condition format: %q", conds[2])
	}
	if got := Conditions(nil); len(got) != 0 {
		t.Errorf("Conditions(nil) = %q", got)
	}
}

func TestRedactToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abcdefghijklmnopqrstuvwxyz", "abcd…wxyz"},
		{"short", "…"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactToken(tt.in); got != tt.want {
			t.Errorf("RedactToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := NewLogSender(slog.New(slog.NewJSONHandler(&buf, nil)))
	token := "secret-device-token-0123456789-the-rest"
	m := Build(event(KindCreated), "en")
	m.Token = token
	bad := m
	bad.Topic = "t" // two targets
	res, err := s.Send(context.Background(), []Message{m, bad})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Class != ClassNone || res[0].MessageID == "" || res[1].Class != ClassPayload {
		t.Errorf("results = %+v", res)
	}
	tr, err := s.Subscribe(context.Background(), TopicAll("en"), []string{token, "other-token-value-1234"})
	if err != nil || len(tr) != 2 || tr[1].Token != "other-token-value-1234" || tr[0].Class != ClassNone {
		t.Errorf("Subscribe = %+v, %v", tr, err)
	}
	if strings.Contains(buf.String(), token) {
		t.Errorf("log holds a full token: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "secr…rest") {
		t.Errorf("log lacks the redacted token: %s", buf.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Send(ctx, []Message{m}); err == nil {
		t.Error("Send with a cancelled context succeeded")
	}
	if _, err := s.Unsubscribe(context.Background(), "bad topic", []string{token}); err == nil {
		t.Error("Unsubscribe from a malformed topic succeeded")
	}
}

// TestPayloadSize checks the size rule against encoding/json itself.
func TestPayloadSize(t *testing.T) {
	alphabet := []rune("aZ9 <>&\"\\\n\t\x01é한글😀\u2028")
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		r := make([]rune, rng.IntN(30))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	for range 200 {
		title, body := str(), str()
		data := map[string]string{}
		for range rng.IntN(4) {
			data[str()] = str()
		}
		type notif struct {
			Title string `json:"title"`
			Body  string `json:"body"`
		}
		b, _ := json.Marshal(struct {
			Notification notif             `json:"notification"`
			Data         map[string]string `json:"data"`
		}{notif{title, body}, data})
		if got := PayloadSize(title, body, data); got != len(b) {
			t.Fatalf("PayloadSize = %d, json is %d bytes: %s", got, len(b), b)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Message{Token: "t", Title: "x", TTL: time.Hour}
	tests := []struct {
		name string
		edit func(*Message)
		ok   bool
	}{
		{"token", func(m *Message) {}, true},
		{"topic", func(m *Message) { m.Token, m.Topic = "", "candor.all.ko" }, true},
		{"no target", func(m *Message) { m.Token = "" }, false},
		{"two targets", func(m *Message) { m.Condition = "'a' in topics" }, false},
		{"bad topic", func(m *Message) { m.Token, m.Topic = "", "a b" }, false},
		{"ttl too long", func(m *Message) { m.TTL = 25 * time.Hour }, false},
		{"bad label", func(m *Message) { m.AnalyticsLabel = "장애" }, false},
		{"too big for a topic", func(m *Message) { m.Token, m.Topic, m.Body = "", "x", strings.Repeat("a", 3000) }, false},
		{"big but fine for a token", func(m *Message) { m.Body = strings.Repeat("a", 3000) }, true},
	}
	for _, tt := range tests {
		m := ok
		tt.edit(&m)
		if err := m.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if !slices.Contains(Kinds, KindMaintenanceLate) || KindCreated.Maintenance() || !KindMaintenanceLate.Maintenance() {
		t.Error("kind helpers")
	}
}

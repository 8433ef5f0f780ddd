package fcm_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/candorstatus/candor/lang"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"

	"github.com/candorstatus/candor/notifier"
	"github.com/candorstatus/candor/notifier/fcm"
	"github.com/candorstatus/candor/notifier/fcmfake"
	"github.com/candorstatus/candor/status"
)

var (
	kst = time.FixedZone("KST", 9*3600)
	now = time.Date(2026, 11, 22, 18, 5, 0, 0, kst)
)

// setup starts a fake and a Sender pointed at it the way CANDOR_FCM_ENDPOINT does.
func setup(t testing.TB) (*fcmfake.Server, *fcm.Sender) {
	t.Helper()
	fake := fcmfake.New()
	url, stop := fake.Start()
	t.Cleanup(stop)
	s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "candor-test", Endpoint: url, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return fake, s
}

func send(t *testing.T, s *fcm.Sender, msgs ...notifier.Message) []notifier.Result {
	t.Helper()
	res, err := s.Send(context.Background(), msgs)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(res) != len(msgs) {
		t.Fatalf("%d results for %d messages", len(res), len(msgs))
	}
	return res
}

func built(kind notifier.Kind, impact string) notifier.Message {
	return notifier.Build(notifier.Event{
		Kind: kind, PageName: lang.Same("Messenger Status"), PublicURL: "https://status.example.com",
		Location: kst, Now: now, IncidentID: "42", Title: lang.Same("메시지 지연"), Status: "identified",
		Impact: impact, Message: lang.Same("메시지 전송이 지연되고 있습니다."),
		ETA: &status.Estimate{P50: now.Add(35 * time.Minute), P90: now.Add(85 * time.Minute)},
	}, "ko")
}

func tokenMsg(token string) notifier.Message {
	m := built(notifier.KindUpdated, "minor")
	m.Token = token
	return m
}

func TestSendRoundTrip(t *testing.T) {
	fake, s := setup(t)
	high := built(notifier.KindCreated, "critical")
	high.Token = "device-token-0001"
	normal := built(notifier.KindUpdated, "minor")
	normal.Topic = notifier.TopicAll("ko")
	cond := built(notifier.KindUpdated, "minor")
	cond.Condition = notifier.Conditions([]string{"candor.c.a.ko", "candor.c.b.ko"})[0]

	res := send(t, s, high, normal, cond)
	got := fake.Messages()
	if len(got) != 3 {
		t.Fatalf("fake accepted %d messages, want 3", len(got))
	}
	byName := map[string]fcmfake.Received{}
	for _, r := range got {
		byName[r.Name] = r
	}
	for i, r := range res {
		if r.Err != nil || r.Class != notifier.ClassNone || !strings.HasPrefix(r.MessageID, "projects/candor-test/messages/") {
			t.Fatalf("result %d = %+v", i, r)
		}
	}

	h := byName[res[0].MessageID]
	if h.Token != high.Token || h.Title != high.Title || h.Body != high.Body || !maps.Equal(h.Data, high.Data) {
		t.Errorf("content lost: %+v\nsent %+v", h, high)
	}
	wantTTL := 85 * time.Minute
	if a := h.Android; a.CollapseKey != "incident-42" || a.Priority != "high" || a.TTL != wantTTL || a.Tag != "incident-42" {
		t.Errorf("android = %+v", a)
	}
	wantAPNS := map[string]string{
		"apns-collapse-id": "incident-42",
		"apns-expiration":  strconv.FormatInt(now.Add(wantTTL).Unix(), 10),
		"apns-priority":    "10",
	}
	if !maps.Equal(h.APNSHeaders, wantAPNS) {
		t.Errorf("apns headers = %v, want %v", h.APNSHeaders, wantAPNS)
	}
	wantWeb := map[string]string{"Topic": "incident-42", "TTL": "5100", "Urgency": "high"}
	if !maps.Equal(h.WebpushHeaders, wantWeb) || h.WebpushTag != "incident-42" {
		t.Errorf("webpush headers = %v tag %q, want %v", h.WebpushHeaders, h.WebpushTag, wantWeb)
	}
	if h.AnalyticsLabel != "incident-42" {
		t.Errorf("analytics label = %q", h.AnalyticsLabel)
	}

	n := byName[res[1].MessageID]
	if n.Topic != "candor.all.ko" || n.Token != "" || n.Android.Priority != "normal" ||
		n.APNSHeaders["apns-priority"] != "5" || n.WebpushHeaders["Urgency"] != "normal" {
		t.Errorf("normal topic message = %+v", n)
	}
	if c := byName[res[2].MessageID]; c.Condition != "'candor.c.a.ko' in topics || 'candor.c.b.ko' in topics" {
		t.Errorf("condition = %q", c.Condition)
	}
}

func TestSendChunksAndAligns(t *testing.T) {
	fake, s := setup(t)
	const n = 1201 // three SendEach calls: 500, 500, 201
	msgs := make([]notifier.Message, n)
	for i := range msgs {
		msgs[i] = tokenMsg(fmt.Sprintf("tok-%04d", i))
	}
	res := send(t, s, msgs...)
	if fake.Requests() != n || fake.Accepted() != n {
		t.Fatalf("fake saw %d requests, accepted %d; want %d", fake.Requests(), fake.Accepted(), n)
	}
	tokenOf := map[string]string{}
	for _, r := range fake.Messages() {
		tokenOf[r.Name] = r.Token
	}
	for i, r := range res {
		if r.Class != notifier.ClassNone || tokenOf[r.MessageID] != msgs[i].Token {
			t.Fatalf("result %d (%+v) does not belong to %s", i, r, msgs[i].Token)
		}
	}
}

func TestSendErrorClasses(t *testing.T) {
	payloadBug := tokenMsg("good-token-payload")
	payloadBug.Data = map[string]string{"from": "x"} // FCM reserves "from": a BadRequest
	tests := []struct {
		name       string
		msg        notifier.Message
		class      notifier.ErrorClass
		retryAfter time.Duration
	}{
		{"ok", tokenMsg("good-token-1"), notifier.ClassNone, 0},
		{"unregistered", tokenMsg("unregistered-abc"), notifier.ClassDeleteToken, 0},
		{"invalid token", tokenMsg("invalid-abc"), notifier.ClassDeleteToken, 0},
		{"sender id mismatch", tokenMsg("mismatch-abc"), notifier.ClassDeleteToken, 0},
		{"quota", tokenMsg("quota-abc"), notifier.ClassRetry, time.Second},
		{"internal", tokenMsg("internal-abc"), notifier.ClassRetry, 0},
		{"third-party auth", tokenMsg("authfail-abc"), notifier.ClassAuth, 0},
		{"payload rejected by FCM", payloadBug, notifier.ClassPayload, 0},
	}
	fake, s := setup(t)
	msgs := make([]notifier.Message, len(tests))
	for i, tt := range tests {
		msgs[i] = tt.msg
	}
	res := send(t, s, msgs...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := res[i]
			if r.Class != tt.class || r.RetryAfter != tt.retryAfter {
				t.Errorf("class %s retry-after %s, want %s %s (err %v)", r.Class, r.RetryAfter, tt.class, tt.retryAfter, r.Err)
			}
			if (r.Err == nil) != (tt.class == notifier.ClassNone) {
				t.Errorf("err = %v", r.Err)
			}
		})
	}
	if fake.Accepted() != 1 {
		t.Errorf("fake accepted %d, want 1", fake.Accepted())
	}
	// Why classification happens before wrapping: the SDK's helpers type-assert.
	wrapped := res[1].Err
	if messaging.IsUnregistered(wrapped) || !messaging.IsUnregistered(errors.Unwrap(wrapped)) {
		t.Error("expected messaging.IsUnregistered to see only the unwrapped error")
	}
	if errorutils.HTTPResponse(errors.Unwrap(wrapped)).StatusCode != 404 {
		t.Error("the raw response is reachable through Unwrap")
	}
	if strings.Contains(wrapped.Error(), "unregistered-abc") {
		t.Errorf("error holds a full token: %v", wrapped)
	}
}

// TestSendFlakyRecovered: the SDK itself retries a 503 (network errors and 503 only, first
// retry at once), so a token failing once is delivered within one Send; 429 and 500 are
// not retried by the SDK and reach the outbox as ClassRetry.
func TestSendFlakyRecovered(t *testing.T) {
	fake, s := setup(t)
	res := send(t, s, tokenMsg("flaky1-abc"))
	if res[0].Class != notifier.ClassNone {
		t.Fatalf("flaky token: %+v", res[0])
	}
	if fake.Requests() != 2 {
		t.Errorf("fake saw %d requests, want 2 (one SDK retry)", fake.Requests())
	}

	fake.Reset()
	fake.FailNext(1, 503, 0)
	if res := send(t, s, tokenMsg("good-token-2")); res[0].Class != notifier.ClassNone || fake.Requests() != 2 {
		t.Errorf("503 outage not absorbed: %+v after %d requests", res[0], fake.Requests())
	}
	fake.Reset()
	fake.FailNext(1, 500, 0)
	if res := send(t, s, tokenMsg("good-token-3")); res[0].Class != notifier.ClassRetry || fake.Requests() != 1 {
		t.Errorf("500: %+v after %d requests", res[0], fake.Requests())
	}
	fake.Reset()
	fake.FailNext(1, 429, 3*time.Second)
	if res := send(t, s, tokenMsg("good-token-4")); res[0].Class != notifier.ClassRetry || res[0].RetryAfter != 3*time.Second {
		t.Errorf("429: %+v", res[0])
	}
}

func TestSendFailsBadMessagesAlone(t *testing.T) {
	fake, s := setup(t)
	noTarget := tokenMsg("")
	twoTargets := tokenMsg("tok-b")
	twoTargets.Topic = "candor.all.ko"
	badTopic := tokenMsg("")
	badTopic.Topic = "not a topic"
	res := send(t, s, tokenMsg("tok-a"), noTarget, twoTargets, badTopic, tokenMsg("tok-c"))
	want := []notifier.ErrorClass{notifier.ClassNone, notifier.ClassPayload, notifier.ClassPayload, notifier.ClassPayload, notifier.ClassNone}
	for i, w := range want {
		if res[i].Class != w {
			t.Errorf("message %d: %s (%v), want %s", i, res[i].Class, res[i].Err, w)
		}
	}
	if fake.Requests() != 2 {
		t.Errorf("fake saw %d requests, want 2", fake.Requests())
	}
}

func TestSendCancelled(t *testing.T) {
	fake, s := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Send(ctx, []notifier.Message{tokenMsg("tok")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if _, err := s.Subscribe(ctx, "candor.all.ko", []string{"tok"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe = %v, want context.Canceled", err)
	}
	if fake.Requests()+fake.TopicRequests() != 0 {
		t.Error("a cancelled call reached the server")
	}
}

func TestSubscribeChunked(t *testing.T) {
	fake, s := setup(t)
	topic := notifier.TopicFor("messenger", "ko")
	tokens := make([]string, 2500)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("tok-%04d", i)
	}
	tokens[10], tokens[1500], tokens[2400], tokens[7] = "unregistered-1", "invalid-1", "internal-1", ""
	res, err := s.Subscribe(context.Background(), topic, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if fake.TopicRequests() != 3 {
		t.Errorf("topic requests = %d, want 3 (1000 per call)", fake.TopicRequests())
	}
	if got := len(fake.Subscribers(topic)); got != 2496 {
		t.Errorf("%d subscribers, want 2496", got)
	}
	want := map[int]struct {
		class notifier.ErrorClass
		err   string
	}{
		7: {notifier.ClassDeleteToken, "empty token"}, 10: {notifier.ClassDeleteToken, "NOT_FOUND"},
		1500: {notifier.ClassDeleteToken, "INVALID_ARGUMENT"}, 2400: {notifier.ClassRetry, "INTERNAL"},
	}
	for i, r := range res {
		w, bad := want[i]
		if r.Token != tokens[i] || r.Class != w.class || r.Err != w.err || (!bad && r.Err != "") {
			t.Errorf("token %d: %+v, want %+v", i, r, w)
		}
	}

	res, err = s.Unsubscribe(context.Background(), "/topics/"+topic, tokens[:1200])
	if err != nil || len(res) != 1200 {
		t.Fatalf("Unsubscribe = %d results, %v", len(res), err)
	}
	// The first 1200 hold 1198 subscribed tokens (index 7 is empty, 10 unregistered).
	if got := len(fake.Subscribers(topic)); got != 2496-1198 {
		t.Errorf("%d subscribers left, want %d", got, 2496-1198)
	}
	if _, err := s.Subscribe(context.Background(), "bad topic!", tokens); err == nil {
		t.Error("Subscribe to a malformed topic succeeded")
	}
}

func TestSubscribeChunkFailure(t *testing.T) {
	fake, s := setup(t)
	tokens := make([]string, 1001)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("tok-%04d", i)
	}
	fake.FailNextTopic(1, 500) // not retried by the SDK: the first 1000 fail
	res, err := s.Subscribe(context.Background(), "candor.all.en", tokens)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Class != notifier.ClassRetry || res[0].Err == "" || res[999].Class != notifier.ClassRetry {
		t.Errorf("failed chunk: %+v", res[0])
	}
	if res[1000].Class != notifier.ClassNone || res[1000].Err != "" {
		t.Errorf("second chunk: %+v", res[1000])
	}
	if got := fake.Subscribers("candor.all.en"); len(got) != 1 || got[0] != "tok-1000" {
		t.Errorf("subscribers = %v", got)
	}
}

// TestEndpointFromEnv: CANDOR_FCM_ENDPOINT alone reaches both the send and the
// topic-management endpoints, with or without a path prefix.
func TestEndpointFromEnv(t *testing.T) {
	fake := fcmfake.New()
	url, stop := fake.Start()
	t.Cleanup(stop)
	for _, endpoint := range []string{url, url + "/", url + "/fcm-proxy"} {
		fake.Reset()
		env := map[string]string{"CANDOR_FCM_ENDPOINT": endpoint}
		cfg, ok := fcm.ConfigFromEnv(func(k string) string { return env[k] })
		if !ok {
			t.Fatal("endpoint alone should configure FCM")
		}
		s, err := fcm.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Send(context.Background(), []notifier.Message{tokenMsg("tok-env")})
		if err != nil || res[0].Class != notifier.ClassNone || !strings.HasPrefix(res[0].MessageID, "projects/candor-dev/") {
			t.Errorf("%s: send = %+v, %v", endpoint, res, err)
		}
		if _, err := s.Subscribe(context.Background(), "candor.all.ko", []string{"tok-env"}); err != nil {
			t.Fatal(err)
		}
		if fake.Requests() != 1 || fake.TopicRequests() != 1 || len(fake.Subscribers("candor.all.ko")) != 1 {
			t.Errorf("%s: fake saw %d sends, %d topic calls", endpoint, fake.Requests(), fake.TopicRequests())
		}
	}
	if _, ok := fcm.ConfigFromEnv(func(string) string { return "" }); ok {
		t.Error("empty environment should leave FCM unconfigured")
	}
}

// TestEveryProjectVariableConfiguresFCM: each variable Candor reads turns FCM on; none is
// read only to be ignored (a user who set GOOGLE_CLOUD_PROJECT once got log-only pushes).
func TestEveryProjectVariableConfiguresFCM(t *testing.T) {
	for _, key := range []string{"CANDOR_FCM_PROJECT_ID", "CANDOR_FCM_PROJECT", "GOOGLE_CLOUD_PROJECT",
		"CANDOR_FCM_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS", "CANDOR_FCM_ENDPOINT"} {
		cfg, ok := fcm.ConfigFromEnv(func(k string) string {
			if k == key {
				return "x"
			}
			return ""
		})
		if !ok || cfg.Describe() == "" {
			t.Errorf("%s alone leaves FCM unconfigured", key)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []fcm.Config{
		{Endpoint: "not a url"},
		{Endpoint: "ftp://host"},
		{CredentialsFile: t.TempDir() + "/missing.json"},
	} {
		if _, err := fcm.New(ctx, cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func TestWebPushTopic(t *testing.T) {
	if got := fcm.WebPushTopic("incident-42"); got != "incident-42" {
		t.Errorf("short key changed: %q", got)
	}
	for _, key := range []string{"maintenance-" + strings.Repeat("x", 40), "incident-a.b"} {
		got := fcm.WebPushTopic(key)
		if len(got) != 32 || strings.ContainsAny(got, "+/=.") || got != fcm.WebPushTopic(key) {
			t.Errorf("WebPushTopic(%q) = %q", key, got)
		}
	}
}

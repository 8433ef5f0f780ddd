package fcmfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/candorstatus/candor/notifier"
)

// wireRequest is the part of FCM's v1 send request the fake reads.
type wireRequest struct {
	ValidateOnly bool        `json:"validate_only"`
	Message      wireMessage `json:"message"`
}

type wireMessage struct {
	Token        string `json:"token"`
	Topic        string `json:"topic"`
	Condition    string `json:"condition"`
	Notification *struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"notification"`
	Data    map[string]string `json:"data"`
	Android *struct {
		CollapseKey  string  `json:"collapse_key"`
		Priority     string  `json:"priority"`
		TTL          *string `json:"ttl"`
		Notification *struct {
			Tag string `json:"tag"`
		} `json:"notification"`
	} `json:"android"`
	APNS *struct {
		Headers map[string]string `json:"headers"`
	} `json:"apns"`
	Webpush *struct {
		Headers      map[string]string `json:"headers"`
		Notification *struct {
			Tag string `json:"tag"`
		} `json:"notification"`
	} `json:"webpush"`
	FCMOptions *struct {
		AnalyticsLabel string `json:"analytics_label"`
	} `json:"fcm_options"`
}

// maxRequest bounds a request body; FCM's own limits are far below it.
const maxRequest = 1 << 20

func (s *Server) serveSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	f := s.fail
	if f.n > 0 {
		s.fail.n--
	}
	s.mu.Unlock()
	if f.n > 0 {
		code, status, msg := failureFor(f.status)
		writeError(w, f.status, status, msg, code, f.retryAfter)
		return
	}

	var req wireRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error(), "", 0)
		return
	}
	m, err := parse(&req.Message)
	if err == nil {
		err = validate(m)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error(), "", 0)
		return
	}
	if m.Token != "" {
		if tf, ok := s.tokenFailure(m.Token); ok {
			writeError(w, tf.status, tf.grpc, tf.msg, tf.code, tf.retryAfter)
			return
		}
	}
	name := s.accept(projectOf(r.URL.Path), m, req.ValidateOnly)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	io.WriteString(w, `{"name":`+strconv.Quote(name)+`}`)
}

// parse flattens the wire message into a Received.
func parse(wm *wireMessage) (*Received, error) {
	m := &Received{
		Token: wm.Token, Topic: strings.TrimPrefix(wm.Topic, "/topics/"), Condition: wm.Condition,
		Data: wm.Data,
	}
	if n := wm.Notification; n != nil {
		m.Title, m.Body = n.Title, n.Body
	}
	if a := wm.Android; a != nil {
		m.Android = Android{CollapseKey: a.CollapseKey, Priority: a.Priority}
		if a.Notification != nil {
			m.Android.Tag = a.Notification.Tag
		}
		if a.TTL != nil {
			d, err := parseDuration(*a.TTL)
			if err != nil {
				return nil, fmt.Errorf("Invalid value at 'message.android.ttl' (%q)", *a.TTL)
			}
			m.Android.TTL, m.Android.TTLSet = d, true
		}
	}
	if a := wm.APNS; a != nil {
		m.APNSHeaders = a.Headers
	}
	if wp := wm.Webpush; wp != nil {
		m.WebpushHeaders = wp.Headers
		if wp.Notification != nil {
			m.WebpushTag = wp.Notification.Tag
		}
	}
	if o := wm.FCMOptions; o != nil {
		m.AnalyticsLabel = o.AnalyticsLabel
	}
	return m, nil
}

// parseDuration reads protobuf's JSON duration, "3600s" or "1.5s".
func parseDuration(s string) (time.Duration, error) {
	if !strings.HasSuffix(s, "s") {
		return 0, errors.New("no unit")
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "s"), 64)
	if err != nil || f < 0 {
		return 0, errors.New("bad duration")
	}
	return time.Duration(f * float64(time.Second)), nil
}

var (
	topicPattern   = regexp.MustCompile(`^[a-zA-Z0-9\-_.~%]+$`)
	condTopic      = regexp.MustCompile(`'([^']*)'\s+in\s+topics`)
	labelPattern   = regexp.MustCompile(`^[a-zA-Z0-9\-_.~%]{1,50}$`)
	webTopicPatern = regexp.MustCompile(`^[A-Za-z0-9\-_]{1,32}$`)
)

const maxAndroidTTL = 28 * 24 * time.Hour

// validate applies the checks FCM makes on a message, with messages in FCM's style.
func validate(m *Received) error {
	targets := 0
	for _, t := range []string{m.Token, m.Topic, m.Condition} {
		if t != "" {
			targets++
		}
	}
	if targets != 1 {
		return errors.New("Exactly one of token, topic or condition must be specified.")
	}
	if m.Topic != "" && !topicPattern.MatchString(m.Topic) {
		return fmt.Errorf("Invalid topic name %q", m.Topic)
	}
	if m.Condition != "" {
		found := condTopic.FindAllStringSubmatch(m.Condition, -1)
		if len(found) == 0 || len(found) > notifier.MaxConditionTopics {
			return fmt.Errorf("Invalid condition %q: it must name 1 to %d topics", m.Condition, notifier.MaxConditionTopics)
		}
		for _, f := range found {
			if !topicPattern.MatchString(f[1]) {
				return fmt.Errorf("Invalid topic name %q in condition", f[1])
			}
		}
	}
	for k := range m.Data {
		if k == "from" || k == "notification" || k == "message_type" || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.") {
			return fmt.Errorf("Invalid data payload key: %s", k)
		}
	}
	limit := notifier.MaxPayload
	if m.Topic != "" || m.Condition != "" {
		limit = notifier.MaxTopicPayload
	}
	if size := notifier.PayloadSize(m.Title, m.Body, m.Data); size > limit {
		return fmt.Errorf("Message is too big: %d bytes, limit %d", size, limit)
	}
	a := m.Android
	if a.Priority != "" && a.Priority != "normal" && a.Priority != "high" {
		return fmt.Errorf("Invalid value at 'message.android.priority' (%q)", a.Priority)
	}
	if a.TTL > maxAndroidTTL {
		return errors.New("Invalid value at 'message.android.ttl': over 28 days")
	}
	if h := m.APNSHeaders; h != nil {
		if p := h["apns-priority"]; p != "" && p != "5" && p != "10" {
			return fmt.Errorf("Invalid apns-priority %q", p)
		}
		if e := h["apns-expiration"]; e != "" {
			if _, err := strconv.ParseInt(e, 10, 64); err != nil {
				return fmt.Errorf("Invalid apns-expiration %q", e)
			}
		}
		if len(h["apns-collapse-id"]) > 64 {
			return errors.New("apns-collapse-id is over 64 bytes")
		}
	}
	if h := m.WebpushHeaders; h != nil {
		if t, ok := h["Topic"]; ok && !webTopicPatern.MatchString(t) {
			return fmt.Errorf("Invalid webpush Topic header %q: at most 32 URL-safe base64 characters", t)
		}
		if u := h["Urgency"]; u != "" && u != "very-low" && u != "low" && u != "normal" && u != "high" {
			return fmt.Errorf("Invalid webpush Urgency %q", u)
		}
		if t := h["TTL"]; t != "" {
			if n, err := strconv.Atoi(t); err != nil || n < 0 {
				return fmt.Errorf("Invalid webpush TTL %q", t)
			}
		}
	}
	if m.AnalyticsLabel != "" && !labelPattern.MatchString(m.AnalyticsLabel) {
		return fmt.Errorf("Invalid analytics_label %q", m.AnalyticsLabel)
	}
	return nil
}

// tokenAnswer is the failure a token's prefix asks for.
type tokenAnswer struct {
	status     int
	grpc, code string
	msg        string
	retryAfter time.Duration
}

var prefixes = []struct {
	prefix string
	answer tokenAnswer
}{
	{"unregistered-", tokenAnswer{404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", 0}},
	{"invalid-", tokenAnswer{400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", 0}},
	{"mismatch-", tokenAnswer{403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch", 0}},
	{"quota-", tokenAnswer{429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for sending messages to this device.", time.Second}},
	{"internal-", tokenAnswer{500, "INTERNAL", "INTERNAL", "Internal error encountered.", 0}},
	{"authfail-", tokenAnswer{401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "Auth error from APNS or Web Push Service", 0}},
}

func (s *Server) tokenFailure(token string) (tokenAnswer, bool) {
	for _, p := range prefixes {
		if strings.HasPrefix(token, p.prefix) {
			return p.answer, true
		}
	}
	if n, ok := flakyCount(token); ok {
		s.mu.Lock()
		s.flaky[token]++
		seen := s.flaky[token]
		s.mu.Unlock()
		if seen <= n {
			return tokenAnswer{503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.", 0}, true
		}
	}
	return tokenAnswer{}, false
}

// flakyCount parses "flaky<N>-…".
func flakyCount(token string) (int, bool) {
	rest, ok := strings.CutPrefix(token, "flaky")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	n, err := strconv.Atoi(digits)
	return n, ok && err == nil && n >= 0
}

// failureFor is the FCM error FailNext answers with for an HTTP status.
func failureFor(status int) (code, grpc, msg string) {
	switch status {
	case 429:
		return "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED", "Quota exceeded."
	case 500:
		return "INTERNAL", "INTERNAL", "Internal error encountered."
	case 503:
		return "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."
	case 401:
		return "THIRD_PARTY_AUTH_ERROR", "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"
	case 403:
		return "SENDER_ID_MISMATCH", "PERMISSION_DENIED", "SenderId mismatch"
	case 404:
		return "UNREGISTERED", "NOT_FOUND", "Requested entity was not found."
	case 400:
		return "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Request contains an invalid argument."
	}
	return "", "UNKNOWN", http.StatusText(status)
}

// writeError writes a Google API error. With an FCM errorCode the detail is FCM's FcmError
// (what messaging.Is* read); without, a google.rpc.BadRequest, as FCM does for payload
// mistakes.
func writeError(w http.ResponseWriter, status int, grpc, msg, code string, retryAfter time.Duration) {
	detail := map[string]any{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}
	if code == "" {
		detail = map[string]any{"@type": "type.googleapis.com/google.rpc.BadRequest",
			"fieldViolations": []map[string]string{{"field": "message", "description": msg}}}
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": status, "message": msg, "status": grpc, "details": []any{detail},
	}})
	if retryAfter > 0 {
		secs := int64((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

// projectOf reads {p} from ".../projects/{p}/messages:send".
func projectOf(path string) string {
	_, rest, ok := strings.Cut(path, "/projects/")
	if !ok {
		return "unknown"
	}
	p, _, _ := strings.Cut(rest, "/")
	return p
}

func messageName(project string, id int64) string {
	return "projects/" + project + "/messages/" + strconv.FormatInt(id, 10)
}

package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/candorstatus/candor/notifier/webhook"
	"github.com/candorstatus/candor/status"
)

// readmeVerify is the README's verification snippet, verbatim: the test keeps it true.
func readmeVerify(secret string, r *http.Request, body []byte) bool {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	ts, err := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
	if err != nil || math.Abs(time.Since(time.Unix(ts, 0)).Seconds()) > 300 {
		return false // missing, or more than 5 minutes off: a replay
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.%s", r.Header.Get("webhook-id"), ts, body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(r.Header.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

func TestREADMEVerifySnippet(t *testing.T) {
	secret := status.NewWebhookSecret()
	body := []byte(`{"page":{"id":"p"}}`)
	sign := func(at time.Time) *http.Request {
		r := httptest.NewRequest("POST", "/hook", bytes.NewReader(body))
		if err := webhook.SetHeaders(r.Header, secret, "msg_x", at, body); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if !readmeVerify(secret, sign(time.Now()), body) {
		t.Fatal("the README's snippet rejects a fresh signed request")
	}
	if readmeVerify(secret, sign(time.Now().Add(-10*time.Minute)), body) {
		t.Error("the README's snippet accepts a 10-minute-old request")
	}
	if readmeVerify(status.NewWebhookSecret(), sign(time.Now()), body) {
		t.Error("the README's snippet accepts another secret")
	}
}

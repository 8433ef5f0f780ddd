package fcm

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"

	"github.com/candorstatus/candor/notifier"
)

// Classify maps an error returned by the SDK — unwrapped, since messaging.Is* and
// errorutils use type assertions — to what the outbox should do, with the server's
// Retry-After when it sent one.
func Classify(err error) (notifier.ErrorClass, time.Duration) {
	if err == nil {
		return notifier.ClassNone, 0
	}
	after := retryAfter(err, time.Now())
	switch {
	case messaging.IsUnregistered(err), messaging.IsSenderIDMismatch(err):
		return notifier.ClassDeleteToken, 0
	case messaging.IsInvalidArgument(err):
		if tokenRejected(err) {
			return notifier.ClassDeleteToken, 0
		}
		return notifier.ClassPayload, 0
	case messaging.IsThirdPartyAuthError(err):
		return notifier.ClassAuth, after
	case messaging.IsQuotaExceeded(err), messaging.IsUnavailable(err), messaging.IsInternal(err):
		return notifier.ClassRetry, after
	// Errors without an FCM code: Google's generic ones.
	case errorutils.IsUnauthenticated(err), errorutils.IsPermissionDenied(err), errorutils.IsNotFound(err):
		// Our own credentials, or a wrong project: an operator must act; tokens are fine.
		return notifier.ClassAuth, after
	case errorutils.IsInvalidArgument(err):
		// A google.rpc.BadRequest detail: FCM's answer to payload mistakes.
		if tokenRejected(err) {
			return notifier.ClassDeleteToken, 0
		}
		return notifier.ClassPayload, 0
	}
	if r := errorutils.HTTPResponse(err); r != nil && r.StatusCode >= 400 && r.StatusCode < 500 &&
		r.StatusCode != http.StatusRequestTimeout && r.StatusCode != http.StatusTooManyRequests {
		return notifier.ClassPayload, 0
	}
	// Network errors, timeouts, a bare context error from the SDK's retry wait, 5xx.
	return notifier.ClassRetry, after
}

// tokenRejected reports whether an INVALID_ARGUMENT is about the registration token
// ("The registration token is not a valid FCM registration token") rather than the payload.
func tokenRejected(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "registration token") &&
		(strings.Contains(msg, "not a valid") || strings.Contains(msg, "invalid"))
}

// retryAfter reads Retry-After (delay seconds or an HTTP date) from the error's response.
func retryAfter(err error, now time.Time) time.Duration {
	r := errorutils.HTTPResponse(err)
	if r == nil {
		return 0
	}
	v := strings.TrimSpace(r.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Package fcm is the notifier.Sender backed by Firebase Cloud Messaging, through the
// Firebase Admin SDK (firebase.google.com/go/v4/messaging). It owns the mapping of a
// notifier.Message onto FCM's Android, APNs and web-push options, batching within FCM's
// limits, and classifying FCM's errors into notifier error classes.
//
// Config.Endpoint points every Google endpoint the SDK uses (the v1 send endpoint and the
// Instance ID topic-management endpoints, whose URL is a constant in the SDK) at one server,
// such as notifier/fcmfake, keeping paths; no credentials are needed then.
package fcm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/candorstatus/candor/notifier"
)

// Config configures the FCM sender; main builds it (ConfigFromEnv) and passes it to New.
type Config struct {
	// ProjectID is the Firebase project; read from the credentials file when empty.
	ProjectID string
	// CredentialsFile is a service-account JSON path; empty uses Google's application
	// default credentials (GOOGLE_APPLICATION_CREDENTIALS, metadata server …).
	CredentialsFile string
	// Endpoint, e.g. "http://127.0.0.1:9999", receives every request the SDK makes, paths
	// kept (/v1/projects/{p}/messages:send, /iid/v1:batchAdd, /iid/v1:batchRemove), without
	// authentication. For fakes and demos.
	Endpoint string
	// HTTPClient is optional; the default keeps 100 idle connections per host (SendEach runs
	// 50 requests at once; Go's default of 2 idle per host leaves thousands of sockets in
	// TIME-WAIT and halves throughput) and bounds every phase of a request.
	HTTPClient *http.Client
	// Now is optional (default time.Now); it dates apns-expiration.
	Now func() time.Time
}

// ConfigFromEnv reads CANDOR_FCM_ENDPOINT, CANDOR_FCM_CREDENTIALS (or
// GOOGLE_APPLICATION_CREDENTIALS) and CANDOR_FCM_PROJECT_ID (or CANDOR_FCM_PROJECT, or
// GOOGLE_CLOUD_PROJECT) through getenv. One rule decides: FCM is configured when any of them
// is set — an endpoint alone means an FCM-compatible server that needs neither project nor
// credentials; a project alone uses the platform's application-default credentials; a
// credentials file alone names its own project. ok is false only when none is set, and the
// caller should then log pushes instead (and say so).
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return ""
	}
	cfg = Config{
		Endpoint:        first("CANDOR_FCM_ENDPOINT"),
		CredentialsFile: first("CANDOR_FCM_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"),
		ProjectID:       first("CANDOR_FCM_PROJECT_ID", "CANDOR_FCM_PROJECT", "GOOGLE_CLOUD_PROJECT"),
	}
	return cfg, cfg.Endpoint != "" || cfg.CredentialsFile != "" || cfg.ProjectID != ""
}

// Describe says where pushes go, for the start-up log.
func (c Config) Describe() string {
	switch {
	case c.Endpoint != "":
		return "an FCM-compatible server at " + c.Endpoint
	case c.ProjectID != "":
		return "FCM, project " + c.ProjectID
	}
	return "FCM, the project named in " + c.CredentialsFile
}

// Sender sends through FCM. It is safe for concurrent use.
type Sender struct {
	client *messaging.Client
	now    func() time.Time
}

var _ notifier.Sender = (*Sender)(nil)

// fakeProject is the project used against an endpoint when none is configured.
const fakeProject = "candor-dev"

// scopes are the OAuth scopes FCM and Instance ID accept.
var scopes = []string{
	"https://www.googleapis.com/auth/firebase.messaging",
	"https://www.googleapis.com/auth/cloud-platform",
}

// New builds a Sender. ctx is kept by the credentials for token refreshes, so pass one that
// lives as long as the Sender, not a request's.
func New(ctx context.Context, cfg Config) (*Sender, error) {
	base := cfg.HTTPClient
	if base == nil {
		base = DefaultHTTPClient()
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc := *base // never modify the caller's client
	var opts []option.ClientOption
	project := cfg.ProjectID

	if cfg.Endpoint != "" {
		u, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("fcm endpoint %q: want an http(s) base URL", cfg.Endpoint)
		}
		hc.Transport = &rewriteTransport{base: rt, to: u}
		// WithHTTPClient turns the SDK's own authentication off: right for a fake.
		opts = append(opts, option.WithEndpoint(u.String()+"/v1"), option.WithHTTPClient(&hc))
		if project == "" {
			project = fakeProject
		}
	} else {
		if project == "" && cfg.CredentialsFile != "" {
			p, err := projectFromCredentials(cfg.CredentialsFile)
			if err != nil {
				return nil, err
			}
			project = p
		}
		// Authenticate on top of our tuned transport rather than letting the SDK build
		// its own client with Go's default pool.
		authOpts := []option.ClientOption{option.WithScopes(scopes...)}
		if cfg.CredentialsFile != "" {
			authOpts = append(authOpts, option.WithCredentialsFile(cfg.CredentialsFile))
		}
		art, err := htransport.NewTransport(ctx, rt, authOpts...)
		if err != nil {
			return nil, fmt.Errorf("fcm credentials: %w", err)
		}
		hc.Transport = art
		opts = append(opts, option.WithHTTPClient(&hc))
	}
	if project == "" {
		return nil, errors.New("fcm: project id required (CANDOR_FCM_PROJECT or a service-account file)")
	}

	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project}, opts...)
	if err != nil {
		return nil, fmt.Errorf("firebase app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("firebase messaging: %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Sender{client: client, now: now}, nil
}

// DefaultHTTPClient is the client New uses when Config.HTTPClient is nil: ~100 idle
// connections per host and timeouts on every phase. The SDK retries 503s itself, so the
// overall timeout bounds one attempt, not the whole send.
func DefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 200
	t.MaxIdleConnsPerHost = 100
	t.IdleConnTimeout = 90 * time.Second
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	t.ExpectContinueTimeout = time.Second
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

func projectFromCredentials(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read fcm credentials: %w", err)
	}
	var c struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", fmt.Errorf("parse fcm credentials %s: %w", path, err)
	}
	return c.ProjectID, nil
}

// rewriteTransport sends every request to one server, keeping its path: that is what
// moves the topic-management calls, whose URL (https://iid.googleapis.com/iid/v1) is a
// constant in the SDK that option.WithEndpoint does not reach.
type rewriteTransport struct {
	base http.RoundTripper
	to   *url.URL
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == t.to.Scheme && req.URL.Host == t.to.Host {
		return t.base.RoundTrip(req)
	}
	out := req.Clone(req.Context()) // a RoundTripper must not modify its request
	u := *req.URL
	u.Scheme, u.Host = t.to.Scheme, t.to.Host
	if p := t.to.Path; p != "" { // an endpoint with a path prefixes it
		u.Path = p + u.Path
		if u.RawPath != "" {
			u.RawPath = t.to.EscapedPath() + u.RawPath
		}
	}
	out.URL, out.Host = &u, ""
	return t.base.RoundTrip(out)
}

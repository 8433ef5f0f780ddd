package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/candorstatus/candor/handlers"
)

// The handler tests hold the server to its OpenAPI description (handlers/openapi.yaml):
// every request en.do sends to a described path, and the server's answer, is checked
// against it (checkContract), and TestOpenAPIRoutes checks that every route is described
// and every description is a route. A drift either way fails `go test`.

type contractDoc struct {
	doc    *openapi3.T
	router routers.Router
}

var loadContract = sync.OnceValues(func() (*contractDoc, error) {
	// Event streams and OpenMetrics are text; kin-openapi knows text/plain only.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/openmetrics-text", openapi3filter.PlainBodyDecoder)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(handlers.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.yaml: %w", err)
	}
	return &contractDoc{doc: doc, router: router}, nil
})

func contract(t *testing.T) *contractDoc {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// described reports whether the document covers path: the APIs and the operational
// endpoints, not the HTML pages, feeds, assets or console.
func described(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// authenticate stands in for the API key check: the request must carry a bearer key. The
// server decides whether it is a good one; the document only says one is needed.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if auth := in.RequestValidationInput.Request.Header.Get("Authorization"); !strings.HasPrefix(auth, "Bearer ") {
		return errors.New("no bearer key")
	}
	return nil
}

// checkContract validates one exchange against the description:
//   - a request the description rejects must have been refused (4xx): the server may be
//     stricter than the document (422 for values), never laxer;
//   - a path the description does not cover must have answered 404 or 405;
//   - every answer must be a documented status with a documented body and headers.
func checkContract(t *testing.T, req *http.Request, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	if !described(req.URL.Path) {
		return
	}
	c := contract(t)
	method := req.Method
	if method == http.MethodHead { // HEAD is GET without a body (RFC 9110); described with GET
		method = http.MethodGet
	}
	r := httptest.NewRequest(method, req.URL.String(), bytes.NewReader(body))
	r.Header = req.Header.Clone()
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("contract: %s %s is not described, yet answered %d", req.Method, req.URL, rec.Code)
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil && rec.Code < 400 {
		t.Errorf("contract: the description rejects %s %s (body %s), yet the server answered %d:\n%v",
			req.Method, req.URL, body, rec.Code, err)
	}
	if req.Method == http.MethodHead || rec.Code == http.StatusNotModified {
		// kin-openapi does not check these; the status must still be documented.
		if route.Operation.Responses.Status(rec.Code) == nil && rec.Code != http.StatusNotModified {
			t.Errorf("contract: %s %s answered %d, which is not documented", req.Method, req.URL, rec.Code)
		}
		return
	}
	got, err := decoded(rec)
	if err != nil {
		t.Errorf("contract: %s %s: %v", req.Method, req.URL, err)
		return
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(got)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		t.Errorf("contract: the answer to %s %s (%d) does not match the description:\n%v\nbody: %.2000s",
			req.Method, req.URL, rec.Code, err, got)
	}
}

// decoded is the response body without its content coding.
func decoded(rec *httptest.ResponseRecorder) ([]byte, error) {
	b := rec.Body.Bytes()
	switch rec.Header().Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("gunzip the answer: %w", err)
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	}
	return b, nil
}

// TestOpenAPIRoutes: every API route echo registers is described, and every described
// operation is a route the server serves.
func TestOpenAPIRoutes(t *testing.T) {
	en := newEnv(t)
	c := contract(t)
	docOps := map[string]bool{} // "GET /api/v1/components/{id}"
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			docOps[method+" "+path] = true
		}
	}
	// Catch-alls answer 404 for what no other route serves; they describe nothing.
	notFound := map[string]bool{"/api/v1/*": true, "/api/*": true}
	var v2Methods []string
	seen := map[string]bool{}
	for _, r := range en.e.Routes() {
		if !described(r.Path) || notFound[r.Path] || strings.HasPrefix(r.Method, "echo_") { // echo's own not-found entries
			continue
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		if r.Path == "/api/v2/*" { // the snapshot's documents: checked below, path by path
			v2Methods = append(v2Methods, method)
			continue
		}
		op := method + " " + openAPIPath(r.Path)
		seen[op] = true
		if !docOps[op] {
			t.Errorf("route %s %s is not described in openapi.yaml", r.Method, r.Path)
		}
	}
	for op := range docOps {
		method, path, _ := strings.Cut(op, " ")
		if strings.HasPrefix(path, "/api/v2/") {
			if !slices.Contains(v2Methods, method) {
				t.Errorf("openapi.yaml describes %s, but /api/v2 is not served for %s", op, method)
			}
			continue
		}
		if !seen[op] {
			t.Errorf("openapi.yaml describes %s, which is not a route", op)
		}
	}

	// /api/v2: every document the snapshot holds is described, and every described
	// document is in the snapshot (with an incident and a maintenance to show).
	en.seedComponents([3]string{"chat", "Chat", ""})
	inc := get[string](t, en.do("POST", "/api/v1/incidents", en.write, map[string]any{"title": "Down", "message": "x",
		"components": map[string]string{"chat": "major_outage"}}).want(201).json(), "id")
	for _, lang := range []string{"ko", "en"} {
		paths := en.holder.Current().Paths(lang, "/api/v2/")
		if len(paths) < 9 {
			t.Fatalf("only %d /api/v2 documents in %s: %v", len(paths), lang, paths)
		}
		for _, p := range paths {
			r := httptest.NewRequest("GET", p, nil)
			if _, _, err := c.router.FindRoute(r); err != nil {
				t.Errorf("the snapshot serves %s, which openapi.yaml does not describe", p)
			}
		}
	}
	// The document is served as it is written.
	served, err := openapi3.NewLoader().LoadFromData(en.do("GET", "/api/v1/openapi.json", "", nil).want(200).Body.Bytes())
	if err != nil {
		t.Fatalf("/api/v1/openapi.json: %v", err)
	}
	if served.OpenAPI != "3.1.0" || served.Paths.Len() != c.doc.Paths.Len() || len(served.Components.Schemas) != len(c.doc.Components.Schemas) {
		t.Errorf("/api/v1/openapi.json has %d paths and %d schemas, openapi.yaml %d and %d", served.Paths.Len(),
			len(served.Components.Schemas), c.doc.Paths.Len(), len(c.doc.Components.Schemas))
	}

	for op := range docOps {
		method, path, _ := strings.Cut(op, " ")
		if !strings.HasPrefix(path, "/api/v2/") || method != http.MethodGet {
			continue
		}
		en.do("GET", strings.Replace(path, "{id}", inc, 1), "", nil).want(200)
	}
}

// openAPIPath turns echo's /incidents/:id into OpenAPI's /incidents/{id}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestOpenAPIScopes: the scope each operation names (x-candor-scope) is the one the server
// asks for — no key is a 401, a key one scope too low a 403, a key of that scope gets
// past authorization — and the operations described as public need no key. signal stands
// apart from read < write < admin: a read key is refused what needs signal, and a signal
// key everything else.
func TestOpenAPIScopes(t *testing.T) {
	en := newEnv(t)
	c := contract(t)
	keys := map[string]string{"read": en.read, "write": en.write, "admin": en.admin, "signal": en.signalKey()}
	below := map[string]string{"write": "read", "admin": "write", "signal": "read"}
	n := 0
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			if method == http.MethodOptions || path == "/api/v1/stream" {
				continue // preflight; the stream would not end
			}
			url := strings.NewReplacer("{id}", "nope", "{token}", "nope", "{name}", "nope", "{check}", "nope").Replace(path)
			var body any
			if op.RequestBody != nil {
				body = "{}"
			}
			scope, _ := op.Extensions["x-candor-scope"].(string)
			public := op.Security != nil && len(*op.Security) == 0
			switch {
			case public && scope != "":
				t.Errorf("%s %s is public and names scope %q", method, path, scope)
			case public:
				if code := en.do(method, url, "", body).Code; code == 401 || code == 403 {
					t.Errorf("%s %s is described as public, yet answered %d without a key", method, path, code)
				}
			case keys[scope] == "":
				t.Errorf("%s %s needs a key but names no x-candor-scope (read, write, admin or signal)", method, path)
			default:
				en.do(method, url, "", body).want(401)
				if low, ok := below[scope]; ok {
					en.do(method, url, keys[low], body).want(403)
				}
				if scope != "signal" {
					en.do(method, url, keys["signal"], body).want(403)
				}
				if code := en.do(method, url, keys[scope], body).Code; code == 401 || code == 403 {
					t.Errorf("%s %s with a %s key answered %d", method, path, scope, code)
				}
			}
			n++
		}
	}
	if n < 30 {
		t.Fatalf("only %d operations checked", n)
	}
}

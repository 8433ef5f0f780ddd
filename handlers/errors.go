package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/candorstatus/candor/status"
	"github.com/candorstatus/candor/templates"
)

// apiError is an HTTP-only failure that has no domain meaning (a malformed body, a body
// too large, a rate limit).
type apiError struct {
	status int
	code   string
	msg    string
	fields map[string]string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func badRequest(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: msg}
}

var errTooLarge = &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large",
	msg: "The request body is larger than 64 KiB."}

// httpStatus maps a domain error code to its HTTP status. This is the only place it happens.
func httpStatus(code string) int {
	switch code {
	case status.EINVALID:
		return http.StatusUnprocessableEntity
	case status.ENOTFOUND:
		return http.StatusNotFound
	case status.ECONFLICT:
		return http.StatusConflict
	case status.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case status.EFORBIDDEN:
		return http.StatusForbidden
	case status.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// classify turns any error into status, code, message and fields safe to show a client.
func classify(err error) (int, string, string, map[string]string) {
	var ae *apiError
	var he *echo.HTTPError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.code, ae.msg, ae.fields
	case errors.As(err, &mb):
		return errTooLarge.status, errTooLarge.code, errTooLarge.msg, nil
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, status.ENOTFOUND, "Not found.", nil
		case http.StatusMethodNotAllowed:
			return he.Code, "method_not_allowed", "Method not allowed.", nil
		case http.StatusRequestEntityTooLarge:
			return errTooLarge.status, errTooLarge.code, errTooLarge.msg, nil
		case http.StatusTooManyRequests:
			return he.Code, "rate_limited", "Too many requests; slow down.", nil
		}
		if he.Code < 500 {
			return he.Code, "bad_request", http.StatusText(he.Code), nil
		}
	}
	code := status.ErrorCode(err)
	return httpStatus(code), code, status.ErrorMessage(err), status.ErrorFields(err)
}

// errorBody is the one shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// errorHandler answers every failed request: JSON under /api and for /metrics, a friendly
// page elsewhere.
// It never shows internals: unexpected errors are logged with the request id and the
// client gets a generic message.
func (s *server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, ecode, msg, fields := classify(err)
	req := c.Request()
	s.setSecurityHeaders(req, c.Response().Header()) // public routes skipped the middleware
	if code >= 500 {
		s.Log.ErrorContext(req.Context(), "request failed", "err", err, "path", req.URL.Path,
			"id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if req.Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	if strings.HasPrefix(req.URL.Path, "/api/") || req.URL.Path == "/metrics" { // machines read these
		if code == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="candor"`)
		}
		_ = c.JSON(code, errorBody{Error: errorDetail{Code: ecode, Message: msg, Fields: fields}})
		return
	}
	lang := s.lang(c)
	if code == http.StatusNotFound {
		if d, ok := s.Site.Current().Doc(string(lang), "/404"); ok {
			c.Response().Header().Set("Cache-Control", "public, max-age=60")
			_ = c.Blob(http.StatusNotFound, d.ContentType, d.Body)
			return
		}
	}
	// The page speaks the reader's language: the classified message is the API's English,
	// so a public error page words the kind of error from the catalogue instead.
	heading, message := templates.T(lang, "error.generic.title"), templates.T(lang, "error.generic.message")
	switch {
	case code == http.StatusTooManyRequests:
		heading, message = templates.T(lang, "error.busy.title"), templates.T(lang, "error.busy.message")
	case code < 500:
		heading, message = templates.T(lang, "error.request.title"), templates.T(lang, "error.request.message")
	}
	cfg := s.Builder.Config()
	name, _ := cfg.PageName.Pick(lang, cfg.DefaultLang)
	v := templates.ErrorView{Page: templates.Page{Lang: lang, DefaultLang: cfg.DefaultLang, Name: name, Location: cfg.Location,
		Path: req.URL.Path, Title: heading, CSSURL: s.Assets.URL("app.css")}, Code: code, Heading: heading, Message: message}
	var buf bytes.Buffer
	if rerr := templates.ErrorPage(v).Render(req.Context(), &buf); rerr != nil {
		_ = c.String(code, message)
		return
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	_ = c.HTMLBlob(code, buf.Bytes())
}

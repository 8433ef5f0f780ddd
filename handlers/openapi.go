package handlers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v4"
)

// OpenAPI is the OpenAPI 3.1 description of /api/v1 and /api/v2, written by hand in YAML
// (readable in review). Tests hold the server to it: every request and response the
// handler tests make is validated against it, and every route is described.
//
//go:embed openapi.yaml
var OpenAPI []byte

// openAPIJSON converts the document to JSON once, on first use: YAML anchors expanded,
// keys sorted.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("convert openapi.yaml to JSON: %w", err)
	}
	return b, nil
})

// openAPI answers GET /api/v1/openapi.json: public, so clients and tools can read the
// contract without a key.
func (s *server) openAPI(c echo.Context) error {
	b, err := openAPIJSON()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	return c.JSONBlob(http.StatusOK, b)
}

// Package static holds the public assets (CSS, icons, the small progressive-enhancement
// script), embedded in the binary and served under content-hashed names so browsers and
// CDNs may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

//go:embed assets
var files embed.FS

// Asset is one embedded file.
type Asset struct {
	Name        string // logical name, e.g. "app.css"
	URL         string // fingerprinted URL, e.g. "/static/app.3f2a9c1d.css"
	ContentType string
	Body        []byte
}

// Assets indexes the embedded files by logical name and by fingerprinted URL.
type Assets struct {
	byName map[string]*Asset
	byURL  map[string]*Asset
}

// Prefix is where assets are served.
const Prefix = "/static/"

// Load hashes every embedded file once.
func Load() (*Assets, error) {
	a := &Assets{byName: map[string]*Asset{}, byURL: map[string]*Asset{}}
	err := fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read asset %s: %w", p, err)
		}
		name := strings.TrimPrefix(p, "assets/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		url := Prefix + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &Asset{Name: name, URL: url, ContentType: ct, Body: body}
		a.byName[name], a.byURL[url] = as, as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load assets: %w", err)
	}
	return a, nil
}

// URL returns the fingerprinted URL of a logical asset name, or "" if there is none.
func (a *Assets) URL(name string) string {
	if as, ok := a.byName[name]; ok {
		return as.URL
	}
	return ""
}

// ByURL returns the asset served at url.
func (a *Assets) ByURL(url string) (*Asset, bool) {
	as, ok := a.byURL[url]
	return as, ok
}

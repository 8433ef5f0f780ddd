// Package site renders the public surface — the status pages, the Atom feed and the
// Statuspage-compatible /api/v2 documents — into immutable snapshots when the public state
// changes, so that serving a reader is picking bytes, not querying or templating.
package site

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Doc is one rendered document with its precomputed gzip copy and validators.
type Doc struct {
	ContentType string
	Body        []byte
	Gzip        []byte
	ETag        string // strong validator: a hash of Body
	Modified    time.Time
	// Status is the HTTP status to answer with (200, or 404 for a rendered not-found page).
	Status int
}

// newDoc builds a Doc, compressing once at build time.
func newDoc(contentType string, body []byte, modified time.Time) *Doc {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	sum := sha256.Sum256(body)
	return &Doc{ContentType: contentType, Body: body, Gzip: buf.Bytes(),
		ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Modified: modified.UTC().Truncate(time.Second), Status: 200}
}

// Snapshot is the whole public surface at one revision. It is never modified after it is
// published; a new one replaces it.
type Snapshot struct {
	Revision int64
	Built    time.Time // when it was rendered
	// Stale is set on a snapshot kept after the store became unreachable.
	docs map[string]*Doc
}

// docKey addresses a document: lang is "" for language-neutral documents (JSON, feeds).
func docKey(lang, path string) string { return lang + " " + path }

// Doc returns the document at path in lang (or the language-neutral one).
func (s *Snapshot) Doc(lang, path string) (*Doc, bool) {
	if s == nil {
		return nil, false
	}
	if d, ok := s.docs[docKey(lang, path)]; ok {
		return d, true
	}
	d, ok := s.docs[docKey("", path)]
	return d, ok
}

// Len is the number of documents in the snapshot.
func (s *Snapshot) Len() int { return len(s.docs) }

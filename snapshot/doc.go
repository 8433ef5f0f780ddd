// Package snapshot renders the public surface — the status pages, the Atom feed and the
// Statuspage-compatible /api/v2 documents — into immutable snapshots when the public state
// changes, so that serving a reader is picking bytes, not querying or templating.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// Doc is one rendered document with its compressed copies, validators and header values.
type Doc struct {
	ContentType string
	Body        []byte
	Gzip        []byte
	Brotli      []byte
	ETag        string // strong validator: a hash of Body
	Modified    time.Time
	// Status is the HTTP status to answer with (200, or 404 for a rendered not-found page).
	Status int
	// HTML is set for pages, which carry the snapshot's revision for live.js.
	HTML bool

	plain, gz, br Encoding
	contentType   []string
	// rev is the revision written into an HTML page's data-revision: the snapshot the
	// page was rendered for, which may be older than the one serving it when nothing on
	// the page has changed since.
	rev int64
}

// Encoding is one representation of a Doc with its header values formatted once, at
// build time, as the single-element slices an http.Header holds: a request assigns them
// instead of formatting and allocating. They are shared by every request; never modify
// them.
type Encoding struct {
	Body          []byte
	ETag          []string
	ContentLength []string
	// ContentEncoding is nil for the identity encoding.
	ContentEncoding []string
}

// Content-Encoding values shared by all documents.
var (
	gzipEncoding   = []string{"gzip"}
	brotliEncoding = []string{"br"}
)

// Coding is a content coding a document is kept in.
type Coding int

const (
	Identity Coding = iota
	Gzip
	Brotli
)

// Encoding returns the representation in coding c.
func (d *Doc) Encoding(c Coding) *Encoding {
	switch c {
	case Brotli:
		return &d.br
	case Gzip:
		return &d.gz
	}
	return &d.plain
}

// ContentTypeHeader is ContentType as a header value slice (shared; never modify).
func (d *Doc) ContentTypeHeader() []string { return d.contentType }

// compressor is what gzip.Writer and brotli.Writer share.
type compressor interface {
	io.WriteCloser
	Reset(io.Writer)
}

// The pools keep compressors between documents: a gzip.Writer at best compression holds
// about a megabyte of tables, and a snapshot compresses hundreds of documents.
var (
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
		return w
	}}
	// Brotli at quality 5 for every document: 11, its best, made a rebuild forty times
	// slower (3 s instead of 70 ms for a page of 20 components, BenchmarkSnapshotBuild); 5
	// costs about as much as gzip's best and still gives smaller documents.
	brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, 5) }}
)

// compress returns body compressed by a compressor from pool.
func compress(pool *sync.Pool, body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body)/4 + 64)
	w := pool.Get().(compressor)
	w.Reset(&buf)
	_, _ = w.Write(body) // a bytes.Buffer does not fail
	_ = w.Close()
	pool.Put(w)
	return buf.Bytes()
}

// parallelAbove is the size from which a document's two compressed copies are made at the
// same time, on two cores: compressing the few documents an update changes (the home page,
// the lists, the feeds; megabytes with a thousand components) is most of a rebuild.
const parallelAbove = 8 << 10

// newDoc builds a Doc, compressing once at build time. When prev (the same document of
// the previous snapshot) has the same bytes, it is reused as it is — with its ETag and its
// older Last-Modified, both still true: a rebuild after a write compresses only the
// documents that changed, and caches keep revalidating the others with 304s.
func newDoc(prev *Doc, contentType string, body []byte, modified time.Time, status int) *Doc {
	modified = modified.UTC().Truncate(time.Second)
	if prev != nil && prev.ContentType == contentType && prev.Status == status && bytes.Equal(prev.Body, body) {
		return prev
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	d := &Doc{ContentType: contentType, Body: body, ETag: etag, Modified: modified, Status: status,
		HTML: strings.HasPrefix(contentType, "text/html")}
	if len(body) < parallelAbove {
		d.Gzip, d.Brotli = compress(&gzipWriters, body), compress(&brotliWriters, body)
	} else { // the two codings of a large document on two cores: a rebuild waits for the slower
		done := make(chan struct{})
		go func() { d.Gzip = compress(&gzipWriters, body); close(done) }()
		d.Brotli = compress(&brotliWriters, body)
		<-done
	}
	d.contentType = []string{contentType}
	d.plain = Encoding{Body: d.Body, ETag: []string{etag}, ContentLength: []string{strconv.Itoa(len(d.Body))}}
	d.gz = Encoding{Body: d.Gzip, ETag: []string{strings.TrimSuffix(etag, `"`) + `-gz"`},
		ContentLength: []string{strconv.Itoa(len(d.Gzip))}, ContentEncoding: gzipEncoding}
	d.br = Encoding{Body: d.Brotli, ETag: []string{strings.TrimSuffix(etag, `"`) + `-br"`},
		ContentLength: []string{strconv.Itoa(len(d.Brotli))}, ContentEncoding: brotliEncoding}
	return d
}

// Snapshot is the whole public surface at one revision. It is never modified after it is
// published; a new one replaces it.
type Snapshot struct {
	Revision int64
	Built    time.Time // when it was rendered
	docs     map[docKey]*Doc
	prev     *Snapshot            // while building: the snapshot whose unchanged documents are reused
	memo     map[docKey]memoEntry // while building: the keys documents were rendered under (memo.go)
	// problems are what the build rendered around (see problems.go).
	problems     []string
	problemCount int
}

// docKey addresses a document: lang is "" for language-neutral documents (JSON, feeds).
// A struct, not a joined string, so a lookup allocates nothing.
type docKey struct{ lang, path string }

// previous returns the previous snapshot's document at key, if any.
func (s *Snapshot) previous(key docKey) *Doc {
	if s.prev == nil {
		return nil
	}
	return s.prev.docs[key]
}

// put renders body into the document at lang and path, reusing the previous snapshot's
// document when nothing in it changed, and returns the document it keeps.
func (s *Snapshot) put(lang, path, contentType string, body []byte, modified time.Time, status int) *Doc {
	key := docKey{lang, path}
	d := newDoc(s.previous(key), contentType, body, modified, status)
	s.docs[key] = d
	return d
}

// putPage is put for an HTML page that carries its revision as data-revision="rev" (the
// live-update script compares it). A page that differs from the previous snapshot's only
// in that number has not changed: the previous document is kept.
func (s *Snapshot) putPage(lang, path string, body []byte, rev int64, modified time.Time, status int) {
	prev := s.previous(docKey{lang, path})
	if prev != nil && prev.rev != rev {
		attr := func(r int64) []byte { return []byte(`data-revision="` + strconv.FormatInt(r, 10) + `"`) }
		if same := bytes.Replace(body, attr(rev), attr(prev.rev), 1); bytes.Equal(same, prev.Body) {
			body = same
		}
	}
	if d := s.put(lang, path, htmlType, body, modified, status); d != prev {
		d.rev = rev // a new document; a kept one keeps the revision it was rendered at
	}
}

// Doc returns the document at path in lang (or the language-neutral one).
func (s *Snapshot) Doc(lang, path string) (*Doc, bool) {
	if s == nil {
		return nil, false
	}
	if lang == "" {
		d, ok := s.docs[docKey{"", path}]
		return d, ok
	}
	if d, ok := s.docs[docKey{lang, path}]; ok {
		return d, true
	}
	d, ok := s.docs[docKey{"", path}]
	return d, ok
}

// Len is the number of documents in the snapshot.
func (s *Snapshot) Len() int { return len(s.docs) }

// Package snapshot renders the public surface — the status pages, the Atom feed and the
// Statuspage-compatible /api/v2 documents — into immutable snapshots when the public state
// changes, so that serving a reader is picking bytes, not querying or templating.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// Doc is one rendered document with its validators and header values; its compressed
// copies are made when first asked for (Encoding).
type Doc struct {
	ContentType string
	Body        []byte
	ETag        string // strong validator: a hash of Body
	Modified    time.Time
	// Status is the HTTP status to answer with (200, or 404 for a rendered not-found page).
	Status int
	// HTML is set for pages, which carry the snapshot's revision for live.js.
	HTML bool

	plain       Encoding
	gz, br      *lazyEncoding
	contentType []string
	// rev is the revision written into an HTML page's data-revision: the snapshot the
	// page was rendered for, which may be older than the one serving it when nothing on
	// the page has changed since.
	rev int64
}

// Encoding is one representation of a Doc with its header values formatted once, as the
// single-element slices an http.Header holds: a request assigns them instead of
// formatting and allocating. They are shared by every request; never modify them.
type Encoding struct {
	Body          []byte
	ETag          []string
	ContentLength []string
	// ContentEncoding is nil for the identity encoding.
	ContentEncoding []string
}

// lazyEncoding is a compressed copy made once, by the first request that wants it.
//
// Why not at build time: a build used to compress every document it changed in both
// codings, and that was most of its cost (an update to an open incident changes the home
// page, the incident page, the feeds and the /api/v2 lists in both languages: about a
// megabyte to compress twice with 20 components, sixteen with 1 000) — paid on the write
// path's heels, on the cores the writers need, for copies many of which nobody fetches
// before the next update replaces them. Compressed on demand, a copy costs the same once it
// is wanted and nothing when it is not; the requests that arrive while it is being made
// wait for that one compression (sync.Once), never start another.
type lazyEncoding struct {
	once sync.Once
	pool *sync.Pool
	enc  Encoding // ETag and ContentEncoding set at build; Body and ContentLength by once
}

// get returns the encoding of body, compressing it on first use.
func (l *lazyEncoding) get(body []byte) *Encoding {
	l.once.Do(func() {
		l.enc.Body = compress(l.pool, body)
		l.enc.ContentLength = []string{strconv.Itoa(len(l.enc.Body))}
	})
	return &l.enc
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

// Encoding returns the representation in coding c, compressing the body the first time a
// coding is asked for.
func (d *Doc) Encoding(c Coding) *Encoding {
	switch c {
	case Brotli:
		return d.br.get(d.Body)
	case Gzip:
		return d.gz.get(d.Body)
	}
	return &d.plain
}

// ETagHeader is the validator of the representation in coding c, known without
// compressing: a revalidation that matches costs no compression.
func (d *Doc) ETagHeader(c Coding) []string {
	switch c {
	case Brotli:
		return d.br.enc.ETag
	case Gzip:
		return d.gz.enc.ETag
	}
	return d.plain.ETag
}

// ContentTypeHeader is ContentType as a header value slice (shared; never modify).
func (d *Doc) ContentTypeHeader() []string { return d.contentType }

// compressor is what gzip.Writer and brotli.Writer share.
type compressor interface {
	io.WriteCloser
	Reset(io.Writer)
}

// The pools keep compressors between documents: a gzip.Writer holds about a megabyte of
// tables, and documents are compressed one after another.
var (
	// Gzip at its default level (6), not its best (9): 1.3–2× faster on these pages and
	// documents for 0.4–2 % more bytes, and a changed document is compressed while its
	// first reader waits.
	gzipWriters = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
		return w
	}}
	// Brotli at quality 5 for every document: 11, its best, is about forty times slower
	// (3 s instead of 70 ms for the pages of 20 components); 5 costs about as much as
	// gzip's best and still gives smaller documents.
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

// castagnoli is the CRC-32C table (hardware-accelerated where the CPU has it).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// entityTag is the strong validator of body: its length and two different CRC-32s of it.
//
// Why not a cryptographic hash: an ETag only has to change when the bytes change, and
// the bytes are Candor's own rendering, so nobody can search for a collision; what is
// left is an accidental one, and two independent 32-bit checks of the same length make
// that about 2⁻⁶⁴ per change. SHA-256 cost 10 ms of every rebuild with 1 000 components
// (two home pages of 8 MB); the two CRCs, which the CPU computes in hardware, 0.5 ms. The
// tag depends only on the bytes, so every replica gives the same document the same tag.
func entityTag(body []byte) string {
	var b [20]byte
	binary.BigEndian.PutUint32(b[0:], crc32.Checksum(body, castagnoli))
	binary.BigEndian.PutUint32(b[4:], crc32.ChecksumIEEE(body))
	n := strconv.AppendUint(b[8:8], uint64(len(body)), 36)
	return `"` + hex.EncodeToString(b[:8]) + "-" + string(n) + `"`
}

// newDoc builds a Doc. When prev (the same document of the previous snapshot) has the same
// bytes, it is reused as it is — with its ETag, its older Last-Modified (both still true)
// and the compressed copies already made: caches keep revalidating it with 304s.
func newDoc(prev *Doc, contentType string, body []byte, modified time.Time, status int) *Doc {
	modified = modified.UTC().Truncate(time.Second)
	if prev != nil && prev.ContentType == contentType && prev.Status == status && bytes.Equal(prev.Body, body) {
		return prev
	}
	etag := entityTag(body)
	d := &Doc{ContentType: contentType, Body: body, ETag: etag, Modified: modified, Status: status,
		HTML: strings.HasPrefix(contentType, "text/html")}
	d.contentType = []string{contentType}
	d.plain = Encoding{Body: d.Body, ETag: []string{etag}, ContentLength: []string{strconv.Itoa(len(d.Body))}}
	d.gz = &lazyEncoding{pool: &gzipWriters, enc: Encoding{ETag: []string{strings.TrimSuffix(etag, `"`) + `-gz"`},
		ContentEncoding: gzipEncoding}}
	d.br = &lazyEncoding{pool: &brotliWriters, enc: Encoding{ETag: []string{strings.TrimSuffix(etag, `"`) + `-br"`},
		ContentEncoding: brotliEncoding}}
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
	if prev != nil && prev.rev != rev && sameButRevision(body, prev.Body, rev, prev.rev) {
		body = prev.Body
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

// sameButRevision reports whether page (rendered at revision rev) is prev (rendered at
// prevRev) but for the number in its first data-revision attribute. It compares in
// place: a page of megabytes that changed is told apart at its first difference, not
// copied first.
func sameButRevision(page, prev []byte, rev, prevRev int64) bool {
	attr := func(r int64) []byte { return append(strconv.AppendInt([]byte(`data-revision="`), r, 10), '"') }
	a, pa := attr(rev), attr(prevRev)
	if len(page)-len(a) != len(prev)-len(pa) {
		return false
	}
	i := bytes.Index(page, a)
	if i < 0 || !bytes.Equal(page[:i], prev[:min(i, len(prev))]) {
		return false
	}
	return bytes.HasPrefix(prev[i:], pa) && bytes.Equal(page[i+len(a):], prev[i+len(pa):])
}

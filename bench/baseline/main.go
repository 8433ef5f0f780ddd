// Command baseline is the yardstick for bench/run.sh: a minimal net/http server that
// serves fixed bodies with the same headers Candor sends for them (Content-Type, ETag,
// Cache-Control, Vary, Content-Encoding for gzip) and answers a matching If-None-Match with
// 304. Whatever Candor does beyond this costs it throughput against this server.
//
//	baseline -addr 127.0.0.1:9090 -manifest docs.tsv
//
// Each manifest line is tab-separated: path, content type, cache control, vary, ETag,
// gzip ETag, body file, gzip body file, and optionally a file of further "Name: value"
// header lines to send with every answer (to measure what Candor's other headers cost).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

type doc struct {
	contentType, cacheControl, vary string
	etag, gzETag                    string
	body, gz                        []byte
	extra                           [][2]string
}

func (d *doc) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for _, kv := range d.extra {
		h.Set(kv[0], kv[1])
	}
	body, etag := d.body, d.etag
	gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	if gz {
		body, etag = d.gz, d.gzETag
	}
	h.Set("Cache-Control", d.cacheControl)
	h.Set("Vary", d.vary)
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", d.contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func load(manifest string) (map[string]*doc, error) {
	f, err := os.Open(manifest)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	docs := map[string]*doc{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 8 && len(p) != 9 {
			return nil, fmt.Errorf("manifest line %q: want 8 or 9 tab-separated fields", sc.Text())
		}
		d := &doc{contentType: p[1], cacheControl: p[2], vary: p[3], etag: p[4], gzETag: p[5]}
		if d.body, err = os.ReadFile(p[6]); err != nil {
			return nil, err
		}
		if d.gz, err = os.ReadFile(p[7]); err != nil {
			return nil, err
		}
		if len(p) == 9 && p[8] != "" {
			b, err := os.ReadFile(p[8])
			if err != nil {
				return nil, err
			}
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok {
					d.extra = append(d.extra, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
				}
			}
		}
		docs[p[0]] = d
	}
	return docs, sc.Err()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "listen address")
	manifest := flag.String("manifest", "", "documents to serve (see the package doc)")
	flag.Parse()
	docs, err := load(*manifest)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, ok := docs[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			d.serve(w, r)
		})}
	log.Fatal(srv.Serve(ln))
}

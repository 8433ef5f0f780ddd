package sqlite

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

// openBench opens a store in the benchmark's temporary directory.
func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// fcmToken returns a random string shaped like an FCM registration token (about 163
// characters: an instance id, a colon, the rest).
func fcmToken(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 163)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	b[22] = ':'
	return string(b)
}

// writeBatches runs fn for each i in [0, n) in Writes of batch calls each.
func writeBatches(b *testing.B, s *Store, n, batch int, fn func(tx status.Tx, i int) error) {
	b.Helper()
	for start := 0; start < n; start += batch {
		err := s.Write(b.Context(), func(tx status.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				if err := fn(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeviceTokens asks the audience question the notifier asks on every incident
// change — up to 1001 tokens, enough to choose between tokens and topics — of 200 000
// devices: 80% Korean, of which 30% want everything and the rest one to three of 20
// components; of the English devices only 200 want everything and 400 want "billing", so
// some questions have a small answer — the case where the whole audience must be read.
func BenchmarkDeviceTokens(b *testing.B) {
	const devices, limit = 200_000, 1001
	s := openBench(b)
	rng := rand.New(rand.NewPCG(7, 8))
	comps := make([]string, 20)
	for i := range comps {
		comps[i] = fmt.Sprintf("component-%02d", i)
	}
	now := time.Now()
	start := time.Now()
	writeBatches(b, s, devices, 10_000, func(tx status.Tx, i int) error {
		d := &status.Device{Token: fcmToken(rng), Platform: status.Android, Locale: "ko", CreatedAt: now, UpdatedAt: now}
		switch {
		case i%5 == 0: // 20% English
			d.Locale = "en"
			switch {
			case i%1000 == 0:
				d.Components = []string{status.AllComponents}
			case i%500 == 5:
				d.Components = []string{"billing"}
			default:
				d.Components = []string{comps[rng.IntN(len(comps))]}
			}
		case rng.IntN(10) < 3:
			d.Components = []string{status.AllComponents}
		default:
			for _, j := range rng.Perm(len(comps))[:1+rng.IntN(3)] {
				d.Components = append(d.Components, comps[j])
			}
		}
		return tx.PutDevice(d)
	})
	b.Logf("%d devices stored in %v", devices, time.Since(start).Round(time.Millisecond))

	questions := []struct {
		name       string
		components []string
		locale     string
		want       func(n int) bool
	}{
		{"large audience, 2 components", comps[:2], "ko", func(n int) bool { return n == limit }},
		{"large audience, all 20 components", comps, "ko", func(n int) bool { return n == limit }},
		{"small audience", []string{"billing"}, "en", func(n int) bool { return n > 50 && n < limit }},
		{"unknown component", []string{"nope"}, "en", func(n int) bool { return n > 0 && n < limit }},
	}
	for _, q := range questions {
		b.Run(q.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				err := s.Read(b.Context(), func(tx status.Tx) error {
					tokens, err := tx.DeviceTokens(q.components, q.locale, limit)
					n = len(tokens)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if !q.want(n) {
				b.Fatalf("DeviceTokens returned %d tokens", n)
			}
			b.ReportMetric(float64(n), "tokens/op")
		})
	}
	// For comparison, the obvious query: DISTINCT over an IN list sorts every match.
	b.Run("naive DISTINCT IN, large audience, 2 components", func(b *testing.B) {
		for b.Loop() {
			rows, err := s.reader.QueryContext(b.Context(), `SELECT DISTINCT token FROM device_components
				WHERE locale = ? AND component_id IN (?, ?, ?) ORDER BY token LIMIT ?`,
				"ko", status.AllComponents, comps[0], comps[1], limit)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
	})
	b.Run("CountDevices", func(b *testing.B) {
		for b.Loop() {
			err := s.Read(b.Context(), func(tx status.Tx) error {
				n, err := tx.CountDevices()
				if n != devices {
					b.Fatalf("CountDevices = %d, want %d", n, devices)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkClaimJobs claims 10 jobs at a time from 10 000 pending topic jobs (one token
// each) behind a history of 100 000 finished ones. Each claim happens after the previous
// leases ran out, so it leases the same oldest jobs again and the queue keeps its size.
func BenchmarkClaimJobs(b *testing.B) {
	const done, pending, batch = 100_000, 10_000, 10
	s := openBench(b)
	rng := rand.New(rand.NewPCG(9, 10))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	topicJob := func(st status.JobStatus) status.OutboxJob {
		j := status.OutboxJob{Kind: status.JobSubscribe, Topic: "candor.all.ko", Tokens: []string{fcmToken(rng)},
			Status: st, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
		if st != status.JobPending {
			j.Tokens, j.Sent, j.DoneAt = nil, 1, t0
		}
		return j
	}
	start := time.Now()
	writeBatches(b, s, done, 10_000, func(tx status.Tx, i int) error {
		return tx.InsertJobs([]status.OutboxJob{topicJob(status.JobSent)})
	})
	writeBatches(b, s, pending, 10_000, func(tx status.Tx, i int) error {
		return tx.InsertJobs([]status.OutboxJob{topicJob(status.JobPending)})
	})
	b.Logf("%d done and %d pending jobs stored in %v", done, pending, time.Since(start).Round(time.Millisecond))

	now := t0.Add(time.Hour)
	claimOnce := func(b *testing.B, s *Store, tx status.Tx) {
		now = now.Add(2 * time.Minute) // past the previous leases
		js, err := tx.ClaimJobs(now, "dispatcher", time.Minute, batch)
		if err != nil {
			b.Fatal(err)
		}
		if len(js) != batch {
			b.Fatalf("ClaimJobs returned %d jobs, want %d", len(js), batch)
		}
	}
	writeEach := func(s *Store) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				if err := s.Write(b.Context(), func(tx status.Tx) error { claimOnce(b, s, tx); return nil }); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("one Write per claim", writeEach(s))
	b.Run("claims in one Write (no commit)", func(b *testing.B) {
		err := s.Write(b.Context(), func(tx status.Tx) error {
			for b.Loop() {
				claimOnce(b, s, tx)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
	b.Run("NextJobDue", func(b *testing.B) {
		for b.Loop() {
			err := s.Read(b.Context(), func(tx status.Tx) error {
				_, ok, err := tx.NextJobDue()
				if !ok {
					b.Fatal("NextJobDue: none pending")
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	// Dispatchers hold the 5 000 oldest jobs: a claim walks past their index entries.
	err := s.Write(b.Context(), func(tx status.Tx) error {
		now = now.Add(2 * time.Minute)
		_, err := tx.ClaimJobs(now, "busy", 10*365*24*time.Hour, pending/2)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("behind 5000 leased jobs, one Write per claim", writeEach(s))

	// Pushes to tokens carry up to 500 (SendEach's limit): most of a claim is now reading,
	// rewriting (the lease) and decoding those lists.
	big := openBench(b)
	writeBatches(b, big, 100, 100, func(tx status.Tx, i int) error {
		j := status.OutboxJob{Kind: status.JobPush, IncidentID: "inc", UpdateID: "u", Event: "updated", Lang: "ko",
			Payload: make([]byte, 1024), Status: status.JobPending, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
		for range 500 {
			j.Tokens = append(j.Tokens, fcmToken(rng))
		}
		return tx.InsertJobs([]status.OutboxJob{j})
	})
	b.Run("push jobs of 500 tokens, one Write per claim", writeEach(big))
}

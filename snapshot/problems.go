package snapshot

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/candorstatus/candor/status"
)

// One bad record must never stop the whole public surface from being rebuilt (issue 18:
// one incident stored with a NaN froze / and /api/v2 at their old revision for good). A
// document that fails to render keeps the previous snapshot's version, or is left out,
// and a record that cannot be encoded is left out of the documents listing it; each is
// recorded as a problem of the snapshot, which the holder logs and /metrics and /readyz
// report, so people hear of it and can fix the record.

// maxProblems bounds what a snapshot remembers; the count stays exact.
const maxProblems = 20

// renderedAround records that the document at lang and path could not be rendered (err),
// and keeps the previous snapshot's version of it when there is one.
func (s *Snapshot) renderedAround(lang, path string, err error) {
	key := docKey{lang, path}
	if prev := s.previous(key); prev != nil {
		s.docs[key] = prev
		s.problem(fmt.Sprintf("%s%s: %v (serving the previous version)", langPrefix(lang), path, err))
		return
	}
	s.problem(fmt.Sprintf("%s%s: %v (left out)", langPrefix(lang), path, err))
}

func langPrefix(lang string) string {
	if lang == "" {
		return ""
	}
	return "[" + lang + "] "
}

// problem records a problem of the build, once however many documents (languages) it
// affected.
func (s *Snapshot) problem(p string) {
	if slices.Contains(s.problems, p) {
		return
	}
	s.problemCount++
	if len(s.problems) < maxProblems {
		s.problems = append(s.problems, p)
	}
}

// Problems returns what the build that made s rendered around (at most 20) and how many
// there were; none for a clean build.
func (s *Snapshot) Problems() ([]string, int) { return s.problems, s.problemCount }

// safely runs fn, turning a panic into an error: a record that makes a template or an
// encoder panic costs its document, not the build and the process.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// guarded is the ETA model as pages use it: a panic for one incident (a model bug its
// history triggers) costs that incident its range on the pages, not every page that lists
// it; the failures are reported as problems of the next build.
type guarded struct {
	status.Estimator
	mu       sync.Mutex
	failures []string
}

func (g *guarded) recovered(inc *status.Incident) {
	if r := recover(); r != nil {
		g.mu.Lock()
		if len(g.failures) < maxProblems {
			g.failures = append(g.failures, fmt.Sprintf("incident %s shown without a range: the ETA model panicked: %v", inc.ID, r))
		}
		g.mu.Unlock()
	}
}

func (g *guarded) Estimate(inc *status.Incident, now time.Time) (e status.Estimate, ok bool) {
	defer g.recovered(inc)
	return g.Estimator.Estimate(inc, now)
}

func (g *guarded) Chance(inc *status.Incident, announced, now time.Time) (c status.Chance, ok bool) {
	defer g.recovered(inc)
	return g.Estimator.Chance(inc, announced, now)
}

// drain returns and forgets the failures since the last call, each once.
func (g *guarded) drain() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, f := range g.failures {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	g.failures = nil
	return out
}

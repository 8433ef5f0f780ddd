package snapshot

import (
	"slices"
	"strings"
)

// Paths returns the paths of the documents the snapshot holds in lang that start with
// prefix, sorted: what the API description must cover (see handlers' contract tests).
func (s *Snapshot) Paths(lang, prefix string) []string {
	var out []string
	for k := range s.docs {
		if k.lang == lang && strings.HasPrefix(k.path, prefix) {
			out = append(out, k.path)
		}
	}
	slices.Sort(out)
	return out
}

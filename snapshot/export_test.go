package snapshot

import "sort"

// Key names a document of a snapshot, for tests.
type Key struct{ Lang, Path string }

// Keys lists the documents of s, sorted.
func Keys(s *Snapshot) []Key {
	out := make([]Key, 0, len(s.docs))
	for k := range s.docs {
		out = append(out, Key{k.lang, k.path})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Lang != out[j].Lang {
			return out[i].Lang < out[j].Lang
		}
		return out[i].Path < out[j].Path
	})
	return out
}

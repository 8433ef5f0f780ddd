package postgres

import (
	"strings"
	"testing"
)

// TestFoldName checks that two names share a key exactly when strings.EqualFold says they
// are equal (the same cases as store/sqlite's test: the stored keys must agree).
func TestFoldName(t *testing.T) {
	names := []string{"alice", "Alice", "ALICE", "alicE ", "Élodie", "éLODIE", "Elodie", "kim", "Kim",
		"\u212Aim", "KİM", "kım", "straße", "STRASSE", "Straße", "ΣΊΣΥΦΟΣ", "σίσυφος", "σίσυφοσ", "ǅ", "ǆ", "Ǆ",
		"", "_ops", "運用", "µ", "Μ", "μ", "ſ", "s", "S"}
	for _, a := range names {
		for _, b := range names {
			if same, eq := foldName(a) == foldName(b), strings.EqualFold(a, b); same != eq {
				t.Errorf("foldName(%q) == foldName(%q) is %v, strings.EqualFold is %v", a, b, same, eq)
			}
		}
	}
}

package status_test

import (
	"strings"
	"testing"

	"github.com/candorstatus/candor/status"
)

// TestNameKey checks that two names share a key exactly when strings.EqualFold says they
// are equal.
func TestNameKey(t *testing.T) {
	names := []string{"alice", "Alice", "ALICE", "alicE ", "Élodie", "éLODIE", "Elodie", "kim", "Kim",
		"\u212Aim", "KİM", "kım", "straße", "STRASSE", "Straße", "ΣΊΣΥΦΟΣ", "σίσυφος", "σίσυφοσ", "ǅ", "ǆ", "Ǆ",
		"", "_ops", "運用", "µ", "Μ", "μ", "ſ", "s", "S"}
	for _, a := range names {
		for _, b := range names {
			if same, eq := status.NameKey(a) == status.NameKey(b), strings.EqualFold(a, b); same != eq {
				t.Errorf("NameKey(%q) == NameKey(%q) is %v, strings.EqualFold is %v", a, b, same, eq)
			}
		}
	}
}

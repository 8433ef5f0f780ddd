package status

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDecoyHashCostsWhatRealHashesCost (issue 18, defect 4): the hash an unknown name is
// checked against has the cost of real password hashes, so a wrong name takes as long to
// refuse as a wrong password and the answer's timing does not tell which names exist.
// Compared by bcrypt cost, not by a clock: the cost is what makes the time.
func TestDecoyHashCostsWhatRealHashesCost(t *testing.T) {
	defer func(c int) { BcryptCost = c }(BcryptCost)
	for _, cost := range []int{bcrypt.MinCost + 1, 12} {
		BcryptCost = cost
		real, err := bcrypt.GenerateFromPassword([]byte("a real password"), BcryptCost)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := bcrypt.Cost(real)
		got, err := bcrypt.Cost(decoyHash())
		if err != nil || got != want {
			t.Errorf("BcryptCost %d: decoy hash cost %d (%v), real hashes cost %d", cost, got, err, want)
		}
		if bcrypt.CompareHashAndPassword(decoyHash(), []byte("")) == nil {
			t.Error("the decoy hash matches the empty password")
		}
	}
}

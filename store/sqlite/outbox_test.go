package sqlite

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDecodeTokens checks the fast path of decodeTokens against json.Unmarshal on what
// encodeTokens writes, and that text encodeTokens would not write still decodes as JSON.
func TestDecodeTokens(t *testing.T) {
	lists := [][]string{
		nil, {""}, {"", ""}, {"a"}, {"a", "b"}, {"fYx3:APA91b-Ab_c.DEF", "x"},
		{`a"b`}, {`a","b`}, {`a\b`}, {"<&>"}, {"로그인", "b,c"}, {" a ", "]"}, {"\x00"}, {"\xff"},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	const alphabet = `ab",\[] <:-_é`
	for range 2000 {
		var l []string
		for range rng.IntN(4) {
			r := []rune(alphabet)
			s := make([]rune, rng.IntN(5))
			for i := range s {
				s[i] = r[rng.IntN(len(r))]
			}
			l = append(l, string(s))
		}
		lists = append(lists, l)
	}
	for _, l := range lists {
		enc, err := encodeTokens(l)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if err := json.Unmarshal([]byte(enc), &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeTokens(enc)
		if err != nil {
			t.Errorf("decodeTokens(%s): %v", enc, err)
		}
		if !slices.Equal(got, want) || (got == nil) != (len(want) == 0) {
			t.Errorf("decodeTokens(%s) = %q, want %q", enc, got, want)
		}
	}
	// Valid JSON that json.Marshal does not write takes the slow path.
	for in, want := range map[string][]string{
		`["a", "b"]`: {"a", "b"},
		`[ "a" ]`:    {"a"},
		`["a","b" ]`: {"a", "b"},
		`[]`:         nil,
		` [] `:       nil,
	} {
		got, err := decodeTokens(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("decodeTokens(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`["]`, `["a"`, `x`, `"a"`} {
		if got, err := decodeTokens(in); err == nil {
			t.Errorf("decodeTokens(%s) = %q, want an error", in, got)
		}
	}
}

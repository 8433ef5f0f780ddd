package lang

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestUnmarshalText(t *testing.T) {
	tests := []struct {
		in   string
		want Text
		err  bool
	}{
		{`"Login failures"`, Same("Login failures"), false},
		{`{"ko": "로그인 장애", "en": "Login failures"}`, Text{KO: "로그인 장애", EN: "Login failures"}, false},
		{`{"ko": "로그인 장애"}`, Text{KO: "로그인 장애"}, false},
		{`null`, Text{}, false},
		{`{"kr": "로그인 장애"}`, Text{}, true},
		{`42`, Text{}, true},
		{`["a"]`, Text{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var got Text
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.err {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	var req struct {
		Title Text `json:"title"`
	}
	err := json.Unmarshal([]byte(`{"title": {"fr": "x"}}`), &req)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field != "title" {
		t.Fatalf("unknown language: %v, want a type error naming the field", err)
	}
}

func TestMarshalAlwaysObject(t *testing.T) {
	b, err := json.Marshal(struct{ Title Text }{In(Korean, "장애")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"Title":{"ko":"장애","en":""}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestPickFallsBack(t *testing.T) {
	tx := In(Korean, "장애")
	if s, l := tx.Pick(English, Korean); s != "장애" || l != Korean {
		t.Fatalf("English reader of a Korean-only text: %q %q", s, l)
	}
	tx = In(English, "Outage")
	if s, l := tx.Pick(Korean, Korean); s != "Outage" || l != English {
		t.Fatalf("no text in the reader's nor the default language: %q %q", s, l)
	}
	if s, l := Same("x").Pick(English, Korean); s != "x" || l != English {
		t.Fatalf("own language first: %q %q", s, l)
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, tx := range []Text{{}, Same("a"), In(Korean, "가"), {KO: `{"ko"`, EN: "b\n\"c\""}} {
		if got := Decode(tx.Encode()); got != tx {
			t.Errorf("round trip of %+v gave %+v", tx, got)
		}
	}
	if got := Decode("written before languages"); got != Same("written before languages") {
		t.Errorf("legacy text: %+v", got)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{"ko": Korean, "KO": Korean, "ko-KR": Korean, "en_US": English, " en ": English} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "fr", "k", "korean"} {
		if _, ok := Parse(in); ok {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	if Of("ja-JP") != English || Of("ko-KR") != Korean {
		t.Error("Of should write Korean for Korean locales and English otherwise")
	}
}
